package validation

import (
	"context"
	"errors"
	"testing"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/integration"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// The models of "Request validation for REST APIs in API Gateway" (its
// PetStore sample with the "params-only", "body-only" and "all"
// validators), abridged: a pet has a type from an enum and a price between
// 25 and 500.
// https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-validation-sample-api-swagger.html
var testAPI = &apimodel.API{ID: "abcde12345", Models: map[string]*apimodel.DataModel{
	"PetType": {Name: "PetType", Schema: []byte(`{"type": "string", "enum": ["dog", "cat", "fish", "bird", "gecko"]}`)},
	"NewPet": {Name: "NewPet", Schema: []byte(`{"$schema": "http://json-schema.org/draft-04/schema#", "type": "object",
		"properties": {"type": {"$ref": "https://apigateway.amazonaws.com/restapis/zzzzzz9999/models/PetType"},
		"price": {"type": "number", "minimum": 25.0, "maximum": 500.0}}, "required": ["type"]}`)},
	"Local": {Name: "Local", Schema: []byte(`{"type": "object", "properties": {"pet": {"$ref": "#/definitions/NewPet"}}, "required": ["pet"]}`)},
}}

func method(v *apimodel.RequestValidator, models map[string]string) *apimodel.Method {
	return &apimodel.Method{
		HTTPMethod:       "POST",
		RequestValidator: v,
		RequestModels:    models,
		RequestParameters: map[string]bool{
			"method.request.querystring.q1":  true,
			"method.request.header.h1":       true,
			"method.request.querystring.opt": false,
		},
	}
}

var (
	all        = &apimodel.RequestValidator{Name: "all", ValidateBody: true, ValidateParameters: true}
	paramsOnly = &apimodel.RequestValidator{Name: "params-only", ValidateParameters: true}
	bodyOnly   = &apimodel.RequestValidator{Name: "body-only", ValidateBody: true}
)

func TestValidate(t *testing.T) {
	json := map[string]string{"application/json": "NewPet"}
	tests := []struct {
		name     string
		m        *apimodel.Method
		query    string
		headers  []reqctx.Header
		body     string
		wantType gwresponse.Type // "" = passes
		wantMsg  string
	}{
		{"valid request", method(all, json), "q1=a", []reqctx.Header{{Name: "h1", Value: "x"}}, `{"type": "dog", "price": 249.99}`, "", ""},
		{"both parameters missing, listed in the message", method(all, json), "", nil, `{"type": "dog"}`, gwresponse.BadRequestParameters, "Missing required request parameters: [h1, q1]"},
		{"a blank parameter counts as missing", method(paramsOnly, nil), "q1=", []reqctx.Header{{Name: "H1", Value: "x"}}, ``, gwresponse.BadRequestParameters, "Missing required request parameters: [q1]"},
		{"parameters are checked before the body", method(all, json), "", []reqctx.Header{{Name: "h1", Value: "x"}}, `{"type": "lion"}`, gwresponse.BadRequestParameters, "Missing required request parameters: [q1]"},
		{"body outside the enum referenced from another model", method(bodyOnly, json), "", nil, `{"type": "lion"}`, gwresponse.BadRequestBody, "Invalid request body"},
		{"price below the minimum", method(bodyOnly, json), "", nil, `{"type": "cat", "price": 1}`, gwresponse.BadRequestBody, "Invalid request body"},
		{"body that is not JSON", method(bodyOnly, json), "", nil, `{"type": `, gwresponse.BadRequestBody, "Invalid request body"},
		{"empty body against a model with required fields", method(bodyOnly, json), "", nil, ``, gwresponse.BadRequestBody, "Invalid request body"},
		{"no model for the content type: not validated", method(bodyOnly, json), "", []reqctx.Header{{Name: "Content-Type", Value: "text/plain"}}, `anything`, "", ""},
		{"$default model applies to every content type", method(bodyOnly, map[string]string{"$default": "NewPet"}), "", []reqctx.Header{{Name: "Content-Type", Value: "application/x-pet"}}, `{"price": 30}`, gwresponse.BadRequestBody, "Invalid request body"},
		{"OpenAPI #/definitions reference", method(bodyOnly, map[string]string{"application/json": "Local"}), "", nil, `{"pet": {"type": "bird"}}`, "", ""},
		{"params-only ignores the body", method(paramsOnly, json), "q1=1", []reqctx.Header{{Name: "h1", Value: "x"}}, `not json`, "", ""},
		{"body-only ignores the parameters", method(bodyOnly, json), "", nil, `{"type": "gecko"}`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := New(testAPI, tt.m)
			if err != nil {
				t.Fatal(err)
			}
			r := &reqctx.Request{Query: reqctx.ParseQuery(tt.query), Headers: tt.headers, Body: []byte(tt.body)}
			err = v.Validate(r)
			if tt.wantType == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			var ge *gwresponse.Error
			if !errors.As(err, &ge) {
				t.Fatalf("err = %v, want %s", err, tt.wantType)
			}
			if ge.Type != tt.wantType || ge.Message != tt.wantMsg {
				t.Errorf("got %s %q, want %s %q", ge.Type, ge.Message, tt.wantType, tt.wantMsg)
			}
		})
	}
}

