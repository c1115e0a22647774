package authorizer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/authcache"
	"github.com/portcullis-gateway/portcullis/internal/function"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
	"github.com/portcullis-gateway/portcullis/internal/testenv"
)

// invokerFunc adapts a closure to Invoker.
type invokerFunc func(ctx context.Context, fn *apimodel.Function, payload []byte) (function.Result, error)

func (f invokerFunc) Invoke(ctx context.Context, fn *apimodel.Function, payload []byte) (function.Result, error) {
	return f(ctx, fn, payload)
}

var testAPI = &apimodel.API{ID: "abcde12345", LogicalID: "Api", Region: "us-east-1", AccountID: "123456789012"}

func allowPolicy(principal, resource string) []byte {
	return []byte(`{"principalId":"` + principal + `","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"` + resource + `"}]},"context":{"user":"` + principal + `","n":123,"ok":true,"none":null}}`)
}

func request(verb, path, token string) *reqctx.Request {
	r := &reqctx.Request{ID: "req-1", Method: verb, Path: path, DecodedPath: path, Stage: "prod", Time: time.Unix(1_800_000_000, 0)}
	if token != "" {
		r.Headers = []reqctx.Header{{Name: "authorization", Value: token}}
	}
	r.MethodARN = apimodel.MethodARN("us-east-1", "123456789012", "abcde12345", "prod", verb, path)
	return r
}

type harness struct {
	calls atomic.Int32
	clock *testenv.Clock
	l     *Lambda
}

