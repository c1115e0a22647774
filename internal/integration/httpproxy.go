package integration

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
	"github.com/valyala/fasthttp"
)

// Upstream sends one HTTP request to a backend. *fasthttp.Client satisfies
// it; it pools keep-alive connections per host.
type Upstream interface {
	DoTimeout(req *fasthttp.Request, resp *fasthttp.Response, timeout time.Duration) error
}

// NewUpstream returns the shared upstream client with pooled keep-alive
// connections. Header names are sent as received (no normalisation), and
// bodies are capped at API Gateway's 10 MB payload limit.
func NewUpstream() *fasthttp.Client {
	return &fasthttp.Client{
		Name:                          "",
		NoDefaultUserAgentHeader:      true,
		DisableHeaderNamesNormalizing: true,
		DisablePathNormalizing:        true,
		MaxConnsPerHost:               1024,
		MaxIdleConnDuration:           90 * time.Second,
		MaxResponseBodySize:           10 << 20,
		ReadBufferSize:                16 << 10,
	}
}

// HTTPProxy is an HTTP_PROXY integration.
type HTTPProxy struct {
	uri     string // template with {param} and ${stageVariables.x}
	method  string // "" = the request's verb
	timeout time.Duration
	// params are the integration request parameters, parsed once:
	// integration.request.path.X fills the URI's {X}, the others set a
	// header or query parameter.
	params   requestParams
	upstream Upstream
}

// NewHTTPProxy compiles an HTTP_PROXY integration.
func NewHTTPProxy(in *apimodel.Integration, upstream Upstream) (*HTTPProxy, error) {
	u := in.URI
	// A URI built from stage variables can only be checked per request.
	if !strings.HasPrefix(u, "${") {
		probe := strings.NewReplacer("{", "", "}", "", "$", "").Replace(u)
		pu, err := url.Parse(probe)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			return nil, fmt.Errorf("HTTP_PROXY integration URI %q must be an absolute http(s) URL", u)
		}
	}
	timeout := time.Duration(in.TimeoutMillis) * time.Millisecond
	if timeout <= 0 {
		timeout = apimodel.DefaultIntegrationTimeoutMillis * time.Millisecond
	}
	m := strings.ToUpper(in.HTTPMethod)
	if m == apimodel.AnyMethod {
		m = ""
	}
	h := &HTTPProxy{uri: u, method: m, timeout: timeout, upstream: upstream}
	params, err := compileRequestParams(in.RequestParameters)
	if err != nil {
		return nil, err
	}
	h.params = params
	return h, nil
}

// mapsHeader reports whether a header mapping with a value for r sets name.
func (h *HTTPProxy) mapsHeader(r *reqctx.Request, name string) bool {
	for _, m := range h.params.header {
		if strings.EqualFold(name, m.name) {
			if _, ok := m.src.Value(r); ok {
				return true
			}
		}
	}
	return false
}

// errIllegalPath is API Gateway's answer to a URI placeholder that no
// integration.request.path mapping fills: the literal "{proxy}" is not a
// valid URL (AWS Knowledge Center, "Illegal character in path" for proxy
// resources).
var errIllegalPath = errors.New("Execution failed due to configuration error: Illegal character in path")

// targetURL substitutes stage variables and the mapped path parameters.
// Only integration.request.path mappings fill the URI's {name}
// placeholders, as on AWS. A value is escaped the canonical way
// (reqctx.EscapeSegment); a greedy value keeps its slashes as separators:
// the router split the path at exactly those slashes, so the backend
// receives the path the authorizer was asked about, and a value can never
// smuggle in an encoded slash or dot segment.
func (h *HTTPProxy) targetURL(r *reqctx.Request) (string, error) {
	out := h.uri
	if strings.Contains(out, "${stageVariables.") {
		for k, v := range r.StageVariables {
			out = strings.ReplaceAll(out, "${stageVariables."+k+"}", v)
		}
	}
	if p, _, _ := strings.Cut(out, "?"); strings.IndexByte(p, '{') >= 0 {
		paths, err := h.params.escapedPaths(r)
		if err != nil {
			return "", err
		}
		for name, esc := range paths {
			out = strings.ReplaceAll(out, "{"+name+"}", esc)
			out = strings.ReplaceAll(out, "{"+name+"+}", esc)
		}
		if p, _, _ := strings.Cut(out, "?"); strings.ContainsAny(p, "{}") {
			return "", errIllegalPath
		}
	}
	if r.RawQuery != "" {
		if strings.Contains(out, "?") {
			out += "&" + r.RawQuery
		} else {
			out += "?" + r.RawQuery
		}
	}
	return out, nil
}

