// Package gwresponse renders every error of the request pipeline as an API
// Gateway gateway response (docs/behaviour.md#GWR-1, docs/behaviour.md#GWR): the 21 response types with AWS's
// default status codes and x-amzn-ErrorType values, DEFAULT_4XX/DEFAULT_5XX
// fallback, header mappings and response templates.
//
// Stages never write responses. They return an *Error naming the response
// type, the public message and the internal cause; the gateway hands it to
// a Set compiled once per API, which is the one place a gateway response is
// rendered. Templates are plain substitution, not VTL, as in API Gateway:
// $context.*, $stageVariables.*, $context.error.* and $context.authorizer.*
// are replaced and everything else is copied verbatim.
package gwresponse
