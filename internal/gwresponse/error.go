package gwresponse

import "fmt"

// Error is a pipeline failure that becomes a gateway response.
type Error struct {
	Type Type
	// Message is $context.error.message; ignored when NullMessage is set.
	Message string
	// NullMessage renders $context.error.messageString as the bare token
	// null, as for authorizer configuration errors ({"message":null}).
	NullMessage bool
	// Status overrides the type's default status where API Gateway uses a
	// type with another code (a malformed Lambda proxy response is a 502
	// DEFAULT_5XX).
	Status int
	// ErrorType overrides the type's x-amzn-ErrorType.
	ErrorType string
	// Cause is the internal reason, for the execution log only.
	Cause error
}

// Errorf returns an *Error of type t with the public message msg and an
// internal cause built from format and args.
func Errorf(t Type, msg string, format string, args ...any) *Error {
	return &Error{Type: t, Message: msg, Cause: fmt.Errorf(format, args...)}
}

// New returns an *Error of type t with the public message msg.
func New(t Type, msg string) *Error { return &Error{Type: t, Message: msg} }

// Null returns an *Error of type t whose message renders as null.
func Null(t Type, cause error) *Error { return &Error{Type: t, NullMessage: true, Cause: cause} }

func (e *Error) Error() string {
	msg := e.Message
	if e.NullMessage {
		msg = "null"
	}
	if e.Cause != nil {
		return fmt.Sprintf("%s: %s (%v)", e.Type, msg, e.Cause)
	}
	return fmt.Sprintf("%s: %s", e.Type, msg)
}

func (e *Error) Unwrap() error { return e.Cause }

// MissingAuthTokenMessage answers unknown routes and unsigned IAM calls
// (docs/behaviour.md#GWR-1).
const MissingAuthTokenMessage = "Missing Authentication Token"

// MissingToken is the 403 for a request that matches no resource or method.
func MissingToken() *Error { return New(MissingAuthenticationToken, MissingAuthTokenMessage) }

// InternalError is API Gateway's {"message": "Internal server error"}, a
// DEFAULT_5XX response: status 500 for a failure inside the gateway or an
// unreachable backend, 502 for a failed or malformed Lambda proxy response.
func InternalError(status int, cause error) *Error {
	return &Error{Type: Default5XX, Status: status, Message: "Internal server error", Cause: cause}
}

// TooLarge is the 413 of a request over API Gateway's 10 MB payload limit.
func TooLarge(cause error) *Error {
	return &Error{Type: RequestTooLarge, Message: "Request Too Long", Cause: cause}
}