func newHarness(t *testing.T, a *apimodel.Authorizer, answer func(payload []byte) (function.Result, error)) *harness {
	t.Helper()
	h := &harness{clock: testenv.NewClock(time.Unix(1_800_000_000, 0))}
	inv := invokerFunc(func(ctx context.Context, fn *apimodel.Function, payload []byte) (function.Result, error) {
		h.calls.Add(1)
		return answer(payload)
	})
	cache := authcache.NewMemory(authcache.MemoryOptions{Clock: h.clock})
	t.Cleanup(func() { cache.Close() })
	l, err := NewLambda(testAPI, a, &apimodel.Function{LogicalID: "AuthFn", Name: "AuthFn"}, Options{Invoker: inv, Cache: cache, Now: h.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	h.l = l
	return h
}

func tokenAuthorizer(ttl int) *apimodel.Authorizer {
	return &apimodel.Authorizer{ID: "TokenAuth", Type: apimodel.AuthorizerToken, Function: "AuthFn",
		IdentitySource: "method.request.header.Authorization", ResultTTL: ttl}
}

func wantGatewayError(t *testing.T, err error, typ gwresponse.Type, msg string) {
	t.Helper()
	var ge *gwresponse.Error
	if !errors.As(err, &ge) {
		t.Fatalf("err = %v, want a %s gateway error", err, typ)
	}
	if ge.Type != typ {
		t.Fatalf("type = %s, want %s (%v)", ge.Type, typ, err)
	}
	if msg == "null" {
		if !ge.NullMessage {
			t.Fatalf("message = %q, want null", ge.Message)
		}
	} else if ge.Message != msg {
		t.Fatalf("message = %q, want %q", ge.Message, msg)
	}
}

// TestTokenAuthorizer_Outcomes covers the Lambda-authorizer rows of docs/behaviour.md#GWR-1
// and the outcome table of docs/behaviour.md#LAMBDA-4.
func TestTokenAuthorizer_Outcomes(t *testing.T) {
	ok := func(p []byte) func([]byte) (function.Result, error) {
		return func([]byte) (function.Result, error) { return function.Result{Payload: p}, nil }
	}
	fnErr := func(msg string) func([]byte) (function.Result, error) {
		return func([]byte) (function.Result, error) {
			b, _ := json.Marshal(map[string]any{"errorType": "Error", "errorMessage": msg, "trace": []string{}})
			return function.Result{Payload: b, FunctionError: "Unhandled"}, nil
		}
	}
	arnAll := "arn:aws:execute-api:us-east-1:123456789012:abcde12345/*"
	tests := []struct {
		name      string
		token     string
		answer    func([]byte) (function.Result, error)
		wantType  gwresponse.Type // "" = allowed
		wantMsg   string
		wantCalls int32
	}{
		{"allow", "t", ok(allowPolicy("alice", arnAll)), "", "", 1},
		{"Allow_Statement_object_and_Action_array", "t", ok([]byte(`{"principalId":"a","policyDocument":{"Version":"2012-10-17","Statement":{"Action":["execute-api:Invoke"],"Effect":"Allow","Resource":["` + arnAll + `"]}}}`)), "", "", 1},
		{"MissingHeader_401_WithoutInvoke", "", ok(allowPolicy("a", arnAll)), gwresponse.Unauthorized, "Unauthorized", 0},
		{"ExplicitDeny_403", "t", ok([]byte(`{"principalId":"a","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"},{"Action":"execute-api:Invoke","Effect":"Deny","Resource":"` + arnAll + `"}]}}`)), gwresponse.AccessDenied, "User is not authorized to access this resource with an explicit deny", 1},
		{"NoMatchingAllow_403", "t", ok(allowPolicy("a", "arn:aws:execute-api:us-east-1:123456789012:otherapi/*")), gwresponse.AccessDenied, "User is not authorized to access this resource", 1},
		{"ErrorUnauthorized_401", "t", fnErr("Unauthorized"), gwresponse.Unauthorized, "Unauthorized", 1},
		{"ErrorUnauthorizedWithSuffix_500", "t", fnErr("Unauthorized: expired"), gwresponse.AuthorizerConfigurationError, "null", 1},
		{"OtherError_500", "t", fnErr("boom"), gwresponse.AuthorizerConfigurationError, "null", 1},
		{"Timeout_500", "t", func([]byte) (function.Result, error) {
			return function.Result{}, &function.InvokeError{Kind: function.KindTimeout, Function: "AuthFn"}
		}, gwresponse.AuthorizerConfigurationError, "null", 1},
		{"Crash_500", "t", func([]byte) (function.Result, error) {
			return function.Result{}, &function.InvokeError{Kind: function.KindExit, Function: "AuthFn"}
		}, gwresponse.AuthorizerConfigurationError, "null", 1},
		{"NullResponse_500", "t", ok([]byte(`null`)), gwresponse.AuthorizerConfigurationError, "null", 1},
		{"NonJSON_500", "t", ok([]byte(`allow`)), gwresponse.AuthorizerConfigurationError, "null", 1},
		{"UnknownTopLevelField_500", "t", ok([]byte(`{"principalId":"a","policyDocument":{"Version":"2012-10-17","Statement":[]},"errorType":"x"}`)), gwresponse.AuthorizerConfigurationError, "null", 1},
		{"MissingPrincipalID_500", "t", ok([]byte(`{"policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"}]}}`)), gwresponse.AuthorizerConfigurationError, "null", 1},
		{"MissingPolicyDocument_500", "t", ok([]byte(`{"principalId":"a"}`)), gwresponse.AuthorizerConfigurationError, "null", 1},
		{"NestedContextValue_500", "t", ok([]byte(`{"principalId":"a","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"}]},"context":{"o":{"x":1}}}`)), gwresponse.AuthorizerConfigurationError, "null", 1},
		{"ArrayContextValue_500", "t", ok([]byte(`{"principalId":"a","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"}]},"context":{"a":[1]}}`)), gwresponse.AuthorizerConfigurationError, "null", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tokenAuthorizer(300), tc.answer)
			r := request("GET", "/users/43/info", tc.token)
			err := h.l.Authorize(context.Background(), r)
			if tc.wantType == "" {
				if err != nil {
					t.Fatalf("Authorize = %v, want allowed", err)
				}
			} else {
				wantGatewayError(t, err, tc.wantType, tc.wantMsg)
			}
			if got := h.calls.Load(); got != tc.wantCalls {
				t.Errorf("invocations = %d, want %d", got, tc.wantCalls)
			}
		})
	}
}

