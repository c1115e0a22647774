// Package runtimeapi is the server side of the AWS Lambda Runtime API
// (version 2018-06-01): the HTTP interface a Lambda runtime polls for events
// and posts results to. Package function starts worker processes (our
// embedded Node.js and Python bootstraps, or a Go/provided "bootstrap"
// binary built on aws-lambda-go) and talks to them only through this server,
// so the same unmodified handler code runs here and on AWS Lambda.
//
// Routes, as in the AWS Lambda Developer Guide page "Using the Lambda runtime
// API for custom runtimes":
//
//	GET  /2018-06-01/runtime/invocation/next         long poll; answers 200 with the event
//	POST /2018-06-01/runtime/invocation/{id}/response  202
//	POST /2018-06-01/runtime/invocation/{id}/error     202
//	POST /2018-06-01/runtime/init/error               202
//
// Anything else (the Extensions API register call made by Go functions
// using lambda.WithEnableSIGTERM, telemetry, logs) answers 404, which the
// clients treat as "no extensions".
//
// # One listener per sandbox
//
// Every runtime client builds its URLs as
// "http://" + AWS_LAMBDA_RUNTIME_API + "/2018-06-01/runtime/...", and some
// (Rust's lambda_runtime, for instance) parse the variable as a bare
// host:port, so the variable cannot carry a path prefix identifying the
// worker. Request ids identify /response and /error calls, but /next carries
// nothing at all: on a shared port the server could not tell which process is
// asking, and therefore could not hand each process exactly one event at a
// time, nor attribute a crash to the event the crashed process was running.
//
// So there is one http.Server (one handler, one route table, one set of
// timeouts) serving many listeners: each Endpoint is a 127.0.0.1:0 listener
// of its own, and AWS_LAMBDA_RUNTIME_API for a worker is exactly that
// address. The server learns the endpoint once per TCP connection (in
// ConnContext, from the connection's local port); runtimes keep their
// connection alive, so on the hot path routing costs a context lookup. A
// listener costs one file descriptor and one accept goroutine per live
// worker, which is bounded by the per-function worker limit.
//
// The /next route has no write timeout: the runtime legitimately waits
// there for minutes between events.
package runtimeapi
