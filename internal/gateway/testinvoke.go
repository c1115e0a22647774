package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sort"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// TestInvokeStage is the stage name API Gateway's TestInvokeMethod runs a
// method under ($context.stage and the methodArn's stage), and
// TestInvokeSourceIP the caller address it reports.
const (
	TestInvokeStage    = "test-invoke-stage"
	TestInvokeSourceIP = "test-invoke-source-ip"
)

// Errors of TestInvoke for ids that name nothing.
var (
	ErrNoAPI      = errors.New("no such API")
	ErrNoResource = errors.New("no such resource")
	ErrNoMethod   = errors.New("no such method")
	ErrBadPath    = errors.New("the path does not match the resource")
)

// TestRequest is the simulated request of a TestInvokeMethod call.
type TestRequest struct {
	// PathWithQueryString is the concrete path below the stage with its
	// query ("/users/42?verbose=1"); "" means the resource's own path.
	PathWithQueryString string
	// Headers in order, names as given.
	Headers        []reqctx.Header
	Body           []byte
	StageVariables map[string]string
	// Log receives the execution log, one record per AWS log line; nil
	// discards it.
	Log *slog.Logger
}

// TestResponse is what the client would have received.
type TestResponse struct {
	Status  int
	Headers []reqctx.Header
	Body    []byte
}

// TestInvoke runs one method of a served API as API Gateway's
// TestInvokeMethod does: the request goes straight to the method's
// integration — no throttling, no authorizer, no resource policy, no API
// key — under the stage "test-invoke-stage" with the given stage
// variables. A failing integration is answered with the API's gateway
// response, as a real request would be. The request is not counted in the
// request metrics.
func (g *Gateway) TestInvoke(ctx context.Context, apiID, resourceID, verb string, in TestRequest) (TestResponse, error) {
	log := in.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var c *compiledAPI
	for _, a := range *g.apis.Load() {
		if a.api.ID == apiID {
			c = a
		}
	}
	if c == nil {
		return TestResponse{}, ErrNoAPI
	}
	var res *apimodel.Resource
	for _, r := range c.api.Resources {
		if r.ID == resourceID {
			res = r
		}
	}
	if res == nil {
		return TestResponse{}, ErrNoResource
	}
	verb = strings.ToUpper(verb)
	mm := res.Methods[verb]
	if mm == nil {
		return TestResponse{}, ErrNoMethod
	}
	m := c.methods[mm]
	if m == nil {
		return TestResponse{}, ErrNoMethod
	}

	path := in.PathWithQueryString
	if p, _, _ := strings.Cut(path, "?"); p == "" {
		path = res.Path + path
	}
	method := verb
	if method == apimodel.AnyMethod {
		// An ANY method is tried with the verb a browser would send.
		method = "GET"
	}
	r, got, err := g.simulate(c, SimulatedRequest{Stage: TestInvokeStage, Method: method, PathWithQueryString: path,
		Headers: in.Headers, Body: in.Body, StageVariables: in.StageVariables})
	if err != nil || got != res {
		return TestResponse{}, fmt.Errorf("%w: %s is not a path of %s", ErrBadPath, path, res.Path)
	}
	params := r.PathParams

	// The lines of API Gateway's test-invoke execution log (docs/behaviour.md#LOG-1).
	log.Info("Starting execution for request: " + r.ID)
	log.Info(fmt.Sprintf("HTTP Method: %s, Resource Path: %s", method, r.Path))
	log.Info("Method request path: " + formatMap(params))
	log.Info("Method request query string: " + formatQuery(r.Query))
	log.Info("Method request headers: " + formatHeaders(r.Headers))
	log.Info("Method request body before transformations: " + string(r.Body))
	resp, err := m.integration.Invoke(ctx, r)
	if err != nil {
		var ge *gwresponse.Error
		if !errors.As(err, &ge) {
			ge = gwresponse.InternalError(500, err)
		}
		if ge.Cause != nil {
			log.Info(ge.Cause.Error())
		}
		gr := c.responses.Render(ge, r)
		log.Info(fmt.Sprintf("Gateway response type: %s with status code: %d", gr.Type, gr.Status))
		log.Info(fmt.Sprintf("Method completed with status: %d", gr.Status))
		return TestResponse{Status: gr.Status, Headers: gr.Headers, Body: gr.Body}, nil
	}
	headers := append(resp.Headers[:len(resp.Headers):len(resp.Headers)],
		reqctx.Header{Name: "x-amzn-RequestId", Value: r.ID}, reqctx.Header{Name: "x-amz-apigw-id", Value: r.ExtendedID})
	log.Info("Method response body after transformations: " + string(resp.Body))
	log.Info("Method response headers: " + formatHeaders(headers))
	log.Info("Successfully completed execution")
	log.Info(fmt.Sprintf("Method completed with status: %d", resp.Status))
	return TestResponse{Status: resp.Status, Headers: headers, Body: resp.Body}, nil
}

