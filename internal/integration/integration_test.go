package integration_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/function"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/integration"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// invokerFunc adapts a function to integration.Invoker and records the
// payload it was sent.
type invokerFunc func(payload []byte) (function.Result, error)

func (f invokerFunc) Invoke(_ context.Context, _ *apimodel.Function, payload []byte) (function.Result, error) {
	return f(payload)
}

var api = &apimodel.API{ID: "abcde12345", Region: "us-east-1", AccountID: "123456789012"}

func request(accept string) *reqctx.Request {
	r := &reqctx.Request{ID: "req-1", Method: "GET", Path: "/users/7", DecodedPath: "/users/7", Stage: "prod",
		ResourcePath: "/users/{id}", PathParams: map[string]string{"id": "7"}}
	if accept != "" {
		r.Headers = append(r.Headers, reqctx.Header{Name: "Accept", Value: accept})
	}
	return r
}

// gatewayError returns the *gwresponse.Error err wraps, failing the test
// when there is none: integrations report failures only as gateway
// responses (docs/behaviour.md#GWR-1).
func gatewayError(t *testing.T, err error) *gwresponse.Error {
	t.Helper()
	var ge *gwresponse.Error
	if !errors.As(err, &ge) {
		t.Fatalf("error %v is not a *gwresponse.Error", err)
	}
	return ge
}

