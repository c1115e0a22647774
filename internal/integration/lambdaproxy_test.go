package integration

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/function"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// These tests run testdata/proxyfn/index.js, a real Node.js function, on
// the local Lambda runtime: the payloads under test are what a function
// really returns through the Runtime API.

// counting counts the invocations that reach the runtime.
type counting struct {
	Invoker
	calls atomic.Int32
}

func (c *counting) Invoke(ctx context.Context, fn *apimodel.Function, payload []byte) (function.Result, error) {
	c.calls.Add(1)
	return c.Invoker.Invoke(ctx, fn, payload)
}

func newRuntime(t *testing.T) *counting {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	l, err := function.NewLocal(function.LocalOptions{CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return &counting{Invoker: l}
}

func proxyFunction(t *testing.T, timeoutSeconds int) *apimodel.Function {
	dir, err := filepath.Abs(filepath.Join("testdata", "proxyfn"))
	if err != nil {
		t.Fatal(err)
	}
	return &apimodel.Function{LogicalID: "ProxyFn", Runtime: "nodejs20.x", Handler: "index.handler", CodeDir: dir, TimeoutSeconds: timeoutSeconds}
}

// lambdaProxy compiles an AWS_PROXY integration of proxyFunction.
func lambdaProxy(t *testing.T, rt Invoker, fn *apimodel.Function, timeoutMillis int, binary ...string) *LambdaProxy {
	t.Helper()
	api := &apimodel.API{ID: "abcde12345", AccountID: "123456789012", Region: "us-east-1", BinaryMediaTypes: binary}
	lp, err := NewLambdaProxy(api, &apimodel.Integration{Type: apimodel.IntegrationAWSProxy, TimeoutMillis: timeoutMillis}, fn, rt)
	if err != nil {
		t.Fatal(err)
	}
	return lp
}

// request is a POST to path below the stage, with body and headers given as
// name, value pairs.
func request(path, rawQuery, body string, headers ...string) *reqctx.Request {
	r := &reqctx.Request{
		ID: "c0ffee00-0000-4000-8000-000000000001", ExtendedID: "Ab1Cd2Ef3Gh4=",
		Method: "POST", WirePath: "/prod" + path, DecodedPath: path, Path: path, RawQuery: rawQuery, Query: reqctx.ParseQuery(rawQuery),
		Host: "127.0.0.1:3000", Protocol: "HTTP/1.1", SourceIP: "127.0.0.1",
		Stage: "prod", ResourcePath: "/{proxy+}", ResourceID: "prx001", Body: []byte(body),
		MethodARN: "arn:aws:execute-api:us-east-1:123456789012:abcde12345/prod/POST" + path,
	}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Headers = append(r.Headers, reqctx.Header{Name: headers[i], Value: headers[i+1]})
	}
	return r
}

// gatewayError asserts that err is a *gwresponse.Error of type t and status
// (0: the type's own) and returns it.
func gatewayError(t *testing.T, err error, typ gwresponse.Type, status int) *gwresponse.Error {
	t.Helper()
	ge, ok := errors.AsType[*gwresponse.Error](err)
	if !ok {
		t.Fatalf("err = %v, want a %s gateway response", err, typ)
	}
	if ge.Type != typ || ge.Status != status {
		t.Fatalf("gateway response %s status %d (%v), want %s status %d", ge.Type, ge.Status, ge, typ, status)
	}
	return ge
}

// TestLambdaProxy_FunctionErrors_502IntegrationFailure: whatever makes the
// function fail — a thrown error, a crash, its own Timeout shorter than the
// integration's, a response over Lambda's 6291556-byte quota — Lambda
// reports as a function error, and API Gateway answers 502 {"message":
// "Internal server error"} under INTEGRATION_FAILURE (access-log captures:
// DataBiosphere/azul#6624 for a thrown error, #8192 for "Response payload
// size exceeded maximum allowed payload size (6291556 bytes)."; a 3 s
// function timeout answering 502: awslabs/route53-dynamic-dns-with-lambda#56).
// The cause is API Gateway's execution-log line.
func TestLambdaProxy_FunctionErrors_502IntegrationFailure(t *testing.T) {
	rt := newRuntime(t)
	lp := lambdaProxy(t, rt, proxyFunction(t, 1), 0)
	tests := []struct {
		name, path, query string
		wantLog           string
	}{
		{"Thrown", "/throw", "", "Lambda execution failed with status 200 due to customer function error: boom"},
		{"ProcessExit", "/exit", "", "Lambda execution failed with status 200 due to customer function error: RequestId: "},
		{"FunctionTimeoutShorterThanIntegration", "/sleep", "ms=3000", " Task timed out after 1.00 seconds"},
		{"ResponseOverLambdaQuota", "/big", "", "customer function error: Response payload size exceeded maximum allowed payload size (6291556 bytes)."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := lp.Invoke(t.Context(), request(tt.path, tt.query, ""))
			ge := gatewayError(t, err, gwresponse.IntegrationFailure, 502)
			if ge.Message != "Internal server error" {
				t.Errorf("message = %q", ge.Message)
			}
			if ge.Cause == nil || !strings.Contains(ge.Cause.Error(), tt.wantLog) {
				t.Errorf("cause = %v, want it to contain %q", ge.Cause, tt.wantLog)
			}
		})
	}
}

