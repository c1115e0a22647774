package httpapi

// CORS as "Configure CORS for HTTP APIs in API Gateway" describes it: when
// an API has a CORS configuration, API Gateway answers preflight OPTIONS
// requests itself (even without an OPTIONS route, and before any
// authorizer), adds the configured headers to the responses of CORS
// requests, and ignores the CORS headers the integration returns. A request
// gets CORS headers only when it carries Origin; a preflight is an OPTIONS
// request with Origin and Access-Control-Request-Method.

import (
	"strconv"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

type cors struct {
	anyOrigin   bool
	origins     []string // lower case
	methods     string
	anyMethod   bool
	headers     string
	anyHeader   bool
	expose      string
	credentials bool
	maxAge      string
}

func compileCORS(c *apimodel.CORSConfig) *cors {
	if c == nil {
		return nil
	}
	out := &cors{credentials: c.AllowCredentials}
	for _, o := range c.AllowOrigins {
		if o == "*" {
			out.anyOrigin = true
			continue
		}
		out.origins = append(out.origins, strings.ToLower(strings.TrimSuffix(o, "/")))
	}
	for _, m := range c.AllowMethods {
		out.anyMethod = out.anyMethod || m == "*"
	}
	for _, h := range c.AllowHeaders {
		out.anyHeader = out.anyHeader || h == "*"
	}
	out.methods = strings.Join(c.AllowMethods, ",")
	out.headers = strings.ToLower(strings.Join(c.AllowHeaders, ","))
	out.expose = strings.ToLower(strings.Join(c.ExposeHeaders, ","))
	if c.MaxAge >= 0 && c.MaxAge != 0 {
		out.maxAge = strconv.Itoa(c.MaxAge)
	}
	return out
}

// allowOrigin returns the Access-Control-Allow-Origin value for origin, or
// "" when the origin is not allowed.
func (c *cors) allowOrigin(origin string) string {
	if origin == "" {
		return ""
	}
	lo := strings.ToLower(origin)
	for _, o := range c.origins {
		if o == lo {
			return origin
		}
	}
	if c.anyOrigin {
		return "*"
	}
	return ""
}

func isPreflight(r *reqctx.Request) bool {
	if r.Method != "OPTIONS" {
		return false
	}
	o, _ := r.HeaderValue("Origin")
	m, _ := r.HeaderValue("Access-Control-Request-Method")
	return o != "" && m != ""
}

// preflight is the gateway's own answer to a preflight request: 204 with
// the configured headers when the origin is allowed, 204 without any CORS
// header when it is not (the browser then refuses the call).
func (c *cors) preflight(r *reqctx.Request) Response {
	origin, _ := r.HeaderValue("Origin")
	resp := Response{Status: 204}
	allowed := c.allowOrigin(origin)
	if allowed == "" {
		return resp
	}
	add := func(name, value string) {
		if value != "" {
			resp.Headers = append(resp.Headers, reqctx.Header{Name: name, Value: value})
		}
	}
	add("Access-Control-Allow-Origin", allowed)
	if c.credentials {
		add("Access-Control-Allow-Credentials", "true")
	}
	methods := c.methods
	if c.anyMethod {
		methods, _ = r.HeaderValue("Access-Control-Request-Method")
	}
	add("Access-Control-Allow-Methods", methods)
	headers := c.headers
	if c.anyHeader {
		headers, _ = r.HeaderValue("Access-Control-Request-Headers")
	}
	add("Access-Control-Allow-Headers", headers)
	add("Access-Control-Expose-Headers", c.expose)
	add("Access-Control-Max-Age", c.maxAge)
	return resp
}

// apply replaces any CORS header of resp by the configured ones for the
// request's origin.
func (c *cors) apply(r *reqctx.Request, resp *Response) {
	kept := resp.Headers[:0]
	for _, h := range resp.Headers {
		if len(h.Name) > len("access-control-") && strings.EqualFold(h.Name[:len("access-control-")], "access-control-") {
			continue
		}
		kept = append(kept, h)
	}
	resp.Headers = kept
	origin, _ := r.HeaderValue("Origin")
	allowed := c.allowOrigin(origin)
	if allowed == "" {
		return
	}
	resp.Headers = append(resp.Headers, reqctx.Header{Name: "Access-Control-Allow-Origin", Value: allowed})
	if c.credentials {
		resp.Headers = append(resp.Headers, reqctx.Header{Name: "Access-Control-Allow-Credentials", Value: "true"})
	}
	if c.expose != "" {
		resp.Headers = append(resp.Headers, reqctx.Header{Name: "Access-Control-Expose-Headers", Value: c.expose})
	}
}
