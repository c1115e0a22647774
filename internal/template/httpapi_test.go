package template

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
)

// The SAM HttpApi loader follows "AWS::Serverless::HttpApi", the "HttpApi"
// event source, "LambdaAuthorizer" and "OAuth2Authorizer" of the SAM
// Developer Guide
// (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-httpapi.html).
func TestLoad_SAMHttpApi(t *testing.T) {
	m, err := Load("testdata/httpapi/sam.yaml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.HTTPAPIs) != 2 {
		t.Fatalf("%d HTTP APIs, want Api and ServerlessHttpApi", len(m.HTTPAPIs))
	}
	api, implicit := m.HTTPAPIs[0], m.HTTPAPIs[1]
	ignore := cmpopts.IgnoreFields(apimodel.HTTPRoute{}, "Pos")
	wantRoutes := []*apimodel.HTTPRoute{
		{RouteKey: "GET /pets/{id}", Integration: "BackendPetsIntegration", AuthorizationType: "CUSTOM", Authorizer: "Lambda"},
		{RouteKey: "ANY /admin", Integration: "BackendAdminIntegration", AuthorizationType: "JWT", Authorizer: "Jwt", AuthorizationScopes: []string{"admin"}},
		{RouteKey: "POST /signed", Integration: "BackendSignedIntegration", AuthorizationType: "AWS_IAM"},
		{RouteKey: "GET /open", Integration: "BackendOpenIntegration"},
	}
	if d := cmp.Diff(wantRoutes, api.Routes, ignore); d != "" {
		t.Errorf("routes (-want +got):\n%s", d)
	}
	if got := api.Integrations["BackendAdminIntegration"].PayloadFormatVersion; got != "1.0" {
		t.Errorf("PayloadFormatVersion = %q, want 1.0", got)
	}
	if got := api.Integrations["BackendPetsIntegration"].PayloadFormatVersion; got != "2.0" {
		t.Errorf("default PayloadFormatVersion = %q, want 2.0 (SAM's default)", got)
	}
	ignoreAuth := cmpopts.IgnoreFields(apimodel.HTTPAuthorizer{}, "Pos")
	wantAuth := map[string]*apimodel.HTTPAuthorizer{
		"Lambda": {Name: "Lambda", Type: "REQUEST", Function: "AuthFn", PayloadFormatVersion: "2.0", EnableSimpleResponses: true,
			IdentitySource: []string{"$request.header.Authorization"}, ResultTTLSeconds: 60},
		"Jwt": {Name: "Jwt", Type: "JWT", IdentitySource: []string{"$request.header.Authorization"},
			Issuer: "https://issuer.example.com", Audience: []string{"my-client"}},
	}
	if d := cmp.Diff(wantAuth, api.Authorizers, ignoreAuth); d != "" {
		t.Errorf("authorizers (-want +got):\n%s", d)
	}
	if len(api.Stages) != 1 || api.Stages[0].Name != "v1" || api.Stages[0].Variables["color"] != "blue" {
		t.Errorf("stages = %+v", api.Stages)
	}
	wantCORS := &apimodel.CORSConfig{AllowOrigins: []string{"https://app.example.com"}, AllowMethods: []string{"GET", "POST"},
		AllowHeaders: []string{"authorization"}, MaxAge: 600}
	if d := cmp.Diff(wantCORS, api.CORS, cmpopts.IgnoreFields(apimodel.CORSConfig{}, "Pos")); d != "" {
		t.Errorf("CORS (-want +got):\n%s", d)
	}
	if implicit.LogicalID != ImplicitHTTPAPI || len(implicit.Routes) != 1 || implicit.Routes[0].RouteKey != "$default" ||
		len(implicit.Stages) != 1 || implicit.Stages[0].Name != "$default" {
		t.Errorf("implicit API = %+v, routes %+v", implicit, implicit.Routes)
	}
	if implicit.ID != apimodel.DeriveID(ImplicitHTTPAPI, 10) {
		t.Errorf("implicit id %s", implicit.ID)
	}
}

