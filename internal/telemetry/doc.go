// Package telemetry holds what operators watch a running gateway with: the
// Prometheus metrics served at /metrics on the admin listener, and the
// execution-log format of API Gateway's test-invoke answers.
//
// Metrics live on a private prometheus.Registry (never the global one), so
// that several gateways in one process — tests, a reload — never collide.
// One *Metrics value is handed to every stage that reports: the gateway
// (requests by API, stage, route and status, their latency, throttled
// requests), the Lambda authorizers (invocations, their duration and
// errors), the authorizer cache (hits, misses, evictions, expirations) and
// the local function runtime (cold starts, invocation durations, live
// workers). Each stage declares the small interface it reports through;
// *Metrics implements all of them.
//
// ExecutionLog renders slog records as the lines of an API Gateway
// execution log ("Thu Mar 17 12:34:56 UTC 2022 : Starting execution for
// request: ..."), which TestInvokeAuthorizer and TestInvokeMethod return in
// their log field (docs/behaviour.md#LOG-1).
package telemetry
