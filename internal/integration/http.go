package integration

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
	"github.com/valyala/fasthttp"
)

// HTTP is a non-proxy HTTP integration ("Set up HTTP integrations in API
// Gateway", "Tutorial: Create a REST API with an HTTP non-proxy
// integration"): the backend receives only what the integration request
// maps — the URI's {name} placeholders from integration.request.path.name,
// the integration.request.querystring/header parameters, and the request
// template's output (or the body passed through) — and its answer goes
// through the integration response whose selectionPattern matches the
// backend's status code.
type HTTP struct {
	route       Route
	uri         string
	method      string
	timeout     time.Duration
	params      requestParams
	requests    *templateSet
	passthrough string
	// contentHandling converts the request payload.
	contentHandling string
	responses       *responder
	upstream        Upstream
}

var uriParamRE = regexp.MustCompile(`\{([^{}]+)\}`)

// NewHTTP compiles a non-proxy HTTP integration.
func NewHTTP(in *apimodel.Integration, route Route, upstream Upstream) (*HTTP, error) {
	if !strings.HasPrefix(in.URI, "${") {
		probe := strings.NewReplacer("{", "", "}", "", "$", "").Replace(in.URI)
		pu, err := url.Parse(probe)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			return nil, fmt.Errorf("HTTP integration URI %q must be an absolute http(s) URL", in.URI)
		}
	}
	if err := checkContentHandling(in.ContentHandling); err != nil {
		return nil, err
	}
	h := &HTTP{route: route, uri: in.URI, method: strings.ToUpper(in.HTTPMethod), upstream: upstream, passthrough: in.PassthroughBehavior, contentHandling: in.ContentHandling}
	if h.method == "" || h.method == apimodel.AnyMethod {
		h.method = ""
	}
	h.timeout = time.Duration(in.TimeoutMillis) * time.Millisecond
	if h.timeout <= 0 {
		h.timeout = apimodel.DefaultIntegrationTimeoutMillis * time.Millisecond
	}
	params, err := compileRequestParams(in.RequestParameters)
	if err != nil {
		return nil, err
	}
	h.params = params
	mapped := map[string]bool{}
	for _, m := range params.path {
		mapped[m.name] = true
	}
	for _, m := range uriParamRE.FindAllStringSubmatch(in.URI, -1) {
		name := strings.TrimSuffix(m[1], "+")
		if strings.HasPrefix(m[0], "{stageVariables.") || strings.HasPrefix(name, "stageVariables.") {
			continue
		}
		if !mapped[name] {
			return nil, fmt.Errorf("HTTP integration URI %q: {%s} has no integration.request.path.%s mapping", in.URI, m[1], name)
		}
	}
	if h.requests, err = compileTemplates(in.RequestTemplates, in.Pos, "requestTemplates"); err != nil {
		return nil, err
	}
	if h.responses, err = compileResponses(in); err != nil {
		return nil, err
	}
	return h, nil
}

// Invoke sends the mapped request and maps the backend's answer.
func (h *HTTP) Invoke(ctx context.Context, r *reqctx.Request) (*Response, error) {
	mc := newMappingContext(r, h.route)
	body, contentType, err := mapRequestBody(r, mc, h.requests, h.passthrough, h.contentHandling)
	if err != nil {
		return nil, err
	}
	req := fasthttp.AcquireRequest()
	defer fasthttp.ReleaseRequest(req)
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseResponse(resp)
	req.Header.DisableNormalizing()
	resp.Header.DisableNormalizing()

	path, err := h.params.escapedPaths(r)
	if err != nil {
		return nil, gwresponse.InternalError(500, err)
	}
	if path == nil {
		path = map[string]string{}
	}
	query := pairs(h.params.query, r)
	headers := pairs(h.params.header, r)
	oh, oq, op := mc.requestOverrides()
	for k, v := range op {
		// A template's $context.requestOverride.path value is one segment.
		e, err := escapePathValue(v, false)
		if err != nil {
			return nil, gwresponse.InternalError(500, err)
		}
		path[k] = e
	}
	target := h.uri
	if strings.Contains(target, "${stageVariables.") {
		for k, v := range r.StageVariables {
			target = strings.ReplaceAll(target, "${stageVariables."+k+"}", v)
		}
	}
	target = uriParamRE.ReplaceAllStringFunc(target, func(m string) string {
		if v, ok := path[strings.TrimSuffix(m[1:len(m)-1], "+")]; ok {
			return v // escaped by escapedPaths
		}
		return m
	})
	req.SetRequestURI(target)
	args := req.URI().QueryArgs()
	for _, q := range query {
		args.Add(q[0], q[1])
	}
	for k, v := range oq {
		args.Set(k, v)
	}
	method := h.method
	if method == "" {
		method = r.Method
	}
	req.Header.SetMethod(method)
	if contentType != "" {
		req.Header.SetContentType(contentType)
	}
	for _, hd := range headers {
		req.Header.Set(hd[0], hd[1])
	}
	for k, v := range oh {
		req.Header.Set(k, v)
	}
	req.SetBodyRaw(body)
	timeout := h.timeout
	if dl, ok := ctx.Deadline(); ok {
		if d := time.Until(dl); d < timeout {
			timeout = d
		}
	}
	if err := h.upstream.DoTimeout(req, resp, timeout); err != nil {
		if errors.Is(err, fasthttp.ErrTimeout) || errors.Is(err, fasthttp.ErrDialTimeout) {
			return nil, gwresponse.Errorf(gwresponse.IntegrationTimeout, "Endpoint request timed out",
				"Execution failed due to a timeout error: %v", err)
		}
		return nil, gwresponse.InternalError(500, fmt.Errorf("Execution failed due to configuration error: There was an internal error while executing your request: %w", err))
	}
	be := backendResponse{status: resp.StatusCode(), body: append([]byte(nil), resp.Body()...)}
	for k, v := range resp.Header.All() {
		be.headers = append(be.headers, reqctx.Header{Name: string(k), Value: string(v)})
	}
	code := strconv.Itoa(be.status)
	ir := h.responses.pick(code)
	if ir == nil {
		return nil, noMapping(code)
	}
	return ir.render(r, mc, be)
}

// mapRequestBody runs the request template chosen for the request's
// Content-Type, or passes the body through as passthroughBehavior allows.
// It returns the integration request body and its Content-Type.
func mapRequestBody(r *reqctx.Request, mc *mappingContext, ts *templateSet, behavior, handling string) ([]byte, string, error) {
	t, err := ts.forRequest(r, behavior)
	if err != nil {
		return nil, "", err
	}
	ct, _ := r.HeaderValue("Content-Type")
	if handling != "" {
		body, err := convertContent(handling, r.Body, ct, mc.route.BinaryMediaTypes)
		if err != nil {
			return nil, "", gwresponse.InternalError(500, fmt.Errorf("Execution failed due to configuration error: request contentHandling %s: %w", handling, err))
		}
		mc.input.Body = body
		if t == nil {
			return body, ct, nil
		}
	}
	if t == nil {
		return r.Body, ct, nil
	}
	out, err := t.Execute(mc, templateLimits)
	if err != nil {
		return nil, "", templateFailure(err)
	}
	if ct == "" {
		ct = "application/json"
	}
	return []byte(out), ct, nil
}
