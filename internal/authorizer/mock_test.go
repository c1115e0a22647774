package authorizer

import (
	"context"
	"encoding/json"
	"github.com/portcullis-gateway/portcullis/internal/testenv"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/authcache"
	"github.com/portcullis-gateway/portcullis/internal/function"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

func testMocks(t *testing.T, header, def string) *Mocks {
	t.Helper()
	m, err := NewMocks(MockOptions{Header: header, Default: def, Identities: []MockIdentity{
		{Name: "admin", PrincipalID: "root", AllowAll: true, Context: map[string]any{"role": "admin", "level": 3}},
		// Scoped to one path, as the quickstart's authorizer is.
		{Name: "alice", PrincipalID: "alice", Policy: json.RawMessage(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:abcde12345/prod/GET/users/1"}]}`)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// mockHarness is a TOKEN authorizer with caching on whose real function
// denies everyone, so that any allow comes from a mock.
func mockHarness(t *testing.T, mocks *Mocks) *harness {
	t.Helper()
	h := &harness{clock: testenv.NewClock(time.Time{})}
	inv := invokerFunc(func(ctx context.Context, fn *apimodel.Function, payload []byte) (function.Result, error) {
		h.calls.Add(1)
		return function.Result{Payload: []byte(`{"principalId":"real","policyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"*"}]}}`)}, nil
	})
	cache := authcache.NewMemory(authcache.MemoryOptions{Clock: h.clock})
	t.Cleanup(func() { cache.Close() })
	l, err := NewLambda(testAPI, tokenAuthorizer(300), &apimodel.Function{LogicalID: "AuthFn", Name: "AuthFn"},
		Options{Invoker: inv, Cache: cache, Now: h.clock.Now, Mocks: mocks})
	if err != nil {
		t.Fatal(err)
	}
	h.l = l
	return h
}

func withHeader(r *reqctx.Request, name, value string) *reqctx.Request {
	r.Headers = append(r.Headers, reqctx.Header{Name: name, Value: value})
	return r
}

// A mock identity replaces the authorizer's invocation only: identity
// sources, caching, the policy against each request's methodArn and the
// gateway's refusals all still run.
func TestMockIdentity_ReplacesTheInvocationOnly(t *testing.T) {
	type step struct {
		r         *reqctx.Request
		wantType  gwresponse.Type // "" = allowed
		principal string
	}
	for _, tc := range []struct {
		name      string
		header    string
		def       string
		steps     []step
		wantCalls int32
	}{
		{"per process: allow all, context passed on", "", "admin", []step{
			{request("GET", "/users/1", "tok"), "", "root"},
			{request("DELETE", "/anything/else", "tok"), "", "root"},
		}, 0},
		{"identity sources still checked: no token is 401 without a call", "", "admin", []step{
			{request("GET", "/users/1", ""), gwresponse.Unauthorized, ""},
		}, 0},
		{"methodArn-scoped policy: cached, then denies the next path (the pitfall)", "", "alice", []step{
			{request("GET", "/users/1", "tok"), "", "alice"},
			{request("GET", "/users/2", "tok"), gwresponse.AccessDenied, "alice"},
		}, 0},
		{"per request by header; without it the real authorizer runs", "X-Mock", "", []step{
			{withHeader(request("GET", "/users/1", "tok"), "x-mock", "admin"), "", "root"},
			{request("GET", "/users/1", "tok"), gwresponse.AccessDenied, "real"},
			// Cached apart: the real answer for "tok" does not leak into
			// the mock's entry, nor the other way round.
			{withHeader(request("GET", "/users/1", "tok"), "X-MOCK", "admin"), "", "root"},
		}, 1},
		{"a header naming no identity fails closed", "X-Mock", "admin", []step{
			{withHeader(request("GET", "/users/1", "tok"), "X-Mock", "nobody"), gwresponse.AuthorizerConfigurationError, ""},
		}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := mockHarness(t, testMocks(t, tc.header, tc.def))
			for i, s := range tc.steps {
				err := h.l.Authorize(context.Background(), s.r)
				if tc := s.wantType; tc == "" {
					if err != nil {
						t.Fatalf("step %d: %v", i, err)
					}
				} else {
					wantGatewayErrorType(t, err, tc)
				}
				got := ""
				if s.r.Authorizer != nil {
					got = s.r.Authorizer.PrincipalID
				}
				if got != s.principal {
					t.Errorf("step %d: principal %q, want %q", i, got, s.principal)
				}
			}
			if n := h.calls.Load(); n != tc.wantCalls {
				t.Errorf("function invoked %d times, want %d", n, tc.wantCalls)
			}
		})
	}
}

func TestMockIdentity_ContextStringified(t *testing.T) {
	h := mockHarness(t, testMocks(t, "", "admin"))
	r := request("GET", "/x", "tok")
	if err := h.l.Authorize(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if v := r.Authorizer.Context["level"]; v == nil || *v != "3" {
		t.Errorf("context level = %v, want \"3\" as API Gateway passes numbers", v)
	}
}

func wantGatewayErrorType(t *testing.T, err error, typ gwresponse.Type) {
	t.Helper()
	ge, ok := err.(*gwresponse.Error)
	if !ok || ge.Type != typ {
		t.Fatalf("err = %v, want a %s gateway error", err, typ)
	}
}

func TestNewMocks_RefusesBadIdentities(t *testing.T) {
	pol := json.RawMessage(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}`)
	for _, tc := range []struct {
		name string
		o    MockOptions
		want string
	}{
		{"no name", MockOptions{Identities: []MockIdentity{{PrincipalID: "p", AllowAll: true}}}, "name is required"},
		{"twice", MockOptions{Identities: []MockIdentity{{Name: "a", PrincipalID: "p", AllowAll: true}, {Name: "a", PrincipalID: "p", AllowAll: true}}}, "defined twice"},
		{"no principal", MockOptions{Identities: []MockIdentity{{Name: "a", AllowAll: true}}}, "principalId is required"},
		{"neither policy nor allowAll", MockOptions{Identities: []MockIdentity{{Name: "a", PrincipalID: "p"}}}, "exactly one of policy and allowAll"},
		{"both", MockOptions{Identities: []MockIdentity{{Name: "a", PrincipalID: "p", AllowAll: true, Policy: pol}}}, "exactly one of policy and allowAll"},
		{"bad policy", MockOptions{Identities: []MockIdentity{{Name: "a", PrincipalID: "p", Policy: json.RawMessage(`{"Statement":[{"Effect":"Maybe"}]}`)}}}, "Could not parse policy"},
		{"nested context", MockOptions{Identities: []MockIdentity{{Name: "a", PrincipalID: "p", AllowAll: true, Context: map[string]any{"x": map[string]any{}}}}}, "context"},
		{"unknown default", MockOptions{Default: "bob", Identities: []MockIdentity{{Name: "a", PrincipalID: "p", AllowAll: true}}}, "--identity bob: no mock identity has that name (defined: a)"},
		{"bad header", MockOptions{Header: "X Mock", Identities: []MockIdentity{{Name: "a", PrincipalID: "p", AllowAll: true}}}, "not a header name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewMocks(tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// SAM CLI's --disable-authorizer: the method is served without its
// authorizer (no token needed, nothing invoked), and said to be insecure.
func TestDisableAuthorizers_ServesCustomMethodsOpen(t *testing.T) {
	api := &apimodel.API{ID: "abcde12345", LogicalID: "Api", Region: "us-east-1", AccountID: "123456789012",
		Authorizers: map[string]*apimodel.Authorizer{"TokenAuth": tokenAuthorizer(0)}}
	m := &apimodel.Method{HTTPMethod: "GET", AuthorizationType: apimodel.AuthCustom, AuthorizerID: "TokenAuth"}
	var calls int
	inv := invokerFunc(func(context.Context, *apimodel.Function, []byte) (function.Result, error) {
		calls++
		return function.Result{Payload: []byte(`{}`)}, nil
	})
	for _, disabled := range []bool{false, true} {
		var logs strings.Builder
		a, err := NewAPI(api, Options{Invoker: inv, DisableAuthorizers: disabled, Logger: textLogger(&logs),
			Functions: func(string, string) *apimodel.Function { return &apimodel.Function{Name: "AuthFn"} }})
		if err != nil {
			t.Fatal(err)
		}
		c, err := a.Method(m, "GET /x")
		if err != nil {
			t.Fatal(err)
		}
		err = c.Authorize(context.Background(), request("GET", "/x", ""))
		if disabled {
			if err != nil {
				t.Errorf("disabled: %v", err)
			}
			if !strings.Contains(logs.String(), "INSECURE") || !strings.Contains(logs.String(), "--disable-authorizer") {
				t.Errorf("disabled but not logged as insecure:\n%s", logs.String())
			}
		} else {
			wantGatewayErrorType(t, err, gwresponse.Unauthorized)
		}
	}
	if calls != 0 {
		t.Errorf("authorizer invoked %d times", calls)
	}
}

func textLogger(w *strings.Builder) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
