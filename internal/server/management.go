package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/admin"
	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/authorizer"
	"github.com/portcullis-gateway/portcullis/internal/config"
	"github.com/portcullis-gateway/portcullis/internal/function"
	"github.com/portcullis-gateway/portcullis/internal/gateway"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
	"github.com/portcullis-gateway/portcullis/internal/telemetry"
)

// authorizerTestStage is the stage API Gateway's TestInvokeAuthorizer puts
// in the methodArn it hands the function
// (arn:aws:execute-api:REGION:ACCOUNT:API/ESTestInvoke-stage/GET/).
const authorizerTestStage = "ESTestInvoke-stage"

// management gives the admin API what it needs from the running server:
// the test invocations of the management API and the functions of the
// Lambda API. It reads the current model and runtime on every call, so it
// follows reloads.
type management struct{ s *Server }

var (
	_ admin.AuthorizerTester = management{}
	_ admin.MethodTester     = management{}
	_ admin.Functions        = management{}
)

// adminOptions wires the admin listener: cache flushes, the management
// API, the Lambda API, metrics and readiness.
func (s *Server) adminOptions() admin.Options {
	m := management{s}
	o := admin.Options{
		APIs: s.gw.APIs, HTTPAPIs: func() []*apimodel.HTTPAPI { return s.model.HTTPAPIs }, Cache: s.cache, Logger: s.log, Ready: s.ready,
		Authorizers: m, Methods: m, Functions: m, Metrics: s.metrics.Handler(),
		AllowedHosts: s.cfg.AdminHosts,
		Decisions:    s.ring,
	}
	// With identities configured, the admin API wants what AWS wants: a
	// SigV4 signature by one of them.
	if s.authz != nil && len(s.authz.file.Identities) > 0 {
		keys := identityKeys{}
		for _, id := range s.authz.file.Identities {
			keys[id.AccessKeyID] = id
		}
		o.Keys = keys
	}
	return o
}

// identityKeys resolves the --config identities' access keys for the
// admin listener's signature check.
type identityKeys map[string]config.Identity

// Lookup implements sigv4.KeyStore.
func (k identityKeys) Lookup(accessKey string) (string, string, bool) {
	id, ok := k[accessKey]
	return id.SecretAccessKey, id.SessionToken, ok
}

// ready is /readyz: the gateway is compiled (New succeeded) and its
// listeners are open.
func (s *Server) ready() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.listeners) == 0 {
		return errors.New("the gateway listeners are not open")
	}
	return nil
}

// Metrics is the server's Prometheus instrumentation.
func (s *Server) Metrics() *telemetry.Metrics { return s.metrics }

func (s *Server) state() (*apimodel.Model, *dispatch) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.model, s.invoker
}

// TestInvokeAuthorizer invokes a Lambda authorizer's function once, parses
// its answer strictly and evaluates its policy against the test request's
// methodArn, exactly as the gateway does for a request, but never through
// the cache. clientStatus is what the client would have received from the
// authorization step: 200 when allowed, 401, 403 or 500 otherwise.
func (m management) TestInvokeAuthorizer(ctx context.Context, api *apimodel.API, a *apimodel.Authorizer, req admin.TestInvokeRequest) (admin.TestInvokeAuthorizerResult, error) {
	if a.Type != apimodel.AuthorizerToken && a.Type != apimodel.AuthorizerRequest {
		return admin.TestInvokeAuthorizerResult{}, fmt.Errorf("%w: authorizer %s is of type %s; only Lambda (TOKEN and REQUEST) authorizers can be test-invoked", admin.ErrBadRequest, a.ID, a.Type)
	}
	model, inv := m.s.state()
	xlog := &telemetry.ExecutionLog{}
	rec := &recordingInvoker{next: inv}
	fn := (&compiler{model: model}).function(a.Function, a.FunctionARN)
	l, err := authorizer.NewLambda(api, a, fn, authorizer.Options{Invoker: rec, Logger: xlog.Logger(), Observer: m.s.metrics})
	if err != nil {
		xlog.Line(time.Time{}, "Execution failed due to configuration error: "+err.Error())
		// TestInvokeAuthorizer reports the failure in its result, as AWS does.
		return admin.TestInvokeAuthorizerResult{ClientStatus: 500, Log: xlog.String()}, nil //nolint:nilerr // the error is the result
	}
	r, err := m.testRequest(api, req, authorizerTestStage)
	if err != nil {
		return admin.TestInvokeAuthorizerResult{}, fmt.Errorf("%w: %v", admin.ErrBadRequest, err)
	}
	authErr := l.Authorize(ctx, r)
	out := admin.TestInvokeAuthorizerResult{ClientStatus: 200, Authorization: identityHeaders(a, r)}
	if authErr != nil {
		out.ClientStatus = 500
		var ge *gwresponse.Error
		if errors.As(authErr, &ge) {
			if ge.Status != 0 {
				out.ClientStatus = ge.Status
			} else if st := gwresponse.DefaultStatus(ge.Type); st != 0 {
				out.ClientStatus = st
			}
		}
	}
	// The function's answer, when it parses, is reported whether or not its
	// policy allowed the request.
	if raw := rec.payload(); raw != nil {
		if res, err := authorizer.ParseResult(raw); err == nil {
			out.PrincipalID = res.PrincipalID
			out.Context = res.Context
			out.Policy = policyText(raw)
		}
	}
	out.Log = xlog.String()
	return out, nil
}

