// Package integration runs a method's integration, the last stage of the
// pipeline: HTTP_PROXY (the request passed through to an HTTP backend),
// AWS_PROXY (the Lambda proxy event in, the proxy response out, spec §11)
// and MOCK (a status chosen by the request template, with integration and
// method response mappings, which is how CORS preflight methods answer).
//
// Each integration is compiled once from the model. Failures are returned as
// *gwresponse.Error values with API Gateway's messages (504 "Endpoint
// request timed out", 502 "Internal server error" for a bad Lambda
// response); the gateway renders them.
package integration
