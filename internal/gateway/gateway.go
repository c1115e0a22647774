package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/decision"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/integration"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
	"github.com/portcullis-gateway/portcullis/internal/sigv4"
	"github.com/valyala/fasthttp"
)

// MaxBodyBytes is API Gateway's REST payload limit (10 MB).
const MaxBodyBytes = 10 << 20

// Authorizer is a method's authorization step (docs/behaviour.md#PIPE-1). It sets
// r.Authorizer or r.Identity on success and returns a *gwresponse.Error
// otherwise.
type Authorizer interface {
	Authorize(ctx context.Context, r *reqctx.Request) error
}

// Observer receives one call per finished request (metrics).
type Observer interface {
	Request(api, stage, route string, status int, d time.Duration)
	Throttled(api, stage, route string)
}

// Options configure a Gateway. The zero value serves NONE-authorized
// HTTP_PROXY and MOCK methods with a discarding logger.
type Options struct {
	Logger *slog.Logger
	// Compiler builds authorizers and Lambda integrations; nil refuses
	// every method that needs one (never serving a route open).
	Compiler Compiler
	// Upstream is the HTTP client of HTTP_PROXY integrations.
	Upstream integration.Upstream
	// Limiter enforces stage and method throttling; nil disables it.
	Limiter Limiter
	// MountStage serves only this stage, at "/" (sam local start-api's
	// habit); "" serves every stage under /{stage}/.
	MountStage string
	// TrustedProxies are the peers whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Observer gets request metrics; nil discards them.
	Observer Observer
	// HeaderTimeout bounds reading a request's line and headers, so that a
	// stalled client (slowloris) cannot hold a connection; 0 means
	// DefaultHeaderTimeout. The body then has bodyReadTimeout.
	HeaderTimeout time.Duration
	// BodyMemory is the budget for request bodies buffered at once across
	// every listener; 0 means DefaultBodyMemory, negative unlimited.
	BodyMemory int64
	// Decisions keeps a record of every request for the admin listener's
	// decision view; nil turns the view off, and then the request path
	// builds no record at all.
	Decisions *decision.Ring
}

// Gateway serves the compiled APIs of one model.
type Gateway struct {
	opts     Options
	log      *slog.Logger
	upstream integration.Upstream
	now      func() time.Time
	edge     reqctx.Edge
	// apis is swapped whole on reload; the listener of API i serves
	// apis.Load()[i].
	apis atomic.Pointer[[]*compiledAPI]
	// domains are the custom domains, each with its own listener; a
	// domain's mappings point at APIs compiled with it, so a reload swaps
	// each domain consistently with the APIs it serves.
	domains atomic.Pointer[[]*compiledDomain]
	// bodies bounds the memory of buffered request bodies.
	bodies *bodyBudget
}

// New compiles every API of m. Any error leaves nothing running.
func New(m *apimodel.Model, opts Options) (*Gateway, error) {
	g := &Gateway{opts: opts, log: opts.Logger, upstream: opts.Upstream, now: opts.Now,
		edge: reqctx.Edge{TrustedProxies: opts.TrustedProxies}, bodies: newBodyBudget(opts.BodyMemory)}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	if g.upstream == nil {
		g.upstream = integration.NewUpstream()
	}
	if g.now == nil {
		g.now = time.Now
	}
	apis, err := g.compile(m, opts.Compiler)
	if err != nil {
		return nil, err
	}
	domains, err := compileDomains(m, apis)
	if err != nil {
		return nil, err
	}
	g.apis.Store(&apis)
	g.domains.Store(&domains)
	return g, nil
}