// TestInvokeMethod runs one method's integration without authorization,
// as API Gateway's TestInvokeMethod does.
func (m management) TestInvokeMethod(ctx context.Context, api *apimodel.API, res *apimodel.Resource, verb string, req admin.TestInvokeRequest) (admin.TestInvokeMethodResult, error) {
	xlog := &telemetry.ExecutionLog{}
	resp, err := m.s.gw.TestInvoke(ctx, api.ID, res.ID, verb, gateway.TestRequest{
		PathWithQueryString: req.PathWithQueryString, Headers: req.HeaderList(), Body: []byte(req.Body),
		StageVariables: req.StageVariables, Log: xlog.Logger(),
	})
	switch {
	case errors.Is(err, gateway.ErrBadPath):
		return admin.TestInvokeMethodResult{}, fmt.Errorf("%w: %v", admin.ErrBadRequest, err)
	case err != nil:
		return admin.TestInvokeMethodResult{}, err
	}
	single, multi := admin.ResponseHeaders(resp.Headers)
	return admin.TestInvokeMethodResult{Status: resp.Status, Body: string(resp.Body), Headers: single, MultiValueHeaders: multi, Log: xlog.String()}, nil
}

// Function resolves what a Lambda client names a function by: its name,
// its logical id, its ARN or a partial ARN ("123456789012:function:name").
// Only the definition's local functions are offered.
func (m management) Function(name string) *apimodel.Function {
	model, _ := m.s.state()
	if f := model.Functions[name]; f != nil && !f.Remote {
		return f
	}
	for _, f := range model.Functions {
		if f.Remote {
			continue
		}
		if f.Name == name || f.ARN == name || (strings.Contains(name, ":function:") && strings.HasSuffix(f.ARN, ":"+name)) {
			return f
		}
	}
	return nil
}

// Functions lists the definition's functions.
func (m management) Functions() []*apimodel.Function {
	model, _ := m.s.state()
	out := make([]*apimodel.Function, 0, len(model.Functions))
	for _, f := range model.Functions {
		out = append(out, f)
	}
	return out
}

// Invoke runs a function through the current runtime.
func (m management) Invoke(ctx context.Context, fn *apimodel.Function, payload []byte) (function.Result, error) {
	_, inv := m.s.state()
	return inv.Invoke(ctx, fn, payload)
}

// recordingInvoker keeps the last answer of the function it passes calls
// to, so that a test invocation can report the policy the authorizer
// returned.
type recordingInvoker struct {
	next authorizer.Invoker

	mu   sync.Mutex
	last []byte
}

func (r *recordingInvoker) Invoke(ctx context.Context, fn *apimodel.Function, payload []byte) (function.Result, error) {
	res, err := r.next.Invoke(ctx, fn, payload)
	if err == nil && res.FunctionError == "" {
		r.mu.Lock()
		r.last = res.Payload
		r.mu.Unlock()
	}
	return res, err
}

func (r *recordingInvoker) payload() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}

// policyText is the policyDocument of an authorizer answer as compact JSON
// text, TestInvokeAuthorizer's policy field.
func policyText(raw []byte) string {
	var doc struct {
		PolicyDocument json.RawMessage `json:"policyDocument"`
	}
	if json.Unmarshal(raw, &doc) != nil || doc.PolicyDocument == nil {
		return ""
	}
	var b bytes.Buffer
	if json.Compact(&b, doc.PolicyDocument) != nil {
		return string(doc.PolicyDocument)
	}
	return b.String()
}

// identityHeaders is TestInvokeAuthorizer's authorization field: the
// header identity sources of the authorizer with the values the test
// request gave them.
func identityHeaders(a *apimodel.Authorizer, r *reqctx.Request) map[string][]string {
	var out map[string][]string
	for _, src := range strings.Split(a.IdentitySource, ",") {
		name, ok := strings.CutPrefix(strings.TrimSpace(src), "method.request.header.")
		if !ok {
			continue
		}
		for _, h := range r.Headers {
			if strings.EqualFold(h.Name, name) {
				if out == nil {
					out = map[string][]string{}
				}
				out[name] = append(out[name], h.Value)
			}
		}
	}
	return out
}

// testRequest builds the request a test invocation simulates: GET (unless
// additionalContext says otherwise) on pathWithQueryString under stage,
// from API Gateway's test-invoke source address, built and routed by the
// running gateway like any request, so that a REQUEST authorizer's event
// carries the resource and its path parameters.
func (m management) testRequest(api *apimodel.API, req admin.TestInvokeRequest, stage string) (*reqctx.Request, error) {
	in := gateway.SimulatedRequest{Stage: stage, Method: "GET", PathWithQueryString: req.PathWithQueryString,
		Headers: req.HeaderList(), Body: []byte(req.Body), StageVariables: req.StageVariables}
	if v, ok := req.AdditionalContext["httpMethod"]; ok && v != "" {
		in.Method = strings.ToUpper(v)
	}
	if v, ok := req.AdditionalContext["identity.sourceIp"]; ok && v != "" {
		in.SourceIP = v
	}
	r, _, err := m.s.gw.Simulate(api.ID, in)
	return r, err
}
