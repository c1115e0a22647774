package httpapi

// Authorizers of HTTP APIs. A Lambda REQUEST authorizer ("Control access
// to HTTP APIs with AWS Lambda authorizers"):
//
//   - every identity source must be present and non-empty, or the request
//     is refused with 401 without invoking the function;
//   - with a TTL and at least one identity source its result is cached,
//     keyed by the identity values only, so one result serves every route
//     of the API — unless $context.routeKey is a source, which makes the
//     route part of the key;
//   - payload 2.0 with simple responses reads {"isAuthorized", "context"};
//     otherwise the answer is an IAM policy evaluated against the route ARN
//     of the current request (a cached policy too);
//   - a function error or an unreadable answer is 500, a denial 403.
//
// A JWT authorizer checks its token through JWTVerifier; IAM checks SigV4.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/authcache"
	"github.com/portcullis-gateway/portcullis/internal/lambdaevent"
	"github.com/portcullis-gateway/portcullis/internal/policy"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
	"github.com/portcullis-gateway/portcullis/internal/sigv4"
)

// JWTVerifier verifies a bearer token for a JWT authorizer: signature
// (keys from the issuer), iss exactly issuer, aud (or client_id) among
// audience, exp/nbf/iat. The token is the identity source's value, with or
// without a "Bearer " prefix.
type JWTVerifier interface {
	VerifyJWT(ctx context.Context, token, issuer string, audience []string) (*JWTClaims, error)
}

// JWTClaims is a verified token: its claims rendered as strings and its
// scopes (scope or scp).
type JWTClaims struct {
	Claims map[string]string
	Scopes []string
}

// IAMVerifier checks a SigV4 signature (*sigv4.Verifier).
type IAMVerifier interface {
	Verify(r *reqctx.Request) (*sigv4.Result, error)
}

var _ IAMVerifier = (*sigv4.Verifier)(nil)

// IAMIdentities names the caller of an access key and decides whether that
// caller's identity policies allow execute-api:Invoke on a route ARN (IAM's
// rule: an explicit Deny beats an Allow, no statement is a deny). A route
// with AWS_IAM authorization is served only when Allowed says so.
type IAMIdentities interface {
	Identity(accessKey string) (id lambdaevent.IAMAuthorization, ok bool)
	Allowed(accessKey, routeARN string) bool
}

// identitySource is one compiled selection expression.
type identitySource struct {
	expr string
	kind byte // 'h' header, 'q' query, 'c' context, 's' stage variable
	name string
}

func parseIdentitySource(s string) (identitySource, error) {
	for _, p := range []struct {
		prefix string
		kind   byte
	}{{"$request.header.", 'h'}, {"$request.querystring.", 'q'}, {"$context.", 'c'}, {"$stageVariables.", 's'}} {
		if name, ok := strings.CutPrefix(s, p.prefix); ok && name != "" {
			return identitySource{expr: s, kind: p.kind, name: name}, nil
		}
	}
	return identitySource{}, fmt.Errorf("identity source %q: must be $request.header.NAME, $request.querystring.NAME, $context.NAME or $stageVariables.NAME", s)
}

// value reads the source from a routed request. Repeated headers and
// query parameters give their values joined with commas, the value the 2.0
// event carries.
func (s identitySource) value(r *reqctx.Request, routeKey string) (string, bool) {
	switch s.kind {
	case 'h':
		var vals []string
		for _, h := range r.Headers {
			if strings.EqualFold(h.Name, s.name) {
				vals = append(vals, h.Value)
			}
		}
		v := strings.Join(vals, ",")
		return v, v != ""
	case 'q':
		var vals []string
		for _, p := range r.Query {
			if p.Name == s.name {
				vals = append(vals, p.Value)
			}
		}
		v := strings.Join(vals, ",")
		return v, v != ""
	case 's':
		v := r.StageVariables[s.name]
		return v, v != ""
	}
	v, ok := contextVar(r, routeKey, s.name)
	return v, ok && v != ""
}

