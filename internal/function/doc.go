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
// Each worker runs in a process group of its own, so killing it (timeout,
// idle, Close) also kills whatever the handler spawned; Close waits until
// every worker has exited.
//
// Known differences from Lambda: no memory or CPU limit is enforced; the
// whole host filesystem is visible; a Go function that is a package inside
// a larger module is rebuilt when its own directory or the module's go.mod
// and go.sum change, not when a sibling package it imports changes.
package function