// TestTokenAuthorizer_ContextStringified pins docs/behaviour.md#LAMBDA-3/docs/behaviour.md#INTEG-1: context values
// reach the backend as strings, null stays null.
func TestTokenAuthorizer_ContextStringified(t *testing.T) {
	h := newHarness(t, tokenAuthorizer(300), func([]byte) (function.Result, error) {
		return function.Result{Payload: allowPolicy("alice", "*")}, nil
	})
	r := request("GET", "/x", "tok")
	if err := h.l.Authorize(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	a := r.Authorizer
	if a.PrincipalID != "alice" || *a.Context["n"] != "123" || *a.Context["ok"] != "true" || *a.Context["user"] != "alice" || a.Context["none"] != nil {
		t.Fatalf("authorizer context = %+v", a)
	}
}

// TestTokenAuthorizer_MethodARNCachePitfall reproduces the production
// behaviour of docs/behaviour.md#CACHE-2: a policy scoped to the
// first request's methodArn denies the next path while cached.
func TestTokenAuthorizer_MethodARNCachePitfall(t *testing.T) {
	answer := func(payload []byte) (function.Result, error) {
		var ev struct{ MethodArn string }
		_ = json.Unmarshal(payload, &ev)
		return function.Result{Payload: allowPolicy("alice", ev.MethodArn)}, nil
	}
	for _, tc := range []struct {
		name   string
		ttl    int
		second string // error type for the second path, "" = allowed
	}{
		{"TTL300_SecondPathDenied", 300, string(gwresponse.AccessDenied)},
		{"TTL0_SecondPathAllowed", 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tokenAuthorizer(tc.ttl), answer)
			if err := h.l.Authorize(context.Background(), request("GET", "/users/43/info", "tok")); err != nil {
				t.Fatalf("first request: %v", err)
			}
			err := h.l.Authorize(context.Background(), request("GET", "/users/44/info", "tok"))
			if tc.second == "" {
				if err != nil {
					t.Fatalf("second request: %v", err)
				}
				return
			}
			wantGatewayError(t, err, gwresponse.AccessDenied, "User is not authorized to access this resource")
			if h.calls.Load() != 1 {
				t.Fatalf("invocations = %d, want 1 (cached)", h.calls.Load())
			}
			// After the TTL the authorizer is asked again and allows.
			h.clock.Advance(301 * time.Second)
			if err := h.l.Authorize(context.Background(), request("GET", "/users/44/info", "tok")); err != nil {
				t.Fatalf("after TTL: %v", err)
			}
			if h.calls.Load() != 2 {
				t.Fatalf("invocations = %d, want 2", h.calls.Load())
			}
		})
	}
}

// TestTokenAuthorizer_DenyCachedFailuresNot pins docs/behaviour.md#DEC-CACHE-WHAT: Deny policies are
// cached like Allow; 401 and 500 outcomes are not.
func TestTokenAuthorizer_DenyCachedFailuresNot(t *testing.T) {
	deny := []byte(`{"principalId":"a","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Deny","Resource":"*"}]}}`)
	h := newHarness(t, tokenAuthorizer(300), func([]byte) (function.Result, error) { return function.Result{Payload: deny}, nil })
	for range 3 {
		_ = h.l.Authorize(context.Background(), request("GET", "/a", "tok"))
	}
	if h.calls.Load() != 1 {
		t.Errorf("Deny: invocations = %d, want 1", h.calls.Load())
	}
	h2 := newHarness(t, tokenAuthorizer(300), func([]byte) (function.Result, error) {
		return function.Result{Payload: []byte(`{"errorMessage":"Unauthorized"}`), FunctionError: "Unhandled"}, nil
	})
	for range 3 {
		_ = h2.l.Authorize(context.Background(), request("GET", "/a", "tok"))
	}
	if h2.calls.Load() != 3 {
		t.Errorf("Unauthorized: invocations = %d, want 3 (never cached)", h2.calls.Load())
	}
}

// TestTokenAuthorizer_ValidationExpression pins docs/behaviour.md#DEC-VALIDATION-ANCHORED: whole-string match,
// 401 without invoking on mismatch, token forwarded unchanged.
func TestTokenAuthorizer_ValidationExpression(t *testing.T) {
	a := tokenAuthorizer(0)
	a.IdentityValidationExpression = "Bearer [a-z]+"
	var got string
	h := newHarness(t, a, func(p []byte) (function.Result, error) {
		var ev struct{ AuthorizationToken string }
		_ = json.Unmarshal(p, &ev)
		got = ev.AuthorizationToken
		return function.Result{Payload: allowPolicy("a", "*")}, nil
	})
	wantGatewayError(t, h.l.Authorize(context.Background(), request("GET", "/a", "Bearer abc123")), gwresponse.Unauthorized, "Unauthorized")
	wantGatewayError(t, h.l.Authorize(context.Background(), request("GET", "/a", "xBearer abc")), gwresponse.Unauthorized, "Unauthorized")
	if h.calls.Load() != 0 {
		t.Fatalf("invoked %d times on validation failures", h.calls.Load())
	}
	if err := h.l.Authorize(context.Background(), request("GET", "/a", "Bearer abc")); err != nil {
		t.Fatal(err)
	}
	if got != "Bearer abc" {
		t.Fatalf("authorizationToken = %q, want the header verbatim", got)
	}
}

