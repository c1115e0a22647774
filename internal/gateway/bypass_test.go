package gateway

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/integration"
	"github.com/portcullis-gateway/portcullis/internal/policy"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// The bypass suite: a guarded route and open or differently guarded
// siblings side by side, and a request in every spelling an attacker would
// try. Whatever the spelling, a request either is refused or reaches the
// backend at a path whose authorization was decided for exactly that path
// (docs/architecture.md, "One canonical request").

// recordingBackend answers every request with its path and remembers what
// it received, interpreted the way a typical backend would (decode once,
// resolve dot segments, treat a backslash as a slash).
type recordingBackend struct {
	mu   sync.Mutex
	seen []backendRequest
}

type backendRequest struct {
	method string
	uri    string // the request target as received
	clean  string // what a lenient backend takes it for
	header http.Header
}

func (b *recordingBackend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _, _ := strings.Cut(r.RequestURI, "?")
	dec, err := url.PathUnescape(raw)
	if err != nil {
		dec = raw
	}
	clean := path.Clean("/" + strings.ReplaceAll(dec, `\`, "/"))
	b.mu.Lock()
	b.seen = append(b.seen, backendRequest{method: r.Method, uri: r.RequestURI, clean: clean, header: r.Header.Clone()})
	b.mu.Unlock()
	_, _ = io.WriteString(w, "backend:"+clean)
}

func (b *recordingBackend) take() []backendRequest {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.seen
	b.seen = nil
	return out
}

// denyCompiler gives every method a stand-in for a resource policy that
// denies execute-api:Invoke on the admin paths (evaluated by the real
// policy package against the request's method ARN), and CUSTOM methods an
// authorizer that admits only "Authorization: letmein". It records the
// method ARN of every request it allowed.
type denyCompiler struct {
	deny *policy.Document

	mu      sync.Mutex
	allowed []string
}

func newDenyCompiler(t *testing.T) *denyCompiler {
	doc, err := policy.Parse([]byte(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Deny","Action":"execute-api:Invoke","Resource":["arn:aws:execute-api:*:*:*/*/*/admin","arn:aws:execute-api:*:*:*/*/*/admin/*","arn:aws:execute-api:*:*:*/*/GET/*"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	return &denyCompiler{deny: doc}
}

func (c *denyCompiler) Authorizer(api *apimodel.API, m *apimodel.Method) (Authorizer, error) {
	return authorizeFunc(func(_ context.Context, r *reqctx.Request) error {
		if d := c.deny.Evaluate(&policy.Request{Action: policy.ActionInvoke, Resource: r.MethodARN}); d.Effect == policy.ExplicitDeny {
			return gwresponse.Errorf(gwresponse.AccessDenied, "User is not authorized to access this resource", "resource policy denies %s", r.MethodARN)
		}
		if m.AuthorizationType == apimodel.AuthCustom {
			if v, _ := r.HeaderValue("Authorization"); v != "letmein" {
				return gwresponse.Errorf(gwresponse.Unauthorized, "Unauthorized", "no token")
			}
		}
		c.mu.Lock()
		c.allowed = append(c.allowed, r.MethodARN)
		c.mu.Unlock()
		return nil
	}), nil
}

func (c *denyCompiler) LambdaProxy(*apimodel.API, *apimodel.Resource, *apimodel.Method) (integration.Integration, error) {
	return nil, fmt.Errorf("no Lambda here")
}

type authorizeFunc func(context.Context, *reqctx.Request) error

func (f authorizeFunc) Authorize(ctx context.Context, r *reqctx.Request) error { return f(ctx, r) }

// bypassModel: GET /admin and /secret/{id} behind a CUSTOM authorizer;
// ANY /{proxy+}, GET /items/{id} and ANY /files/{key+} open. Every
// integration proxies to the backend at the same path.
func bypassModel(backend string) *apimodel.Model {
	proxy := func(uri string, params map[string]string) *apimodel.Integration {
		return &apimodel.Integration{Type: apimodel.IntegrationHTTPProxy, URI: backend + uri, RequestParameters: params}
	}
	open, guarded := apimodel.AuthNone, apimodel.AuthCustom
	res := []*apimodel.Resource{
		{ID: "root01", Path: "/", Methods: map[string]*apimodel.Method{}},
		{ID: "admin1", Path: "/admin", Methods: map[string]*apimodel.Method{
			"GET": {HTTPMethod: "GET", AuthorizationType: guarded, Integration: proxy("/admin", nil)}}},
		{ID: "secret", Path: "/secret/{id}", Methods: map[string]*apimodel.Method{
			"GET": {HTTPMethod: "GET", AuthorizationType: guarded, Integration: proxy("/secret/{id}",
				map[string]string{"integration.request.path.id": "method.request.path.id"})}}},
		{ID: "proxy1", Path: "/{proxy+}", Methods: map[string]*apimodel.Method{
			"ANY": {HTTPMethod: "ANY", AuthorizationType: open, Integration: proxy("/{proxy}",
				map[string]string{"integration.request.path.proxy": "method.request.path.proxy"})}}},
		{ID: "items1", Path: "/items/{id}", Methods: map[string]*apimodel.Method{
			"GET": {HTTPMethod: "GET", AuthorizationType: open, Integration: proxy("/items/{id}",
				map[string]string{"integration.request.path.id": "method.request.path.id"})}}},
		{ID: "files1", Path: "/files/{key+}", Methods: map[string]*apimodel.Method{
			"ANY": {HTTPMethod: "ANY", AuthorizationType: open, Integration: proxy("/files/{key}",
				map[string]string{"integration.request.path.key": "method.request.path.key"})}}},
	}
	api := &apimodel.API{ID: "bypass0001", LogicalID: "BypassApi", Region: "us-east-1", AccountID: "123456789012",
		Stages: []*apimodel.Stage{{Name: "prod"}}, Resources: res}
	return &apimodel.Model{APIs: []*apimodel.API{api}}
}

// rawRequest sends one request exactly as written — no client library
// normalises its path or headers — and returns the status and body.
func rawRequest(t *testing.T, addr, method, target string, headers []string) (int, string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", method, target, addr)
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(conn, b.String()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, "no HTTP answer: " + err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// apiGatewayVerbs are the methods API Gateway REST APIs serve.
var apiGatewayVerbs = map[string]bool{"DELETE": true, "GET": true, "HEAD": true, "OPTIONS": true, "PATCH": true, "POST": true, "PUT": true}

// guardedPath reports whether a backend path belongs to the guarded or
// denied part of the backend.
func guardedPath(p string) bool {
	return p == "/admin" || strings.HasPrefix(p, "/admin/") || strings.HasPrefix(p, "/secret/")
}

func TestBypass_NoSpellingReachesAGuardedBackendPath(t *testing.T) {
	be := &recordingBackend{}
	backend := startHTTPBackend(t, be)
	comp := newDenyCompiler(t)
	base := startGateway(t, bypassModel(backend), Options{Compiler: comp})
	addr := strings.TrimPrefix(base, "http://")

	admin := []string{
		"/admin", "/ad%6Din", "/%61dmin", "/%61%64%6d%69%6e", "/ADMIN/../admin", "/x/../admin", "/x/%2e%2e/admin",
		"/x/%2E%2E/admin", "/x/.%2e/admin", "/./admin", "/%2e/admin", "//admin", "///admin", "/admin/", "/admin//",
		"/x%2f..%2fadmin", "/x%2F..%2Fadmin", "/items/..%2fadmin", "/items/..%2Fadmin", "/items/%2e%2e%2fadmin",
		"/items/..%5cadmin", "/items/..\\admin", "/files/..%2fadmin", "/files/a/../../admin", "/files/%2e%2e/%2e%2e/admin",
		"/admin%2f", "/admin%2F", "/admin%2fx", "/admin/x", "/secret/1", "/secret%2f1", "/items/..%2fsecret%2f1",
		"/files/..%2f..%2fsecret%2f1", "/admin%00", "/admin%0a", "/admin;x", "/%2561dmin", "/admin%", "/admin%zz",
		"/admin?x=1", "/items/a%2f..%2f..%2fadmin", "/files/%2fadmin", "/files//admin", "/files/a%2f%2e%2e%2f%2e%2e%2fadmin",
		"/admin%5C", "/admin%5c", `/admin\`, "/files/%C0%AE%C0%AE/admin", "/files/%c0%ae%c0%ae%2fadmin", "/x/%E2%80%AE/../admin",
	}
	verbs := []string{"GET", "get", "Get", "POST", "FOO", "TRACE", "CONNECT", "PROPFIND", "HEAD", "OPTIONS"}
	total, refused, delivered := 0, 0, 0
	for _, p := range admin {
		for _, v := range verbs {
			for _, stagePrefix := range []string{"/prod", "/prod/", "//prod", "/pr%6fd"} {
				target := stagePrefix + p
				if stagePrefix == "/prod/" {
					target = "/prod/" + strings.TrimPrefix(p, "/")
				}
				if v == "CONNECT" {
					continue // a CONNECT request target is an authority, not a path
				}
				total++
				status, body := rawRequest(t, addr, v, target, nil)
				got := be.take()
				if len(got) == 0 {
					refused++
				} else {
					delivered++
				}
				for _, g := range got {
					if guardedPath(g.clean) {
						t.Errorf("%s %s: guarded backend path %s reached (target %s) without authorization; status %d %q",
							v, target, g.clean, g.uri, status, body)
					}
					if !apiGatewayVerbs[g.method] {
						t.Errorf("%s %s: backend received method %q", v, target, g.method)
					}
					if g.method == "GET" && v != "GET" {
						t.Errorf("%s %s: backend received GET for %s", v, target, v)
					}
				}
			}
		}
	}
	t.Logf("bypass suite: %d requests, %d refused, %d delivered to open paths", total, refused, delivered)
	if delivered == 0 {
		t.Fatal("no request reached the open routes: the suite would pass a gateway that refuses everything")
	}
	// With the token, the guarded paths are served — in their canonical
	// spellings too — and only at the guarded backend path.
	for _, target := range []string{"/prod/admin", "/prod/ad%6Din", "/prod/admin/", "/prod//admin"} {
		status, body := rawRequest(t, addr, "POST", target, []string{"Authorization: letmein"})
		// POST /admin is no method of /admin; {proxy+} takes it and the
		// resource policy's Deny on */admin applies.
		if status != 403 || strings.HasPrefix(body, "backend:") {
			t.Errorf("POST %s = %d %q, want 403 from the resource policy", target, status, body)
		}
	}
	be.take()
}

// TestBypass_AuthorizedIsWhatRuns pins the invariant itself: for every
// request that reached the backend, the method ARN the authorization step
// saw names the path the backend received.
func TestBypass_AuthorizedIsWhatRuns(t *testing.T) {
	be := &recordingBackend{}
	backend := startHTTPBackend(t, be)
	comp := newDenyCompiler(t)
	base := startGateway(t, bypassModel(backend), Options{Compiler: comp})
	addr := strings.TrimPrefix(base, "http://")
	cases := []struct{ target, wantBackend, wantARNPath string }{
		{"/prod/users/43/info", "/users/43/info", "users/43/info"},
		{"/prod/us%65rs//43/info/", "/users/43/info", "users/43/info"},
		{"/prod/caf%c3%a9", "/caf%C3%A9", "caf%C3%A9"},
		{"/prod/things/a%20b", "/things/a%20b", "things/a%20b"},
		{"/prod/items/a%2fb", "/items/a/b", "items/a/b"}, // %2F separates segments: {proxy+} takes it
		{"/prod/files/x%3Fy/z", "/files/x%3Fy/z", "files/x%3Fy/z"},
		{"/prod/things/100%25", "/things/100%25", "things/100%25"},
		{"/prod/files/%7Bx%7D/..a", "/files/%7Bx%7D/..a", "files/%7Bx%7D/..a"},
	}
	for _, tc := range cases {
		comp.mu.Lock()
		comp.allowed = nil
		comp.mu.Unlock()
		status, body := rawRequest(t, addr, "POST", tc.target, nil)
		got := be.take()
		if status != 200 || len(got) != 1 {
			t.Errorf("POST %s = %d %q, backend saw %d requests", tc.target, status, body, len(got))
			continue
		}
		if got[0].uri != tc.wantBackend {
			t.Errorf("POST %s: backend got %s, want %s", tc.target, got[0].uri, tc.wantBackend)
		}
		comp.mu.Lock()
		arns := comp.allowed
		comp.mu.Unlock()
		want := "arn:aws:execute-api:us-east-1:123456789012:bypass0001/prod/POST/" + tc.wantARNPath
		if len(arns) != 1 || arns[0] != want {
			t.Errorf("POST %s: authorized %v, want [%s]", tc.target, arns, want)
		}
	}
}

func startHTTPBackend(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}
