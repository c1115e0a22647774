package server

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/golang-jwt/jwt/v5"

	"github.com/portcullis-gateway/portcullis/internal/testenv"
)

// httpE2E serves testdata/httpapi: a REST API, then the SAM HttpApi, then
// the quick-create ApiGatewayV2 API, each on its own port in that order.
type httpE2E struct {
	rest, http, quick string
	count             string
	issuer            *testIssuer
	admin, httpID     string
}

// testIssuer is an OpenID issuer on 127.0.0.1: a discovery document whose
// jwks_uri serves one RSA key, as an identity provider publishes them.
type testIssuer struct {
	url string
	key *rsa.PrivateKey
}

func startIssuer(t *testing.T) *testIssuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is := &testIssuer{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": is.url, "jwks_uri": is.url + "/jwks.json"})
	})
	mux.HandleFunc("/jwks.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{
			"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig",
			"n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()),
			"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes()),
		}}})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	is.url = srv.URL
	return is
}

func (is *testIssuer) token(t *testing.T, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = "k1"
	s, err := tok.SignedString(is.key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func startHTTPE2E(t *testing.T) *httpE2E {
	t.Helper()
	testenv.Require(t, "node", "python3", "/usr/bin/env")
	count := t.TempDir()
	is := startIssuer(t)
	srv := runServer(t, Config{
		DefinitionPath: "testdata/httpapi/template.yaml", ConfigFile: "testdata/httpapi/config.yaml",
		Load: LoadOptions{ParameterOverrides: map[string]string{"CountDir": count, "Issuer": is.url}},
		Port: 0, AdminAddr: "127.0.0.1:0",
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo})),
	})
	a := srv.Addrs()
	if len(a) != 3 {
		t.Fatalf("listeners %v, want REST, HttpApi, quick create", a)
	}
	return &httpE2E{rest: "http://" + a[0], http: "http://" + a[1], quick: "http://" + a[2], count: count, issuer: is,
		admin: "http://" + srv.AdminAddr(), httpID: srv.Model().HTTPAPIs[0].ID}
}

func (e *httpE2E) invocations(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(e.count, "simple"))
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return len(b)
}

