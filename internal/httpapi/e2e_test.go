package httpapi

// Black-box tests of the HTTP API pipeline with real Node.js and Python
// functions on the local runtime: a request goes in as reqctx.Incoming
// (what a listener reads), a Response comes out.

import (
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/authcache"
	"github.com/portcullis-gateway/portcullis/internal/function"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

type fixture struct {
	api   *API
	calls map[string]string // authorizer function -> file of its calls
}

func testdataDir(t testing.TB, sub string) string {
	t.Helper()
	d, err := filepath.Abs(filepath.Join("testdata", sub))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// petsAPI is the HTTP API the end-to-end tests serve.
func petsAPI() *apimodel.HTTPAPI {
	return &apimodel.HTTPAPI{
		ID: "a1b2c3d4e5", LogicalID: "PetsApi", Region: "us-east-1", AccountID: "123456789012", Kind: apimodel.KindHTTP,
		Stages: []*apimodel.HTTPStage{{Name: "$default"}, {Name: "dev", Variables: map[string]string{"tier": "gold"}}},
		Routes: []*apimodel.HTTPRoute{
			{RouteKey: "GET /pets/{id}", Integration: "node", AuthorizationType: "CUSTOM", Authorizer: "simple"},
			{RouteKey: "GET /toys/{id}", Integration: "node", AuthorizationType: "CUSTOM", Authorizer: "simple"},
			{RouteKey: "GET /perroute/{id}", Integration: "node", AuthorizationType: "CUSTOM", Authorizer: "perRoute"},
			{RouteKey: "GET /other/{id}", Integration: "node", AuthorizationType: "CUSTOM", Authorizer: "perRoute"},
			{RouteKey: "GET /policy/{id}", Integration: "py", AuthorizationType: "CUSTOM", Authorizer: "policy"},
			{RouteKey: "GET /policy2/{id}", Integration: "node", AuthorizationType: "CUSTOM", Authorizer: "policy2"},
			{RouteKey: "ANY /open/{proxy+}", Integration: "node"},
			{RouteKey: "GET /v1/{proxy+}", Integration: "py"},
			{RouteKey: "GET /slow/sleep", Integration: "slow"},
		},
		Integrations: map[string]*apimodel.HTTPIntegration{
			"node": {ID: "node", Type: apimodel.HTTPIntegrationLambda, Function: "Backend", PayloadFormatVersion: "2.0"},
			"py":   {ID: "py", Type: apimodel.HTTPIntegrationLambda, Function: "PyBackend", PayloadFormatVersion: "1.0"},
			"slow": {ID: "slow", Type: apimodel.HTTPIntegrationLambda, Function: "Backend", PayloadFormatVersion: "2.0", TimeoutMillis: 200},
		},
		Authorizers: map[string]*apimodel.HTTPAuthorizer{
			"simple": {Name: "simple", Type: "REQUEST", Function: "Auth", PayloadFormatVersion: "2.0", EnableSimpleResponses: true,
				IdentitySource: []string{"$request.header.Authorization"}, ResultTTLSeconds: 300},
			"perRoute": {Name: "perRoute", Type: "REQUEST", Function: "RouteAuth", PayloadFormatVersion: "2.0", EnableSimpleResponses: true,
				IdentitySource: []string{"$request.header.Authorization", "$context.routeKey"}, ResultTTLSeconds: 300},
			"policy2": {Name: "policy2", Type: "REQUEST", Function: "PyAuth2", PayloadFormatVersion: "2.0",
				IdentitySource: []string{"$request.header.Authorization"}, ResultTTLSeconds: 300},
			"policy": {Name: "policy", Type: "REQUEST", Function: "PyAuth", PayloadFormatVersion: "1.0",
				IdentitySource: []string{"$request.header.Authorization"}, ResultTTLSeconds: 300},
		},
		CORS: &apimodel.CORSConfig{AllowOrigins: []string{"https://app.example"}, AllowMethods: []string{"GET", "POST"},
			AllowHeaders: []string{"authorization", "content-type"}, ExposeHeaders: []string{"x-route"}, MaxAge: 600},
	}
}

func newFixture(t testing.TB, model *apimodel.HTTPAPI, with ...func(*Options)) *fixture {
	t.Helper()
	for _, bin := range []string{"node", "python3"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skip(bin + " is not installed")
		}
	}
	rt, err := function.NewLocal(function.LocalOptions{CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	cache := authcache.NewMemory(authcache.MemoryOptions{})
	t.Cleanup(func() { cache.Close() })
	dir := t.TempDir()
	f := &fixture{calls: map[string]string{}}
	mk := func(id, runtime, sub, handler string) *apimodel.Function {
		calls := filepath.Join(dir, id+".calls")
		f.calls[id] = calls
		return &apimodel.Function{LogicalID: id, Runtime: runtime, Handler: handler, CodeDir: testdataDir(t, sub),
			TimeoutSeconds: 5, Environment: map[string]string{"CALLS": calls}}
	}
	fns := map[string]*apimodel.Function{
		"Auth":      mk("Auth", "nodejs20.x", "node", "authorizer.handler"),
		"RouteAuth": mk("RouteAuth", "nodejs20.x", "node", "authorizer.handler"),
		"Backend":   mk("Backend", "nodejs20.x", "node", "backend.handler"),
		"PyAuth":    mk("PyAuth", "python3.12", "python", "authorizer.handler"),
		"PyAuth2":   mk("PyAuth2", "python3.12", "python", "authorizer_v2.handler"),
		"PyBackend": mk("PyBackend", "python3.12", "python", "backend.handler"),
	}
	opts := Options{Invoker: rt, Functions: fns, Cache: cache}
	for _, w := range with {
		w(&opts)
	}
	f.api, err = Compile(model, opts)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// calls counts the invocations of an authorizer function whose line
// starts with token.
func (f *fixture) calls_(t testing.TB, fn, token string) int {
	t.Helper()
	b, err := os.ReadFile(f.calls[fn])
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, token+" ") {
			n++
		}
	}
	return n
}

func (f *fixture) do(t testing.TB, method, target string, headers ...string) Response {
	t.Helper()
	path, query, _ := strings.Cut(target, "?")
	in := reqctx.Incoming{Method: method, Target: path, Query: query, Peer: netip.MustParseAddr("127.0.0.1"),
		Port: 3000, Protocol: "HTTP/1.1", Time: time.Now(),
		Headers: []reqctx.Header{{Name: "Host", Value: "127.0.0.1:3000"}, {Name: "User-Agent", Value: "e2e"}}}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		in.Headers = append(in.Headers, reqctx.Header{Name: k, Value: v})
	}
	return f.api.Handle(context.Background(), in)
}

func header(r Response, name string) []string {
	var out []string
	for _, h := range r.Headers {
		if strings.EqualFold(h.Name, name) {
			out = append(out, h.Value)
		}
	}
	return out
}

func event(t testing.TB, r Response) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body %q: %v", r.Body, err)
	}
	return m
}

