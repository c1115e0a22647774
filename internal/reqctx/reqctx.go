package reqctx

import (
	"net/url"
	"strings"
	"time"
)

// Header is one header line as received.
type Header struct {
	Name  string
	Value string
}

// Param is one query-string parameter, unescaped, in request order.
type Param struct {
	Name  string
	Value string
}

// Request is one client request after the stage prefix was removed.
type Request struct {
	// ID is the request id returned as x-amzn-RequestId.
	ID string
	// ExtendedID is the x-amz-apigw-id value.
	ExtendedID string
	// Time is when the request arrived.
	Time time.Time

	// Method is one of the seven verbs API Gateway serves (see Verb).
	Method string
	// WirePath is the path exactly as on the request line, before the stage
	// prefix was removed: what a SigV4 client signed, and nothing else.
	WirePath string
	// Path is the canonical path below the stage, percent-encoded the one
	// canonical way (CanonicalPath): what the method ARN, the Lambda
	// event's path and an HTTP backend's URL carry.
	Path string
	// DecodedPath is Path decoded: what the router matched.
	DecodedPath string
	// DomainPath is, on a custom domain, the whole canonical path as
	// received (base path, and the stage when the mapping names none,
	// included), which API Gateway hands a Lambda proxy integration as
	// path and requestContext.path; "" on the API's own endpoint.
	DomainPath string
	// RawQuery is the query string without '?'.
	RawQuery string
	// Query is RawQuery parsed once, in order.
	Query []Param
	// Headers in the order and with the names the client sent.
	Headers []Header
	Body    []byte
	// Host is the Host header value.
	Host     string
	Protocol string // "HTTP/1.1"
	// SourceIP is the peer address, or the trusted X-Forwarded-For hop.
	SourceIP string
	// TraceID is the X-Amzn-Trace-Id value the request carries on.
	TraceID string
	// Secure is true when the request arrived over TLS.
	Secure bool

	// Set by the gateway once the stage is resolved.
	APIID          string
	AccountID      string
	Stage          string
	StageVariables map[string]string
	// Set by the router.
	ResourcePath string
	ResourceID   string
	PathParams   map[string]string
	// MethodARN is the execute-api ARN of this request (docs/behaviour.md#PIPE-2).
	MethodARN string

	// Set by the authorization stage.
	Authorizer *AuthorizerContext
	Identity   Identity
}

// AuthorizerContext is what an authorizer hands downstream
// (requestContext.authorizer and $context.authorizer.*).
type AuthorizerContext struct {
	PrincipalID string
	// Context holds a Lambda authorizer's context values, stringified as API
	// Gateway does ("123", "true"); a JSON null stays a nil entry.
	Context map[string]*string
	// Claims are a Cognito token's claims rendered as strings (docs/behaviour.md#COGNITO-1).
	Claims map[string]string
	// Scopes of a Cognito access token.
	Scopes []string
	// IntegrationLatency is the authorizer's latency in ms (0 on a cache hit).
	IntegrationLatency int64
	// UsageIdentifierKey is the API key an authorizer returned.
	UsageIdentifierKey string
}

// Identity is requestContext.identity.
type Identity struct {
	AccessKey string
	AccountID string
	Caller    string
	User      string
	UserARN   string
	APIKey    string
	APIKeyID  string
}

// HeaderValue returns the value of the named header, compared
// case-insensitively, and whether it was present. A header sent on several
// lines gives its last line, the value API Gateway puts in the event's
// single-value headers map; every single-value lookup (identity sources,
// method.request.header.X, $context) reads it through here, so that what an
// authorizer saw and what a function reads in event.headers agree.
func (r *Request) HeaderValue(name string) (string, bool) {
	for i := len(r.Headers) - 1; i >= 0; i-- {
		if strings.EqualFold(r.Headers[i].Name, name) {
			return r.Headers[i].Value, true
		}
	}
	return "", false
}

// HeaderConflict reports whether the named header was sent on several lines
// with different values. Such a header is refused where it identifies the
// caller: the single-value reading (the last line) and a backend that reads
// the first line would otherwise see different callers.
func (r *Request) HeaderConflict(name string) bool {
	first, seen := "", false
	for i := range r.Headers {
		if !strings.EqualFold(r.Headers[i].Name, name) {
			continue
		}
		if !seen {
			first, seen = r.Headers[i].Value, true
		} else if r.Headers[i].Value != first {
			return true
		}
	}
	return false
}

// QueryConflict reports whether the named query parameter was sent several
// times with different values (see HeaderConflict).
func (r *Request) QueryConflict(name string) bool {
	first, seen := "", false
	for _, p := range r.Query {
		if p.Name != name {
			continue
		}
		if !seen {
			first, seen = p.Value, true
		} else if p.Value != first {
			return true
		}
	}
	return false
}

// QueryValue returns the last value of the named query parameter, as API
// Gateway's single-value map does, compared case-sensitively.
func (r *Request) QueryValue(name string) (string, bool) {
	v, ok := "", false
	for _, p := range r.Query {
		if p.Name == name {
			v, ok = p.Value, true
		}
	}
	return v, ok
}

// ParseQuery splits a raw query string into parameters in order. Malformed
// escapes are kept verbatim rather than rejected, as API Gateway passes them
// on.
func ParseQuery(raw string) []Param {
	if raw == "" {
		return nil
	}
	var out []Param
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		out = append(out, Param{Name: unescape(k), Value: unescape(v)})
	}
	return out
}

func unescape(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	u, err := url.QueryUnescape(s)
	if err != nil {
		return s
	}
	return u
}
