package httpapi

import (
	"strings"
	"testing"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// Compile refuses what it cannot serve closed, and reports every problem
// at once.
func TestCompile_EveryProblemReported(t *testing.T) {
	m := &apimodel.HTTPAPI{LogicalID: "Bad", Kind: apimodel.KindHTTP,
		Routes: []*apimodel.HTTPRoute{
			{RouteKey: "GET /a", Integration: "missing"},
			{RouteKey: "GET /b", Integration: "fn", AuthorizationType: "CUSTOM", Authorizer: "nope"},
			{RouteKey: "GET /c", Integration: "fn", AuthorizationType: "JWT", Authorizer: "lambda"},
			{RouteKey: "GET /d", Integration: "fn", AuthorizationType: "COGNITO"},
			{RouteKey: "BREW /e", Integration: "fn"},
		},
		Integrations: map[string]*apimodel.HTTPIntegration{"fn": {Type: apimodel.HTTPIntegrationLambda, Function: "Fn", PayloadFormatVersion: "3.0"}},
		Authorizers: map[string]*apimodel.HTTPAuthorizer{
			"lambda": {Name: "lambda", Type: "REQUEST", Function: "Fn", PayloadFormatVersion: "1.0", EnableSimpleResponses: true},
			"ttl":    {Name: "ttl", Type: "REQUEST", Function: "Fn", PayloadFormatVersion: "2.0", ResultTTLSeconds: 3601},
			"src":    {Name: "src", Type: "REQUEST", Function: "Fn", PayloadFormatVersion: "2.0", IdentitySource: []string{"method.request.header.X"}},
			"jwt":    {Name: "jwt", Type: "JWT", IdentitySource: []string{"$request.header.A", "$request.header.B"}},
			"fmt":    {Name: "fmt", Type: "REQUEST", Function: "Fn"},
		},
	}
	_, err := Compile(m, Options{Functions: map[string]*apimodel.Function{"Fn": {LogicalID: "Fn"}}})
	if err == nil {
		t.Fatal("compiled")
	}
	for _, want := range []string{
		"the API has no stage", `integration "missing" is not defined`, `CUSTOM authorizer "nope"`, `JWT authorizer "lambda"`,
		`authorization type "COGNITO"`, `payload format version "3.0"`, "BREW /e", "simple responses need payload format 2.0",
		"outside 0..3600", "method.request.header.X", "exactly one identity source", "must be 1.0 or 2.0",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
}

// "Configure CORS for HTTP APIs": the configured headers for an allowed
// origin (compared case-insensitively), none for another origin; a "*"
// method or header list answers what the preflight asked for.
func TestCORS_Preflight(t *testing.T) {
	pre := func(origin string) *reqctx.Request {
		return &reqctx.Request{Method: "OPTIONS", Headers: []reqctx.Header{{Name: "Origin", Value: origin},
			{Name: "Access-Control-Request-Method", Value: "PATCH"}, {Name: "Access-Control-Request-Headers", Value: "x-a,x-b"}}}
	}
	tests := []struct {
		name   string
		cfg    apimodel.CORSConfig
		origin string
		want   map[string]string
	}{
		{"listed origin echoed", apimodel.CORSConfig{AllowOrigins: []string{"https://App.example"}, AllowMethods: []string{"GET"}, AllowCredentials: true},
			"https://app.example", map[string]string{"Access-Control-Allow-Origin": "https://app.example", "Access-Control-Allow-Methods": "GET",
				"Access-Control-Allow-Credentials": "true"}},
		{"any origin", apimodel.CORSConfig{AllowOrigins: []string{"*"}, AllowMethods: []string{"*"}, AllowHeaders: []string{"*"}, MaxAge: 60},
			"https://x.example", map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "PATCH",
				"Access-Control-Allow-Headers": "x-a,x-b", "Access-Control-Max-Age": "60"}},
		{"other origin: no headers", apimodel.CORSConfig{AllowOrigins: []string{"https://app.example"}, AllowMethods: []string{"GET"}},
			"https://evil.example", map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := pre(tt.origin)
			if !isPreflight(r) {
				t.Fatal("not a preflight")
			}
			resp := compileCORS(&tt.cfg).preflight(r)
			if resp.Status != 204 {
				t.Errorf("status %d", resp.Status)
			}
			got := map[string]string{}
			for _, h := range resp.Headers {
				got[h.Name] = h.Value
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("headers %v, want %v", got, tt.want)
			}
		})
	}
	if isPreflight(&reqctx.Request{Method: "OPTIONS", Headers: []reqctx.Header{{Name: "Origin", Value: "https://a"}}}) {
		t.Error("OPTIONS without Access-Control-Request-Method is a preflight")
	}
}