// "Control access to HTTP APIs with AWS Lambda authorizers": identity
// sources must all be present and non-empty, else 401 without invoking;
// a simple response allows or denies (403); the context reaches the 2.0
// event at requestContext.authorizer.lambda with its JSON types kept; the
// result is cached by identity for every route.
func TestLambdaAuthorizerV2Simple(t *testing.T) {
	f := newFixture(t, petsAPI())

	t.Run("missing identity source: 401 without invoking", func(t *testing.T) {
		r := f.do(t, "GET", "/pets/1")
		if r.Status != 401 || string(r.Body) != `{"message":"Unauthorized"}` {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
		r = f.do(t, "GET", "/pets/1", "Authorization: ")
		if r.Status != 401 {
			t.Fatalf("empty header: got %d %s", r.Status, r.Body)
		}
		if b, _ := os.ReadFile(f.calls["Auth"]); len(b) != 0 {
			t.Errorf("the authorizer ran: %s", b)
		}
	})

	t.Run("allowed: context types kept in the 2.0 event", func(t *testing.T) {
		r := f.do(t, "GET", "/pets/7", "Authorization: allow-ctx")
		if r.Status != 200 {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
		ev := event(t, r)
		got := ev["requestContext"].(map[string]any)["authorizer"]
		want := map[string]any{"lambda": map[string]any{"user": "alice", "quota": float64(7), "admin": false,
			"tags": []any{"a", "b"}, "rawPath": "/pets/7"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("requestContext.authorizer (-want +got):\n%s", diff)
		}
		if ev["routeKey"] != "GET /pets/{id}" || cmp.Diff(map[string]any{"id": "7"}, ev["pathParameters"]) != "" {
			t.Errorf("routeKey %v pathParameters %v", ev["routeKey"], ev["pathParameters"])
		}
	})

	t.Run("denied: 403 Forbidden", func(t *testing.T) {
		r := f.do(t, "GET", "/pets/1", "Authorization: nope")
		if r.Status != 403 || string(r.Body) != `{"message":"Forbidden"}` {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
	})

	t.Run("function error: 500", func(t *testing.T) {
		r := f.do(t, "GET", "/pets/1", "Authorization: throw")
		if r.Status != 500 || string(r.Body) != `{"message":"Internal Server Error"}` {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
	})

	t.Run("cached by identity across routes", func(t *testing.T) {
		for _, p := range []string{"/pets/1", "/pets/2", "/toys/3"} {
			if r := f.do(t, "GET", p, "Authorization: allow-cache"); r.Status != 200 {
				t.Fatalf("%s: got %d %s", p, r.Status, r.Body)
			}
		}
		if n := f.calls_(t, "Auth", "allow-cache"); n != 1 {
			t.Errorf("authorizer ran %d times for one identity, want 1", n)
		}
	})

	t.Run("$context.routeKey as a source caches per route", func(t *testing.T) {
		for _, p := range []string{"/perroute/1", "/perroute/2", "/other/3", "/other/4"} {
			if r := f.do(t, "GET", p, "Authorization: allow-route"); r.Status != 200 {
				t.Fatalf("%s: got %d %s", p, r.Status, r.Body)
			}
		}
		if n := f.calls_(t, "RouteAuth", "allow-route"); n != 2 {
			t.Errorf("authorizer ran %d times over two routes, want 2", n)
		}
	})

	t.Run("flush drops cached results", func(t *testing.T) {
		f.do(t, "GET", "/pets/1", "Authorization: allow-flush")
		if err := f.api.FlushAuthorizerCache(context.Background(), "$default"); err != nil {
			t.Fatal(err)
		}
		f.do(t, "GET", "/pets/1", "Authorization: allow-flush")
		if n := f.calls_(t, "Auth", "allow-flush"); n != 2 {
			t.Errorf("authorizer ran %d times around a flush, want 2", n)
		}
	})
}

// A payload 1.0 authorizer answers an IAM policy, evaluated against the
// route ARN of each request — a cached policy too, so a policy naming only
// its own methodArn denies the next path for the TTL, as on AWS.
func TestLambdaAuthorizerV1Policy_Python(t *testing.T) {
	f := newFixture(t, petsAPI())
	r := f.do(t, "GET", "/policy/1", "Authorization: allow-policy")
	if r.Status != 200 {
		t.Fatalf("got %d %s", r.Status, r.Body)
	}
	ev := event(t, r)
	if ev["version"] != "1.0" || ev["resource"] != "/policy/{id}" {
		t.Errorf("1.0 event: version %v resource %v", ev["version"], ev["resource"])
	}
	// Payload 1.0 stringifies the context.
	auth := ev["requestContext"].(map[string]any)["authorizer"].(map[string]any)
	if auth["user"] != "bob" || auth["n"] != "3" {
		t.Errorf("authorizer context %v", auth)
	}
	r = f.do(t, "GET", "/policy/2", "Authorization: allow-policy")
	if r.Status != 403 || string(r.Body) != `{"message":"Forbidden"}` {
		t.Errorf("cached policy for /policy/1 on /policy/2: got %d %s", r.Status, r.Body)
	}
	if n := f.calls_(t, "PyAuth", "allow-policy"); n != 1 {
		t.Errorf("authorizer ran %d times, want 1", n)
	}
	if r := f.do(t, "GET", "/policy/3", "Authorization: deny-me"); r.Status != 403 {
		t.Errorf("explicit deny: got %d %s", r.Status, r.Body)
	}
}

// A payload 2.0 authorizer without simple responses answers an IAM policy
// evaluated against routeArn; its context reaches the 2.0 event with JSON
// types, and a stage-wide policy serves every route while cached.
func TestLambdaAuthorizerV2Policy_Python(t *testing.T) {
	f := newFixture(t, petsAPI())
	for _, p := range []string{"/policy2/1", "/policy2/2"} {
		r := f.do(t, "GET", p, "Authorization: allow-v2")
		if r.Status != 200 {
			t.Fatalf("%s: got %d %s", p, r.Status, r.Body)
		}
		got := event(t, r)["requestContext"].(map[string]any)["authorizer"]
		if diff := cmp.Diff(map[string]any{"lambda": map[string]any{"user": "carol", "level": float64(2)}}, got); diff != "" {
			t.Errorf("authorizer (-want +got):\n%s", diff)
		}
	}
	if n := f.calls_(t, "PyAuth2", "allow-v2"); n != 1 {
		t.Errorf("authorizer ran %d times, want 1", n)
	}
	if r := f.do(t, "GET", "/policy2/1", "Authorization: deny-v2"); r.Status != 403 || string(r.Body) != `{"message":"Forbidden"}` {
		t.Errorf("deny: got %d %s", r.Status, r.Body)
	}
}

// "Create AWS Lambda proxy integrations for HTTP APIs": response cookies
// become Set-Cookie lines, and a JSON value without statusCode is a 200
// application/json response with that JSON as body.
func TestPayloadV2Response(t *testing.T) {
	f := newFixture(t, petsAPI())
	r := f.do(t, "GET", "/open/a/b?x=1&x=2", "Cookie: c1=v1; c2=v2", "X-Multi: a", "X-Multi: b")
	if r.Status != 200 {
		t.Fatalf("got %d %s", r.Status, r.Body)
	}
	if diff := cmp.Diff([]string{"session=abc; Path=/", "theme=dark"}, header(r, "Set-Cookie")); diff != "" {
		t.Errorf("Set-Cookie (-want +got):\n%s", diff)
	}
	ev := event(t, r)
	if diff := cmp.Diff([]any{"c1=v1", "c2=v2"}, ev["cookies"]); diff != "" {
		t.Errorf("cookies (-want +got):\n%s", diff)
	}
	hs := ev["headers"].(map[string]any)
	if hs["x-multi"] != "a,b" || hs["cookie"] != nil {
		t.Errorf("headers %v", hs)
	}
	if ev["rawQueryString"] != "x=1&x=2" || ev["queryStringParameters"].(map[string]any)["x"] != "1,2" {
		t.Errorf("query %v %v", ev["rawQueryString"], ev["queryStringParameters"])
	}
	if ev["pathParameters"].(map[string]any)["proxy"] != "a/b" {
		t.Errorf("pathParameters %v", ev["pathParameters"])
	}

	r = f.do(t, "GET", "/open/bare")
	if r.Status != 200 || string(r.Body) != `{"hello":"world","n":1}` || cmp.Diff([]string{"application/json"}, header(r, "content-type")) != "" {
		t.Errorf("JSON without statusCode: got %d %v %s", r.Status, r.Headers, r.Body)
	}
}

// An integration that runs past its TimeoutInMillis is answered 503
// {"message":"Service Unavailable"} (anomalyco/sst#2232: the gateway gives
// up while the function still runs). The function sleeps 3 s against a
// 200 ms timeout.
func TestIntegrationTimeout_503(t *testing.T) {
	f := newFixture(t, petsAPI())
	r := f.do(t, "GET", "/slow/sleep")
	if r.Status != 503 || string(r.Body) != `{"message":"Service Unavailable"}` {
		t.Errorf("got %d %s", r.Status, r.Body)
	}
}

// Stages: a named stage is the first path segment and carries its
// variables; rawPath keeps it; the path is delivered decoded.
func TestStages_NamedAndDefault(t *testing.T) {
	f := newFixture(t, petsAPI())
	r := f.do(t, "GET", "/dev/open/caf%C3%A9")
	if r.Status != 200 {
		t.Fatalf("got %d %s", r.Status, r.Body)
	}
	ev := event(t, r)
	if ev["rawPath"] != "/dev/open/café" || ev["requestContext"].(map[string]any)["stage"] != "dev" {
		t.Errorf("rawPath %v stage %v", ev["rawPath"], ev["requestContext"].(map[string]any)["stage"])
	}
	if diff := cmp.Diff(map[string]any{"tier": "gold"}, ev["stageVariables"]); diff != "" {
		t.Errorf("stageVariables (-want +got):\n%s", diff)
	}
	// Payload 1.0: path decoded, with the named stage.
	r = f.do(t, "GET", "/dev/v1/caf%C3%A9")
	if r.Status != 200 {
		t.Fatalf("1.0: got %d %s", r.Status, r.Body)
	}
	ev = event(t, r)
	if ev["path"] != "/dev/v1/café" || ev["requestContext"].(map[string]any)["path"] != "/dev/v1/café" {
		t.Errorf("1.0 path %v requestContext.path %v", ev["path"], ev["requestContext"].(map[string]any)["path"])
	}
	if r := f.do(t, "GET", "/nowhere"); r.Status != 404 || string(r.Body) != `{"message":"Not Found"}` {
		t.Errorf("no route: got %d %s", r.Status, r.Body)
	}
}

// "Configure CORS for HTTP APIs": preflight is answered by the gateway
// (no OPTIONS route, no authorizer run), and the configured headers
// replace the backend's on CORS requests.
func TestCORS(t *testing.T) {
	f := newFixture(t, petsAPI())
	r := f.do(t, "OPTIONS", "/pets/1", "Origin: https://app.example", "Access-Control-Request-Method: GET",
		"Access-Control-Request-Headers: authorization")
	if r.Status != 204 {
		t.Fatalf("preflight: got %d %s", r.Status, r.Body)
	}
	want := map[string]string{"Access-Control-Allow-Origin": "https://app.example", "Access-Control-Allow-Methods": "GET,POST",
		"Access-Control-Allow-Headers": "authorization,content-type", "Access-Control-Expose-Headers": "x-route", "Access-Control-Max-Age": "600"}
	for k, v := range want {
		if got := header(r, k); len(got) != 1 || got[0] != v {
			t.Errorf("%s = %v, want %s", k, got, v)
		}
	}
	if b, _ := os.ReadFile(f.calls["Auth"]); len(b) != 0 {
		t.Errorf("the authorizer ran on preflight: %s", b)
	}

	r = f.do(t, "GET", "/open/x", "Origin: https://app.example")
	if diff := cmp.Diff([]string{"https://app.example"}, header(r, "Access-Control-Allow-Origin")); diff != "" {
		t.Errorf("backend CORS header not replaced (-want +got):\n%s", diff)
	}
	r = f.do(t, "GET", "/open/x", "Origin: https://evil.example")
	if got := header(r, "Access-Control-Allow-Origin"); len(got) != 0 {
		t.Errorf("disallowed origin got %v", got)
	}
}
