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
//
// # Only the endpoint's runtime is served
//
// /next hands out events that carry callers' bearer tokens, and /response
// decides what an authorizer answered, so a listener on 127.0.0.1 must not
// serve whoever connects to it: any local process, or a browser page
// through DNS rebinding, can reach a loopback port. Every endpoint
// therefore has a PeerCheck, set with Admit once its process exists, that
// each connection passes before its first request is served; a refused
// connection answers 403 on every route (unknown ones included) and is
// closed. Requests that arrive before Admit wait for it. The check runs
// once per connection, so a keep-alive runtime pays for it once per
// process. Package function supplies the check (the socket must be held by
// the worker's process tree); this package only enforces it.
package runtimeapi
