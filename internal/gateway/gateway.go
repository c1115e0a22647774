package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/integration"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
	"github.com/portcullis-gateway/portcullis/internal/sigv4"
	"github.com/valyala/fasthttp"
)

// MaxBodyBytes is API Gateway's REST payload limit (10 MB).
const MaxBodyBytes = 10 << 20

// Authorizer is a method's authorization step (spec §1 steps 3–5). It sets
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
}

// Gateway serves the compiled APIs of one model.
type Gateway struct {
	opts     Options
	log      *slog.Logger
	upstream integration.Upstream
	now      func() time.Time
	// apis is swapped whole on reload; the listener of API i serves
	// apis.Load()[i].
	apis atomic.Pointer[[]*compiledAPI]
}

// New compiles every API of m. Any error leaves nothing running.
func New(m *apimodel.Model, opts Options) (*Gateway, error) {
	g := &Gateway{opts: opts, log: opts.Logger, upstream: opts.Upstream, now: opts.Now}
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
	g.apis.Store(&apis)
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
	if len(apis) == 0 {
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
	g.apis.Store(&apis)
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
	return &fasthttp.Server{
		Handler: func(ctx *fasthttp.RequestCtx) { g.serve(i, ctx) },
		ErrorHandler: func(ctx *fasthttp.RequestCtx, err error) {
			g.serveError(i, ctx, err)
		},
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
		ReadTimeout:        5 * time.Minute,
		Logger:             fasthttpLogger{g.log},
	}
}

// execLog writes API Gateway's execution-log lines for one request. The
// lines are only formatted when the logger would keep them: at --log-level
// warn the request path builds no log strings at all.
type execLog struct {
	l  *slog.Logger
	id string
	on bool
}

func (e execLog) info(msg string) { e.l.Info(msg, "requestId", e.id) }

type fasthttpLogger struct{ log *slog.Logger }

func (l fasthttpLogger) Printf(format string, args ...any) {
	l.log.Debug(fmt.Sprintf(format, args...))
}

// serveError answers requests fasthttp could not parse: an oversized body
// is API Gateway's 413 REQUEST_TOO_LARGE; anything else a 400.
func (g *Gateway) serveError(i int, ctx *fasthttp.RequestCtx, err error) {
	c := (*g.apis.Load())[i]
	r := &reqctx.Request{Time: g.now()}
	r.ID, r.ExtendedID = reqctx.NewIDs()
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
	c := (*g.apis.Load())[i]
	start := g.now()
	r := g.newRequest(ctx, start)
	log := execLog{l: g.log, id: r.ID, on: g.log.Enabled(context.Background(), slog.LevelInfo)}
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
		if log.on {
			g.log.Info("access", "requestId", r.ID, "sourceIp", r.SourceIP, "method", r.Method, "path", string(ctx.Path()), "route", route,
				"stage", r.Stage, "status", status, "latencyMs", float64(d.Microseconds())/1000, "bytes", len(ctx.Response.Body()))
		}
		if g.opts.Observer != nil {
			g.opts.Observer.Request(c.api.LogicalID, r.Stage, route, status, d)
		}
	}()
	var m *integration.Response
	var err error
	if readBody(ctx, r) {
		m, err = g.pipeline(c, r, log, &route, &ctx.Response)
	} else {
		ctx.SetConnectionClose()
		err = gwresponse.TooLarge(errBodyTooLarge)
	}
	if err == nil {
		if m == nil { // written into ctx.Response by the integration
			status = ctx.Response.StatusCode()
			ctx.Response.Header.Set("x-amzn-RequestId", r.ID)
			ctx.Response.Header.Set("x-amz-apigw-id", r.ExtendedID)
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
		log.info(fmt.Sprintf("Gateway response type: %s with status code: %d", resp.Type, resp.Status))
	}
	writeGatewayResponse(ctx, resp)
	status = resp.Status
}

// pipeline is API Gateway's order of checks (spec §1), written once.
//
// Stages get a plain context, never the *fasthttp.RequestCtx: fasthttp
// recycles that value once the handler returns, and a stage may hand its
// context to work that outlives this request (a cache fill shared with
// other requests). Each stage bounds its own work with timeouts.
//
// An integration that can write into the client response (HTTP_PROXY)
// does so through out; the pipeline then returns a nil response and a nil
// error.
func (g *Gateway) pipeline(c *compiledAPI, r *reqctx.Request, log execLog, route *string, out *fasthttp.Response) (*integration.Response, error) {
	ctx := context.Background()
	// 1. Stage: /{stage}/... unless one stage is mounted at "/". An unknown
	// stage is 403 Forbidden (D13); "/{stage}" without a trailing slash
	// has no resource (spec §12.3).
	wire := r.WirePath
	var st *stage
	if g.opts.MountStage != "" {
		st = c.stages[g.opts.MountStage]
		r.RawPath = wire
	} else {
		rest := strings.TrimPrefix(wire, "/")
		name, _, hasSlash := strings.Cut(rest, "/")
		st = c.stages[name]
		if st == nil {
			return nil, &gwresponse.Error{Type: gwresponse.Default4XX, Status: 403, Message: "Forbidden", ErrorType: "ForbiddenException",
				Cause: fmt.Errorf("no stage %q", name)}
		}
		if !hasSlash {
			r.Stage = st.name
			return nil, gwresponse.Errorf(gwresponse.MissingAuthenticationToken, gwresponse.MissingAuthTokenMessage, "request to the stage without a trailing slash")
		}
		r.RawPath = rest[len(name):] // "/" and the rest, without a copy
	}
	r.Stage = st.name
	r.StageVariables = st.variables
	r.Path = unescapePath(r.RawPath)

	// 2. Resource and method (spec §12.3): no match is 403 Missing
	// Authentication Token, never 404 or 405.
	var pbuf [4]routerParam
	res, mm, params, found := c.tree.Match(r.Method, r.RawPath, pbuf[:0])
	if !found || mm == nil {
		// With a non-SigV4 Authorization header, API Gateway answers with
		// the header's SigV4 parse error instead (spec §5).
		if msg, ok := sigv4.IncompleteAuthorization(r); ok {
			return nil, &gwresponse.Error{Type: gwresponse.MissingAuthenticationToken, Message: msg, ErrorType: "IncompleteSignatureException",
				Cause: fmt.Errorf("no method %s on a resource matching %s", r.Method, r.RawPath)}
		}
		return nil, gwresponse.Errorf(gwresponse.MissingAuthenticationToken, gwresponse.MissingAuthTokenMessage,
			"no method %s on a resource matching %s", r.Method, r.RawPath)
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
	r.MethodARN = apimodel.MethodARN(c.api.Region, c.api.AccountID, c.api.ID, st.name, r.Method, r.RawPath)

	// 3. Stage and method throttling, after routing and before
	// authorization (D18).
	if g.opts.Limiter != nil {
		if rule, ok := st.rule(res.Path, mm.HTTPMethod); ok {
			key := c.api.ID + "/" + st.name + "/" + rule.httpMethod + " " + rule.resourcePath
			allowed, err := g.opts.Limiter.Allow(ctx, key, rule.rate, rule.burst)
			if err != nil {
				g.log.Warn("throttle check failed; request allowed", "requestId", r.ID, "err", err)
			} else if !allowed {
				if g.opts.Observer != nil {
					g.opts.Observer.Throttled(c.api.LogicalID, st.name, m.label)
				}
				return nil, gwresponse.Errorf(gwresponse.Throttled, "Too Many Requests",
					"stage %s method %s exceeded throttle limit. Limit: %.2f Burst: %d", st.name, m.label, rule.rate, rule.burst)
			}
		}
	}

	// 4. Authorization: resource policy pre-check, the method's
	// authorizer, the combined policy decision and API keys.
	if m.authorize != nil {
		if err := m.authorize.Authorize(ctx, r); err != nil {
			return nil, err
		}
	}

	// 5. The integration.
	if log.on {
		log.info("Starting execution for request: " + r.ID)
		log.info("HTTP Method: " + r.Method + ", Resource Path: " + r.Path)
	}
	if d, ok := m.integration.(directIntegration); ok {
		if err := d.InvokeInto(ctx, r, out); err != nil {
			out.Reset()
			return nil, err
		}
		if log.on {
			log.info("Method completed with status: " + strconv.Itoa(out.StatusCode()))
		}
		return nil, nil
	}
	resp, err := m.integration.Invoke(ctx, r)
	if err != nil {
		return nil, err
	}
	if log.on {
		log.info("Method completed with status: " + strconv.Itoa(resp.Status))
	}
	return resp, nil
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

func (g *Gateway) newRequest(ctx *fasthttp.RequestCtx, now time.Time) *reqctx.Request {
	req := &ctx.Request
	r := &reqctx.Request{
		Time:     now,
		Method:   internVerb(req.Header.Method()),
		WirePath: string(req.URI().PathOriginal()),
		RawQuery: string(req.URI().QueryString()),
		Host:     string(req.Host()),
		Protocol: internProtocol(req.Header.Protocol()),
		Secure:   ctx.IsTLS(),
	}
	r.ID, r.ExtendedID = reqctx.NewIDs()
	if i := strings.IndexByte(r.WirePath, '?'); i >= 0 {
		r.WirePath = r.WirePath[:i]
	}
	if r.WirePath == "" {
		r.WirePath = "/"
	}
	r.Query = reqctx.ParseQuery(r.RawQuery)
	r.Headers = copyHeaders(&req.Header)
	r.SourceIP = g.sourceIP(ctx, r)
	return r
}

var errBodyTooLarge = fmt.Errorf("request body over %d bytes", MaxBodyBytes)

// maxDrain bounds how much of an oversized body is read and discarded
// before the 413 is sent, so that a well-behaved client finishes writing
// and reads the answer, while an endless body cannot hold a connection.
const maxDrain = 64 << 20

// readBody copies the request body into r, reporting false when it is over
// API Gateway's 10 MB limit.
func readBody(ctx *fasthttp.RequestCtx, r *reqctx.Request) bool {
	stream := ctx.RequestBodyStream()
	if stream == nil {
		if b := ctx.Request.Body(); len(b) > 0 {
			r.Body = append([]byte(nil), b...)
		}
		return len(r.Body) <= MaxBodyBytes
	}
	body, err := io.ReadAll(io.LimitReader(stream, MaxBodyBytes+1))
	if err != nil {
		return true // a broken body is the integration's problem, as on AWS
	}
	if len(body) > MaxBodyBytes {
		_, _ = io.Copy(io.Discard, io.LimitReader(stream, maxDrain))
		return false
	}
	if len(body) > 0 {
		r.Body = body
	}
	return true
}

// copyHeaders copies the request's header lines, in order and with their
// names as sent, into one backing string: one allocation for all of them
// instead of two per header.
func copyHeaders(h *fasthttp.RequestHeader) []reqctx.Header {
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
	out := make([]reqctx.Header, 0, n)
	off := 0
	for k, v := range h.All() {
		name := all[off : off+len(k)]
		off += len(k)
		out = append(out, reqctx.Header{Name: name, Value: all[off : off+len(v)]})
		off += len(v)
	}
	return out
}

// sourceIP is the peer address unless the peer is a trusted proxy, in
// which case the right-most untrusted X-Forwarded-For hop is used.
func (g *Gateway) sourceIP(ctx *fasthttp.RequestCtx, r *reqctx.Request) string {
	peer := ctx.RemoteIP()
	ip := peer.String()
	if len(g.opts.TrustedProxies) == 0 {
		return ip
	}
	addr, ok := netip.AddrFromSlice(peer)
	if !ok || !g.trusted(addr.Unmap()) {
		return ip
	}
	xff, ok := r.HeaderValue("X-Forwarded-For")
	if !ok {
		return ip
	}
	hops := strings.Split(xff, ",")
	for i := len(hops) - 1; i >= 0; i-- {
		h := strings.TrimSpace(hops[i])
		a, err := netip.ParseAddr(h)
		if err != nil {
			return ip
		}
		if !g.trusted(a.Unmap()) || i == 0 {
			return a.String()
		}
	}
	return ip
}

func (g *Gateway) trusted(a netip.Addr) bool {
	for _, p := range g.opts.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
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
	ctx.SetBody(resp.Body)
}

// Serve serves API i on ln until ctx is done, then drains in-flight
// requests.
func (g *Gateway) Serve(ctx context.Context, i int, ln net.Listener) error {
	srv := g.Server(i)
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
