package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/testenv"
)

// e2eServer is a running Portcullis serving a template from testdata.
type e2eServer struct {
	srv   *Server
	base  string // http://host:port (the first API)
	admin string // http://host:port
	count string // directory the authorizers count invocations in
}

func startE2E(t *testing.T, template string, params map[string]string) *e2eServer {
	t.Helper()
	// The templates' authorizers are Node.js, their backends Python.
	testenv.Require(t, "node", "python3", "/usr/bin/env")
	countDir := t.TempDir()
	if params == nil {
		params = map[string]string{}
	}
	params["CountDir"] = countDir
	srv := runServer(t, Config{
		DefinitionPath: template, Load: LoadOptions{ParameterOverrides: params},
		Port: 0, AdminAddr: "127.0.0.1:0",
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo})),
	})
	return &e2eServer{srv: srv, base: "http://" + srv.Addrs()[0], admin: "http://" + srv.AdminAddr(), count: countDir}
}

// runServer builds, opens and runs a server for one test and stops it, with
// every function worker, when the test ends.
func runServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatalf("server.New: %v", err)
	}
	if err := srv.Listen(); err != nil {
		cancel()
		srv.Close()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("server did not stop")
		}
	})
	return srv
}

// testWriter sends server logs to the test log, so a failing test shows
// the execution log that explains it.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func (s *e2eServer) invocations(t *testing.T, name string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.count, name))
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return len(b)
}

type reply struct {
	status int
	header http.Header
	body   string
}

func (s *e2eServer) do(t *testing.T, method, path string, header map[string]string) reply {
	t.Helper()
	req, err := http.NewRequest(method, s.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = []string{v}
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, string(b)}
}

func (r reply) want(t *testing.T, status int, body string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	if body != "" && !strings.Contains(r.body, body) {
		t.Fatalf("body = %s, want it to contain %s", r.body, body)
	}
}

func (s *e2eServer) flush(t *testing.T, apiID, stage string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodDelete, s.admin+"/restapis/"+apiID+"/stages/"+stage+"/cache/authorizers", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("flush: %s, want 202 Accepted", resp.Status)
	}
}