// contextVar is an HTTP API $context variable.
func contextVar(r *reqctx.Request, routeKey, name string) (string, bool) {
	switch name {
	case "routeKey":
		return routeKey, true
	case "http.method":
		return r.Method, true
	case "http.path":
		return lambdaevent.HTTPRawPath(r, r.Stage), true
	case "http.protocol":
		return r.Protocol, true
	case "http.sourceIp", "identity.sourceIp":
		return r.SourceIP, true
	case "http.userAgent", "identity.userAgent":
		return r.HeaderValue("User-Agent")
	case "requestId":
		return r.ExtendedID, true
	}
	return r.ContextVar(name)
}

// lambdaAuthorizer is a compiled REQUEST authorizer.
type lambdaAuthorizer struct {
	name    string
	fn      *apimodel.Function
	v2      bool
	simple  bool
	sources []identitySource
	ttl     time.Duration
}

// authResult is an authorizer's answer as cached: immutable once built.
type authResult struct {
	// simple response
	simple       bool
	isAuthorized bool
	// policy response
	principalID string
	doc         *policy.Document
	context     []lambdaevent.ContextValue
}

func compileLambdaAuthorizer(a *apimodel.HTTPAuthorizer, fns map[string]*apimodel.Function) (*lambdaAuthorizer, error) {
	fn := fns[a.Function]
	if fn == nil {
		return nil, fmt.Errorf("authorizer %s: function %q is not defined", a.Name, a.Function)
	}
	la := &lambdaAuthorizer{name: a.Name, fn: fn, ttl: time.Duration(a.ResultTTLSeconds) * time.Second}
	switch a.PayloadFormatVersion {
	case apimodel.PayloadFormat2:
		la.v2 = true
		la.simple = a.EnableSimpleResponses
	case apimodel.PayloadFormat1:
		if a.EnableSimpleResponses {
			return nil, fmt.Errorf("authorizer %s: simple responses need payload format 2.0", a.Name)
		}
	default:
		return nil, fmt.Errorf("authorizer %s: AuthorizerPayloadFormatVersion must be 1.0 or 2.0, not %q", a.Name, a.PayloadFormatVersion)
	}
	if a.ResultTTLSeconds < 0 || a.ResultTTLSeconds > apimodel.MaxResultTTL {
		return nil, fmt.Errorf("authorizer %s: AuthorizerResultTtlInSeconds %d is outside 0..%d", a.Name, a.ResultTTLSeconds, apimodel.MaxResultTTL)
	}
	for _, s := range a.IdentitySource {
		src, err := parseIdentitySource(s)
		if err != nil {
			return nil, fmt.Errorf("authorizer %s: %w", a.Name, err)
		}
		la.sources = append(la.sources, src)
	}
	if len(la.sources) == 0 {
		// Without identity sources nothing can key the cache.
		la.ttl = 0
	}
	return la, nil
}

// cacheIdentity joins identity values length-prefixed, so that distinct
// lists never give one key.
func cacheIdentity(vals []string) string {
	var b strings.Builder
	for _, v := range vals {
		b.WriteString(strconv.Itoa(len(v)))
		b.WriteByte(':')
		b.WriteString(v)
	}
	return b.String()
}

