package gwresponse

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

var update = flag.Bool("update", false, "rewrite golden files")

func testRequest() *reqctx.Request {
	s := func(v string) *string { return &v }
	return &reqctx.Request{
		ID: "c0ffee00-0000-4000-8000-000000000001", ExtendedID: "Ab1Cd2Ef3Gh4=",
		Time:   time.Date(2026, 6, 15, 5, 56, 21, 0, time.UTC),
		Method: "GET", Path: "/users/43/info", DecodedPath: "/users/43/info",
		Query:          []reqctx.Param{{Name: "q", Value: "1"}},
		Headers:        []reqctx.Header{{Name: "origin", Value: "https://app.example.com"}, {Name: "Accept", Value: "*/*"}},
		Stage:          "prod",
		StageVariables: map[string]string{"env": "production"},
		ResourcePath:   "/users/{id}/info", ResourceID: "abc123",
		PathParams: map[string]string{"id": "43"},
		SourceIP:   "127.0.0.1",
		Authorizer: &reqctx.AuthorizerContext{PrincipalID: "alice", Context: map[string]*string{"reason": s("token expired"), "code": s("E42")}},
	}
}

func render(t *testing.T, api *apimodel.API, e *Error) string {
	t.Helper()
	set, err := Compile(api)
	if err != nil {
		t.Fatal(err)
	}
	resp := set.Render(e, testRequest())
	var b strings.Builder
	fmt.Fprintf(&b, "%d\n", resp.Status)
	for _, h := range resp.Headers {
		fmt.Fprintf(&b, "%s: %s\n", h.Name, h.Value)
	}
	b.WriteString("\n")
	b.Write(resp.Body)
	b.WriteString("\n")
	return b.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

func api(grs ...*apimodel.GatewayResponse) *apimodel.API {
	a := &apimodel.API{ID: "a1b2c3d4e5", AccountID: "123456789012", GatewayResponses: map[string]*apimodel.GatewayResponse{}}
	for _, gr := range grs {
		a.GatewayResponses[gr.Type] = gr
	}
	return a
}

// sampleMessage gives each type the message API Gateway sends with it.
func sampleError(t Type) *Error {
	switch t {
	case AuthorizerConfigurationError, AuthorizerFailure:
		return Null(t, nil)
	case AccessDenied:
		return New(t, "User is not authorized to access this resource")
	case MissingAuthenticationToken:
		return MissingToken()
	case Unauthorized:
		return New(t, "Unauthorized")
	case Throttled:
		return New(t, "Too Many Requests")
	case QuotaExceeded:
		return New(t, "Limit Exceeded")
	case IntegrationTimeout:
		return New(t, "Endpoint request timed out")
	case InvalidAPIKey:
		return New(t, "Forbidden")
	case RequestTooLarge:
		return New(t, "Request Too Long")
	}
	return New(t, "sample message")
}

// TestDefaults pins every type's default status, x-amzn-ErrorType and body
// (docs/behaviour.md#GWR-2; default template {"message":$context.error.messageString},
// ACCESS_DENIED with a capital M per docs/behaviour.md#DEC-ACCESS-DENIED-CAPITAL-M).
func TestDefaults(t *testing.T) {
	for _, typ := range Types {
		t.Run(string(typ), func(t *testing.T) {
			golden(t, "default/"+string(typ), render(t, api(), sampleError(typ)))
		})
	}
}

// TestCustomised pins customisation and the DEFAULT_4XX/5XX fallback (docs/behaviour.md#GWR-3).
func TestCustomised(t *testing.T) {
	cors := map[string]string{
		"gatewayresponse.header.Access-Control-Allow-Origin": "'*'",
		"gatewayresponse.header.Strict-Transport-Security":   "'max-age=31536000; includeSubDomains'",
	}
	tests := []struct {
		name string
		api  *apimodel.API
		err  *Error
	}{
		{"unauthorized_status_override", api(&apimodel.GatewayResponse{Type: "UNAUTHORIZED", StatusCode: 407}), New(Unauthorized, "Unauthorized")},
		{"default4xx_headers_apply_to_unauthorized", api(&apimodel.GatewayResponse{Type: "DEFAULT_4XX", ResponseParameters: cors}), New(Unauthorized, "Unauthorized")},
		{"default4xx_status_recodes_missing_token", api(&apimodel.GatewayResponse{Type: "DEFAULT_4XX", StatusCode: 404}), MissingToken()},
		{"default4xx_template_replaces_access_denied_default", api(&apimodel.GatewayResponse{Type: "DEFAULT_4XX", ResponseTemplates: map[string]string{"application/json": `{"error":$context.error.messageString,"type":"$context.error.responseType"}`}}), New(AccessDenied, "User is not authorized to access this resource with an explicit deny")},
		{"specific_beats_default4xx", api(
			&apimodel.GatewayResponse{Type: "DEFAULT_4XX", StatusCode: 400},
			&apimodel.GatewayResponse{Type: "ACCESS_DENIED", ResponseTemplates: map[string]string{"application/json": `{"msg":"$context.error.message","principal":"$context.authorizer.principalId","reason":"$context.authorizer.reason"}`}},
		), New(AccessDenied, "User is not authorized to access this resource")},
		{"default5xx_applies_to_authorizer_configuration_error", api(&apimodel.GatewayResponse{Type: "DEFAULT_5XX", ResponseParameters: cors, ResponseTemplates: map[string]string{"application/json": `{"message":$context.error.messageString,"requestId":"$context.requestId"}`}}), Null(AuthorizerConfigurationError, nil)},
		{"header_mappings_from_request", api(&apimodel.GatewayResponse{Type: "MISSING_AUTHENTICATION_TOKEN", ResponseParameters: map[string]string{
			"gatewayresponse.header.x-request-path":   "method.request.path.id",
			"gatewayresponse.header.x-request-query":  "method.request.querystring.q",
			"gatewayresponse.header.x-request-origin": "method.request.header.Origin",
			"gatewayresponse.header.x-stage-env":      "stageVariables.env",
			"gatewayresponse.header.x-principal":      "context.authorizer.principalId",
		}}), MissingToken()},
		{"template_context_variables", api(&apimodel.GatewayResponse{Type: "MISSING_AUTHENTICATION_TOKEN", ResponseTemplates: map[string]string{"application/json": `{"stage": $context.stage, "type": $context.error.responseType, "path": "$context.path", "resource": "${context.resourcePath}", "env": "$stageVariables.env", "api": "$context.apiId", "time": "$context.requestTime", "unknown": "$input.params('x')"}`}}), MissingToken()},
		{"template_by_accept_else_json", api(&apimodel.GatewayResponse{Type: "UNAUTHORIZED", ResponseTemplates: map[string]string{"text/plain": `denied: $context.error.message`, "application/json": `{"denied":true}`}}), New(Unauthorized, "Unauthorized")},
		{"lambda_proxy_bad_response_502", api(), &Error{Type: Default5XX, Status: 502, Message: "Internal server error"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			golden(t, "custom/"+tc.name, render(t, tc.api, tc.err))
		})
	}
}

func TestCompile_Rejects(t *testing.T) {
	tests := []struct {
		name string
		gr   *apimodel.GatewayResponse
	}{
		{"unknown type", &apimodel.GatewayResponse{Type: "NOT_A_TYPE"}},
		{"CR in header value", &apimodel.GatewayResponse{Type: "DEFAULT_4XX", ResponseParameters: map[string]string{"gatewayresponse.header.X": "'a\r\nSet-Cookie: x'"}}},
		{"LF in header value", &apimodel.GatewayResponse{Type: "DEFAULT_4XX", ResponseParameters: map[string]string{"gatewayresponse.header.X": "'a\nb'"}}},
		{"not a header parameter", &apimodel.GatewayResponse{Type: "DEFAULT_4XX", ResponseParameters: map[string]string{"gatewayresponse.querystring.X": "'a'"}}},
		{"bad mapping source", &apimodel.GatewayResponse{Type: "DEFAULT_4XX", ResponseParameters: map[string]string{"gatewayresponse.header.X": "integration.response.body"}}},
		{"bad status", &apimodel.GatewayResponse{Type: "DEFAULT_4XX", StatusCode: 1000}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Compile(api(tc.gr)); err == nil {
				t.Fatal("Compile accepted it")
			}
		})
	}
}

func BenchmarkRender_Default(b *testing.B) {
	set, _ := Compile(api())
	r := testRequest()
	e := New(AccessDenied, "User is not authorized to access this resource")
	b.ReportAllocs()
	for b.Loop() {
		set.Render(e, r)
	}
}

// TestMessageString_IsJSON: $context.error.messageString is a JSON string
// literal, whatever the message holds.
func TestMessageString_IsJSON(t *testing.T) {
	set, err := Compile(api())
	if err != nil {
		t.Fatal(err)
	}
	for _, msg := range []string{"plain", "quote \" and \\ backslash", "ctl \x01\n", "<html> & 'x'", "héllo ✓", "bad utf8 \xff"} {
		resp := set.Render(New(Unauthorized, msg), testRequest())
		var got struct{ Message string }
		if err := json.Unmarshal(resp.Body, &got); err != nil {
			t.Fatalf("%q: body %s is not JSON: %v", msg, resp.Body, err)
		}
		if want := strings.ToValidUTF8(msg, "\uFFFD"); got.Message != want {
			t.Errorf("message = %q, want %q", got.Message, want)
		}
	}
}