func httpDo(t *testing.T, req *http.Request) (int, http.Header, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

func httpGet(t *testing.T, url string, header map[string]string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return httpDo(t, req)
}

// TestHTTPAPI_ServedBesideREST runs the whole serve path of HTTP APIs with
// real Node and Python functions. Pages followed: "Create routes for HTTP
// APIs" (stages, exact > greedy > $default, 404 {"message":"Not Found"}),
// "Control access to HTTP APIs with AWS Lambda authorizers" (payload 2.0,
// simple responses, identity sources, caching), "Create AWS Lambda proxy
// integrations for HTTP APIs" (payload formats 1.0 and 2.0), "Configure
// CORS for HTTP APIs" and "Control access to HTTP APIs with IAM
// authorization" (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api.html).
func TestHTTPAPI_ServedBesideREST(t *testing.T) {
	e := startHTTPE2E(t)

	t.Run("REST API keeps the first port", func(t *testing.T) {
		if st, _, body := httpGet(t, e.rest+"/prod/rest", nil); st != 200 || !strings.Contains(body, `"resource": "/rest"`) {
			t.Fatalf("REST: %d %s", st, body)
		}
	})

	t.Run("missing identity source is 401 without invoking the authorizer", func(t *testing.T) {
		before := e.invocations(t)
		st, _, body := httpGet(t, e.http+"/v1/pets/1", nil)
		if st != 401 || body != `{"message":"Unauthorized"}` {
			t.Fatalf("%d %s", st, body)
		}
		if n := e.invocations(t); n != before {
			t.Fatalf("authorizer invoked %d times for a request without its identity source", n-before)
		}
	})

	t.Run("simple response false is 403", func(t *testing.T) {
		st, _, body := httpGet(t, e.http+"/v1/pets/1", map[string]string{"Authorization": "deny-bob"})
		if st != 403 || body != `{"message":"Forbidden"}` {
			t.Fatalf("%d %s", st, body)
		}
	})

	t.Run("payload 2.0 event with the authorizer's typed context", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, e.http+"/v1/pets/7?a=1&a=2", nil)
		req.Header.Set("Authorization", "allow-alice")
		req.Header.Add("X-Multi", "one")
		req.Header.Add("X-Multi", "two")
		req.Header.Set("Cookie", "c1=x; c2=y")
		req.Header.Set("Origin", "https://app.example.com")
		st, h, body := httpDo(t, req)
		if st != 200 {
			t.Fatalf("%d %s", st, body)
		}
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal([]byte(body), &ev); err != nil {
			t.Fatal(err)
		}
		checks := []struct{ name, got, want string }{
			{"version", ev.Version, "2.0"},
			{"routeKey", ev.RouteKey, "GET /pets/{id}"},
			{"rawPath", ev.RawPath, "/v1/pets/7"},
			{"rawQueryString", ev.RawQueryString, "a=1&a=2"},
			{"query a", ev.QueryStringParameters["a"], "1,2"},
			{"x-multi", ev.Headers["x-multi"], "one,two"},
			{"cookies", strings.Join(ev.Cookies, "|"), "c1=x|c2=y"},
			{"path id", ev.PathParameters["id"], "7"},
			{"stage variable", ev.StageVariables["color"], "blue"},
			{"stage", ev.RequestContext.Stage, "v1"},
			{"http.method", ev.RequestContext.HTTP.Method, "GET"},
			{"http.path", ev.RequestContext.HTTP.Path, "/v1/pets/7"},
			{"lambda.user", ev.RequestContext.Authorizer.Lambda["user"].(string), "alice"},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
			}
		}
		// Payload 2.0 keeps the context's JSON types.
		if v, ok := ev.RequestContext.Authorizer.Lambda["tier"].(float64); !ok || v != 2 {
			t.Errorf("tier = %#v, want the number 2", ev.RequestContext.Authorizer.Lambda["tier"])
		}
		if v, ok := ev.RequestContext.Authorizer.Lambda["admin"].(bool); !ok || v {
			t.Errorf("admin = %#v, want false", ev.RequestContext.Authorizer.Lambda["admin"])
		}
		if got := h.Get("Access-Control-Allow-Origin"); got != "https://app.example.com" {
			t.Errorf("Access-Control-Allow-Origin = %q: the API's CORS configuration replaces the backend's", got)
		}
		if got := h.Get("Set-Cookie"); got != "seen=1; Path=/" {
			t.Errorf("Set-Cookie = %q, want the response's cookies", got)
		}
	})

	t.Run("cached by identity for every route", func(t *testing.T) {
		before := e.invocations(t)
		if st, _, body := httpGet(t, e.http+"/v1/pets/8", map[string]string{"Authorization": "allow-alice"}); st != 200 {
			t.Fatalf("%d %s", st, body)
		}
		if n := e.invocations(t); n != before {
			t.Fatalf("authorizer invoked again within its TTL for the same identity")
		}
	})

	// ResetAuthorizersCache (API Gateway V2 API Reference: DELETE
	// /v2/apis/{apiId}/stages/{stageName}/cache/authorizers, 204).
	t.Run("ResetAuthorizersCache empties the stage's cache", func(t *testing.T) {
		// With identities in --config the admin API wants SigV4, as AWS.
		del := func(path string) int {
			req, _ := http.NewRequest(http.MethodDelete, e.admin+path, nil)
			sum := sha256.Sum256(nil)
			creds := aws.Credentials{AccessKeyID: "AKIDHTTPAPI", SecretAccessKey: "http-secret"}
			if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "apigateway", "us-east-1", time.Now()); err != nil {
				t.Fatal(err)
			}
			st, _, _ := httpDo(t, req)
			return st
		}
		if st := del("/v2/apis/nope000000/stages/v1/cache/authorizers"); st != 404 {
			t.Fatalf("unknown API: %d, want 404", st)
		}
		if st := del("/v2/apis/" + e.httpID + "/stages/nostage/cache/authorizers"); st != 404 {
			t.Fatalf("unknown stage: %d, want 404", st)
		}
		if st := del("/v2/apis/" + e.httpID + "/stages/v1/cache/authorizers"); st != 204 {
			t.Fatalf("ResetAuthorizersCache: %d, want 204", st)
		}
		before := e.invocations(t)
		if st, _, body := httpGet(t, e.http+"/v1/pets/9", map[string]string{"Authorization": "allow-alice"}); st != 200 {
			t.Fatalf("%d %s", st, body)
		}
		if n := e.invocations(t); n != before+1 {
			t.Fatalf("after the reset the authorizer ran %d times, want 1", n-before)
		}
	})

	t.Run("$default route and unknown stage", func(t *testing.T) {
		st, _, body := httpGet(t, e.http+"/v1/some/where", nil)
		var ev events.APIGatewayV2HTTPRequest
		if st != 200 || json.Unmarshal([]byte(body), &ev) != nil || ev.RouteKey != "$default" {
			t.Fatalf("%d %s", st, body)
		}
		// The API has only the v1 stage: no $default stage to fall back on.
		if st, _, body := httpGet(t, e.http+"/nostage/x", nil); st != 404 || body != `{"message":"Not Found"}` {
			t.Fatalf("%d %s", st, body)
		}
	})

	t.Run("payload 1.0 integration", func(t *testing.T) {
		st, _, body := httpGet(t, e.http+"/v1/legacy", nil)
		var ev events.APIGatewayProxyRequest
		if st != 200 || json.Unmarshal([]byte(body), &ev) != nil {
			t.Fatalf("%d %s", st, body)
		}
		var raw map[string]any
		_ = json.Unmarshal([]byte(body), &raw)
		if raw["version"] != "1.0" || ev.Path != "/v1/legacy" || ev.HTTPMethod != "GET" {
			t.Fatalf("1.0 event: version %v path %q method %q", raw["version"], ev.Path, ev.HTTPMethod)
		}
	})

	t.Run("CORS preflight answered by the gateway", func(t *testing.T) {
		before := e.invocations(t)
		req, _ := http.NewRequest(http.MethodOptions, e.http+"/v1/pets/7", nil)
		req.Header.Set("Origin", "https://app.example.com")
		req.Header.Set("Access-Control-Request-Method", "GET")
		st, h, _ := httpDo(t, req)
		if st != 204 || h.Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
			h.Get("Access-Control-Allow-Methods") != "GET" || h.Get("Access-Control-Max-Age") != "60" {
			t.Fatalf("preflight %d %v", st, h)
		}
		if e.invocations(t) != before {
			t.Fatal("preflight ran the authorizer")
		}
	})

	t.Run("IAM: unsigned refused, signed by aws-sdk-go-v2 admitted", func(t *testing.T) {
		if st, _, body := httpGet(t, e.http+"/v1/signed", nil); st != 403 {
			t.Fatalf("unsigned: %d %s", st, body)
		}
		req, _ := http.NewRequest(http.MethodGet, e.http+"/v1/signed", nil)
		sum := sha256.Sum256(nil)
		creds := aws.Credentials{AccessKeyID: "AKIDHTTPAPI", SecretAccessKey: "http-secret"}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "execute-api", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		st, _, body := httpDo(t, req)
		var ev events.APIGatewayV2HTTPRequest
		if st != 200 || json.Unmarshal([]byte(body), &ev) != nil {
			t.Fatalf("signed: %d %s", st, body)
		}
		if iam := ev.RequestContext.Authorizer.IAM; iam == nil || iam.AccessKey != "AKIDHTTPAPI" || iam.UserARN != "arn:aws:iam::123456789012:user/carol" {
			t.Fatalf("requestContext.authorizer.iam = %+v", ev.RequestContext.Authorizer.IAM)
		}
		// A valid signature is not enough: the caller's identity policies
		// must allow execute-api:Invoke on the route ("Control access to
		// HTTP APIs with IAM authorization"). erin may only POST.
		req, _ = http.NewRequest(http.MethodGet, e.http+"/v1/signed", nil)
		creds = aws.Credentials{AccessKeyID: "AKIDNOINVOKE", SecretAccessKey: "other-secret"}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "execute-api", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		if st, _, body := httpDo(t, req); st != 403 || !strings.Contains(body, "Forbidden") {
			t.Fatalf("signed by a caller whose policies do not allow the route: %d %s", st, body)
		}
	})

	// "Control access to HTTP APIs with JWT authorizers": keys from the
	// issuer's discovery document, iss exact, aud, exp, and the route's
	// scopes (any one suffices).
	t.Run("JWT authorizer with the issuer's discovery document", func(t *testing.T) {
		now := time.Now()
		good := jwt.MapClaims{"iss": e.issuer.url, "aud": "portcullis-test", "sub": "dave", "scope": "pets/read pets/write",
			"exp": now.Add(time.Hour).Unix(), "iat": now.Unix()}
		st, _, body := httpGet(t, e.http+"/v1/jwt", map[string]string{"Authorization": "Bearer " + e.issuer.token(t, good)})
		var ev events.APIGatewayV2HTTPRequest
		if st != 200 || json.Unmarshal([]byte(body), &ev) != nil {
			t.Fatalf("valid token: %d %s", st, body)
		}
		if j := ev.RequestContext.Authorizer.JWT; j == nil || j.Claims["sub"] != "dave" || strings.Join(j.Scopes, " ") != "pets/read pets/write" {
			t.Fatalf("requestContext.authorizer.jwt = %+v", ev.RequestContext.Authorizer.JWT)
		}
		bad := func(mut func(jwt.MapClaims)) jwt.MapClaims {
			c := jwt.MapClaims{}
			for k, v := range good {
				c[k] = v
			}
			mut(c)
			return c
		}
		for _, tc := range []struct {
			name   string
			claims jwt.MapClaims
			status int
		}{
			{"expired", bad(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Hour).Unix() }), 401},
			{"other audience", bad(func(c jwt.MapClaims) { c["aud"] = "someone-else" }), 401},
			{"other issuer", bad(func(c jwt.MapClaims) { c["iss"] = e.issuer.url + "/other" }), 401},
			{"without the route's scope", bad(func(c jwt.MapClaims) { c["scope"] = "pets/write" }), 403},
		} {
			st, h, body := httpGet(t, e.http+"/v1/jwt", map[string]string{"Authorization": e.issuer.token(t, tc.claims)})
			if st != tc.status || h.Get("Www-Authenticate") == "" {
				t.Errorf("%s: %d %s (www-authenticate %q), want %d with www-authenticate", tc.name, st, body, h.Get("Www-Authenticate"), tc.status)
			}
		}
		if st, _, _ := httpGet(t, e.http+"/v1/jwt", nil); st != 401 {
			t.Errorf("no token: %d, want 401", st)
		}
	})

	t.Run("quick-create API on the third port", func(t *testing.T) {
		st, _, body := httpGet(t, e.quick+"/any/path", nil)
		var ev events.APIGatewayV2HTTPRequest
		if st != 200 || json.Unmarshal([]byte(body), &ev) != nil || ev.RouteKey != "$default" || ev.RawPath != "/any/path" {
			t.Fatalf("%d %s", st, body)
		}
	})
}