func (g *Gateway) compile(m *apimodel.Model, comp Compiler) ([]*compiledAPI, error) {
	var errs []error
	var apis []*compiledAPI
	for _, a := range m.APIs {
		c, err := g.compileAPI(a, comp)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if g.opts.MountStage != "" {
			if _, ok := c.stages[g.opts.MountStage]; !ok {
				errs = append(errs, fmt.Errorf("API %s has no stage %q", a.LogicalID, g.opts.MountStage))
			}
		}
		apis = append(apis, c)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(apis) == 0 && len(m.HTTPAPIs) == 0 {
		return nil, errors.New("the model has no REST API to serve")
	}
	return apis, nil
}

// Reload compiles m with comp (built over the new model) and swaps it in
// atomically: requests already in flight finish on the old state, new ones
// see the new one. On error the running APIs keep serving. The new model
// must have the same number of APIs, since each listens on its own port.
func (g *Gateway) Reload(m *apimodel.Model, comp Compiler) error {
	apis, err := g.compile(m, comp)
	if err != nil {
		return err
	}
	if old := g.apis.Load(); old != nil && len(*old) != len(apis) {
		return fmt.Errorf("the template now defines %d REST APIs instead of %d; restart to change ports", len(apis), len(*old))
	}
	domains, err := compileDomains(m, apis)
	if err != nil {
		return err
	}
	if old := g.domains.Load(); old != nil && len(*old) != len(domains) {
		return fmt.Errorf("the template now defines %d custom domains instead of %d; restart to change ports", len(domains), len(*old))
	}
	g.apis.Store(&apis)
	g.domains.Store(&domains)
	return nil
}

// APIs returns the APIs being served, in listener order.
func (g *Gateway) APIs() []*apimodel.API {
	apis := *g.apis.Load()
	out := make([]*apimodel.API, len(apis))
	for i, a := range apis {
		out[i] = a.api
	}
	return out
}

// Server returns the fasthttp server of API i.
func (g *Gateway) Server(i int) *fasthttp.Server {
	return g.server(func(ctx *fasthttp.RequestCtx) { g.serve(i, ctx) },
		func(ctx *fasthttp.RequestCtx, err error) { g.serveError((*g.apis.Load())[i], ctx, err) })
}

// DomainServer returns the fasthttp server of custom domain j (in the
// order of Domains).
func (g *Gateway) DomainServer(j int) *fasthttp.Server {
	return g.server(func(ctx *fasthttp.RequestCtx) {
		d := (*g.domains.Load())[j]
		g.serveOn(ctx, d.unmapped, d)
	}, func(ctx *fasthttp.RequestCtx, err error) { g.serveError((*g.domains.Load())[j].unmapped, ctx, err) })
}

func (g *Gateway) server(h fasthttp.RequestHandler, eh func(*fasthttp.RequestCtx, error)) *fasthttp.Server {
	return &fasthttp.Server{
		Handler:                       h,
		ErrorHandler:                  eh,
		Name:                          "",
		NoDefaultServerHeader:         true,
		NoDefaultContentType:          true,
		NoDefaultDate:                 false,
		DisableHeaderNamesNormalizing: true,
		DisablePreParseMultipartForm:  true,
		// Bodies over the limit are streamed to us rather than refused by
		// fasthttp, so that the client always receives API Gateway's 413
		// instead of a reset connection (see readBody).
		MaxRequestBodySize: MaxBodyBytes,
		StreamRequestBody:  true,
		ReadBufferSize:     16 << 10,
		IdleTimeout:        2 * time.Minute,
		// ReadTimeout covers the request line and headers only; once they
		// are in, HeaderReceived gives the body its own deadline
		// (bodybudget.go).
		ReadTimeout:    g.headerTimeout(),
		HeaderReceived: bodyDeadline,
		Logger:         fasthttpLogger{g.log},
	}
}

// execLog writes API Gateway's execution-log lines for one request. The
// lines are only formatted when the logger would keep them: at --log-level
// warn the request path builds no log strings at all.
// With the decision view on, tr keeps the lines too: on is set when
// either wants them, logged only when the logger does.
type execLog struct {
	l      *slog.Logger
	id     string
	on     bool
	logged bool
	tr     *decision.Trace
}

// info writes one line, to the decision view's trace when it is on and to
// the log when it keeps INFO. The record goes to the handler directly:
// slog.Logger would look up the caller's program counter for every line,
// which the execution log never prints.
func (e execLog) info(msg string) {
	if e.tr != nil {
		e.tr.Line(slog.LevelInfo, msg)
	}
	if e.logged {
		e.write(msg)
	}
}

// text writes one line given as a decision.Text: the trace keeps it
// unformatted, and it is formatted only when the log keeps INFO.
func (e execLog) text(t decision.Text) {
	if e.tr != nil {
		e.tr.LineText(slog.LevelInfo, t)
	}
	if e.logged {
		e.write(t.String())
	}
}

func (e execLog) write(msg string) {
	r := slog.NewRecord(time.Now(), slog.LevelInfo, msg, 0)
	r.AddAttrs(slog.String("requestId", e.id))
	_ = e.l.Handler().Handle(context.Background(), r)
}

type fasthttpLogger struct{ log *slog.Logger }

func (l fasthttpLogger) Printf(format string, args ...any) {
	l.log.Debug(fmt.Sprintf(format, args...))
}

// serveError answers requests fasthttp could not parse: an oversized body
// is API Gateway's 413 REQUEST_TOO_LARGE; anything else a 400.
func (g *Gateway) serveError(c *compiledAPI, ctx *fasthttp.RequestCtx, err error) {
	r, _ := g.edge.New(reqctx.Incoming{Time: g.now(), Target: "/"})
	var ge *gwresponse.Error
	if errors.Is(err, fasthttp.ErrBodyTooLarge) {
		ge = gwresponse.TooLarge(errBodyTooLarge)
	} else {
		ge = gwresponse.Errorf(gwresponse.Default4XX, "Bad Request", "malformed request: %v", err)
		ge.Status = 400
	}
	g.log.Info("Gateway response", "requestId", r.ID, "reason", ge.Error())
	writeGatewayResponse(ctx, c.responses.Render(ge, r))
	ctx.SetConnectionClose()
}

func (g *Gateway) serve(i int, ctx *fasthttp.RequestCtx) {
	g.serveOn(ctx, (*g.apis.Load())[i], nil)
}

// serveOn serves one request to API c or, on a custom domain's listener,
// to the API its base path maps to (c is then the domain's placeholder
// until the mapping is found, and answers an unmapped path).
func (g *Gateway) serveOn(ctx *fasthttp.RequestCtx, c *compiledAPI, d *compiledDomain) {
	start := g.now()
	r, reqErr := g.edge.New(incoming(ctx, start))
	log := execLog{l: g.log, id: r.ID, logged: g.log.Enabled(context.Background(), slog.LevelInfo)}
	log.on = log.logged
	if g.opts.Decisions != nil {
		log.tr = g.opts.Decisions.NewTrace(r.ID, start)
		log.on = true
	}
	route := ""
	status := 0
	defer func() {
		if p := recover(); p != nil {
			g.log.Error("panic while serving request", "requestId", r.ID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			ctx.Response.Reset()
			resp := c.responses.Render(gwresponse.InternalError(500, nil), r)
			writeGatewayResponse(ctx, resp)
			status = resp.Status
		}
		d := g.now().Sub(start)
		if log.logged {
			g.log.Info("access", "requestId", r.ID, "sourceIp", r.SourceIP, "method", r.Method, "path", string(ctx.Path()), "route", route,
				"stage", r.Stage, "status", status, "latencyMs", float64(d.Microseconds())/1000, "bytes", len(ctx.Response.Body()))
		}
		if g.opts.Observer != nil {
			g.opts.Observer.Request(c.api.LogicalID, r.Stage, route, status, d)
		}
		if log.tr != nil {
			g.opts.Decisions.Add(finishRecord(log.tr, c, r, recordedPath(ctx, r), route, status, d))
		}
	}()
	var m *integration.Response
	var err error
	if reqErr != nil {
		err = refusal(reqErr)
	} else if err = g.readBody(ctx, r); err == nil { // bodybudget.go
		pctx := context.Background()
		if log.tr != nil {
			pctx = decision.With(pctx, log.tr)
		}
		var mm *method
		if c, mm, err = g.pipeline(pctx, c, d, r, &route); err == nil {
			m, err = g.integrate(pctx, mm, r, log, &ctx.Response)
		}
	} else {
		ctx.SetConnectionClose()
	}
	if err == nil {
		if m == nil { // written into ctx.Response by the integration
			status = ctx.Response.StatusCode()
			ctx.Response.Header.Set("x-amzn-RequestId", r.ID)
			ctx.Response.Header.Set("x-amz-apigw-id", r.ExtendedID)
			ctx.Response.Header.Set("X-Amzn-Trace-Id", r.TraceID)
			return
		}
		status = m.Status
		writeIntegrationResponse(ctx, r, m)
		return
	}
	var ge *gwresponse.Error
	if !errors.As(err, &ge) {
		ge = gwresponse.InternalError(500, err)
	}
	resp := c.responses.Render(ge, r)
	if log.on {
		if ge.Cause != nil {
			log.info(ge.Cause.Error())
		}
		log.text(decision.Textf("Gateway response type: %s with status code: %s", decision.Str(string(resp.Type)), decision.Int(resp.Status)))
	}
	if log.tr != nil {
		recordGatewayResponse(log.tr, ge, resp)
	}
	writeGatewayResponse(ctx, resp)
	status = resp.Status
}

// pipeline is API Gateway's order of checks (docs/behaviour.md#PIPE-1), written once: it
// takes the canonical request and returns the method to run, or the typed
// error that answers the request. It knows no transport — the listener
// (serve) and Handle adapt it — and it never runs the integration, so that
// every way into the gateway runs the same checks.
//
// Stages get a plain context, never the *fasthttp.RequestCtx: fasthttp
// recycles that value once the handler returns, and a stage may hand its
// context to work that outlives this request (a cache fill shared with
// other requests). Each stage bounds its own work with timeouts.
//
// On a custom domain's listener (d non-nil) the base path mapping chooses
// the API and stage first; the API the request reached is returned so that
// its gateway responses answer it.
func (g *Gateway) pipeline(ctx context.Context, c *compiledAPI, d *compiledDomain, r *reqctx.Request, route *string) (*compiledAPI, *method, error) {
	// 0. Only a request the edge accepted is routed: an unknown verb must
	// never reach an ANY method, whoever built the request.
	if _, ok := reqctx.Verb(r.Method); !ok {
		return c, nil, refusal(&reqctx.VerbError{Method: r.Method})
	}
	// 1. Stage: /{stage}/... unless one stage is mounted at "/". The path is
	// made canonical first, once, and only its canonical spellings are read
	// from here on (reqctx.CanonicalPath): the router, the method ARN, the
	// events and the backend URL can never disagree about the path. An
	// unknown stage is 403 Forbidden (docs/behaviour.md#DEC-UNKNOWN-STAGE); "/{stage}" without a trailing
	// slash has no resource (docs/behaviour.md#ROUTE-1).
	decoded, encoded, trailing, perr := reqctx.CanonicalPath(r.WirePath)
	if perr != nil {
		return c, nil, refusal(perr)
	}
	var st *stage
	if d != nil {
		// 1a. Custom domain: the longest base path mapping that prefixes
		// the path picks the API and stage; none is 403 Forbidden
		// (docs/behaviour.md#DOMAIN-1).
		mp, dec, enc, ok := d.match(decoded, encoded)
		if !ok {
			return c, nil, &gwresponse.Error{Type: gwresponse.Default4XX, Status: 403, Message: "Forbidden", ErrorType: "ForbiddenException",
				Cause: fmt.Errorf("no base path mapping of %s matches %s", d.name, encoded)}
		}
		r.DomainPath = encoded
		c, decoded, encoded, st = mp.api, dec, enc, mp.stage
	}
	switch {
	case st != nil:
	case g.opts.MountStage != "" && d == nil:
		st = c.stages[g.opts.MountStage]
	default:
		name, _, hasRest := strings.Cut(decoded[1:], "/")
		st = c.stages[name]
		if st == nil {
			return c, nil, &gwresponse.Error{Type: gwresponse.Default4XX, Status: 403, Message: "Forbidden", ErrorType: "ForbiddenException",
				Cause: fmt.Errorf("no stage %q", name)}
		}
		if !hasRest && !trailing {
			r.Stage = st.name
			return c, nil, gwresponse.Errorf(gwresponse.MissingAuthenticationToken, gwresponse.MissingAuthTokenMessage, "request to the stage without a trailing slash")
		}
		// A stage name holds only letters, digits, '-' and '_', which are
		// spelled the same decoded and encoded.
		if hasRest {
			decoded, encoded = decoded[1+len(name):], encoded[1+len(name):]
		} else {
			decoded, encoded = "/", "/"
		}
	}
	r.Stage = st.name
	r.StageVariables = st.variables
	r.APIID, r.AccountID = c.api.ID, c.api.AccountID
	r.Path, r.DecodedPath = encoded, decoded

	// 2. Resource and method (docs/behaviour.md#ROUTE-1): no match is 403 Missing
	// Authentication Token, never 404 or 405.
	var pbuf [4]routerParam
	res, mm, params, found := c.tree.Match(r.Method, r.DecodedPath, pbuf[:0])
	if !found || mm == nil {
		// With a non-SigV4 Authorization header, API Gateway answers with
		// the header's SigV4 parse error instead (docs/behaviour.md#GWR-1).
		if msg, ok := sigv4.IncompleteAuthorization(r); ok {
			return c, nil, &gwresponse.Error{Type: gwresponse.MissingAuthenticationToken, Message: msg, ErrorType: "IncompleteSignatureException",
				Cause: fmt.Errorf("no method %s on a resource matching %s", r.Method, r.Path)}
		}
		return c, nil, gwresponse.Errorf(gwresponse.MissingAuthenticationToken, gwresponse.MissingAuthTokenMessage,
			"no method %s on a resource matching %s", r.Method, r.Path)
	}
	m := c.methods[mm]
	*route = m.label
	r.ResourcePath = res.Path
	r.ResourceID = res.ID
	if len(params) > 0 {
		r.PathParams = make(map[string]string, len(params))
		for _, p := range params {
			r.PathParams[p.Name] = p.Value
		}
	}
	r.MethodARN = apimodel.MethodARN(c.api.Region, c.api.AccountID, c.api.ID, st.name, r.Method, r.Path)
	if tr := decision.From(ctx); tr != nil {
		recordRoute(tr, m, r)
	}
	// The limits page: with authorization on a method, a method ARN over
	// 1,600 bytes (long path parameter values) is answered 414.
	if m.authorize != nil && len(r.MethodARN) > maxMethodARN {
		return c, nil, &gwresponse.Error{Type: gwresponse.Default4XX, Status: 414, Message: "Request-URI Too Long",
			Cause: fmt.Errorf("method ARN of %d bytes is over the %d-byte limit", len(r.MethodARN), maxMethodARN)}
	}

	// 3. Stage and method throttling, after routing and before
	// authorization (docs/behaviour.md#DEC-THROTTLE-ORDER).
	if g.opts.Limiter != nil {
		if lim, ok := st.limits[mm]; ok {
			rule := lim.rule
			allowed, err := g.opts.Limiter.Allow(ctx, lim.key, rule.rate, rule.burst)
			if err != nil {
				g.log.Warn("throttle check failed; request allowed", "requestId", r.ID, "err", err)
			} else if !allowed {
				if g.opts.Observer != nil {
					g.opts.Observer.Throttled(c.api.LogicalID, st.name, m.label)
				}
				return c, nil, gwresponse.Errorf(gwresponse.Throttled, "Too Many Requests",
					"stage %s method %s exceeded throttle limit. Limit: %.2f Burst: %d", st.name, m.label, rule.rate, rule.burst)
			}
		}
	}

	// 4. Authorization: resource policy pre-check, the method's
	// authorizer, the combined policy decision and API keys.
	if m.authorize != nil {
		if err := m.authorize.Authorize(ctx, r); err != nil {
			return c, nil, err
		}
	}

	return c, m, nil
}

// integrate is step 5, the integration. An integration that can write
// into the client response (HTTP_PROXY) does so through out, when the
// listener gives one; the result is then nil with a nil error.
func (g *Gateway) integrate(ctx context.Context, m *method, r *reqctx.Request, log execLog, out *fasthttp.Response) (*integration.Response, error) {
	if log.on {
		log.text(decision.Textf("Starting execution for request: %s", decision.Str(r.ID)))
		log.text(decision.Textf("HTTP Method: %s, Resource Path: %s", decision.Str(r.Method), decision.Str(r.Path)))
	}
	if d, ok := m.integration.(directIntegration); ok && out != nil {
		if err := d.InvokeInto(ctx, r, out); err != nil {
			out.Reset()
			return nil, err
		}
		if log.on {
			log.text(decision.Textf("Method completed with status: %s", decision.Int(out.StatusCode())))
		}
		if log.tr != nil {
			recordIntegration(log.tr, m, out.StatusCode())
		}
		return nil, nil
	}
	resp, err := m.integration.Invoke(ctx, r)
	if err != nil {
		return nil, err
	}
	if log.on {
		log.text(decision.Textf("Method completed with status: %s", decision.Int(resp.Status)))
	}
	if log.tr != nil {
		recordIntegration(log.tr, m, resp.Status)
	}
	return resp, nil
}

// Handle runs the whole pipeline — the edge (reqctx.Edge.New with the
// gateway's trusted proxies), the checks and the integration — for one
// request to API api, without a transport, and returns the answer as a
// value: what tests and other front ends call. A refused request gets its
// gateway response.
func (g *Gateway) Handle(ctx context.Context, api int, in reqctx.Incoming) integration.Response {
	c := (*g.apis.Load())[api]
	r, err := g.edge.New(in)
	log := execLog{l: g.log, id: r.ID, logged: g.log.Enabled(ctx, slog.LevelInfo)}
	log.on = log.logged
	var resp *integration.Response
	if err != nil {
		err = refusal(err)
	} else {
		var route string
		var m *method
		if c, m, err = g.pipeline(ctx, c, nil, r, &route); err == nil {
			resp, err = g.integrate(ctx, m, r, log, nil)
		}
	}
	if err == nil {
		out := *resp
		out.Headers = append(out.Headers[:len(out.Headers):len(out.Headers)],
			reqctx.Header{Name: "x-amzn-RequestId", Value: r.ID}, reqctx.Header{Name: "x-amz-apigw-id", Value: r.ExtendedID},
			reqctx.Header{Name: "X-Amzn-Trace-Id", Value: r.TraceID})
		return out
	}
	var ge *gwresponse.Error
	if !errors.As(err, &ge) {
		ge = gwresponse.InternalError(500, err)
	}
	gr := c.responses.Render(ge, r)
	return integration.Response{Status: gr.Status, Headers: gr.Headers, Body: gr.Body}
}

// directIntegration is an integration that reads its answer straight into
// the client's response, sparing two copies of headers and body
// (integration.HTTPProxy).
type directIntegration interface {
	InvokeInto(ctx context.Context, r *reqctx.Request, out *fasthttp.Response) error
}

// internVerb returns the method as a constant string for the verbs API
// Gateway serves, avoiding a copy per request.
func internVerb(b []byte) string {
	switch string(b) { // no allocation: the compiler compares in place
	case "GET":
		return "GET"
	case "POST":
		return "POST"
	case "PUT":
		return "PUT"
	case "DELETE":
		return "DELETE"
	case "PATCH":
		return "PATCH"
	case "HEAD":
		return "HEAD"
	case "OPTIONS":
		return "OPTIONS"
	}
	return string(b)
}

func internProtocol(b []byte) string {
	switch string(b) {
	case "HTTP/1.1":
		return "HTTP/1.1"
	case "HTTP/1.0":
		return "HTTP/1.0"
	}
	return string(b)
}

// incoming reads what the listener received into plain values; the one
// request every stage reads is built from them by reqctx.Edge.New.
func incoming(ctx *fasthttp.RequestCtx, now time.Time) reqctx.Incoming {
	req := &ctx.Request
	target := req.URI().PathOriginal()
	if i := bytes.IndexByte(target, '?'); i >= 0 {
		target = target[:i]
	}
	in := reqctx.Incoming{
		Method:   internVerb(req.Header.Method()),
		Target:   string(target),
		Query:    string(req.URI().QueryString()),
		Protocol: internProtocol(req.Header.Protocol()),
		Secure:   ctx.IsTLS(),
		Time:     now,
		Headers:  copyHeaders(&req.Header),
	}
	if a, ok := ctx.RemoteAddr().(*net.TCPAddr); ok {
		in.Peer, _ = netip.AddrFromSlice(a.IP)
	}
	if a, ok := ctx.LocalAddr().(*net.TCPAddr); ok {
		in.Port = a.Port
	}
	return in
}

// maxMethodARN is the method ARN length limit of API Gateway's quotas page.
const maxMethodARN = 1600

// refusal renders what reqctx refuses to interpret: a verb API Gateway does
// not serve matches no method (403 Missing Authentication Token, as for
// any method the API lacks); a request over a size quota is 414 or 431; a
// path whose meaning differs between servers is a 400.
func refusal(err error) error {
	var ve *reqctx.VerbError
	if errors.As(err, &ve) {
		return gwresponse.Errorf(gwresponse.MissingAuthenticationToken, gwresponse.MissingAuthTokenMessage, "%v", err)
	}
	var le *reqctx.LimitError
	if errors.As(err, &le) {
		msg := "Request-URI Too Long"
		if le.Status == 431 {
			msg = "Request Header Fields Too Large"
		}
		return &gwresponse.Error{Type: gwresponse.Default4XX, Status: le.Status, Message: msg, Cause: err}
	}
	return &gwresponse.Error{Type: gwresponse.Default4XX, Status: 400, Message: "Bad Request", ErrorType: "BadRequestException", Cause: err}
}

var errBodyTooLarge = fmt.Errorf("request body over %d bytes", MaxBodyBytes)

// maxDrain bounds how much of an oversized body is read and discarded
// before the 413 is sent, so that a well-behaved client finishes writing
// and reads the answer, while an endless body cannot hold a connection.
const maxDrain = 64 << 20

// copyHeaders copies the request's header lines, in order, with their
// names exactly as sent and every line kept (Host, Content-Type, Cookie and
// the other headers fasthttp parses into fields of their own included),
// into one backing string: one allocation for all of them instead of two
// per header. fasthttp validated the lines while parsing them.
func copyHeaders(h *fasthttp.RequestHeader) []reqctx.Header {
	if len(h.RawHeaders()) == 0 {
		return copyBuiltHeaders(h)
	}
	n, size := 0, 0
	for k, v := range h.AllInOrder() {
		n++
		size += len(k) + len(v)
	}
	buf := make([]byte, 0, size)
	for k, v := range h.AllInOrder() {
		buf = append(buf, k...)
		buf = append(buf, v...)
	}
	all := string(buf)
	out := make([]reqctx.Header, 0, n+reqctx.ExtraHeaders)
	off := 0
	for k, v := range h.AllInOrder() {
		name := all[off : off+len(k)]
		off += len(k)
		out = append(out, reqctx.Header{Name: name, Value: all[off : off+len(v)]})
		off += len(v)
	}
	return out
}

// copyBuiltHeaders copies the headers of a request built in memory (a
// benchmark, a test), which was never parsed and has no raw lines, into
// one backing string as copyHeaders does.
func copyBuiltHeaders(h *fasthttp.RequestHeader) []reqctx.Header {
	n, size := 0, 0
	for k, v := range h.All() {
		n++
		size += len(k) + len(v)
	}
	buf := make([]byte, 0, size)
	for k, v := range h.All() {
		buf = append(buf, k...)
		buf = append(buf, v...)
	}
	all := string(buf)
	out := make([]reqctx.Header, 0, n+reqctx.ExtraHeaders)
	off := 0
	for k, v := range h.All() {
		out = append(out, reqctx.Header{Name: all[off : off+len(k)], Value: all[off+len(k) : off+len(k)+len(v)]})
		off += len(k) + len(v)
	}
	return out
}

func writeGatewayResponse(ctx *fasthttp.RequestCtx, resp gwresponse.Response) {
	ctx.Response.Header.DisableNormalizing()
	ctx.SetStatusCode(resp.Status)
	for _, h := range resp.Headers {
		ctx.Response.Header.Set(h.Name, h.Value)
	}
	ctx.SetBody(resp.Body)
}

func writeIntegrationResponse(ctx *fasthttp.RequestCtx, r *reqctx.Request, resp *integration.Response) {
	h := &ctx.Response.Header
	h.DisableNormalizing()
	ctx.SetStatusCode(resp.Status)
	for _, hd := range resp.Headers {
		if strings.EqualFold(hd.Name, "Content-Type") {
			h.SetContentType(hd.Value)
			continue
		}
		h.Add(hd.Name, hd.Value)
	}
	h.Set("x-amzn-RequestId", r.ID)
	h.Set("x-amz-apigw-id", r.ExtendedID)
	h.Set("X-Amzn-Trace-Id", r.TraceID)
	ctx.SetBody(resp.Body)
}

// Serve serves API i on ln until ctx is done, then drains in-flight
// requests.
func (g *Gateway) Serve(ctx context.Context, i int, ln net.Listener) error {
	return serveUntil(ctx, g.Server(i), ln)
}

// ServeDomain serves custom domain j on ln, as Serve does for an API.
func (g *Gateway) ServeDomain(ctx context.Context, j int, ln net.Listener) error {
	return serveUntil(ctx, g.DomainServer(j), ln)
}

func serveUntil(ctx context.Context, srv *fasthttp.Server, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return srv.ShutdownWithContext(sctx)
	}
}