// Invoke proxies the request and returns the backend's answer unchanged.
func (h *HTTPProxy) Invoke(ctx context.Context, r *reqctx.Request) (*Response, error) {
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseResponse(resp)
	if err := h.InvokeInto(ctx, r, resp); err != nil {
		return nil, err
	}
	out := &Response{Status: resp.StatusCode()}
	for k, v := range resp.Header.All() {
		out.Headers = append(out.Headers, reqctx.Header{Name: string(k), Value: string(v)})
	}
	out.Body = append([]byte(nil), resp.Body()...)
	return out, nil
}

// InvokeInto proxies the request and reads the backend's answer straight
// into resp, the client's response, sparing the copies Invoke makes. On
// error resp holds nothing useful and the caller resets it.
func (h *HTTPProxy) InvokeInto(ctx context.Context, r *reqctx.Request, resp *fasthttp.Response) error {
	req := fasthttp.AcquireRequest()
	defer fasthttp.ReleaseRequest(req)
	req.Header.DisableNormalizing()
	target, err := h.targetURL(r)
	if err != nil {
		return gwresponse.InternalError(500, err)
	}
	req.SetRequestURI(target)
	method := r.Method
	if h.method != "" {
		method = h.method
	}
	req.Header.SetMethod(method)
	// The request's own lines, with the X-Forwarded-* and trace headers
	// the edge already added (reqctx.Edge.New), minus what belongs to the
	// client's connection, every name exactly as the client wrote it:
	// fasthttp's special handling of Host, Content-Type, User-Agent, Cookie
	// and Content-Length (canonical names, Cookie lines merged) is off, so
	// those lines are written here. Host comes from the integration URI.
	req.Header.DisableSpecialHeader()
	req.Header.Set("Host", string(req.URI().Host()))
	// A mapped integration.request.header replaces the client's lines of
	// that name.
	for _, hd := range reqctx.Forwarded(r.Headers) {
		if !strings.EqualFold(hd.Name, "Host") && !h.mapsHeader(r, hd.Name) {
			req.Header.Add(hd.Name, hd.Value)
		}
	}
	for _, m := range h.params.header {
		if v, ok := m.src.Value(r); ok {
			req.Header.Add(m.name, v)
		}
	}
	for _, m := range h.params.query {
		if v, ok := m.src.Value(r); ok {
			req.URI().QueryArgs().Set(m.name, v)
		}
	}
	if len(r.Body) > 0 || (method != "GET" && method != "HEAD") {
		req.Header.Set("Content-Length", strconv.Itoa(len(r.Body)))
	}
	req.SetBodyRaw(r.Body)
	timeout := h.timeout
	if dl, ok := ctx.Deadline(); ok {
		if d := time.Until(dl); d < timeout {
			timeout = d
		}
	}
	resp.Header.DisableNormalizing()
	if err := h.upstream.DoTimeout(req, resp, timeout); err != nil {
		if errors.Is(err, fasthttp.ErrTimeout) || errors.Is(err, fasthttp.ErrDialTimeout) {
			return gwresponse.Errorf(gwresponse.IntegrationTimeout, "Endpoint request timed out",
				"Execution failed due to a timeout error: %v", err)
		}
		// The AWS Knowledge Center page on HTTP 500 errors for API Gateway
		// integrations shows an unreachable backend as a 500 with
		// "Execution failed due to configuration error: There was an
		// internal error while executing your request".
		return gwresponse.InternalError(500, fmt.Errorf("Execution failed due to configuration error: There was an internal error while executing your request: %w", err))
	}
	remapBackendHeaders(&resp.Header)
	return nil
}

// remapBackendHeaders applies to an HTTP backend's answer the rule every
// integration's answer gets (responseHeaderName, the one home of it):
// Connection, Content-Length, Date and Server describe the backend's
// connection, so they reach the client under their remapped names and the
// gateway's own values frame the client's response; the other hop-by-hop
// headers (RFC 9110 §7.6.1) are dropped. fasthttp parses Content-Length,
// Connection and Server into fields of their own, which are reset here.
func remapBackendHeaders(h *fasthttp.ResponseHeader) {
	remap := func(name, value string) {
		if to, keep := responseHeaderName(name); keep {
			h.Add(to, value)
		}
	}
	if n := h.ContentLength(); n >= 0 {
		remap("Content-Length", strconv.Itoa(n))
	}
	if h.ConnectionClose() {
		remap("Connection", "close")
		h.ResetConnectionClose()
	}
	if srv := h.Server(); len(srv) > 0 {
		remap("Server", string(srv))
		h.SetServer("")
	}
	if d := h.Peek("Date"); len(d) > 0 {
		remap("Date", string(d))
		h.Del("Date")
	}
	for _, name := range []string{"Keep-Alive", "Proxy-Authenticate", "Proxy-Connection", "Trailer", "Upgrade", "TE"} {
		h.Del(name)
	}
}
