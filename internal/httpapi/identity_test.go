package httpapi

import (
	"testing"

	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// Identity sources of "Control access to HTTP APIs with AWS Lambda
// authorizers": $request.header.X (case-insensitive, repeated lines joined
// with commas as in the 2.0 event), $request.querystring.X, $context.X,
// $stageVariables.X. A missing or empty value is reported as absent.
func TestIdentitySource_Value(t *testing.T) {
	r := &reqctx.Request{
		Method: "GET", Stage: "dev", ExtendedID: "abc=",
		Headers:        []reqctx.Header{{Name: "Authorization", Value: "tok"}, {Name: "x-multi", Value: "a"}, {Name: "X-Multi", Value: "b"}, {Name: "X-Empty", Value: ""}},
		Query:          reqctx.ParseQuery("q=1&q=2&e="),
		StageVariables: map[string]string{"env": "prod"},
	}
	tests := []struct {
		expr   string
		want   string
		wantOK bool
	}{
		{"$request.header.authorization", "tok", true},
		{"$request.header.X-Multi", "a,b", true},
		{"$request.header.X-Empty", "", false},
		{"$request.header.Missing", "", false},
		{"$request.querystring.q", "1,2", true},
		{"$request.querystring.e", "", false},
		{"$request.querystring.Q", "", false},
		{"$stageVariables.env", "prod", true},
		{"$stageVariables.none", "", false},
		{"$context.routeKey", "GET /x", true},
		{"$context.stage", "dev", true},
		{"$context.http.method", "GET", true},
		{"$context.requestId", "abc=", true},
		{"$context.nothing", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			s, err := parseIdentitySource(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := s.value(r, "GET /x")
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("got %q %v, want %q %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
	for _, bad := range []string{"method.request.header.Auth", "$request.header.", "$request.body.x", ""} {
		if _, err := parseIdentitySource(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// Distinct identity lists never share a cache key.
func TestCacheIdentity_NoCollisions(t *testing.T) {
	a := cacheIdentity([]string{"a,b", "c"})
	b := cacheIdentity([]string{"a", "b,c"})
	c := cacheIdentity([]string{"1:a"})
	d := cacheIdentity([]string{"1", "a"})
	if a == b || c == d {
		t.Errorf("collision: %q %q %q %q", a, b, c, d)
	}
}
