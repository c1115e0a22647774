package integration

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

var testRoute = Route{APIID: "abcde12345", AccountID: "123456789012", ResourceID: "res001"}

func mockRequest(headers ...reqctx.Header) *reqctx.Request {
	return &reqctx.Request{
		ID: "req-1", Method: "GET", Path: "/pets/7", ResourcePath: "/pets/{id}", Stage: "prod",
		PathParams:     map[string]string{"id": "7"},
		Query:          reqctx.ParseQuery("mode=fail&mode=ok"),
		Headers:        headers,
		SourceIP:       "192.0.2.1",
		StageVariables: map[string]string{"env": "test"},
		Authorizer:     &reqctx.AuthorizerContext{PrincipalID: "alice"},
	}
}

// TestMock_MappingTemplates: MOCK request and response templates are VTL,
// evaluated per request ("Set up mock integrations in API Gateway";
// variables from "API Gateway mapping template and access logging variable
// reference"). Before the engine they were returned as written.
func TestMock_MappingTemplates(t *testing.T) {
	tests := []struct {
		name       string
		in         apimodel.Integration
		req        *reqctx.Request
		wantStatus int
		wantBody   string
		wantHeader map[string]string
	}{
		{
			name: "response template reads $context and $stageVariables",
			in: apimodel.Integration{
				RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`},
				IntegrationResponses: []apimodel.IntegrationResponse{{StatusCode: "200",
					ResponseTemplates: map[string]string{"application/json": `{"stage": "$context.stage", "api": "$context.apiId", "who": "$context.authorizer.principalId", "env": "$stageVariables.env", "id": "$input.params('id')"}`}}},
			},
			req:        mockRequest(),
			wantStatus: 200,
			wantBody:   `{"stage": "prod", "api": "abcde12345", "who": "alice", "env": "test", "id": "7"}`,
			wantHeader: map[string]string{"Content-Type": "application/json"},
		},
		{
			name: "request template selects the status code; selectionPattern matches it",
			in: apimodel.Integration{
				RequestTemplates: map[string]string{"application/json": `#if($input.params('mode') == 'ok'){"statusCode": 404}#else{"statusCode": 200}#end`},
				IntegrationResponses: []apimodel.IntegrationResponse{
					{StatusCode: "200", ResponseTemplates: map[string]string{"application/json": `{"ok": true}`}},
					{StatusCode: "404", SelectionPattern: "4\\d{2}", ResponseTemplates: map[string]string{"application/json": `{"message": "no pet $input.params('id')"}`}},
				},
			},
			req:        mockRequest(),
			wantStatus: 404,
			wantBody:   `{"message": "no pet 7"}`,
		},
		{
			name: "response template chosen by Accept; header mapped from the request",
			in: apimodel.Integration{
				RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`},
				IntegrationResponses: []apimodel.IntegrationResponse{{StatusCode: "200",
					ResponseParameters: map[string]string{"method.response.header.X-Echo": "method.request.header.X-In", "method.response.header.X-Static": "'fixed'"},
					ResponseTemplates:  map[string]string{"application/json": `{"t": "json"}`, "application/xml": `<t>xml $context.httpMethod</t>`}}},
			},
			req:        mockRequest(reqctx.Header{Name: "Accept", Value: "application/xml"}, reqctx.Header{Name: "x-in", Value: "hello"}),
			wantStatus: 200,
			wantBody:   `<t>xml GET</t>`,
			wantHeader: map[string]string{"Content-Type": "application/xml", "X-Echo": "hello", "X-Static": "fixed"},
		},
		{
			name: "responseOverride sets the status and a header",
			in: apimodel.Integration{
				RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`},
				IntegrationResponses: []apimodel.IntegrationResponse{{StatusCode: "200",
					ResponseTemplates: map[string]string{"application/json": "#set($context.responseOverride.status = 418)\n#set($context.responseOverride.header.X-Tea = \"pot\")\n{}"}}},
			},
			req:        mockRequest(),
			wantStatus: 418,
			wantBody:   `{}`,
			wantHeader: map[string]string{"X-Tea": "pot"},
		},
		{
			name: "a request Content-Type without a template passes through under WHEN_NO_MATCH",
			in: apimodel.Integration{
				RequestTemplates: map[string]string{"application/json": `{"statusCode": 500}`},
				IntegrationResponses: []apimodel.IntegrationResponse{{StatusCode: "200",
					ResponseTemplates: map[string]string{"application/json": `{"passed": true}`}}},
			},
			req:        mockRequest(reqctx.Header{Name: "Content-Type", Value: "text/plain"}),
			wantStatus: 200,
			wantBody:   `{"passed": true}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := NewMock(&tt.in, testRoute)
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.Invoke(context.Background(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tt.wantStatus {
				t.Errorf("status %d, want %d", got.Status, tt.wantStatus)
			}
			if diff := cmp.Diff(tt.wantBody, string(got.Body)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			for k, v := range tt.wantHeader {
				found := ""
				for _, h := range got.Headers {
					if h.Name == k {
						found = h.Value
					}
				}
				if found != v {
					t.Errorf("header %s = %q, want %q (headers %v)", k, found, v, got.Headers)
				}
			}
		})
	}
}

// TestMock_PassthroughNever_415: with passthroughBehavior NEVER a request
// whose Content-Type has no template is refused with 415
// UNSUPPORTED_MEDIA_TYPE ("Method request behavior for payloads without
// mapping templates for REST APIs in API Gateway").
func TestMock_PassthroughRejects_415(t *testing.T) {
	for _, behavior := range []string{apimodel.PassthroughNever, apimodel.PassthroughWhenNoTemplates} {
		t.Run(behavior, func(t *testing.T) {
			m, err := NewMock(&apimodel.Integration{
				PassthroughBehavior:  behavior,
				RequestTemplates:     map[string]string{"application/json": `{"statusCode": 200}`},
				IntegrationResponses: []apimodel.IntegrationResponse{{StatusCode: "200"}},
			}, testRoute)
			if err != nil {
				t.Fatal(err)
			}
			_, err = m.Invoke(context.Background(), mockRequest(reqctx.Header{Name: "Content-Type", Value: "text/xml; charset=utf-8"}))
			var ge *gwresponse.Error
			if !errors.As(err, &ge) || ge.Type != gwresponse.UnsupportedMediaType || ge.Message != "Unsupported Media Type" {
				t.Fatalf("err = %v, want UNSUPPORTED_MEDIA_TYPE", err)
			}
		})
	}
}

// TestMock_InvalidJSONBody_400: $input.path over a body that is not JSON
// answers 400 BAD_REQUEST_BODY, not a 500.
func TestMock_InvalidJSONBody_400(t *testing.T) {
	m, err := NewMock(&apimodel.Integration{
		RequestTemplates:     map[string]string{"application/json": `{"statusCode": 200, "x": "$input.path('$.x')"}`},
		IntegrationResponses: []apimodel.IntegrationResponse{{StatusCode: "200"}},
	}, testRoute)
	if err != nil {
		t.Fatal(err)
	}
	r := mockRequest()
	r.Body = []byte("{not json")
	_, err = m.Invoke(context.Background(), r)
	var ge *gwresponse.Error
	if !errors.As(err, &ge) || ge.Type != gwresponse.BadRequestBody || !strings.HasPrefix(ge.Message, "Could not parse request body into json") {
		t.Fatalf("err = %v, want BAD_REQUEST_BODY", err)
	}
}

// TestMock_TemplateSyntaxErrorAtCompile: a template that does not parse
// stops the load with its position, never serves literally.
func TestMock_TemplateSyntaxErrorAtCompile(t *testing.T) {
	_, err := NewMock(&apimodel.Integration{
		Pos:                  apimodel.Pos{File: "template.yaml", Line: 12, Col: 9},
		RequestTemplates:     map[string]string{"application/json": "{\n  #if($a)\n}"},
		IntegrationResponses: []apimodel.IntegrationResponse{{StatusCode: "200"}},
	}, testRoute)
	if err == nil {
		t.Fatal("compiled")
	}
	want := "template.yaml:12:9: requestTemplates[application/json]: template line 2:3: #if without #end"
	if err.Error() != want {
		t.Fatalf("error\n got %s\nwant %s", err, want)
	}
}

// TestMock_NoMatchingResponse_500: a status no integration response maps,
// with no default, is API Gateway's configuration error 500.
func TestMock_NoMatchingResponse_500(t *testing.T) {
	m, err := NewMock(&apimodel.Integration{
		RequestTemplates:     map[string]string{"application/json": `{"statusCode": 404}`},
		IntegrationResponses: []apimodel.IntegrationResponse{{StatusCode: "200", SelectionPattern: "2\\d\\d"}},
	}, testRoute)
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Invoke(context.Background(), mockRequest())
	var ge *gwresponse.Error
	if !errors.As(err, &ge) || ge.Type != gwresponse.Default5XX || ge.Status != 500 {
		t.Fatalf("err = %v, want 500", err)
	}
}

// TestMock_StatusFromLooseJSON: a request template whose output is not
// strict JSON still selects its statusCode.
func TestMock_StatusFromLooseJSON(t *testing.T) {
	for _, tmpl := range []string{`{statusCode: 201}`, `{"statusCode": 201,}`, `{"statusCode": "201"}`} {
		m, err := NewMock(&apimodel.Integration{
			RequestTemplates:     map[string]string{"application/json": tmpl},
			IntegrationResponses: []apimodel.IntegrationResponse{{StatusCode: "201", SelectionPattern: "201"}, {StatusCode: "200"}},
		}, testRoute)
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.Invoke(context.Background(), mockRequest())
		if err != nil || got.Status != 201 {
			t.Errorf("%s: got %v, %v", tmpl, got, err)
		}
	}
}