func (a *API) runLambdaAuthorizer(ctx context.Context, la *lambdaAuthorizer, r *reqctx.Request, routeKey, routeARN string) (*lambdaevent.HTTPAuthorizer, error) {
	vals := make([]string, 0, len(la.sources))
	for _, s := range la.sources {
		v, ok := s.value(r, routeKey)
		if !ok {
			return nil, unauthorized(fmt.Errorf("identity source %s is missing or empty", s.expr))
		}
		vals = append(vals, v)
	}
	fill := func(ctx context.Context) (authcache.Entry, error) {
		raw, err := a.invokeAuthorizer(ctx, la, r, routeKey, routeARN, vals)
		if err != nil {
			return authcache.Entry{}, err
		}
		res, err := a.decodeAuthorizer(la, raw)
		if err != nil {
			return authcache.Entry{}, err
		}
		return authcache.Entry{Raw: raw, Value: res, FilledBy: routeARN, FilledAt: a.now()}, nil
	}
	var entry authcache.Entry
	var err error
	if a.opts.Cache != nil && la.ttl > 0 {
		key := authcache.Key{APIID: a.model.ID, Stage: r.Stage, AuthorizerID: la.name, Identity: cacheIdentity(vals)}
		entry, _, err = a.opts.Cache.Get(ctx, key, la.ttl, fill)
	} else {
		entry, err = fill(ctx)
	}
	if err != nil {
		return nil, err
	}
	res, ok := entry.Value.(*authResult)
	if !ok {
		// An entry from another instance: decode its raw answer.
		if res, err = a.decodeAuthorizer(la, entry.Raw); err != nil {
			return nil, err
		}
	}
	if res.simple {
		if !res.isAuthorized {
			return nil, forbidden(errors.New("the authorizer answered isAuthorized false"))
		}
	} else {
		d := res.doc.Evaluate(&policy.Request{Action: policy.ActionInvoke, Resource: routeARN})
		if d.Effect != policy.Allow {
			return nil, forbidden(fmt.Errorf("policy decision %s for %s", d.Effect, routeARN))
		}
	}
	return &lambdaevent.HTTPAuthorizer{Lambda: res.context}, nil
}

func (a *API) invokeAuthorizer(ctx context.Context, la *lambdaAuthorizer, r *reqctx.Request, routeKey, routeARN string, vals []string) ([]byte, error) {
	var event []byte
	var err error
	if la.v2 {
		event, err = lambdaevent.HTTPAuthorizerEventV2(r, a.eventContext(r, routeKey), routeARN, vals)
	} else {
		rr := *r
		rr.MethodARN = routeARN
		event, err = lambdaevent.HTTPAuthorizerEventV1(&rr, a.v1Context(r), vals)
	}
	if err != nil {
		return nil, internalError(err)
	}
	if a.opts.Invoker == nil {
		return nil, internalError(errors.New("no function invoker is configured"))
	}
	res, err := a.opts.Invoker.Invoke(ctx, la.fn, event)
	if err != nil {
		return nil, internalError(fmt.Errorf("authorizer %s: %w", la.name, err))
	}
	if res.FunctionError != "" {
		return nil, internalError(fmt.Errorf("authorizer %s failed: %s", la.name, res.Payload))
	}
	return res.Payload, nil
}

