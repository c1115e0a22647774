// Package admin is the admin listener (127.0.0.1:3001 by default, never
// public unless asked): the subset of API Gateway's REST management API
// that AWS SDKs and the CLI can call with --endpoint-url — GetRestApis,
// GetResources (embed=methods), GetAuthorizers, GetStages,
// GetGatewayResponses and their single-item forms,
// FlushStageAuthorizersCache (202), TestInvokeAuthorizer and
// TestInvokeMethod — plus the Lambda Invoke API for the definition's
// functions (as `sam local start-lambda`), Prometheus metrics at /metrics,
// /healthz and /readyz, and the decision view: a page at / (embedded from
// ui/) listing recent decisions from /decisions, pushed live by
// /decisions/stream.
//
// Wire formats are the services' own: paths, status codes, field names,
// collections as {"item": [...], "position": ...}, errors as
// {"message": ...} (Lambda: {"Type", "Message"}) with x-amzn-ErrorType,
// which SDKs map to their exception classes. What the package needs from
// the running gateway — test invocations, functions — it declares as small
// interfaces (AuthorizerTester, MethodTester, Functions); the server
// package implements them.
package admin
