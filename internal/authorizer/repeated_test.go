package authorizer

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/function"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// An identity-source header sent on several lines with different values is
// refused before the authorizer runs. Otherwise the cache key and the
// token would read one line and a backend another: an Allow cached under a
// value the authorizer never saw, or a function handed an Authorization
// value that was never authorized. The same value repeated is one value.
func TestLambdaAuthorizer_RepeatedIdentityHeader(t *testing.T) {
	for _, typ := range []string{apimodel.AuthorizerToken, apimodel.AuthorizerRequest} {
		t.Run(typ, func(t *testing.T) {
			a := tokenAuthorizer(300)
			a.Type = typ
			var seen []string
			h := newHarness(t, a, func(p []byte) (function.Result, error) {
				seen = append(seen, string(p))
				return function.Result{Payload: allowPolicy("alice", "arn:aws:execute-api:us-east-1:123456789012:abcde12345/*")}, nil
			})
			r := request("GET", "/x", "allow-alice")
			r.Headers = append(r.Headers, reqctx.Header{Name: "Authorization", Value: "allow-mallory"})
			_, err := h.l.decide(context.Background(), r, slog.New(slog.DiscardHandler))
			wantGatewayError(t, err, gwresponse.Unauthorized, "Unauthorized")
			if h.calls.Load() != 0 {
				t.Fatalf("authorizer invoked %d times for a conflicting header", h.calls.Load())
			}
			// The same value on two lines is no conflict, and the token the
			// authorizer sees is the value every later stage reads.
			r = request("GET", "/x", "allow-alice")
			r.Headers = append(r.Headers, reqctx.Header{Name: "AUTHORIZATION", Value: "allow-alice"})
			if _, err := h.l.decide(context.Background(), r, slog.New(slog.DiscardHandler)); err != nil {
				t.Fatal(err)
			}
			if h.calls.Load() != 1 || !strings.Contains(seen[0], "allow-alice") {
				t.Fatalf("calls %d, events %v", h.calls.Load(), seen)
			}
		})
	}
}

// The same rule for a query-string identity source of a REQUEST authorizer.
func TestRequestAuthorizer_RepeatedIdentityQueryParameter(t *testing.T) {
	a := tokenAuthorizer(300)
	a.Type, a.IdentitySource = apimodel.AuthorizerRequest, "method.request.querystring.token"
	h := newHarness(t, a, func(p []byte) (function.Result, error) {
		return function.Result{Payload: allowPolicy("alice", "*")}, nil
	})
	r := request("GET", "/x", "")
	r.Query = reqctx.ParseQuery("token=a&token=b")
	_, err := h.l.decide(context.Background(), r, slog.New(slog.DiscardHandler))
	wantGatewayError(t, err, gwresponse.Unauthorized, "Unauthorized")
	if h.calls.Load() != 0 {
		t.Fatalf("authorizer invoked for a conflicting query parameter")
	}
}
