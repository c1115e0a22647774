package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/integration"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
	"github.com/valyala/fasthttp"
)

// testModel is an API with a {proxy+} HTTP_PROXY route, a slow route, a
// MOCK CORS preflight and a stage variable in the backend URI.
func testModel(backend string) *apimodel.Model {
	proxy := &apimodel.Resource{ID: "prx001", Path: "/{proxy+}", Methods: map[string]*apimodel.Method{
		"ANY": {HTTPMethod: "ANY", AuthorizationType: "NONE", Integration: &apimodel.Integration{
			Type: apimodel.IntegrationHTTPProxy, URI: "${stageVariables.backend}/{proxy}",
			RequestParameters: map[string]string{"integration.request.header.x-stage": "context.stage",
				"integration.request.path.proxy": "method.request.path.proxy"},
		}},
		"OPTIONS": {HTTPMethod: "OPTIONS", AuthorizationType: "NONE", Integration: &apimodel.Integration{
			Type:             apimodel.IntegrationMock,
			RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`},
			IntegrationResponses: []apimodel.IntegrationResponse{{StatusCode: "200", ResponseParameters: map[string]string{
				"method.response.header.Access-Control-Allow-Origin":  "'*'",
				"method.response.header.Access-Control-Allow-Methods": "'GET,POST,OPTIONS'",
				"method.response.header.Access-Control-Allow-Headers": "'Content-Type,Authorization'",
			}, ResponseTemplates: map[string]string{"application/json": ""}}},
		}},
	}}
	slow := &apimodel.Resource{ID: "slw001", Path: "/slow", Methods: map[string]*apimodel.Method{
		"GET": {HTTPMethod: "GET", AuthorizationType: "NONE", Integration: &apimodel.Integration{
			Type: apimodel.IntegrationHTTPProxy, URI: backend + "/slow", TimeoutMillis: 200,
		}},
	}}
	root := &apimodel.Resource{ID: "root01", Path: "/", Methods: map[string]*apimodel.Method{}}
	api := &apimodel.API{
		ID: "abcde12345", LogicalID: "TestApi", Region: "us-east-1", AccountID: "123456789012",
		Stages:    []*apimodel.Stage{{Name: "prod", Variables: map[string]string{"backend": backend}}},
		Resources: []*apimodel.Resource{root, proxy, slow},
	}
	return &apimodel.Model{APIs: []*apimodel.API{api}}
}

func startGateway(t *testing.T, m *apimodel.Model, opts Options) string {
	t.Helper()
	g, err := New(m, opts)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = g.Serve(ctx, 0, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return "http://" + ln.Addr().String()
}

func TestGateway_EndToEnd(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			time.Sleep(time.Second)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Backend", "yes")
		body, _ := io.ReadAll(r.Body)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"path": r.URL.Path, "query": r.URL.RawQuery, "method": r.Method,
			"xff": r.Header.Get("X-Forwarded-For"), "stage": r.Header.Get("x-stage"),
			"custom": r.Header.Get("X-Custom-Auth"), "body": string(body),
		})
	}))
	defer backend.Close()
	base := startGateway(t, testModel(backend.URL), Options{})

	tests := []struct {
		name       string
		method     string
		path       string
		body       io.Reader
		header     map[string]string
		wantStatus int
		wantHeader map[string]string
		wantBody   string // exact, or a substring when wantSub
		wantSub    bool
	}{
		{
			name: "proxied GET with {proxy+}", method: "GET", path: "/prod/users/43/info?verbose=1",
			header:     map[string]string{"x-custom-auth": "abc"},
			wantStatus: 200, wantHeader: map[string]string{"X-Backend": "yes", "Content-Type": "application/json"},
			wantBody: `"path":"/users/43/info"`, wantSub: true,
		},
		{
			name: "backend sees query, XFF and mapped header", method: "GET", path: "/prod/a?x=1&y=2",
			wantStatus: 200, wantBody: `"query":"x=1\u0026y=2","stage":"prod","xff":"127.0.0.1"`, wantSub: true,
		},
		{
			name: "MOCK OPTIONS preflight", method: "OPTIONS", path: "/prod/users/43",
			wantStatus: 200, wantHeader: map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET,POST,OPTIONS"},
		},
		{
			name: "missing route is 403 Missing Authentication Token", method: "GET", path: "/prod/",
			wantStatus: 403, wantHeader: map[string]string{"x-amzn-ErrorType": "MissingAuthenticationTokenException"},
			wantBody: `{"message":"Missing Authentication Token"}`,
		},
		{
			// docs/behaviour.md#GWR-1: a non-SigV4 Authorization header on a missing route
			// turns the body into the header's SigV4 parse error.
			name: "missing route with a Bearer Authorization header", method: "GET", path: "/prod/",
			header:     map[string]string{"Authorization": "Bearer sometoken"},
			wantStatus: 403, wantHeader: map[string]string{"x-amzn-ErrorType": "IncompleteSignatureException"},
			wantBody: `{"message":"'sometoken' not a valid key=value pair (missing equal-sign) in Authorization header: 'Bearer sometoken'."}`,
		},
		{
			name: "missing route with a key=value Authorization header", method: "GET", path: "/prod/",
			header:     map[string]string{"Authorization": "Token a=b"},
			wantStatus: 403,
			wantBody:   `{"message":"Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=Token a=b"}`,
		},
		{
			name: "stage without trailing slash is Missing Authentication Token", method: "GET", path: "/prod",
			wantStatus: 403, wantBody: `{"message":"Missing Authentication Token"}`,
		},
		{
			name: "unknown stage is 403 Forbidden (docs/behaviour.md#DEC-UNKNOWN-STAGE)", method: "GET", path: "/nostage/users",
			wantStatus: 403, wantHeader: map[string]string{"x-amzn-ErrorType": "ForbiddenException"},
			wantBody: `{"message":"Forbidden"}`,
		},
		{
			name: "oversized body is 413", method: "POST", path: "/prod/upload",
			body:       bytes.NewReader(make([]byte, MaxBodyBytes+1)),
			wantStatus: 413, wantHeader: map[string]string{"x-amzn-ErrorType": "RequestTooLargeException"},
			wantBody: `{"message":"Request Too Long"}`,
		},
		{
			name: "backend timeout is 504 INTEGRATION_TIMEOUT", method: "GET", path: "/prod/slow",
			wantStatus: 504, wantBody: `{"message":"Endpoint request timed out"}`,
		},
	}
	client := &http.Client{Timeout: 10 * time.Second}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, base+tc.path, tc.body)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.header {
				req.Header[k] = []string{v} // lower-case name on the wire
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tc.wantStatus, body)
			}
			for k, v := range tc.wantHeader {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if resp.Header.Get("x-amzn-RequestId") == "" {
				t.Error("no x-amzn-RequestId")
			}
			got := strings.TrimSpace(string(body))
			if tc.wantSub && !strings.Contains(got, tc.wantBody) || !tc.wantSub && tc.wantBody != "" && got != tc.wantBody {
				t.Errorf("body = %s, want %s", got, tc.wantBody)
			}
		})
	}
}

// TestGateway_HeaderNamesPreserved pins that header names reach the backend
// exactly as the client sent them (issue: authorizers index event.headers
// by the received names).
func TestGateway_HeaderNamesPreserved(t *testing.T) {
	got := make(chan []string, 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{DisableHeaderNamesNormalizing: true, Handler: func(ctx *fasthttp.RequestCtx) {
		var names []string
		for k := range ctx.Request.Header.All() {
			names = append(names, string(k))
		}
		got <- names
	}}
	go srv.Serve(ln)
	defer srv.Shutdown()
	base := startGateway(t, testModel("http://"+ln.Addr().String()), Options{})
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, _ = io.WriteString(conn, "GET /prod/x HTTP/1.1\r\nHost: h\r\nx-custom-auth: a\r\nX-MiXeD: b\r\n\r\n")
	select {
	case names := <-got:
		want := map[string]bool{"x-custom-auth": false, "X-MiXeD": false}
		for _, n := range names {
			if _, ok := want[n]; ok {
				want[n] = true
			}
		}
		for n, seen := range want {
			if !seen {
				t.Errorf("backend did not receive header name %q verbatim; got %v", n, names)
			}
		}
	case <-time.After(5 * time.Second):
		t.Fatal("backend never called")
	}
}

func TestNew_RefusesUnenforceableAuthorization(t *testing.T) {
	m := testModel("http://127.0.0.1:1")
	m.APIs[0].Resources[2].Methods["GET"].AuthorizationType = apimodel.AuthCustom
	if _, err := New(m, Options{}); err == nil || !strings.Contains(err.Error(), "cannot be enforced") {
		t.Fatalf("New = %v, want a refusal to serve an unenforceable method", err)
	}
}

// BenchmarkHandler_Mock is a full request through the pipeline with a MOCK
// integration, without the network.
func BenchmarkHandler_Mock(b *testing.B) {
	g, err := New(testModel("http://127.0.0.1:1"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	var ctx fasthttp.RequestCtx
	b.ReportAllocs()
	for b.Loop() {
		ctx.Request.Reset()
		ctx.Response.Reset()
		ctx.Request.Header.SetMethod("OPTIONS")
		ctx.Request.SetRequestURI("/prod/users/43")
		ctx.Request.Header.Set("Origin", "https://example.com")
		g.serve(0, &ctx)
		if ctx.Response.StatusCode() != 200 {
			b.Fatal(ctx.Response.StatusCode())
		}
	}
}

// TestStageRule_MostSpecificSetting pins the choice between stage-wide and
// per-method settings, with AWS's ~1 escaping of the resource path.
func TestStageRule_MostSpecificSetting(t *testing.T) {
	st := &stage{throttle: compileThrottle(&apimodel.Stage{MethodSettings: []apimodel.MethodSetting{
		{ResourcePath: "/*", HTTPMethod: "*", HasThrottling: true, ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200},
		{ResourcePath: "/~1users~1{id}", HTTPMethod: "GET", HasThrottling: true, ThrottlingRateLimit: 1, ThrottlingBurstLimit: 2},
		{ResourcePath: "/~1users~1{id}", HTTPMethod: "*", HasThrottling: true, ThrottlingRateLimit: 5, ThrottlingBurstLimit: 5},
	}})}
	for _, tc := range []struct {
		path, verb string
		rate       float64
	}{
		{"/users/{id}", "GET", 1},
		{"/users/{id}", "POST", 5},
		{"/other", "GET", 100},
	} {
		r, ok := st.rule(tc.path, tc.verb)
		if !ok || r.rate != tc.rate {
			t.Errorf("%s %s: rule = %+v (%v), want rate %v", tc.verb, tc.path, r, ok, tc.rate)
		}
	}
}

// panicky is a compiler whose Lambda integrations panic, standing in for a
// bug in any stage.
type panicky struct{}

func (panicky) Authorizer(*apimodel.API, *apimodel.Method) (Authorizer, error) { return nil, nil }
func (panicky) LambdaProxy(*apimodel.API, *apimodel.Resource, *apimodel.Method) (integration.Integration, error) {
	return panicIntegration{}, nil
}

type panicIntegration struct{}

func (panicIntegration) Invoke(context.Context, *reqctx.Request) (*integration.Response, error) {
	panic("a bug in a stage")
}

// TestGateway_PanicInStage_500AndServerLives: a panic is recovered, logged
// and answered as a 500 gateway response; the next request is served.
func TestGateway_PanicInStage_500AndServerLives(t *testing.T) {
	m := testModel("http://127.0.0.1:1")
	m.APIs[0].Resources = append(m.APIs[0].Resources, &apimodel.Resource{ID: "pan001", Path: "/panic", Methods: map[string]*apimodel.Method{
		"GET": {HTTPMethod: "GET", AuthorizationType: "NONE", Integration: &apimodel.Integration{Type: apimodel.IntegrationAWSProxy, Function: "f"}},
	}})
	base := startGateway(t, m, Options{Compiler: panicky{}})
	for range 2 {
		resp, err := http.Get(base + "/prod/panic")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 500 || string(body) != `{"message":"Internal server error"}` {
			t.Fatalf("got %d %s, want 500 {\"message\":\"Internal server error\"}", resp.StatusCode, body)
		}
	}
}

// TestGateway_MalformedRequests_NeverCrash sends broken request lines and
// headers; each gets an answer or a closed connection, and the server keeps
// serving.
func TestGateway_MalformedRequests_NeverCrash(t *testing.T) {
	base := startGateway(t, testModel("http://127.0.0.1:1"), Options{})
	addr := strings.TrimPrefix(base, "http://")
	for _, raw := range []string{
		"GARBAGE\r\n\r\n",
		"GET\r\n\r\n",
		"GET /prod/x HTTP/1.1\r\nHost: h\r\nBad Header Line\r\n\r\n",
		"GET /prod/x HTTP/1.1\r\nHost: h\r\nContent-Length: -5\r\n\r\n",
		"GET /prod/%zz%00 HTTP/1.1\r\nHost: h\r\n\r\n",
		"POST /prod/x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"GET /prod/" + strings.Repeat("a", 70000) + " HTTP/1.1\r\nHost: h\r\n\r\n",
	} {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_ = conn.SetDeadline(time.Now().Add(time.Second)) // an incomplete body keeps the server waiting for more
		_, _ = io.WriteString(conn, raw)
		_, _ = io.ReadAll(conn)
		conn.Close()
	}
	resp, err := http.Get(base + "/prod/")
	if err != nil {
		t.Fatalf("server no longer serving: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("status = %d, want 403", resp.StatusCode)
	}
}

// TestHTTPProxy_HopByHopHeadersStayWithTheBackend: the backend's
// connection-level headers are not passed on (RFC 9110 §7.6.1), and a
// backend closing its connection does not close the client's.
func TestHTTPProxy_HopByHopHeadersStayWithTheBackend(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		w.Header().Set("Keep-Alive", "timeout=5")
		w.Header().Set("Upgrade", "h2c")
		w.Header().Set("X-End-To-End", "kept")
		_, _ = io.WriteString(w, "ok")
	}))
	defer backend.Close()
	base := startGateway(t, testModel(backend.URL), Options{})
	resp, err := http.Get(base + "/prod/anything")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "ok" {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
	if resp.Close {
		t.Error("the client connection is closed because the backend closed its own")
	}
	for _, h := range []string{"Keep-Alive", "Upgrade"} {
		if v := resp.Header.Get(h); v != "" {
			t.Errorf("hop-by-hop header %s: %q passed to the client", h, v)
		}
	}
	if resp.Header.Get("X-End-To-End") != "kept" || resp.Header.Get("x-amzn-RequestId") == "" {
		t.Errorf("headers = %v", resp.Header)
	}
}