// AWS::ApiGatewayV2::{Api,Stage,Route,Integration,Authorizer}, quick
// create included ("AWS::ApiGatewayV2::Api", Target: "API Gateway creates
// a default route, a default stage and an integration").
func TestLoad_CloudFormationApiGatewayV2(t *testing.T) {
	m, err := Load("testdata/httpapi/cfn.yaml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.HTTPAPIs) != 2 {
		t.Fatalf("%d HTTP APIs, want 2", len(m.HTTPAPIs))
	}
	quick, full := m.HTTPAPIs[0], m.HTTPAPIs[1]
	if len(quick.Routes) != 1 || quick.Routes[0].RouteKey != "$default" || quick.Stages[0].Name != "$default" {
		t.Errorf("quick create: routes %+v stages %+v", quick.Routes, quick.Stages)
	}
	if in := quick.Integrations[quick.Routes[0].Integration]; in == nil || in.Function != "Fn" || in.PayloadFormatVersion != "2.0" || in.Type != "AWS_PROXY" {
		t.Errorf("quick-create integration %+v", in)
	}
	ignore := cmpopts.IgnoreFields(apimodel.HTTPRoute{}, "Pos")
	want := []*apimodel.HTTPRoute{
		{RouteKey: "GET /items/{id}", Integration: "Integ", AuthorizationType: "CUSTOM", Authorizer: "Authz"},
		{RouteKey: "$default", Integration: "Integ"},
	}
	if d := cmp.Diff(want, full.Routes, ignore); d != "" {
		t.Errorf("routes (-want +got):\n%s", d)
	}
	au := full.Authorizers["Authz"]
	if au == nil || au.Function != "Fn" || au.PayloadFormatVersion != "1.0" || au.ResultTTLSeconds != 30 || au.Name != "req" {
		t.Errorf("authorizer %+v", au)
	}
	if full.CORS == nil || full.CORS.AllowOrigins[0] != "*" {
		t.Errorf("CORS %+v", full.CORS)
	}
}

// Every problem is reported with file:line:col, and a route whose target
// or authorizer cannot be read is an error, never a route served open.
func TestLoad_HTTPAPIErrorsArePositioned(t *testing.T) {
	_, err := Load("testdata/httpapi/errors.yaml", Options{})
	if err == nil {
		t.Fatal("no error")
	}
	got := err.Error()
	for _, want := range []string{
		"testdata/httpapi/errors.yaml:10:15: Route: Properties.Target: must be integrations/<an AWS::ApiGatewayV2::Integration of Api>",
		"testdata/httpapi/errors.yaml:13:",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
}

func TestLoad_SAMHttpApiEventErrors(t *testing.T) {
	tests := []struct{ name, events, want string }{
		{"unknown authorizer", `{Type: HttpApi, Properties: {Path: /a, Method: GET, Auth: {Authorizer: Nope}}}`, "Authorizer Nope must be defined"},
		{"IAM without EnableIamAuthorizer", `{Type: HttpApi, Properties: {Path: /a, Method: GET, Auth: {Authorizer: AWS_IAM}}}`, "AWS_IAM needs EnableIamAuthorizer"},
		{"path without method", `{Type: HttpApi, Properties: {Path: /a}}`, "needs both Path and Method"},
		{"bad payload version", `{Type: HttpApi, Properties: {Path: /a, Method: GET, PayloadFormatVersion: "3.0"}}`, `must be 1.0 or 2.0, not "3.0"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeTemplate(t, `Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      InlineCode: x
      Events:
        E: `+tt.events+"\n")
			_, err := Load(p, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), ":10:") {
				t.Fatalf("err = %v, want %q at line 10", err, tt.want)
			}
		})
	}
}

func writeTemplate(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "template.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Globals.HttpApi applies to the implicit ServerlessHttpApi as to any
// HttpApi ("Template anatomy: Globals", HttpApi): dropping its Auth would
// serve the routes open.
func TestLoad_GlobalsHttpApiGuardsTheImplicitAPI(t *testing.T) {
	p := writeTemplate(t, `Transform: AWS::Serverless-2016-10-31
Globals:
  HttpApi:
    CorsConfiguration: true
    Auth:
      DefaultAuthorizer: Jwt
      Authorizers:
        Jwt:
          JwtConfiguration: {issuer: "https://issuer.example.com", audience: [a]}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      InlineCode: x
      Events:
        E: {Type: HttpApi, Properties: {Path: /a, Method: GET}}
`)
	m, err := Load(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.HTTPAPIs) != 1 {
		t.Fatalf("%d HTTP APIs", len(m.HTTPAPIs))
	}
	a := m.HTTPAPIs[0]
	if r := a.Routes[0]; r.AuthorizationType != "JWT" || r.Authorizer != "Jwt" {
		t.Errorf("route %+v: want the global DefaultAuthorizer", r)
	}
	if a.CORS == nil || a.CORS.AllowOrigins[0] != "*" {
		t.Errorf("CORS %+v: want CorsConfiguration: true from Globals", a.CORS)
	}
}

// A WebSocket API and its routes are ignored, as before HTTP APIs were
// read, instead of failing the load.
func TestLoad_WebSocketAPIIgnored(t *testing.T) {
	p := writeTemplate(t, `Resources:
  Ws:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: ws, ProtocolType: WEBSOCKET, RouteSelectionExpression: $request.body.action}
  Connect:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Ws, RouteKey: $connect}
`)
	m, err := Load(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.HTTPAPIs) != 0 || len(m.Ignored) != 2 {
		t.Fatalf("HTTP APIs %d, ignored %v", len(m.HTTPAPIs), m.Ignored)
	}
}
