package admin

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// maxTestBody caps a test-invoke request body: API Gateway's 10 MB
// payload limit plus room for the JSON envelope.
const maxTestBody = 11 << 20

// ErrBadRequest marks a tester's error as the caller's: an authorizer it
// cannot test, a path that is not the resource's. The management API
// answers it with 400 BadRequestException and the error's text.
var ErrBadRequest = errors.New("bad request")

// TestInvokeRequest is the body of TestInvokeAuthorizer and
// TestInvokeMethod ("Amazon API Gateway REST API Reference").
type TestInvokeRequest struct {
	Headers             map[string]string   `json:"headers,omitempty"`
	MultiValueHeaders   map[string][]string `json:"multiValueHeaders,omitempty"`
	PathWithQueryString string              `json:"pathWithQueryString,omitempty"`
	Body                string              `json:"body,omitempty"`
	StageVariables      map[string]string   `json:"stageVariables,omitempty"`
	// AdditionalContext is TestInvokeAuthorizer's only.
	AdditionalContext map[string]string `json:"additionalContext,omitempty"`
	// ClientCertificateID is TestInvokeMethod's only; it is accepted and
	// ignored (no mutual TLS to backends).
	ClientCertificateID string `json:"clientCertificateId,omitempty"`
}

// HeaderList merges headers and multiValueHeaders into request headers,
// sorted by name; a name in both takes its multiValueHeaders values.
func (t TestInvokeRequest) HeaderList() []reqctx.Header {
	names := make([]string, 0, len(t.Headers)+len(t.MultiValueHeaders))
	for k := range t.Headers {
		if _, multi := t.MultiValueHeaders[k]; !multi {
			names = append(names, k)
		}
	}
	for k := range t.MultiValueHeaders {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []reqctx.Header
	for _, k := range names {
		if vs, ok := t.MultiValueHeaders[k]; ok {
			for _, v := range vs {
				out = append(out, reqctx.Header{Name: k, Value: v})
			}
			continue
		}
		out = append(out, reqctx.Header{Name: k, Value: t.Headers[k]})
	}
	return out
}

// TestInvokeAuthorizerResult is TestInvokeAuthorizer's answer. Context is
// not in AWS's response model (SDKs ignore it); it shows the authorizer's
// context as the gateway would pass it on.
type TestInvokeAuthorizerResult struct {
	ClientStatus  int                 `json:"clientStatus"`
	Log           string              `json:"log"`
	Latency       int64               `json:"latency"`
	PrincipalID   string              `json:"principalId,omitempty"`
	Policy        string              `json:"policy,omitempty"`
	Authorization map[string][]string `json:"authorization,omitempty"`
	Claims        map[string]string   `json:"claims,omitempty"`
	Context       map[string]*string  `json:"context,omitempty"`
}

// TestInvokeMethodResult is TestInvokeMethod's answer.
type TestInvokeMethodResult struct {
	Status            int                 `json:"status"`
	Body              string              `json:"body"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Log               string              `json:"log"`
	Latency           int64               `json:"latency"`
}

// AuthorizerTester runs one authorizer once for TestInvokeAuthorizer: the
// real function, its answer parsed and its policy evaluated as the gateway
// does, the cache left alone. Latency is filled in by the caller.
type AuthorizerTester interface {
	TestInvokeAuthorizer(ctx context.Context, api *apimodel.API, a *apimodel.Authorizer, req TestInvokeRequest) (TestInvokeAuthorizerResult, error)
}

// MethodTester runs one method's integration for TestInvokeMethod,
// bypassing authorization as API Gateway does. Latency is filled in by the
// caller.
type MethodTester interface {
	TestInvokeMethod(ctx context.Context, api *apimodel.API, res *apimodel.Resource, verb string, req TestInvokeRequest) (TestInvokeMethodResult, error)
}

func decodeTestRequest(w http.ResponseWriter, r *http.Request) (TestInvokeRequest, bool) {
	var req TestInvokeRequest
	body, err := io.ReadAll(io.LimitReader(r.Body, maxTestBody))
	if err != nil {
		badRequest(w, "Could not read the request body")
		return req, false
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return req, true
	}
	if err := json.Unmarshal(body, &req); err != nil {
		badRequest(w, "Invalid request body: "+err.Error())
		return req, false
	}
	return req, true
}

// POST /restapis/{restapi_id}/authorizers/{authorizer_id}
func (s *Server) testInvokeAuthorizer(w http.ResponseWriter, r *http.Request) {
	api, ok := s.api(w, r)
	if !ok {
		return
	}
	a := api.Authorizers[r.PathValue("authorizer_id")]
	if a == nil {
		notFound(w, "Authorizer", r.PathValue("authorizer_id"))
		return
	}
	req, ok := decodeTestRequest(w, r)
	if !ok {
		return
	}
	start := s.opts.Now()
	res, err := s.opts.Authorizers.TestInvokeAuthorizer(r.Context(), api, a, req)
	if err != nil {
		s.testFailed(w, err)
		return
	}
	res.Latency = s.opts.Now().Sub(start).Milliseconds()
	writeJSON(w, http.StatusOK, res)
}

// POST /restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}
func (s *Server) testInvokeMethod(w http.ResponseWriter, r *http.Request) {
	api, res, ok := s.apiResource(w, r)
	if !ok {
		return
	}
	verb := strings.ToUpper(r.PathValue("http_method"))
	if res.Methods[verb] == nil {
		notFound(w, "Method", r.PathValue("http_method"))
		return
	}
	req, ok := decodeTestRequest(w, r)
	if !ok {
		return
	}
	start := s.opts.Now()
	out, err := s.opts.Methods.TestInvokeMethod(r.Context(), api, res, verb, req)
	if err != nil {
		s.testFailed(w, err)
		return
	}
	out.Latency = s.opts.Now().Sub(start).Milliseconds()
	if out.Headers == nil {
		out.Headers = map[string]string{}
	}
	if out.MultiValueHeaders == nil {
		out.MultiValueHeaders = map[string][]string{}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) testFailed(w http.ResponseWriter, err error) {
	if errors.Is(err, ErrBadRequest) {
		badRequest(w, err.Error())
		return
	}
	s.opts.Logger.Error("test invocation failed", "err", err)
	WriteError(w, http.StatusInternalServerError, "InternalServerErrorException", "test invocation failed: "+err.Error())
}

// ResponseHeaders splits response headers into TestInvokeMethod's
// headers (the last value of each name) and multiValueHeaders (all of
// them).
func ResponseHeaders(hs []reqctx.Header) (map[string]string, map[string][]string) {
	single := make(map[string]string, len(hs))
	multi := make(map[string][]string, len(hs))
	for _, h := range hs {
		single[h.Name] = h.Value
		multi[h.Name] = append(multi[h.Name], h.Value)
	}
	return single, multi
}
