package jwtverify

import (
	"net/http"
	"strings"
)

// Kind classifies a failure by the response it leads to. A Kind is itself
// an error, so that callers can write errors.Is(err, jwtverify.Forbidden).
type Kind int

const (
	// Unauthorized: the token is missing, malformed, badly signed, from an
	// unknown issuer, outside its validity window, for another audience or
	// breaks a claim rule. 401 {"message":"Unauthorized"}.
	Unauthorized Kind = iota + 1
	// Forbidden: a valid token holding none of the route's or method's
	// scopes. 403 {"message":"Forbidden"} ("Attach a JWT authorizer to
	// methods and require scopes": "A valid token that carries none of the
	// method's scopes receives a 403 Forbidden response").
	Forbidden
	// KeysUnavailable: the issuer's keys could not be obtained (discovery
	// document or JWKS unreachable, or answering garbage). The token may be
	// genuine, so this is the gateway's failure: 500 (AUTHORIZER_FAILURE on
	// REST APIs, docs/behaviour.md#DEC-AUTHORIZER-FAILURE).
	KeysUnavailable
)

func (k Kind) Error() string {
	switch k {
	case Unauthorized:
		return "unauthorized"
	case Forbidden:
		return "forbidden"
	case KeysUnavailable:
		return "signing keys unavailable"
	}
	return "unknown jwtverify error kind"
}

// Status is the HTTP status of the kind.
func (k Kind) Status() int {
	switch k {
	case Unauthorized:
		return http.StatusUnauthorized
	case Forbidden:
		return http.StatusForbidden
	}
	return http.StatusInternalServerError
}

// Error is a failed verification. Status and WWWAuthenticate are what the
// client receives; Reason says precisely why, for the log only.
type Error struct {
	Kind Kind
	// Status is the HTTP status: 401, 403 or 500.
	Status int
	// WWWAuthenticate is the www-authenticate header value, "" for none.
	WWWAuthenticate string
	// Reason names the failed check, for the log.
	Reason string
	// Err is the underlying cause, if any.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Kind.Error() + ": " + e.Reason + ": " + e.Err.Error()
	}
	return e.Kind.Error() + ": " + e.Reason
}

func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is the Kind of e.
func (e *Error) Is(target error) bool {
	k, ok := target.(Kind)
	return ok && k == e.Kind
}

// The error_description values of the www-authenticate header. Only the
// audience one is documented, with a real response ("Troubleshooting issues
// with HTTP API JWT authorizers": `www-authenticate: Bearer scope=""
// error="invalid_token" error_description="the token does not have a valid
// audience"`); the others follow its wording and are kept here, in one
// place, so that a capture can correct them.
const (
	DescAudience    = "the token does not have a valid audience"
	DescIssuer      = "the token does not have a valid issuer"
	DescExpired     = "the token has expired"
	DescNotYetValid = "the token is not valid yet"
	DescIssuedLater = "the token was issued in the future"
	DescMalformed   = "the token is malformed"
	DescAlgorithm   = "the token's signing algorithm is not allowed"
	DescSignature   = "the token signature is invalid"
	DescKey         = "the token's signing key is unknown"
	DescClaim       = "the token does not have a valid claim"
	DescScope       = "the token does not have a required scope"
)

// invalidToken is the 401 answer for a token that failed a check.
func invalidToken(desc, reason string, err error) *Error {
	return &Error{
		Kind:            Unauthorized,
		Status:          http.StatusUnauthorized,
		WWWAuthenticate: `Bearer scope="" error="invalid_token" error_description="` + desc + `"`,
		Reason:          reason,
		Err:             err,
	}
}

// insufficientScope is the 403 answer for a valid token without the scope;
// the scope attribute lists the scopes that would have passed (RFC 6750
// §3.1).
func insufficientScope(scopes []string, reason string) *Error {
	return &Error{
		Kind:            Forbidden,
		Status:          http.StatusForbidden,
		WWWAuthenticate: `Bearer scope="` + strings.Join(scopes, " ") + `" error="insufficient_scope" error_description="` + DescScope + `"`,
		Reason:          reason,
	}
}

// keysUnavailable is the 500 answer when the issuer's keys cannot be
// obtained; the client learns nothing of the cause.
func keysUnavailable(reason string, err error) *Error {
	return &Error{Kind: KeysUnavailable, Status: http.StatusInternalServerError, Reason: reason, Err: err}
}
