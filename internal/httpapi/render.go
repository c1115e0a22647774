package httpapi

import (
	"encoding/json"
	"errors"
	"strconv"

	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// Error is a refusal of the HTTP API data plane. HTTP APIs have no gateway
// responses: the client always gets the status and {"message": Message}.
type Error struct {
	Status  int
	Message string
	// Headers are added to the response (www-authenticate for JWT).
	Headers []reqctx.Header
	// Cause is logged, never sent.
	Cause error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return strconv.Itoa(e.Status) + " " + e.Message + ": " + e.Cause.Error()
	}
	return strconv.Itoa(e.Status) + " " + e.Message
}

func (e *Error) Unwrap() error { return e.Cause }

// The fixed answers of HTTP APIs.
func notFound() *Error { return &Error{Status: 404, Message: "Not Found"} }
func unauthorized(cause error) *Error {
	return &Error{Status: 401, Message: "Unauthorized", Cause: cause}
}
func forbidden(cause error) *Error { return &Error{Status: 403, Message: "Forbidden", Cause: cause} }
func internalError(cause error) *Error {
	return &Error{Status: 500, Message: "Internal Server Error", Cause: cause}
}

func serviceUnavailable(cause error) *Error {
	return &Error{Status: 503, Message: "Service Unavailable", Cause: cause}
}

// Response is what the client receives.
type Response struct {
	Status  int
	Headers []reqctx.Header
	Body    []byte
}

// render is the only place a refusal becomes a response. Any error that is
// not an *Error is an internal error: the cause stays in the log.
func render(err error) Response {
	var e *Error
	if !errors.As(err, &e) {
		e = internalError(err)
	}
	msg, _ := json.Marshal(e.Message)
	body := make([]byte, 0, len(msg)+13)
	body = append(body, `{"message":`...)
	body = append(body, msg...)
	body = append(body, '}')
	hs := make([]reqctx.Header, 0, len(e.Headers)+1)
	hs = append(hs, reqctx.Header{Name: "Content-Type", Value: "application/json"})
	hs = append(hs, e.Headers...)
	return Response{Status: e.Status, Headers: hs, Body: body}
}
