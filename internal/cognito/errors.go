package cognito

// Kind classifies a verification failure by the gateway response it leads
// to. A Kind is itself an error so that callers can write
// errors.Is(err, cognito.Unauthorized).
type Kind int

const (
	// Unauthorized: the token is missing, malformed, badly signed, expired,
	// from a pool the authorizer does not name, of the wrong token_use, or
	// holds none of the method's scopes. API Gateway answers UNAUTHORIZED,
	// 401 {"message":"Unauthorized"} (docs/behaviour.md#COGNITO-1, docs/behaviour.md#COGNITO-1).
	Unauthorized Kind = iota + 1
	// KeysUnavailable: the signing keys of the token's pool could not be
	// obtained (JWKS URL unreachable or answering garbage, or no key source
	// configured for a pool the authorizer names). AUTHORIZER_FAILURE, 500
	// (docs/behaviour.md#DEC-AUTHORIZER-FAILURE).
	KeysUnavailable
)

func (k Kind) Error() string {
	switch k {
	case Unauthorized:
		return "unauthorized"
	case KeysUnavailable:
		return "user pool keys unavailable"
	}
	return "unknown cognito error kind"
}

// Error is a failed verification. Reason says precisely why, for the
// execution log; it must never be sent to the client, which only ever sees
// the gateway response of Kind.
type Error struct {
	Kind   Kind
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

func unauthorized(reason string, err error) *Error {
	return &Error{Kind: Unauthorized, Reason: reason, Err: err}
}

func keysUnavailable(reason string, err error) *Error {
	return &Error{Kind: KeysUnavailable, Reason: reason, Err: err}
}