// TestLambdaProxy_Outcomes pins how an AWS_PROXY integration maps the
// function's answer ("Set up Lambda proxy integrations in API Gateway",
// output format; docs/behaviour.md#INTEG-2): a well-formed proxy response
// passes through, a function error or malformed response is 502 "Internal
// server error", a timeout is 504 INTEGRATION_TIMEOUT.
func TestLambdaProxy_Outcomes(t *testing.T) {
	type want struct {
		status  int
		body    string
		headers []reqctx.Header
		errType gwresponse.Type
		errCode int
	}
	tests := []struct {
		name   string
		result function.Result
		err    error
		accept string
		binary []string
		want   want
	}{
		{
			name:   "proxy response passes through",
			result: function.Result{Payload: []byte(`{"statusCode":201,"headers":{"X-Id":"7"},"body":"{\"ok\":true}"}`)},
			want:   want{status: 201, body: `{"ok":true}`, headers: []reqctx.Header{{Name: "X-Id", Value: "7"}, {Name: "Content-Type", Value: "application/json"}}},
		},
		{
			name:   "own Content-Type kept",
			result: function.Result{Payload: []byte(`{"statusCode":200,"headers":{"Content-Type":"text/plain"},"body":"hi"}`)},
			want:   want{status: 200, body: "hi", headers: []reqctx.Header{{Name: "Content-Type", Value: "text/plain"}}},
		},
		{
			name:   "function error is 502 INTEGRATION_FAILURE",
			result: function.Result{Payload: []byte(`{"errorType":"Error","errorMessage":"boom"}`), FunctionError: "Unhandled"},
			want:   want{errType: gwresponse.IntegrationFailure, errCode: 502},
		},
		{
			name:   "malformed proxy response is 502",
			result: function.Result{Payload: []byte(`{"statusCode":"two hundred"}`)},
			want:   want{errType: gwresponse.Default5XX, errCode: 502},
		},
		{
			// The function's own Timeout is a function error to API Gateway
			// (the 29 s integration timeout is 504, TestLambdaProxy_IntegrationTimeout_504).
			name: "the function's own timeout is 502 INTEGRATION_FAILURE",
			err:  &function.InvokeError{Kind: function.KindTimeout, Function: "Fn"},
			want: want{errType: gwresponse.IntegrationFailure, errCode: 502},
		},
		{
			name: "unreachable function is 502",
			err:  &function.InvokeError{Kind: function.KindTransport, Function: "Fn", Err: errors.New("connection refused")},
			want: want{errType: gwresponse.Default5XX, errCode: 502},
		},
		{
			name:   "base64 body decoded for a binary media type",
			result: function.Result{Payload: []byte(`{"statusCode":200,"headers":{"Content-Type":"image/png"},"body":"iVBORw==","isBase64Encoded":true}`)},
			accept: "image/png", binary: []string{"image/png"},
			want: want{status: 200, body: "\x89PNG", headers: []reqctx.Header{{Name: "Content-Type", Value: "image/png"}}},
		},
		{
			name:   "base64 body sent as text without binary media types",
			result: function.Result{Payload: []byte(`{"statusCode":200,"headers":{"Content-Type":"image/png"},"body":"iVBORw==","isBase64Encoded":true}`)},
			accept: "image/png",
			want:   want{status: 200, body: "iVBORw==", headers: []reqctx.Header{{Name: "Content-Type", Value: "image/png"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := *api
			a.BinaryMediaTypes = tt.binary
			var sent []byte
			inv := invokerFunc(func(payload []byte) (function.Result, error) {
				sent = payload
				return tt.result, tt.err
			})
			lp, err := integration.NewLambdaProxy(&a, &apimodel.Integration{Type: apimodel.IntegrationAWSProxy}, &apimodel.Function{LogicalID: "Fn"}, inv)
			if err != nil {
				t.Fatal(err)
			}
			res, err := lp.Invoke(context.Background(), request(tt.accept))
			if tt.want.errType != "" {
				ge := gatewayError(t, err)
				if ge.Type != tt.want.errType || ge.Status != tt.want.errCode {
					t.Fatalf("error = %s status %d, want %s status %d", ge.Type, ge.Status, tt.want.errType, tt.want.errCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tt.want.status || string(res.Body) != tt.want.body {
				t.Errorf("answer = %d %q, want %d %q", res.Status, res.Body, tt.want.status, tt.want.body)
			}
			if diff := cmp.Diff(tt.want.headers, res.Headers); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
			// The function received the proxy event of this request.
			var ev events.APIGatewayProxyRequest
			if err := json.Unmarshal(sent, &ev); err != nil {
				t.Fatalf("payload is not a proxy event: %v\n%s", err, sent)
			}
			if ev.Path != "/users/7" || ev.Resource != "/users/{id}" || ev.PathParameters["id"] != "7" || ev.RequestContext.Stage != "prod" {
				t.Errorf("proxy event = %+v", ev)
			}
		})
	}
}

// TestNewLambdaProxy_UnresolvedFunction_Refused: an AWS_PROXY integration
// whose function cannot be found is a load error, never a route that
// answers later (docs/behaviour.md#PIPE-3).
func TestNewLambdaProxy_UnresolvedFunction_Refused(t *testing.T) {
	_, err := integration.NewLambdaProxy(api, &apimodel.Integration{Type: apimodel.IntegrationAWSProxy, URI: "arn:aws:lambda:::function:Gone"}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "cannot be resolved") {
		t.Fatalf("err = %v, want the unresolved function named", err)
	}
}

// TestMock_StatusFromRequestTemplate pins MOCK integrations as API
// Gateway's console writes them ("Set up mock integrations in API
// Gateway"; docs/behaviour.md#INTEG-3): the request template's statusCode
// selects the integration response whose selectionPattern matches it, or
// the default one; its header mappings and template make the answer.
func TestMock_StatusFromRequestTemplate(t *testing.T) {
	responses := []apimodel.IntegrationResponse{
		{StatusCode: "200", ResponseParameters: map[string]string{
			"method.response.header.Access-Control-Allow-Origin": "'*'",
			"method.response.header.X-Request-Id":                "context.requestId",
		}, ResponseTemplates: map[string]string{"application/json": `{"ok":true}`}},
		{StatusCode: "404", SelectionPattern: `4\d{2}`, ResponseTemplates: map[string]string{"text/plain": "gone"}},
	}
	tests := []struct {
		name     string
		template string
		rs       []apimodel.IntegrationResponse
		status   int
		body     string
		headers  []reqctx.Header
	}{
		{
			name: "200 takes the default response", template: `{"statusCode": 200}`, rs: responses,
			status: 200, body: `{"ok":true}`,
			headers: []reqctx.Header{{Name: "Content-Type", Value: "application/json"}, {Name: "Access-Control-Allow-Origin", Value: "*"}, {Name: "X-Request-Id", Value: "req-1"}},
		},
		{
			name: "404 matches the selection pattern", template: `{"statusCode": 404}`, rs: responses,
			status: 404, body: "gone", headers: []reqctx.Header{{Name: "Content-Type", Value: "text/plain"}},
		},
		{
			name: "no integration response: the selected status, empty JSON", template: `{"statusCode": 204}`,
			status: 204, headers: []reqctx.Header{{Name: "Content-Type", Value: "application/json"}},
		},
		{
			name: "no template: 200", rs: responses[:1],
			status: 200, body: `{"ok":true}`,
			headers: []reqctx.Header{{Name: "Content-Type", Value: "application/json"}, {Name: "Access-Control-Allow-Origin", Value: "*"}, {Name: "X-Request-Id", Value: "req-1"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &apimodel.Integration{Type: apimodel.IntegrationMock, IntegrationResponses: tt.rs}
			if tt.template != "" {
				in.RequestTemplates = map[string]string{"application/json": tt.template}
			}
			m, err := integration.NewMock(in, integration.Route{})
			if err != nil {
				t.Fatal(err)
			}
			res, err := m.Invoke(context.Background(), request(""))
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tt.status || string(res.Body) != tt.body {
				t.Errorf("answer = %d %q, want %d %q", res.Status, res.Body, tt.status, tt.body)
			}
			if diff := cmp.Diff(tt.headers, res.Headers); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
		})
	}
}

// TestNewMock_Rejects: a MOCK integration that cannot be served as
// written is refused at load.
func TestNewMock_Rejects(t *testing.T) {
	tests := []struct {
		name string
		r    apimodel.IntegrationResponse
		want string
	}{
		{"status not HTTP", apimodel.IntegrationResponse{StatusCode: "abc"}, "is not an HTTP status"},
		{"bad selection pattern", apimodel.IntegrationResponse{StatusCode: "400", SelectionPattern: "("}, "selectionPattern"},
		{"CR LF in a header value", apimodel.IntegrationResponse{StatusCode: "200", ResponseParameters: map[string]string{"method.response.header.X": "'a\r\nb'"}}, "CR or LF"},
		{"non-header parameter", apimodel.IntegrationResponse{StatusCode: "200", ResponseParameters: map[string]string{"method.response.body": "'x'"}}, "only method.response.header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := integration.NewMock(&apimodel.Integration{Type: apimodel.IntegrationMock, IntegrationResponses: []apimodel.IntegrationResponse{tt.r}}, integration.Route{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