// TestNew_FailsClosed: a validator whose model is missing or references
// something outside the API stops the load instead of serving unvalidated.
func TestNew_FailsClosed(t *testing.T) {
	api := &apimodel.API{ID: "abcde12345", Models: map[string]*apimodel.DataModel{
		"Remote": {Name: "Remote", Schema: []byte(`{"$ref": "https://example.com/schema.json"}`)},
		"Broken": {Name: "Broken", Schema: []byte(`{"type": 12}`)},
	}}
	for _, model := range []string{"Missing", "Remote", "Broken"} {
		t.Run(model, func(t *testing.T) {
			if _, err := New(api, method(bodyOnly, map[string]string{"application/json": model})); err == nil {
				t.Fatal("compiled")
			}
		})
	}
}

// TestIntegration_RejectsBeforeInvoking: a failed validation never reaches
// the integration.
func TestIntegration_RejectsBeforeInvoking(t *testing.T) {
	v, err := New(testAPI, method(paramsOnly, nil))
	if err != nil {
		t.Fatal(err)
	}
	called := false
	next := integrationFunc(func(context.Context, *reqctx.Request) (*integration.Response, error) {
		called = true
		return &integration.Response{Status: 200}, nil
	})
	in := &Integration{V: v, Next: next}
	if _, err := in.Invoke(context.Background(), &reqctx.Request{}); err == nil || called {
		t.Fatalf("err %v, called %v", err, called)
	}
	if _, err := in.Invoke(context.Background(), &reqctx.Request{Query: reqctx.ParseQuery("q1=a"), Headers: []reqctx.Header{{Name: "h1", Value: "b"}}}); err != nil || !called {
		t.Fatalf("err %v, called %v", err, called)
	}
}

type integrationFunc func(context.Context, *reqctx.Request) (*integration.Response, error)

func (f integrationFunc) Invoke(ctx context.Context, r *reqctx.Request) (*integration.Response, error) {
	return f(ctx, r)
}

// TestWrap_KeepsTheDirectPath: a validated HTTP_PROXY method keeps writing
// straight into the client's response, and still validates first.
func TestWrap_KeepsTheDirectPath(t *testing.T) {
	v, err := New(testAPI, method(paramsOnly, nil))
	if err != nil {
		t.Fatal(err)
	}
	p, err := integration.NewHTTPProxy(&apimodel.Integration{Type: apimodel.IntegrationHTTPProxy, HTTPMethod: "GET", URI: "http://127.0.0.1:1/x"}, integration.NewUpstream())
	if err != nil {
		t.Fatal(err)
	}
	w := Wrap(v, p)
	d, ok := w.(*Direct)
	if !ok {
		t.Fatalf("Wrap gave %T, want *Direct", w)
	}
	var ge *gwresponse.Error
	if err := d.InvokeInto(context.Background(), &reqctx.Request{}, nil); !errors.As(err, &ge) || ge.Type != gwresponse.BadRequestParameters {
		t.Fatalf("err = %v, want BAD_REQUEST_PARAMETERS before any backend call", err)
	}
	if _, ok := Wrap(v, integrationFunc(nil)).(*Direct); ok {
		t.Fatal("an integration without the fast path got one")
	}
}
