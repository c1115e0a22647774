package function

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/function/runtimeapi"
)

// Invoker runs a function once. Consumers declare the narrower interfaces
// they need; this one is what both the local runtime and remote AWS Lambda
// implement.
type Invoker interface {
	Invoke(ctx context.Context, fn *apimodel.Function, payload []byte) (Result, error)
}

// Result is a completed invocation. A function that failed in its own code
// (threw, returned an error, called the error callback) is still a completed
// invocation: FunctionError says so, as Lambda's X-Amz-Function-Error header
// does, and Payload holds the error document
// ({"errorType","errorMessage","trace"|"stackTrace"}).
type Result struct {
	Payload []byte
	// FunctionError is "" on success and "Unhandled" when the function
	// reported an error.
	FunctionError string
	Duration      time.Duration
	// ColdStart is true when a new worker was started for this call.
	ColdStart bool
}

// Lambda's synchronous invocation payload quotas ("Lambda quotas": 6 MB
// each for request and response). The two numbers differ by 100 bytes:
// Invoke refuses a larger request with RequestEntityTooLargeException
// "Request must be smaller than 6291456 bytes for the InvokeFunction
// operation" (awslabs/aws-athena-query-federation#793), and a larger
// response fails the call with "Response payload size exceeded maximum
// allowed payload size (6291556 bytes)." (DataBiosphere/azul#8192).
const (
	MaxRequestPayload  = 6291456
	MaxResponsePayload = runtimeapi.DefaultMaxPayload
)

// ErrorKind classifies invocations that did not complete.
type ErrorKind int

const (
	// KindTransport: the function could not be reached or spoke garbage.
	KindTransport ErrorKind = iota
	// KindTimeout: the function ran past its Timeout and was stopped.
	KindTimeout
	// KindExit: the worker process exited during the call (Runtime.ExitError).
	KindExit
	// KindInit: the runtime failed to initialise (bad handler, syntax error).
	KindInit
	// KindThrottled: every worker was busy for longer than the queue wait.
	KindThrottled
	// KindNotFound: no such function.
	KindNotFound
	// KindRequestTooLarge: the event is over MaxRequestPayload; the
	// function did not run.
	KindRequestTooLarge
)

func (k ErrorKind) String() string {
	switch k {
	case KindTimeout:
		return "Timeout"
	case KindExit:
		return "Runtime.ExitError"
	case KindInit:
		return "Runtime.InitError"
	case KindThrottled:
		return "TooManyRequestsException"
	case KindNotFound:
		return "ResourceNotFoundException"
	case KindRequestTooLarge:
		return "RequestEntityTooLargeException"
	default:
		return "Transport"
	}
}

// InvokeError is an invocation that did not complete.
type InvokeError struct {
	Kind     ErrorKind
	Function string
	// Payload is the error document Lambda would report for this failure,
	// when there is one (for example a timeout's "Task timed out after ...").
	Payload []byte
	Err     error
}

func (e *InvokeError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("function %s: %s: %v", e.Function, e.Kind, e.Err)
	}
	return fmt.Sprintf("function %s: %s", e.Function, e.Kind)
}

func (e *InvokeError) Unwrap() error { return e.Err }

// IsKind reports whether err is an *InvokeError of kind k.
func IsKind(err error, k ErrorKind) bool {
	var ie *InvokeError
	return errors.As(err, &ie) && ie.Kind == k
}

type traceKey struct{}

// WithTraceID returns ctx carrying the X-Amzn-Trace-Id of the request an
// invocation serves. The local runtime hands it to the function as
// Lambda-Runtime-Trace-Id, which the runtime client puts in
// _X_AMZN_TRACE_ID, so that the function and the gateway's response name
// the same trace, as on AWS.
func WithTraceID(ctx context.Context, id string) context.Context {
	if id == "" {
		return ctx
	}
	return context.WithValue(ctx, traceKey{}, id)
}

// traceID is the trace of ctx's request in the form Lambda passes it
// (with a Sampled field), or a new one.
func traceID(ctx context.Context, now time.Time) string {
	id, _ := ctx.Value(traceKey{}).(string)
	if id == "" {
		return newTraceID(now)
	}
	if !strings.Contains(id, "Sampled=") {
		id += ";Sampled=0"
	}
	return id
}
