package authorizer_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/authcache"
	"github.com/portcullis-gateway/portcullis/internal/authorizer"
	"github.com/portcullis-gateway/portcullis/internal/function"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
	"github.com/portcullis-gateway/portcullis/internal/testenv"
)

type invoker func(payload []byte) (function.Result, error)

func (f invoker) Invoke(_ context.Context, _ *apimodel.Function, payload []byte) (function.Result, error) {
	return f(payload)
}

// A TOKEN authorizer from outside the package, through the request the
// edge builds: the function sees the token and the method ARN, an Allow
// for that ARN passes, the cached answer denies the next path (the
// methodArn pitfall, docs/behaviour.md#CACHE-1), a missing token is 401
// without an invocation.
func TestLambda_BlackBox_TokenAuthorizer(t *testing.T) {
	api := &apimodel.API{ID: "abcde12345", LogicalID: "Api", Region: "us-east-1", AccountID: "123456789012"}
	auth := &apimodel.Authorizer{ID: "TokenAuth", Type: apimodel.AuthorizerToken, Function: "AuthFn",
		IdentitySource: "method.request.header.Authorization", ResultTTL: 300}
	var events []map[string]string
	inv := invoker(func(p []byte) (function.Result, error) {
		var ev map[string]string
		_ = json.Unmarshal(p, &ev)
		events = append(events, ev)
		return function.Result{Payload: []byte(`{"principalId":"alice","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"` + ev["methodArn"] + `"}]}}`)}, nil
	})
	clock := testenv.NewClock(time.Unix(1_800_000_000, 0))
	cache := authcache.NewMemory(authcache.MemoryOptions{Clock: clock})
	defer cache.Close()
	l, err := authorizer.NewLambda(api, auth, &apimodel.Function{LogicalID: "AuthFn", Name: "AuthFn"},
		authorizer.Options{Invoker: inv, Cache: cache, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	req := func(path, token string) *reqctx.Request {
		in := reqctx.Incoming{Method: "GET", Target: "/prod" + path, Time: clock.Now()}
		if token != "" {
			in.Headers = []reqctx.Header{{Name: "Authorization", Value: token}}
		}
		r, err := (&reqctx.Edge{}).New(in)
		if err != nil {
			t.Fatal(err)
		}
		r.Stage, r.Path, r.DecodedPath = "prod", path, path
		r.MethodARN = apimodel.MethodARN(api.Region, api.AccountID, api.ID, "prod", r.Method, path)
		return r
	}
	if err := l.Authorize(context.Background(), req("/users/43/info", "allow-alice")); err != nil {
		t.Fatalf("allowed path: %v", err)
	}
	if len(events) != 1 || events[0]["authorizationToken"] != "allow-alice" || !strings.HasSuffix(events[0]["methodArn"], "/prod/GET/users/43/info") {
		t.Fatalf("events = %v", events)
	}
	var ge *gwresponse.Error
	if err := l.Authorize(context.Background(), req("/users/44/info", "allow-alice")); !errors.As(err, &ge) || ge.Type != gwresponse.AccessDenied {
		t.Fatalf("the cached policy on another path: %v", err)
	}
	if err := l.Authorize(context.Background(), req("/users/43/info", "")); !errors.As(err, &ge) || ge.Type != gwresponse.Unauthorized || len(events) != 1 {
		t.Fatalf("no token: %v, %d invocations", err, len(events))
	}
}
