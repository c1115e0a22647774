package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/authcache"
	"github.com/portcullis-gateway/portcullis/internal/function"
	"github.com/portcullis-gateway/portcullis/internal/lambdaevent"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// Invoker runs a function (function.Local or awslambda.Client), like
// integration.Invoker.
type Invoker interface {
	Invoke(ctx context.Context, fn *apimodel.Function, payload []byte) (function.Result, error)
}

var _ Invoker = (*function.Local)(nil)

// Upstream forwards a request to an HTTP_PROXY integration's URL and
// returns the backend's answer.
type Upstream interface {
	Forward(ctx context.Context, method, url string, r *reqctx.Request) (Response, error)
}

// Options wire an API to its collaborators. Invoker is required when any
// route or authorizer runs a function; the others are needed only by the
// routes that use them, and a route whose collaborator is missing fails
// closed (500).
type Options struct {
	Invoker Invoker
	// Functions by logical id.
	Functions map[string]*apimodel.Function
	Upstream  Upstream
	// Cache holds Lambda authorizer results; nil disables caching.
	Cache         authcache.Cache
	JWT           JWTVerifier
	IAM           IAMVerifier
	IAMIdentities IAMIdentities
	// Edge makes the canonical request; nil trusts no proxy.
	Edge *reqctx.Edge
	// Clock is the time source; nil means time.Now.
	Clock func() time.Time
	// DomainName is requestContext.domainName; "" uses the Host header.
	DomainName string
}

// DefaultIntegrationTimeout is an HTTP API integration's timeout when
// TimeoutInMillis is not set.
const DefaultIntegrationTimeout = 30 * time.Second

// API is one compiled HTTP API. It is immutable and safe for concurrent
// use.
type API struct {
	model        *apimodel.HTTPAPI
	opts         Options
	router       *Router
	stages       map[string]*apimodel.HTTPStage
	cors         *cors
	integrations map[string]*apimodel.HTTPIntegration
	lambdaAuth   map[string]*lambdaAuthorizer
	jwtAuth      map[string]*jwtAuthorizer
}

