// Package awslambda invokes functions that run on AWS Lambda rather than on
// this machine: a function given only by ARN, or opted in to remote
// invocation by configuration. It implements function.Invoker with the
// Lambda Invoke API (POST /2015-03-31/functions/{name}/invocations) through
// the AWS SDK for Go v2, using the standard credential chain, and is the only
// package that imports the SDK.
//
// Outcomes map onto function.Result and function.InvokeError the way API
// Gateway sees them: a function that failed in its own code is a completed
// invocation whose X-Amz-Function-Error becomes Result.FunctionError; an
// invocation Lambda refused is an *InvokeError (ResourceNotFoundException →
// KindNotFound, TooManyRequestsException → KindThrottled, anything else →
// KindTransport, the caller's deadline → KindTimeout).
package awslambda