func requestAuthorizer(ttl int) *apimodel.Authorizer {
	return &apimodel.Authorizer{ID: "ReqAuth", Type: apimodel.AuthorizerRequest, Function: "AuthFn",
		IdentitySource: "method.request.header.X-Tenant, method.request.querystring.key", ResultTTL: ttl}
}

// TestRequestAuthorizer_KeyedOnHeaderAndQuery: changing either identity
// source is a cache miss (docs/behaviour.md#CACHE-1); missing one is 401 without invoking.
func TestRequestAuthorizer_KeyedOnHeaderAndQuery(t *testing.T) {
	h := newHarness(t, requestAuthorizer(300), func([]byte) (function.Result, error) {
		return function.Result{Payload: allowPolicy("a", "*")}, nil
	})
	mk := func(tenant, key string) *reqctx.Request {
		r := request("GET", "/a", "")
		if tenant != "" {
			r.Headers = append(r.Headers, reqctx.Header{Name: "x-tenant", Value: tenant})
		}
		if key != "" {
			r.Query = []reqctx.Param{{Name: "key", Value: key}}
		}
		return r
	}
	steps := []struct {
		tenant, key string
		wantCalls   int32
		want401     bool
	}{
		{"t1", "k1", 1, false},
		{"t1", "k1", 1, false},
		{"t2", "k1", 2, false},
		{"t2", "k2", 3, false},
		{"t1", "k1", 3, false},
		{"", "k1", 3, true},
		{"t1", "", 3, true},
	}
	for i, s := range steps {
		err := h.l.Authorize(context.Background(), mk(s.tenant, s.key))
		if s.want401 {
			wantGatewayError(t, err, gwresponse.Unauthorized, "Unauthorized")
		} else if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got := h.calls.Load(); got != s.wantCalls {
			t.Fatalf("step %d: invocations = %d, want %d", i, got, s.wantCalls)
		}
	}
}

// TestRequestAuthorizer_TTL0_DoesNotCheckSources pins docs/behaviour.md#DEC-REQUEST-TTL0-SOURCES.
func TestRequestAuthorizer_TTL0_DoesNotCheckSources(t *testing.T) {
	h := newHarness(t, requestAuthorizer(0), func(p []byte) (function.Result, error) {
		if !strings.Contains(string(p), `"type":"REQUEST"`) {
			t.Errorf("event = %s", p)
		}
		return function.Result{Payload: allowPolicy("a", "*")}, nil
	})
	if err := h.l.Authorize(context.Background(), request("GET", "/a", "")); err != nil {
		t.Fatal(err)
	}
	if h.calls.Load() != 1 {
		t.Fatalf("invocations = %d, want 1", h.calls.Load())
	}
}

// TestAuthorizer_ConcurrentMissesInvokeOnce: one invocation for a burst of
// identical cold requests.
func TestAuthorizer_ConcurrentMissesInvokeOnce(t *testing.T) {
	release := make(chan struct{})
	h := newHarness(t, tokenAuthorizer(300), func([]byte) (function.Result, error) {
		<-release
		return function.Result{Payload: allowPolicy("a", "*")}, nil
	})
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if err := h.l.Authorize(context.Background(), request("GET", "/a", "tok")); err != nil {
				t.Error(err)
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	if h.calls.Load() != 1 {
		t.Fatalf("invocations = %d, want 1", h.calls.Load())
	}
}

func TestNewLambda_Rejects(t *testing.T) {
	inv := invokerFunc(func(context.Context, *apimodel.Function, []byte) (function.Result, error) {
		return function.Result{}, nil
	})
	fn := &apimodel.Function{Name: "f"}
	for _, tc := range []struct {
		name string
		a    *apimodel.Authorizer
		fn   *apimodel.Function
	}{
		{"unresolved function", tokenAuthorizer(300), nil},
		{"TTL over 3600", tokenAuthorizer(3601), fn},
		{"TOKEN with query source", &apimodel.Authorizer{ID: "x", Type: "TOKEN", IdentitySource: "method.request.querystring.t", ResultTTL: 300}, fn},
		{"REQUEST cached without sources", &apimodel.Authorizer{ID: "x", Type: "REQUEST", ResultTTL: 300}, fn},
		{"bad identity source", &apimodel.Authorizer{ID: "x", Type: "REQUEST", IdentitySource: "method.request.path.id", ResultTTL: 300}, fn},
		{"bad validation regexp", &apimodel.Authorizer{ID: "x", Type: "TOKEN", IdentitySource: "method.request.header.A", IdentityValidationExpression: "(", ResultTTL: 300}, fn},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cache := authcache.NewMemory(authcache.MemoryOptions{})
			defer cache.Close()
			if _, err := NewLambda(testAPI, tc.a, tc.fn, Options{Invoker: inv, Cache: cache}); err == nil {
				t.Fatal("NewLambda accepted it")
			}
		})
	}
}