// Compile checks an HTTP API model and prepares it for serving. Every
// problem found is reported.
func Compile(m *apimodel.HTTPAPI, opts Options) (*API, error) {
	if opts.Edge == nil {
		opts.Edge = &reqctx.Edge{}
	}
	a := &API{model: m, opts: opts, stages: map[string]*apimodel.HTTPStage{}, cors: compileCORS(m.CORS),
		integrations: m.Integrations, lambdaAuth: map[string]*lambdaAuthorizer{}, jwtAuth: map[string]*jwtAuthorizer{}}
	var errs []error
	rt, err := NewRouter(m.Routes)
	if err != nil {
		errs = append(errs, err)
	}
	a.router = rt
	for _, s := range m.Stages {
		a.stages[s.Name] = s
	}
	if len(a.stages) == 0 {
		errs = append(errs, errors.New("the API has no stage"))
	}
	for name, au := range m.Authorizers {
		switch au.Type {
		case apimodel.HTTPAuthorizerRequest:
			la, err := compileLambdaAuthorizer(au, opts.Functions)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			a.lambdaAuth[name] = la
		case apimodel.HTTPAuthorizerJWT:
			if len(au.IdentitySource) != 1 {
				errs = append(errs, fmt.Errorf("authorizer %s: a JWT authorizer has exactly one identity source", name))
				continue
			}
			src, err := parseIdentitySource(au.IdentitySource[0])
			if err != nil {
				errs = append(errs, fmt.Errorf("authorizer %s: %w", name, err))
				continue
			}
			a.jwtAuth[name] = &jwtAuthorizer{name: name, source: src, issuer: au.Issuer, audience: au.Audience}
		default:
			errs = append(errs, fmt.Errorf("authorizer %s: type %q is not REQUEST or JWT", name, au.Type))
		}
	}
	for _, r := range m.Routes {
		switch r.AuthorizationType {
		case "", apimodel.HTTPAuthNone, apimodel.HTTPAuthIAM:
		case apimodel.HTTPAuthCustom:
			if a.lambdaAuth[r.Authorizer] == nil {
				errs = append(errs, fmt.Errorf("route %s: CUSTOM authorizer %q is not a REQUEST authorizer of the API", r.RouteKey, r.Authorizer))
			}
		case apimodel.HTTPAuthJWT:
			if a.jwtAuth[r.Authorizer] == nil {
				errs = append(errs, fmt.Errorf("route %s: JWT authorizer %q is not a JWT authorizer of the API", r.RouteKey, r.Authorizer))
			}
		default:
			errs = append(errs, fmt.Errorf("route %s: authorization type %q", r.RouteKey, r.AuthorizationType))
		}
		in := m.Integrations[r.Integration]
		if in == nil {
			errs = append(errs, fmt.Errorf("route %s: integration %q is not defined", r.RouteKey, r.Integration))
			continue
		}
		switch in.Type {
		case apimodel.HTTPIntegrationLambda:
			if opts.Functions[in.Function] == nil {
				errs = append(errs, fmt.Errorf("route %s: function %q is not defined", r.RouteKey, in.Function))
			}
			if v := in.PayloadFormatVersion; v != "" && v != apimodel.PayloadFormat1 && v != apimodel.PayloadFormat2 {
				errs = append(errs, fmt.Errorf("route %s: payload format version %q", r.RouteKey, v))
			}
		case apimodel.HTTPIntegrationHTTP:
			if in.URI == "" {
				errs = append(errs, fmt.Errorf("route %s: HTTP_PROXY integration without a URI", r.RouteKey))
			}
		default:
			errs = append(errs, fmt.Errorf("route %s: integration type %q", r.RouteKey, in.Type))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("HTTP API %s: %w", m.LogicalID, errors.Join(errs...))
	}
	return a, nil
}

// Router returns the API's router (route keys for the banner).
func (a *API) Router() *Router { return a.router }

func (a *API) now() time.Time {
	if a.opts.Clock != nil {
		return a.opts.Clock()
	}
	return time.Now()
}

// FlushAuthorizerCache drops the cached authorizer results of one stage
// (ResetAuthorizersCache).
func (a *API) FlushAuthorizerCache(ctx context.Context, stage string) error {
	if a.opts.Cache == nil {
		return nil
	}
	return a.opts.Cache.Flush(ctx, a.model.ID, stage)
}

// Handle answers one request. It never panics on user input and every
// error on the way to the integration refuses the request.
func (a *API) Handle(ctx context.Context, in reqctx.Incoming) Response {
	if in.Time.IsZero() {
		in.Time = a.now()
	}
	r, err := a.opts.Edge.New(in)
	var resp Response
	if err != nil {
		var le *reqctx.LimitError
		if errors.As(err, &le) {
			resp = render(&Error{Status: le.Status, Message: strings.ToUpper(http.StatusText(le.Status)[:1]) + http.StatusText(le.Status)[1:], Cause: err})
		} else {
			resp = render(notFound())
		}
	} else {
		resp = a.serve(ctx, r)
	}
	if r != nil {
		resp.Headers = append(resp.Headers, reqctx.Header{Name: "Apigw-Requestid", Value: r.ExtendedID})
	}
	return resp
}

// serve is the pipeline, in AWS's order.
func (a *API) serve(ctx context.Context, r *reqctx.Request) Response {
	// 1. Stage: the first path segment when it names a stage, else
	// $default; without either, Not Found ("Routing API requests").
	decoded, encoded, _, err := reqctx.CanonicalPath(r.WirePath)
	if err != nil {
		return render(notFound())
	}
	stage, decoded, encoded := a.stageOf(decoded, encoded)
	if stage == nil {
		return render(notFound())
	}
	r.Stage, r.StageVariables = stage.Name, stage.Variables
	r.APIID, r.AccountID = a.model.ID, a.model.AccountID
	r.DecodedPath, r.Path = decoded, encoded

	// 2. CORS preflight is the gateway's own answer, before routing and
	// authorization ("Configure CORS for HTTP APIs").
	if a.cors != nil && isPreflight(r) {
		return a.cors.preflight(r)
	}

	resp := a.routeAndIntegrate(ctx, r)
	// 6. Configured CORS headers replace the backend's.
	if a.cors != nil {
		a.cors.apply(r, &resp)
	}
	return resp
}

func (a *API) routeAndIntegrate(ctx context.Context, r *reqctx.Request) Response {
	// 3. Route.
	m, ok := a.router.Match(r.Method, r.DecodedPath)
	if !ok {
		return render(notFound())
	}
	r.PathParams = m.Params
	if m.Route.RouteKey != apimodel.DefaultRouteKey {
		_, r.ResourcePath, _ = strings.Cut(m.Route.RouteKey, " ")
	} else {
		r.ResourcePath = m.Route.RouteKey
	}
	routeARN := apimodel.MethodARN(a.model.Region, a.model.AccountID, a.model.ID, r.Stage, r.Method, r.DecodedPath)

	// 4. Authorization.
	var auth *lambdaevent.HTTPAuthorizer
	var err error
	switch m.Route.AuthorizationType {
	case apimodel.HTTPAuthCustom:
		auth, err = a.runLambdaAuthorizer(ctx, a.lambdaAuth[m.Route.Authorizer], r, m.Key, routeARN)
	case apimodel.HTTPAuthJWT:
		auth, err = a.runJWTAuthorizer(ctx, a.jwtAuth[m.Route.Authorizer], m.Route, r, m.Key)
	case apimodel.HTTPAuthIAM:
		auth, err = a.runIAM(r, routeARN)
	}
	if err != nil {
		return render(err)
	}

	// 5. Integration.
	resp, err := a.integrate(ctx, r, m, auth)
	if err != nil {
		return render(err)
	}
	return resp
}

func (a *API) stageOf(decoded, encoded string) (*apimodel.HTTPStage, string, string) {
	first, rest, _ := strings.Cut(strings.TrimPrefix(decoded, "/"), "/")
	if s := a.stages[first]; s != nil && first != apimodel.DefaultStage && first != "" {
		_, erest, _ := strings.Cut(strings.TrimPrefix(encoded, "/"), "/")
		return s, "/" + rest, "/" + erest
	}
	return a.stages[apimodel.DefaultStage], decoded, encoded
}

func (a *API) eventContext(r *reqctx.Request, routeKey string) lambdaevent.HTTPContext {
	return lambdaevent.HTTPContext{APIID: a.model.ID, AccountID: a.model.AccountID, DomainName: a.opts.DomainName,
		Stage: r.Stage, RouteKey: routeKey}
}

func (a *API) v1Context(r *reqctx.Request) lambdaevent.Context {
	return lambdaevent.Context{APIID: a.model.ID, AccountID: a.model.AccountID, DomainName: a.opts.DomainName, Stage: r.Stage}
}

func (a *API) integrate(ctx context.Context, r *reqctx.Request, m Match, auth *lambdaevent.HTTPAuthorizer) (Response, error) {
	in := a.integrations[m.Route.Integration]
	// The integration timeout: TimeoutInMillis, 30 s when unset (the HTTP
	// API maximum, awsdocs/amazon-api-gateway-developer-guide#74). Running
	// past it is 503 {"message":"Service Unavailable"} while the function
	// may still run (anomalyco/sst#2232).
	timeout := time.Duration(in.TimeoutMillis) * time.Millisecond
	if timeout <= 0 {
		timeout = DefaultIntegrationTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	switch in.Type {
	case apimodel.HTTPIntegrationHTTP:
		if a.opts.Upstream == nil {
			return Response{}, internalError(errors.New("no HTTP upstream is configured"))
		}
		url := in.URI
		if m.Key == apimodel.DefaultRouteKey {
			// $default sends the full request path ("Working with the
			// $default route").
			url = strings.TrimSuffix(url, "/") + r.Path
		}
		for k, v := range m.Params {
			url = strings.ReplaceAll(url, "{"+k+"}", reqctx.EscapePath(v))
		}
		method := in.Method
		if method == "" || method == "ANY" {
			method = r.Method
		}
		resp, err := a.opts.Upstream.Forward(ctx, method, url, r)
		if err != nil {
			return Response{}, serviceUnavailable(err)
		}
		return resp, nil
	}
	fn := a.opts.Functions[in.Function]
	if a.opts.Invoker == nil {
		return Response{}, internalError(errors.New("no function invoker is configured"))
	}
	v2 := in.PayloadFormatVersion != apimodel.PayloadFormat1
	var event []byte
	var err error
	if v2 {
		event, err = lambdaevent.HTTPRequest(r, a.eventContext(r, m.Key), auth)
	} else {
		event, err = a.v1Event(r, auth)
	}
	if err != nil {
		return Response{}, internalError(err)
	}
	res, err := a.opts.Invoker.Invoke(ctx, fn, event)
	if err != nil {
		if ctx.Err() != nil {
			return Response{}, serviceUnavailable(err)
		}
		return Response{}, internalError(err)
	}
	if res.FunctionError != "" {
		return Response{}, internalError(fmt.Errorf("function %s failed: %s", fn.LogicalID, res.Payload))
	}
	if v2 {
		out, err := lambdaevent.ParseHTTPResponse(res.Payload)
		if err != nil {
			return Response{}, internalError(err)
		}
		resp := Response{Status: out.StatusCode, Body: out.Body}
		for _, h := range out.Headers {
			resp.Headers = append(resp.Headers, reqctx.Header{Name: h.Name, Value: h.Value})
		}
		for _, c := range out.Cookies {
			resp.Headers = append(resp.Headers, reqctx.Header{Name: "Set-Cookie", Value: c})
		}
		return resp, nil
	}
	out, err := lambdaevent.ParseProxyResponse(res.Payload)
	if err != nil {
		return Response{}, internalError(err)
	}
	body, err := out.DecodedBody()
	if err != nil {
		return Response{}, internalError(err)
	}
	resp := Response{Status: out.StatusCode, Body: body}
	for _, h := range out.Headers {
		resp.Headers = append(resp.Headers, reqctx.Header{Name: h.Name, Value: h.Value})
	}
	return resp, nil
}

// v1Event is the payload format 1.0 event: the REST proxy event with
// "version":"1.0" first and the Lambda authorizer's context stringified,
// as HTTP APIs send it to integrations that ask for 1.0.
func (a *API) v1Event(r *reqctx.Request, auth *lambdaevent.HTTPAuthorizer) ([]byte, error) {
	rr := *r
	if auth != nil && auth.Lambda != nil {
		ac := &reqctx.AuthorizerContext{Context: map[string]*string{}}
		for _, v := range auth.Lambda {
			s := stringify(v.Value)
			ac.Context[v.Key] = s
		}
		rr.Authorizer = ac
	}
	// HTTP APIs deliver the path decoded, and the 1.0 path carries a named
	// stage (serverless-http#143; middleapi/standard-server#93 on captures
	// of both formats). requestContext.path is written from rr.Path with
	// the stage prefixed, so rr.Path is the decoded path below the stage
	// and the top-level path is replaced after: it is the first "path" key
	// of the document (a key cannot occur inside a JSON string unescaped).
	rr.Path = r.DecodedPath
	doc, err := lambdaevent.ProxyRequest(&rr, a.v1Context(r))
	if err != nil {
		return nil, err
	}
	if raw := lambdaevent.HTTPRawPath(r, r.Stage); raw != rr.Path {
		old, _ := json.Marshal(rr.Path)
		repl, _ := json.Marshal(raw)
		doc = bytes.Replace(doc, append([]byte(`"path":`), old...), append([]byte(`"path":`), repl...), 1)
	}
	return append([]byte(`{"version":"1.0",`), doc[1:]...), nil
}

// stringify renders a context value as API Gateway's 1.0 context does: a
// string's own text, other scalars as written; null stays null.
func stringify(v []byte) *string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return nil
	}
	if v[0] == '"' {
		if s, err := strconv.Unquote(string(v)); err == nil {
			return &s
		}
	}
	s := string(v)
	return &s
}

