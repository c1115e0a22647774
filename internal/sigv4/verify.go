package sigv4

import (
	"crypto/hmac"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// MaxBodyBytes is API Gateway's payload limit (10 MB).
const MaxBodyBytes = 10 << 20

// KeyStore resolves an access key to its secret. sessionToken is "" for a
// long-term key; for temporary credentials it is the token the request must
// carry in X-Amz-Security-Token.
type KeyStore interface {
	Lookup(accessKey string) (secret, sessionToken string, ok bool)
}

// Options configure a Verifier.
type Options struct {
	// Region is the API's region; the credential scope must name it.
	// Required.
	Region string
	// Service is the credential scope's service. Zero means "execute-api".
	Service string
	// Keys resolves access keys. Required.
	Keys KeyStore
	// Clock returns the current time. Zero means time.Now.
	Clock func() time.Time
	// MaxSkew is how far X-Amz-Date may be from the clock, either way. Zero
	// means 5 minutes, AWS's window.
	MaxSkew time.Duration
	// KeyCacheSize bounds the derived-key cache. Zero means 1024 entries.
	KeyCacheSize int
}

// Verifier checks SigV4 signatures. It is safe for concurrent use.
type Verifier struct {
	region  string
	service string
	keys    KeyStore
	clock   func() time.Time
	skew    time.Duration
	cache   *keyCache
}

// Result is the verified caller.
type Result struct {
	AccessKey string
	Region    string
	// Date is the signing time (X-Amz-Date).
	Date time.Time
	// SignedHeaders are the lower-case names the signature covers.
	SignedHeaders []string
	// Presigned is true for the query-string form.
	Presigned bool
}

// New returns a Verifier.
func New(o Options) (*Verifier, error) {
	if o.Region == "" {
		return nil, errors.New("sigv4: Options.Region is required")
	}
	if o.Keys == nil {
		return nil, errors.New("sigv4: Options.Keys is required")
	}
	v := &Verifier{region: o.Region, service: o.Service, keys: o.Keys, clock: o.Clock, skew: o.MaxSkew}
	if v.service == "" {
		v.service = "execute-api"
	}
	if v.clock == nil {
		v.clock = time.Now
	}
	if v.skew <= 0 {
		v.skew = 5 * time.Minute
	}
	size := o.KeyCacheSize
	if size <= 0 {
		size = 1024
	}
	v.cache = newKeyCache(size)
	return v, nil
}

// Verify checks the signature of r. Every failure is an *Error. The checks
// run in the order AWS runs them, so that a request with several faults
// gets the message AWS would send: form, parameters, date format, clock
// window, host signed, algorithm, credential shape, credential scope,
// access key, signature, session token.
func (v *Verifier) Verify(r *reqctx.Request) (*Result, error) {
	if len(r.Body) > MaxBodyBytes {
		return nil, newError(BodyTooLarge, fmt.Sprintf("Request body exceeds %d bytes", MaxBodyBytes))
	}
	authz, hasHeader := r.HeaderValue("Authorization")
	// An empty Authorization header signs nothing: treat it as absent.
	hasHeader = hasHeader && strings.TrimSpace(authz) != ""
	query := r.Query
	if query == nil && r.RawQuery != "" {
		query = reqctx.ParseQuery(r.RawQuery)
	}
	_, hasQuery := firstParam(query, queryAlgorithm)

	var a *authInput
	var perr *Error
	switch {
	case hasHeader && hasQuery:
		return nil, newError(InvalidSignature, msgBothForms)
	case hasHeader:
		a, perr = fromHeader(r, authz)
	case hasQuery:
		a, perr = fromQuery(query)
	default:
		return nil, newError(MissingToken, msgMissingToken)
	}
	if perr != nil {
		return nil, perr
	}

	t, ok := parseDate(a.date)
	if !ok {
		return nil, newError(Incomplete, "Date must be in ISO-8601 'basic format'. Got '"+a.date+"'. See http://en.wikipedia.org/wiki/ISO_8601")
	}
	if err := v.checkTime(a, t); err != nil {
		return nil, err
	}
	if !slices.Contains(a.signedHeaders, "host") && !slices.Contains(a.signedHeaders, ":authority") {
		return nil, newError(InvalidSignature, msgHostUnsigned)
	}
	if a.algorithm != algorithm {
		return nil, newError(Incomplete, "Unsupported AWS 'algorithm': '"+a.algorithm+"' (only AWS4-HMAC-SHA256 for now). ")
	}
	parts := strings.Split(strings.TrimRight(a.credential, "/"), "/")
	if len(parts) != 5 {
		return nil, newError(Incomplete, "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '"+a.credential+"'")
	}
	accessKey, scopeDate, region, service, term := parts[0], parts[1], parts[2], parts[3], parts[4]
	amzDate := t.Format(iso8601Basic)
	if err := v.checkScope(scopeDate, region, service, term, amzDate); err != nil {
		return nil, err
	}

	secret, token, ok := v.keys.Lookup(accessKey)
	if !ok {
		return nil, newError(UnknownKey, msgUnknownKey)
	}
	key := v.cache.get(secret, scopeDate, region, service)
	scope := scopeDate + "/" + region + "/" + service + "/" + scopeTerm
	want := []byte(a.signature)

	o := canonOpts{normalizePath: true}
	sig := signature(key, stringToSign(amzDate, scope, canonicalRequest(r, a, o)))
	if !hmac.Equal(sig, want) && a.presigned && a.hasToken {
		// Some clients append the session token to a presigned URL after
		// signing it (the test suite's post-sts-header-after case); the token
		// is still checked against the key below.
		o.omitToken = true
		sig = signature(key, stringToSign(amzDate, scope, canonicalRequest(r, a, o)))
	}
	if !hmac.Equal(sig, want) {
		e := newError(InvalidSignature, msgSignatureMismatch)
		e.Detail = diagnose(r, a, amzDate, scope, key)
		return nil, e
	}

	// A long-term key must come without a token; temporary credentials only
	// with their own.
	if token != "" || a.hasToken {
		if token == "" || subtle.ConstantTimeCompare([]byte(token), []byte(a.token)) != 1 {
			return nil, newError(UnknownKey, msgUnknownKey)
		}
	}
	return &Result{
		AccessKey:     accessKey,
		Region:        region,
		Date:          t,
		SignedHeaders: a.signedHeaders,
		Presigned:     a.presigned,
	}, nil
}

// checkTime applies AWS's clock window around X-Amz-Date and, for a
// presigned URL, its X-Amz-Expires. Outside S3, AWS validates presigned
// URLs with the same fixed window as signed headers (STS ignores longer
// X-Amz-Expires values, aws/aws-sdk-go#2167); a shorter X-Amz-Expires is
// honoured so that a URL never outlives what its signer asked for.
func (v *Verifier) checkTime(a *authInput, t time.Time) *Error {
	now := v.clock().UTC()
	if lim := now.Add(-v.skew); t.Before(lim) {
		return newError(Expired, fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %s.)",
			t.Format(iso8601Basic), lim.Format(iso8601Basic), now.Format(iso8601Basic), skewText(v.skew)))
	}
	if lim := now.Add(v.skew); t.After(lim) {
		return newError(Expired, fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + %s.)",
			t.Format(iso8601Basic), lim.Format(iso8601Basic), now.Format(iso8601Basic), skewText(v.skew)))
	}
	if !a.presigned || a.expires == "" {
		return nil
	}
	exp, err := parseExpires(a.expires)
	if err != nil {
		return err
	}
	if lim := now.Add(-exp); t.Before(lim) {
		return newError(Expired, fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %d sec.)",
			t.Format(iso8601Basic), lim.Format(iso8601Basic), now.Format(iso8601Basic), int64(exp/time.Second)))
	}
	return nil
}

func skewText(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d min", int64(d/time.Minute))
	}
	return fmt.Sprintf("%d sec", int64(d/time.Second))
}

// checkScope compares the credential scope with this API. AWS reports every
// mismatch in one message, region first; the Kind is the first mismatch.
func (v *Verifier) checkScope(date, region, service, term, amzDate string) *Error {
	var kind Kind
	var msg strings.Builder
	fail := func(k Kind, s string) {
		if kind == 0 {
			kind = k
		}
		msg.WriteString(s)
	}
	if region != v.region {
		fail(ScopeRegion, "Credential should be scoped to a valid region, not '"+region+"'. ")
	}
	if service != v.service {
		fail(ScopeService, "Credential should be scoped to correct service: '"+v.service+"'. ")
	}
	if term != scopeTerm {
		fail(ScopeService, "Credential should be scoped with a valid terminator: 'aws4_request', not '"+term+"'. ")
	}
	if date != amzDate[:8] {
		fail(ScopeDate, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '"+
			date+"' != '"+amzDate[:8]+"', from '"+amzDate+"'.")
	}
	if kind == 0 {
		return nil
	}
	return newError(kind, msg.String())
}
