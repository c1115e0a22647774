package integration

import (
	"context"
	"errors"
	"fmt"
	"net/url"
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
	uri        string // template with {param} and ${stageVariables.x}
	method     string // "" = the request's verb
	timeout    time.Duration
	params     map[string]string // integration.request.* → source
	upstream   Upstream
	forwardFor bool
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
	return &HTTPProxy{uri: u, method: m, timeout: timeout, params: in.RequestParameters, upstream: upstream, forwardFor: true}, nil
}

// targetURL substitutes path parameters and stage variables.
func (h *HTTPProxy) targetURL(r *reqctx.Request) string {
	out := h.uri
	if strings.Contains(out, "${stageVariables.") {
		for k, v := range r.StageVariables {
			out = strings.ReplaceAll(out, "${stageVariables."+k+"}", v)
		}
	}
	if strings.IndexByte(out, '{') >= 0 {
		for k, v := range r.PathParams {
			// A greedy parameter keeps its slashes; every other value is
			// escaped again, since the router unescaped it.
			esc := url.PathEscape(v)
			if strings.Contains(v, "/") {
				esc = escapeGreedy(v)
			}
			out = strings.ReplaceAll(out, "{"+k+"}", esc)
			out = strings.ReplaceAll(out, "{"+k+"+}", esc)
		}
		for k, expr := range h.params {
			if name, ok := strings.CutPrefix(k, "integration.request.path."); ok {
				if v, ok := paramSource(r, expr); ok {
					out = strings.ReplaceAll(out, "{"+name+"}", url.PathEscape(v))
				}
			}
		}
	}
	if r.RawQuery != "" {
		if strings.Contains(out, "?") {
			out += "&" + r.RawQuery
		} else {
			out += "?" + r.RawQuery
		}
	}
	return out
}

func escapeGreedy(v string) string {
	parts := strings.Split(v, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
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
	req.SetRequestURI(h.targetURL(r))
	if h.method != "" {
		req.Header.SetMethod(h.method)
	} else {
		req.Header.SetMethod(r.Method)
	}
	for _, hd := range r.Headers {
		if hopByHop(hd.Name) || strings.EqualFold(hd.Name, "X-Forwarded-For") {
			continue
		}
		req.Header.Add(hd.Name, hd.Value)
	}
	if h.forwardFor {
		xff := r.SourceIP
		if prior, ok := r.HeaderValue("X-Forwarded-For"); ok && prior != "" {
			xff = prior + ", " + r.SourceIP
		}
		req.Header.Set("X-Forwarded-For", xff)
	}
	for k, expr := range h.params {
		if name, ok := strings.CutPrefix(k, "integration.request.header."); ok {
			if v, ok := paramSource(r, expr); ok {
				req.Header.Set(name, v)
			}
		} else if name, ok := strings.CutPrefix(k, "integration.request.querystring."); ok {
			if v, ok := paramSource(r, expr); ok {
				req.URI().QueryArgs().Set(name, v)
			}
		}
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
	// Hop-by-hop headers of the backend connection are not the client's.
	// fasthttp keeps Content-Length, Transfer-Encoding and Connection out of
	// the header list; the backend closing its connection must not close
	// the client's.
	resp.Header.ResetConnectionClose()
	for _, name := range []string{"Keep-Alive", "Proxy-Authenticate", "Proxy-Connection", "Trailer", "Upgrade", "TE"} {
		resp.Header.Del(name)
	}
	return nil
}
