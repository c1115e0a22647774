// Package function invokes Lambda functions: the integration and authorizer
// stages call an Invoker and get back a Result (the function answered,
// possibly with a function error) or an *InvokeError (it did not: timeout,
// crash, init failure, throttling).
//
// Local, in this package, runs users' unmodified handlers on this machine,
// without containers, through our own Lambda Runtime API server (package
// runtimeapi): nodejs* functions under node with the embedded bootstrap
// (package bootstrap), python3* functions under python3 with the embedded
// Python bootstrap, go1.x and provided.* functions as a "bootstrap"
// executable, built from Go sources with -tags lambda.norpc into a
// content-addressed cache. The remote implementation (AWS Lambda through
// the SDK) lives in package awslambda.
//
// Local reproduces the Lambda execution model ("Lambda execution
// environment lifecycle", "Understanding Lambda function scaling"):
//
//   - an execution environment (worker process) runs one event at a time
//     and stays warm between events; module-level state survives, as it
//     does on Lambda;
//   - concurrent events start more workers, up to MaxWorkers per function,
//     then wait up to QueueWait and fail as TooManyRequestsException;
//   - a worker idle for IdleTTL exits;
//   - init (loading the handler) must finish within 10 s; an event that runs
//     past the function's Timeout (default 3 s) gets Lambda's "Task timed
//     out after N.NN seconds" document and its worker is killed and
//     replaced; a worker that dies mid-event yields Runtime.ExitError;
//   - the environment carries Lambda's variables (AWS_LAMBDA_FUNCTION_NAME,
//     AWS_REGION, _HANDLER, LAMBDA_TASK_ROOT, AWS_LAMBDA_RUNTIME_API, ...),
//     the function's own and SAM CLI --env-vars overrides.
//
// # A worker's process tree
//
// On Linux every worker runs under a small supervisor (this binary started
// again, see supervisor_linux.go) that is a child subreaper: whatever the
// handler starts, detached into a session of its own or double-forked,
// stays below it, and it kills all of it when the worker exits, when the
// gateway kills the worker (timeout, idle, Close) and when the gateway dies,
// SIGKILL included (it holds a pipe only the gateway can write to, and
// reads EOF when the gateway is gone). Close waits until every tree has
// ended. Elsewhere a worker gets a process group of its own, which a
// detached child leaves.
//
// A private runtime directory (bootstraps, inline code) is named after the
// process that owns it and the owner's start time; NewLocal removes those
// whose owner is gone, so a killed gateway's files do not pile up.
//
// # Who may speak for a worker
//
// A worker's Runtime API endpoint serves only connections from its own
// process tree (runtimeapi.PeerCheck). On Linux, the connecting socket's
// inode is looked up by the connection's two addresses (sock_diag, or
// /proc/net/tcp where netlink is unavailable), and the connection is admitted only when a process of the worker's tree
// (the supervisor's descendants) holds a descriptor on that socket. This
// was chosen over a per-worker secret because a secret would have to live
// in the worker's environment, which every process of the same user can
// read from /proc/<pid>/environ, and would have to travel in the URL
// (AWS_LAMBDA_RUNTIME_API=host:port/secret), which clients that parse the
// variable as host:port (our bootstraps, Rust's lambda_runtime, AWS's
// runtime interface clients) cannot send. Socket ownership needs nothing
// from the client, holds against same-user processes and browsers, and
// covers a provided bootstrap that forks or execs its real client. It is
// checked once per connection; runtimes keep theirs alive. Outside Linux
// the check admits every local connection (there is no /proc to ask).
//
// Known differences from Lambda: no memory or CPU limit is enforced; the
// whole host filesystem is visible; a Go function that is a package inside
// a larger module is rebuilt when its own directory or the module's go.mod
// and go.sum change, not when a sibling package it imports changes.
package function