// TestLambdaProxy_IntegrationTimeout_504: the integration's own timeout
// (timeoutInMillis, 29 s by default) expiring before the function's is 504
// "Endpoint request timed out" (INTEGRATION_TIMEOUT in the access log of
// DataBiosphere/azul#6284).
func TestLambdaProxy_IntegrationTimeout_504(t *testing.T) {
	lp := lambdaProxy(t, newRuntime(t), proxyFunction(t, 10), 300)
	_, err := lp.Invoke(t.Context(), request("/sleep", "ms=3000", ""))
	ge := gatewayError(t, err, gwresponse.IntegrationTimeout, 0)
	if ge.Message != "Endpoint request timed out" {
		t.Errorf("message = %q", ge.Message)
	}
}

// TestLambdaProxy_EventOverLambdaQuota_413WithoutInvoking: Lambda refuses an
// event over 6291456 bytes ("Request must be smaller than 6291456 bytes for
// the InvokeFunction operation", awslabs/aws-athena-query-federation#793);
// API Gateway answers 413 {"message": "Request Too Long"} with
// x-amzn-ErrorType BadRequestException (captured in
// koki-develop/lgtm-generator#10). The function never runs.
func TestLambdaProxy_EventOverLambdaQuota_413WithoutInvoking(t *testing.T) {
	rt := newRuntime(t)
	lp := lambdaProxy(t, rt, proxyFunction(t, 3), 0)
	_, err := lp.Invoke(t.Context(), request("/echo", "", strings.Repeat("a", function.MaxRequestPayload)))
	ge := gatewayError(t, err, gwresponse.RequestTooLarge, 0)
	if ge.Message != "Request Too Long" || ge.ErrorType != "BadRequestException" {
		t.Errorf("message %q, error type %q", ge.Message, ge.ErrorType)
	}
	if n := rt.calls.Load(); n != 0 {
		t.Errorf("the function was invoked %d times", n)
	}
}

// TestLambdaProxy_BinaryDecidedByFirstAccept: a base64 body is decoded only
// when the client's first Accept media type is a binary media type ("Binary
// media types for REST APIs": "API Gateway uses the first Accept header
// from clients to determine if a response should return binary media");
// the response's Content-Type does not matter. Otherwise the client gets
// the base64 text.
func TestLambdaProxy_BinaryDecidedByFirstAccept(t *testing.T) {
	lp := lambdaProxy(t, newRuntime(t), proxyFunction(t, 3), 0, "image/png")
	payload := `{"statusCode":200,"headers":{"Content-Type":"image/png"},"body":"iVBORw0KGgo=","isBase64Encoded":true}`
	decoded := "\x89PNG\r\n\x1a\n"
	tests := []struct {
		name    string
		headers []string
		want    string
	}{
		{"FirstAcceptBinary", []string{"Accept", "image/png"}, decoded},
		{"FirstAcceptBinaryWithQuality", []string{"Accept", "image/png;q=0.9, */*;q=0.1"}, decoded},
		{"BinaryTypeNotFirst", []string{"Accept", "text/html, image/png"}, "iVBORw0KGgo="},
		{"ResponseContentTypeAloneDoesNotDecide", []string{"Accept", "text/html"}, "iVBORw0KGgo="},
		{"NoAccept", nil, "iVBORw0KGgo="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := lp.Invoke(t.Context(), request("/echo", "", payload, tt.headers...))
			if err != nil {
				t.Fatal(err)
			}
			if string(resp.Body) != tt.want {
				t.Errorf("body = %q, want %q", resp.Body, tt.want)
			}
		})
	}
}