func (a *API) decodeAuthorizer(la *lambdaAuthorizer, raw []byte) (*authResult, error) {
	if la.simple {
		s, err := lambdaevent.ParseSimpleAuthorizerResponse(raw)
		if err != nil {
			return nil, internalError(fmt.Errorf("authorizer %s: %w", la.name, err))
		}
		return &authResult{simple: true, isAuthorized: s.IsAuthorized, context: s.Context}, nil
	}
	var doc struct {
		PrincipalID    json.RawMessage `json:"principalId"`
		PolicyDocument json.RawMessage `json:"policyDocument"`
		Context        json.RawMessage `json:"context"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil || len(doc.PolicyDocument) == 0 || string(doc.PolicyDocument) == "null" {
		return nil, internalError(fmt.Errorf("authorizer %s: the answer is not an IAM policy response", la.name))
	}
	pd, err := policy.Parse(doc.PolicyDocument)
	if err != nil {
		return nil, internalError(fmt.Errorf("authorizer %s: %w", la.name, err))
	}
	ctxVals, err := lambdaevent.ParseContext(doc.Context)
	if err != nil {
		return nil, internalError(fmt.Errorf("authorizer %s: %w", la.name, err))
	}
	var principal string
	_ = json.Unmarshal(doc.PrincipalID, &principal)
	return &authResult{principalID: principal, doc: pd, context: ctxVals}, nil
}

// jwtAuthorizer is a compiled JWT authorizer.
type jwtAuthorizer struct {
	name     string
	source   identitySource
	issuer   string
	audience []string
}

func (a *API) runJWTAuthorizer(ctx context.Context, ja *jwtAuthorizer, route *apimodel.HTTPRoute, r *reqctx.Request, routeKey string) (*lambdaevent.HTTPAuthorizer, error) {
	token, ok := ja.source.value(r, routeKey)
	if !ok {
		return nil, &Error{Status: 401, Message: "Unauthorized", Cause: errors.New("no token"),
			Headers: []reqctx.Header{{Name: "www-authenticate", Value: `Bearer`}}}
	}
	if a.opts.JWT == nil {
		return nil, internalError(errors.New("no JWT verifier is configured"))
	}
	claims, err := a.opts.JWT.VerifyJWT(ctx, token, ja.issuer, ja.audience)
	if err != nil || claims == nil {
		if err == nil {
			err = errors.New("the verifier returned no claims")
		}
		return nil, &Error{Status: 401, Message: "Unauthorized", Cause: err,
			Headers: []reqctx.Header{{Name: "www-authenticate", Value: `Bearer scope="" error="invalid_token" error_description="the token is not valid"`}}}
	}
	if len(route.AuthorizationScopes) > 0 && !anyScope(claims.Scopes, route.AuthorizationScopes) {
		return nil, &Error{Status: 403, Message: "Forbidden", Cause: errors.New("no required scope"),
			Headers: []reqctx.Header{{Name: "www-authenticate", Value: `Bearer scope="` + strings.Join(route.AuthorizationScopes, " ") + `" error="insufficient_scope" error_description="expected scopes: [` + strings.Join(route.AuthorizationScopes, " ") + `]"`}}}
	}
	return &lambdaevent.HTTPAuthorizer{JWT: &lambdaevent.JWTAuthorization{Claims: claims.Claims, Scopes: claims.Scopes}}, nil
}

func anyScope(have, want []string) bool {
	for _, w := range want {
		for _, h := range have {
			if h == w {
				return true
			}
		}
	}
	return false
}

// runIAM verifies SigV4 and names the caller. A request without a
// signature, or with one that does not verify, is 403.
func (a *API) runIAM(r *reqctx.Request, routeARN string) (*lambdaevent.HTTPAuthorizer, error) {
	if a.opts.IAM == nil {
		return nil, internalError(errors.New("no SigV4 verifier is configured"))
	}
	res, err := a.opts.IAM.Verify(r)
	if err != nil {
		msg := "Forbidden"
		var se *sigv4.Error
		if errors.As(err, &se) {
			msg = se.Message
		}
		return nil, &Error{Status: 403, Message: msg, Cause: err}
	}
	// A valid signature names a caller; only that caller's policies can
	// let it in ("Control access to HTTP APIs with IAM authorization": the
	// caller needs execute-api:Invoke on the route's ARN). Without
	// identities to ask, nobody is let in.
	if a.opts.IAMIdentities == nil || !a.opts.IAMIdentities.Allowed(res.AccessKey, routeARN) {
		return nil, &Error{Status: 403, Message: "Forbidden", Cause: fmt.Errorf("the identity policies of %s do not allow execute-api:Invoke on %s", res.AccessKey, routeARN)}
	}
	id := lambdaevent.IAMAuthorization{AccessKey: res.AccessKey}
	if a.opts.IAMIdentities != nil {
		if got, ok := a.opts.IAMIdentities.Identity(res.AccessKey); ok {
			id = got
			id.AccessKey = res.AccessKey
		}
	}
	return &lambdaevent.HTTPAuthorizer{IAM: &id}, nil
}