// TestE2E_TokenAuthorizer_Outcomes: real Node and Python authorizer
// processes; allow/deny/Unauthorized/other error → 200/403/401/500 (docs/behaviour.md#LAMBDA-4, docs/behaviour.md#GWR-1), and a missing header is 401 with zero invocations (docs/behaviour.md#ID-1).
func TestE2E_TokenAuthorizer_Outcomes(t *testing.T) {
	s := startE2E(t, "testdata/authz/template.yaml", nil)
	tests := []struct {
		name    string
		path    string
		header  map[string]string
		status  int
		body    string
		errType string
	}{
		{"node allow", "/prod/nocache/a", map[string]string{"authorization": "allow-alice"}, 200, `"principalId": "alice"`, ""},
		{"node context stringified", "/prod/nocache/a", map[string]string{"authorization": "allow-alice"}, 200, `"admin": "true", "n": "7"`, ""},
		{"node explicit deny", "/prod/nocache/a", map[string]string{"authorization": "deny-bob"}, 403, `{"Message":"User is not authorized to access this resource with an explicit deny"}`, "AccessDeniedException"},
		{"node callback Unauthorized", "/prod/nocache/a", map[string]string{"authorization": "expired"}, 401, `{"message":"Unauthorized"}`, "UnauthorizedException"},
		{"node other error", "/prod/nocache/a", map[string]string{"authorization": "boom"}, 500, `{"message":null}`, "AuthorizerConfigurationException"},
		{"node garbage answer", "/prod/nocache/a", map[string]string{"authorization": "garbage-x"}, 500, `{"message":null}`, "AuthorizerConfigurationException"},
		{"python allow", "/prod/py/a", map[string]string{"x-token": "allow-carol"}, 200, `"principalId": "allow-carol"`, ""},
		{"python deny", "/prod/py/a", map[string]string{"x-token": "nope"}, 403, `{"Message":"User is not authorized to access this resource with an explicit deny"}`, "AccessDeniedException"},
		{"python raise Unauthorized", "/prod/py/a", map[string]string{"x-token": "expired"}, 401, `{"message":"Unauthorized"}`, ""},
		{"python other exception", "/prod/py/a", map[string]string{"x-token": "boom"}, 500, `{"message":null}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := s.do(t, "GET", tc.path, tc.header)
			r.want(t, tc.status, tc.body)
			if tc.errType != "" && r.header.Get("x-amzn-ErrorType") != tc.errType {
				t.Errorf("x-amzn-ErrorType = %q, want %q", r.header.Get("x-amzn-ErrorType"), tc.errType)
			}
		})
	}
	t.Run("missing header is 401 without invoking", func(t *testing.T) {
		before := s.invocations(t, "token")
		s.do(t, "GET", "/prod/nocache/a", nil).want(t, 401, `{"message":"Unauthorized"}`)
		s.do(t, "GET", "/prod/users/1/info", map[string]string{"authorization": ""}).want(t, 401, `{"message":"Unauthorized"}`)
		if got := s.invocations(t, "token"); got != before {
			t.Fatalf("authorizer invoked %d times for requests without a token", got-before)
		}
	})
}

// TestE2E_MethodARNCachePitfall reproduces docs/behaviour.md#CACHE-2 with a real
// authorizer: 200 on /users/43/info, 403 on /users/44/info within the TTL,
// 200 again after a flush; 200 throughout with TTL 0 or a wildcard.
func TestE2E_MethodARNCachePitfall(t *testing.T) {
	s := startE2E(t, "testdata/authz/template.yaml", nil)
	apiID := s.srv.Gateway().APIs()[0].ID
	tok := map[string]string{"Authorization": "allow-alice"}

	s.do(t, "GET", "/prod/users/43/info", tok).want(t, 200, `"path": "/users/43/info"`)
	s.do(t, "GET", "/prod/users/44/info", tok).want(t, 403, `{"Message":"User is not authorized to access this resource"}`)
	if n := s.invocations(t, "token"); n != 1 {
		t.Fatalf("invocations = %d, want 1 (the second request is a cache hit)", n)
	}
	s.flush(t, apiID, "prod")
	s.do(t, "GET", "/prod/users/44/info", tok).want(t, 200, `"path": "/users/44/info"`)
	s.do(t, "GET", "/prod/users/43/info", tok).want(t, 403, "")
	if n := s.invocations(t, "token"); n != 2 {
		t.Fatalf("invocations = %d, want 2", n)
	}

	wild := map[string]string{"Authorization": "wildcard-alice"}
	for _, p := range []string{"/prod/users/1/info", "/prod/users/2/info", "/prod/users/3/info"} {
		s.do(t, "GET", p, wild).want(t, 200, "")
	}
	if n := s.invocations(t, "token"); n != 3 {
		t.Fatalf("invocations = %d, want 3 (wildcard policy cached once)", n)
	}

	// TTL 0: every request invokes the authorizer and is judged on its own.
	for _, p := range []string{"/prod/nocache/users/43/info", "/prod/nocache/users/44/info"} {
		s.do(t, "GET", p, tok).want(t, 200, "")
	}
	if n := s.invocations(t, "token"); n != 5 {
		t.Fatalf("invocations = %d, want 5", n)
	}
}

// TestE2E_RequestAuthorizer_HeaderAndQueryKey: changing either identity
// source is a cache miss; a missing one is 401 without invoking (docs/behaviour.md#ID-2, docs/behaviour.md#CACHE-1).
func TestE2E_RequestAuthorizer_HeaderAndQueryKey(t *testing.T) {
	s := startE2E(t, "testdata/authz/template.yaml", nil)
	steps := []struct {
		query, tenant string
		status, calls int
	}{
		{"?key=k1", "t1", 200, 1},
		{"?key=k1", "t1", 200, 1},
		{"?key=k1", "t2", 200, 2},
		{"?key=k2", "t2", 200, 3},
		{"?key=k1", "t1", 200, 3},
		{"", "t1", 401, 3},
		{"?key=k1", "", 401, 3},
	}
	for i, st := range steps {
		h := map[string]string{}
		if st.tenant != "" {
			// Sent lower-case, as the authorizer reads event.headers["x-tenant"]:
			// API Gateway passes header names as received.
			h["x-tenant"] = st.tenant
		}
		r := s.do(t, "GET", "/prod/tenant/x"+st.query, h)
		r.want(t, st.status, "")
		if st.status == 200 {
			var body struct {
				Authorizer map[string]any `json:"authorizer"`
			}
			if err := json.Unmarshal([]byte(r.body), &body); err != nil {
				t.Fatal(err)
			}
			if got := body.Authorizer["tenant"]; got != st.tenant {
				t.Fatalf("step %d: requestContext.authorizer.tenant = %v, want %s", i, got, st.tenant)
			}
		}
		if n := s.invocations(t, "request"); n != st.calls {
			t.Fatalf("step %d: invocations = %d, want %d", i, n, st.calls)
		}
	}
}