// TestLambdaProxy_InvalidBase64_500ConfigurationError: a body that claims
// base64 but is not, returned to a client that asked for binary, cannot be
// converted: 500 API_CONFIGURATION_ERROR "Internal server error". To a
// client that did not ask for binary it goes out as the text it is.
func TestLambdaProxy_InvalidBase64_500ConfigurationError(t *testing.T) {
	lp := lambdaProxy(t, newRuntime(t), proxyFunction(t, 3), 0, "image/png")
	payload := `{"statusCode":200,"headers":{"Content-Type":"image/png"},"body":"not base64!","isBase64Encoded":true}`

	_, err := lp.Invoke(t.Context(), request("/echo", "", payload, "Accept", "image/png"))
	ge := gatewayError(t, err, gwresponse.APIConfigurationError, 0)
	if ge.Message != "Internal server error" || gwresponse.DefaultStatus(ge.Type) != 500 {
		t.Errorf("message %q, status %d", ge.Message, gwresponse.DefaultStatus(ge.Type))
	}

	resp, err := lp.Invoke(t.Context(), request("/echo", "", payload, "Accept", "text/plain"))
	if err != nil || string(resp.Body) != "not base64!" {
		t.Fatalf("text client: %v, %+v", err, resp)
	}
}

// TestLambdaProxy_ResponseHeaders: what reaches the client of a function's
// headers. Connection, Content-Length, Date and Server become
// x-amzn-Remapped-<name> (as in real API Gateway responses;
// cargo-lambda/cargo-lambda#862 for a function's content-length), so that a
// function's "Connection: close" does not close the client's connection;
// Transfer-Encoding is dropped; numbers are stringified as written; a
// header named in multiValueHeaders takes its values from there only.
func TestLambdaProxy_ResponseHeaders(t *testing.T) {
	lp := lambdaProxy(t, newRuntime(t), proxyFunction(t, 3), 0)
	payload := `{"statusCode":201,"headers":{"Connection":"close","content-length":999,"Date":"Mon, 01 Jan 2024 00:00:00 GMT",
		"Server":"my-app","Transfer-Encoding":"chunked","Keep-Alive":"timeout=5","X-Count":5,"X-Flag":true,"X-Null":null},
		"multiValueHeaders":{"Set-Cookie":["a=1","b=2"]},"body":"ok"}`
	resp, err := lp.Invoke(t.Context(), request("/echo", "", payload))
	if err != nil {
		t.Fatal(err)
	}
	want := &Response{Status: 201, Body: []byte("ok"), Headers: []reqctx.Header{
		{Name: "x-amzn-Remapped-Connection", Value: "close"},
		{Name: "x-amzn-Remapped-Content-Length", Value: "999"},
		{Name: "x-amzn-Remapped-Date", Value: "Mon, 01 Jan 2024 00:00:00 GMT"},
		{Name: "x-amzn-Remapped-Server", Value: "my-app"},
		{Name: "Keep-Alive", Value: "timeout=5"},
		{Name: "X-Count", Value: "5"},
		{Name: "X-Flag", Value: "true"},
		{Name: "Set-Cookie", Value: "a=1"},
		{Name: "Set-Cookie", Value: "b=2"},
		{Name: "Content-Type", Value: "application/json"},
	}}
	if diff := cmp.Diff(want, resp); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestLambdaProxy_MalformedResponse_502: a payload that is not a valid proxy
// response — including headers that would inject a header line — is 502
// "Internal server error" with "Execution failed due to configuration
// error: Malformed Lambda proxy response" in the execution log.
func TestLambdaProxy_MalformedResponse_502(t *testing.T) {
	lp := lambdaProxy(t, newRuntime(t), proxyFunction(t, 3), 0)
	for name, payload := range map[string]string{
		"ValueInjectsHeaderLine": `{"headers":{"X-A":"a\r\nSet-Cookie: session=stolen"},"body":"ok"}`,
		"NameWithColon":          `{"headers":{"Set-Cookie: session=stolen\r\nX":"a"},"body":"ok"}`,
		"NameWithSpace":          `{"headers":{"X A":"a"},"body":"ok"}`,
		"StatusCodeNotInteger":   `{"statusCode":"two hundred"}`,
		"UnknownField":           `{"statusCode":200,"cookies":["a=1"]}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := lp.Invoke(t.Context(), request("/echo", "", payload))
			ge := gatewayError(t, err, gwresponse.Default5XX, 502)
			if ge.Message != "Internal server error" || !strings.Contains(ge.Cause.Error(), "Execution failed due to configuration error: Malformed Lambda proxy response") {
				t.Errorf("message %q, cause %v", ge.Message, ge.Cause)
			}
		})
	}
}
