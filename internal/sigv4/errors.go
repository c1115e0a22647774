package sigv4

import "fmt"

// Kind classifies a verification failure. The gateway turns each kind into
// the API Gateway response of docs/behaviour.md#IAM-2/docs/behaviour.md#IAM-1; this package only classifies.
type Kind int

const (
	// MissingToken: the request carries neither an Authorization header nor
	// an X-Amz-Algorithm query parameter. 403 {"message":"Missing
	// Authentication Token"}, MissingAuthenticationTokenException.
	MissingToken Kind = iota + 1
	// Incomplete: the Authorization header or the presigned query is
	// malformed (missing parameters, a part without '=', a bad date, an
	// unsupported algorithm, a credential without five parts). 403,
	// IncompleteSignatureException.
	Incomplete
	// UnknownKey: the access key is not known, or the session token does not
	// belong to it. 403 "The security token included in the request is
	// invalid.".
	UnknownKey
	// InvalidSignature: the signature does not match, host is not signed, or
	// both the header and the query form were used. 403,
	// InvalidSignatureException.
	InvalidSignature
	// Expired: X-Amz-Date is outside the clock-skew window (either side) or
	// past a presigned URL's X-Amz-Expires. 403, InvalidSignatureException
	// (docs/behaviour.md#DEC-SIGV4-EXPIRED).
	Expired
	// ScopeRegion: the credential scope names another region. 403,
	// InvalidSignatureException.
	ScopeRegion
	// ScopeService: the credential scope names another service or a
	// terminator other than aws4_request. 403, InvalidSignatureException.
	ScopeService
	// ScopeDate: the credential scope date is not X-Amz-Date's day. 403,
	// InvalidSignatureException.
	ScopeDate
	// BodyTooLarge: the body exceeds API Gateway's 10 MB payload limit. The
	// listener caps bodies before this stage; this is the defensive twin.
	// 413.
	BodyTooLarge
)

func (k Kind) String() string {
	switch k {
	case MissingToken:
		return "MissingToken"
	case Incomplete:
		return "Incomplete"
	case UnknownKey:
		return "UnknownKey"
	case InvalidSignature:
		return "InvalidSignature"
	case Expired:
		return "Expired"
	case ScopeRegion:
		return "ScopeRegion"
	case ScopeService:
		return "ScopeService"
	case ScopeDate:
		return "ScopeDate"
	case BodyTooLarge:
		return "BodyTooLarge"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Error is every failure Verify returns.
type Error struct {
	Kind Kind
	// Message is the text AWS puts in the response body, verbatim.
	Message string
	// Detail explains the failure for the execution log: on InvalidSignature
	// the canonical request and string to sign this gateway computed, and
	// hints about likely causes. It never contains a secret and is never
	// sent to the client.
	Detail string
}

func (e *Error) Error() string { return e.Message }

// Messages AWS returns, verbatim (docs/behaviour.md#IAM-2 and docs/behaviour.md#IAM-1).
const (
	msgMissingToken      = "Missing Authentication Token"
	msgUnknownKey        = "The security token included in the request is invalid."
	msgSignatureMismatch = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgBothForms    = "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."
	msgHostUnsigned = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
)

func newError(k Kind, msg string) *Error { return &Error{Kind: k, Message: msg} }