// ServeHTTP serves the API on a net/http listener.
func (a *API) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, 10<<20+1))
	if err != nil {
		w.WriteHeader(400)
		return
	}
	hs := make([]reqctx.Header, 0, len(req.Header)+reqctx.ExtraHeaders+1)
	hs = append(hs, reqctx.Header{Name: "Host", Value: req.Host})
	for k, vs := range req.Header {
		for _, v := range vs {
			hs = append(hs, reqctx.Header{Name: k, Value: v})
		}
	}
	peer := netip.AddrPortFrom(netip.IPv4Unspecified(), 0)
	if ap, err := netip.ParseAddrPort(req.RemoteAddr); err == nil {
		peer = ap
	}
	port := 0
	if la, ok := req.Context().Value(http.LocalAddrContextKey).(interface{ String() string }); ok {
		if ap, err := netip.ParseAddrPort(la.String()); err == nil {
			port = int(ap.Port())
		}
	}
	// The request line as sent: what a SigV4 client signed and what the
	// canonical path is made from.
	target, query, _ := strings.Cut(req.RequestURI, "?")
	if target == "" || target[0] != '/' {
		target, query = req.URL.EscapedPath(), req.URL.RawQuery
	}
	resp := a.Handle(req.Context(), reqctx.Incoming{
		Method: req.Method, Target: target, Query: query, Headers: hs, Body: body,
		Peer: peer.Addr(), Port: port, Secure: req.TLS != nil, Protocol: req.Proto,
	})
	for _, h := range resp.Headers {
		w.Header().Add(h.Name, h.Value)
	}
	w.WriteHeader(resp.Status)
	_, _ = w.Write(resp.Body)
}

// HTTPUpstream is an Upstream over net/http.
type HTTPUpstream struct{ Client *http.Client }

// Forward sends r's headers (hop-by-hop ones dropped), query and body.
func (u HTTPUpstream) Forward(ctx context.Context, method, url string, r *reqctx.Request) (Response, error) {
	if r.RawQuery != "" {
		url += "?" + r.RawQuery
	}
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(r.Body))
	if err != nil {
		return Response{}, err
	}
	for _, h := range reqctx.Forwarded(r.Headers) {
		if strings.EqualFold(h.Name, "Host") {
			continue
		}
		req.Header.Add(h.Name, h.Value)
	}
	c := u.Client
	if c == nil {
		c = http.DefaultClient
	}
	res, err := c.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 10<<20))
	if err != nil {
		return Response{}, err
	}
	out := Response{Status: res.StatusCode, Body: body}
	for k, vs := range res.Header {
		if reqctx.HopByHop(k) || strings.EqualFold(k, "Content-Length") {
			continue
		}
		for _, v := range vs {
			out.Headers = append(out.Headers, reqctx.Header{Name: k, Value: v})
		}
	}
	return out, nil
}