// SimulatedRequest is a request that a management call stands for
// (TestInvokeMethod, TestInvokeAuthorizer): no client sent it, but it is
// built, made canonical and routed exactly like one.
type SimulatedRequest struct {
	Stage  string
	Method string
	// PathWithQueryString is the path below the stage with its query.
	PathWithQueryString string
	Headers             []reqctx.Header
	Body                []byte
	StageVariables      map[string]string
	// SourceIP replaces the test-invoke source address when set.
	SourceIP string
	// Peer, Port and Secure stand for the connection the request came
	// on (X-Forwarded-For, -Port, -Proto); zero values are test-invoke's.
	Peer   netip.Addr
	Port   int
	Secure bool
}

// Simulate builds the request of a management call against API apiID with
// the listener's own edge, canonical path and compiled router. The
// resource is nil when no resource matches the path.
func (g *Gateway) Simulate(apiID string, in SimulatedRequest) (*reqctx.Request, *apimodel.Resource, error) {
	for _, c := range *g.apis.Load() {
		if c.api.ID == apiID {
			return g.simulate(c, in)
		}
	}
	return nil, nil, ErrNoAPI
}

func (g *Gateway) simulate(c *compiledAPI, in SimulatedRequest) (*reqctx.Request, *apimodel.Resource, error) {
	target, query, _ := strings.Cut(in.PathWithQueryString, "?")
	if !strings.HasPrefix(target, "/") {
		target = "/" + target
	}
	r, err := g.edge.New(reqctx.Incoming{Method: in.Method, Target: target, Query: query,
		Headers: append(make([]reqctx.Header, 0, len(in.Headers)+reqctx.ExtraHeaders), in.Headers...),
		Body:    in.Body, Protocol: "HTTP/1.1", Time: g.now(), Peer: in.Peer, Port: in.Port, Secure: in.Secure})
	if err != nil {
		return r, nil, err
	}
	r.SourceIP = TestInvokeSourceIP
	if in.SourceIP != "" {
		r.SourceIP = in.SourceIP
	}
	decoded, encoded, _, err := reqctx.CanonicalPath(target)
	if err != nil {
		return r, nil, err
	}
	r.Stage, r.StageVariables = in.Stage, in.StageVariables
	r.APIID, r.AccountID = c.api.ID, c.api.AccountID
	r.Path, r.DecodedPath = encoded, decoded
	r.MethodARN = apimodel.MethodARN(c.api.Region, c.api.AccountID, c.api.ID, in.Stage, r.Method, r.Path)
	var pbuf [4]routerParam
	res, _, params, found := c.tree.Match(r.Method, r.DecodedPath, pbuf[:0])
	if !found {
		return r, nil, nil
	}
	r.ResourcePath, r.ResourceID = res.Path, res.ID
	for _, p := range params {
		if r.PathParams == nil {
			r.PathParams = make(map[string]string, len(params))
		}
		r.PathParams[p.Name] = p.Value
	}
	return r, res, nil
}

// formatMap prints a map as API Gateway's execution log does: {a=1, b=2}.
func formatMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func formatQuery(ps []reqctx.Param) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.Name + "=" + p.Value
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func formatHeaders(hs []reqctx.Header) string {
	parts := make([]string, len(hs))
	for i, h := range hs {
		parts[i] = h.Name + "=" + h.Value
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