// BenchmarkAuthorize_CacheHit is the cached-decision hot path.
func BenchmarkAuthorize_CacheHit(b *testing.B) {
	inv := invokerFunc(func(context.Context, *apimodel.Function, []byte) (function.Result, error) {
		return function.Result{Payload: allowPolicy("alice", "arn:aws:execute-api:us-east-1:123456789012:abcde12345/prod/*/*")}, nil
	})
	cache := authcache.NewMemory(authcache.MemoryOptions{})
	defer cache.Close()
	l, err := NewLambda(testAPI, tokenAuthorizer(300), &apimodel.Function{Name: "f"}, Options{Invoker: inv, Cache: cache})
	if err != nil {
		b.Fatal(err)
	}
	r := request("GET", "/users/43/info", "tok")
	if err := l.Authorize(context.Background(), r); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		r.Authorizer = nil
		if err := l.Authorize(context.Background(), r); err != nil {
			b.Fatal(err)
		}
	}
}

// TestAuthorizer_DefaultTimeout10s pins docs/behaviour.md#DEC-AUTHORIZER-TIMEOUT: an authorizer invocation is
// bounded by 10 s by default, whatever the method's integration timeout.
func TestAuthorizer_DefaultTimeout10s(t *testing.T) {
	var left time.Duration
	inv := invokerFunc(func(ctx context.Context, fn *apimodel.Function, payload []byte) (function.Result, error) {
		dl, ok := ctx.Deadline()
		if !ok {
			t.Fatal("the invocation has no deadline")
		}
		left = time.Until(dl)
		return function.Result{Payload: allowPolicy("a", "*")}, nil
	})
	l, err := NewLambda(testAPI, tokenAuthorizer(0), &apimodel.Function{Name: "f"}, Options{Invoker: inv})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Authorize(context.Background(), request("GET", "/a", "tok")); err != nil {
		t.Fatal(err)
	}
	if left <= 9*time.Second || left > 10*time.Second {
		t.Fatalf("deadline %s away, want 10s", left)
	}
}

// TestAuthorizer_DenialExplained: the execution log names the deciding
// statement of an explicit deny and says when nothing matched.
func TestAuthorizer_DenialExplained(t *testing.T) {
	var logs bytes.Buffer
	deny := []byte(`{"principalId":"a","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"},{"Sid":"NoAdmin","Action":"execute-api:Invoke","Effect":"Deny","Resource":"arn:aws:execute-api:*:*:*/*/*/admin/*"}]}}`)
	inv := invokerFunc(func(context.Context, *apimodel.Function, []byte) (function.Result, error) {
		return function.Result{Payload: deny}, nil
	})
	l, err := NewLambda(testAPI, tokenAuthorizer(0), &apimodel.Function{Name: "f"}, Options{Invoker: inv, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	err = l.Authorize(context.Background(), request("GET", "/admin/users", "tok"))
	wantGatewayError(t, err, gwresponse.AccessDenied, "User is not authorized to access this resource with an explicit deny")
	for _, want := range []string{
		`Policy decision: ExplicitDeny: statement 1 (Deny, Sid \"NoAdmin\") matched for arn:aws:execute-api:us-east-1:123456789012:abcde12345/prod/GET/admin/users`,
		`The client is not authorized to perform this operation.`,
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("execution log lacks %q:\n%s", want, logs.String())
		}
	}
}
