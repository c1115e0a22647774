// Package integration runs a method's integration, the last stage of the
// pipeline: HTTP_PROXY (the request passed through to an HTTP backend),
// AWS_PROXY (the Lambda proxy event in, the proxy response out, docs/behaviour.md#INTEG-1),
// MOCK (a status chosen by the request template, with integration and
// method response mappings, which is how CORS preflight methods answer),
// and the non-proxy HTTP and AWS (Lambda) integrations, whose requests and
// responses go through mapping templates (package vtl) and integration
// responses chosen by selectionPattern (mapping.go).
//
// Each integration is compiled once from the model. Failures are returned as
// *gwresponse.Error values with API Gateway's types and messages: 504
// INTEGRATION_TIMEOUT "Endpoint request timed out" when the integration's
// timeout expires; for AWS_PROXY, 502 INTEGRATION_FAILURE "Internal server
// error" when the function fails (error, crash, its own timeout, oversized
// response), 502 "Internal server error" for a malformed proxy response,
// 413 "Request Too Long" for an event over Lambda's request quota and 500
// API_CONFIGURATION_ERROR for a base64 body that cannot be decoded. The
// gateway renders them.
package integration
