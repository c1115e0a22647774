package lambdaevent

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

var httpContext = HTTPContext{
	APIID:      "r3pmxmplak",
	AccountID:  "123456789012",
	DomainName: "r3pmxmplak.execute-api.us-east-2.amazonaws.com",
	Stage:      "$default",
	RouteKey:   "ANY /my/{proxy+}",
}

// httpRequest is AWS's 2.0 example ("Create AWS Lambda proxy integrations
// for HTTP APIs", payload format structure): repeated header and query
// values, two cookies on one Cookie line and one on another.
func httpRequest() *reqctx.Request {
	raw := "parameter1=value1&parameter1=value2&parameter2=value"
	return &reqctx.Request{
		ID:          "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
		ExtendedID:  "JKJaXmPLvHcESHA=",
		Time:        testTime,
		Method:      "POST",
		WirePath:    "/my/path%20here",
		DecodedPath: "/my/path here",
		Path:        "/my/path%20here",
		RawQuery:    raw,
		Query:       reqctx.ParseQuery(raw),
		Headers: []reqctx.Header{
			{Name: "Host", Value: "r3pmxmplak.execute-api.us-east-2.amazonaws.com"},
			{Name: "User-Agent", Value: "agent"},
			{Name: "Header1", Value: "value1"},
			{Name: "Cookie", Value: "cookie1=a; cookie2=b"},
			{Name: "header2", Value: "value1"},
			{Name: "HEADER2", Value: "value2"},
			{Name: "cookie", Value: "cookie3=c"},
		},
		Body:           []byte("Hello from Lambda"),
		Host:           "r3pmxmplak.execute-api.us-east-2.amazonaws.com",
		Protocol:       "HTTP/1.1",
		SourceIP:       "192.0.2.1",
		Stage:          "$default",
		StageVariables: map[string]string{"stageVariable1": "value1"},
		PathParams:     map[string]string{"proxy": "path here"},
	}
}

func namedStage() (*reqctx.Request, HTTPContext) {
	r := httpRequest()
	r.Stage = "dev"
	c := httpContext
	c.Stage = "dev"
	return r, c
}

func bare() *reqctx.Request {
	return &reqctx.Request{ID: "id", ExtendedID: "ext=", Time: testTime, Method: "GET", DecodedPath: "/", Path: "/",
		Host: "127.0.0.1:3000", Protocol: "HTTP/1.1", SourceIP: "127.0.0.1", Stage: "$default"}
}

func lambdaContext() *HTTPAuthorizer {
	return &HTTPAuthorizer{Lambda: []ContextValue{
		{"user", json.RawMessage(`"alice"`)}, {"quota", json.RawMessage(`100`)},
		{"admin", json.RawMessage(`false`)}, {"tags", json.RawMessage(`["a","b"]`)},
	}}
}

func jwtContext() *HTTPAuthorizer {
	return &HTTPAuthorizer{JWT: &JWTAuthorization{
		Claims: map[string]string{"sub": "user-1", "iss": "https://issuer.example", "exp": "1772655317"},
		Scopes: []string{"pets/read"},
	}}
}

func iamContext() *HTTPAuthorizer {
	return &HTTPAuthorizer{IAM: &IAMAuthorization{AccessKey: "AKIDEXAMPLE", AccountID: "210987654321",
		CallerID: "AIDAEXAMPLE", UserARN: "arn:aws:iam::210987654321:user/alice", UserID: "AIDAEXAMPLE"}}
}

func v2Cases() []struct {
	name  string
	build func() ([]byte, error)
} {
	return []struct {
		name  string
		build func() ([]byte, error)
	}{
		{"http_v2_post_default_stage", func() ([]byte, error) { return HTTPRequest(httpRequest(), httpContext, nil) }},
		{"http_v2_named_stage", func() ([]byte, error) { r, c := namedStage(); return HTTPRequest(r, c, nil) }},
		{"http_v2_nothing_optional", func() ([]byte, error) {
			return HTTPRequest(bare(), HTTPContext{APIID: "r3pmxmplak", AccountID: "123456789012", Stage: "$default", RouteKey: "$default"}, nil)
		}},
		{"http_v2_lambda_authorizer", func() ([]byte, error) { return HTTPRequest(httpRequest(), httpContext, lambdaContext()) }},
		{"http_v2_jwt_authorizer", func() ([]byte, error) { return HTTPRequest(httpRequest(), httpContext, jwtContext()) }},
		{"http_v2_iam_authorizer", func() ([]byte, error) { return HTTPRequest(httpRequest(), httpContext, iamContext()) }},
		{"http_v2_binary_body", func() ([]byte, error) {
			r := bare()
			r.Method = "PUT"
			r.Headers = []reqctx.Header{{Name: "Content-Type", Value: "image/png"}}
			r.Body = []byte("\x89PNG\r\n")
			return HTTPRequest(r, HTTPContext{APIID: "r3pmxmplak", AccountID: "123456789012", Stage: "$default", RouteKey: "PUT /"}, nil)
		}},
		{"http_authorizer_v2", func() ([]byte, error) {
			return HTTPAuthorizerEventV2(httpRequest(), httpContext,
				"arn:aws:execute-api:us-east-2:123456789012:r3pmxmplak/$default/POST/my/path here", []string{"user1", "123"})
		}},
		{"http_authorizer_v1", func() ([]byte, error) {
			r := httpRequest()
			r.ResourcePath = "/my/{proxy+}"
			r.MethodARN = "arn:aws:execute-api:us-east-2:123456789012:r3pmxmplak/$default/POST/my/path here"
			return HTTPAuthorizerEventV1(r, Context{APIID: "r3pmxmplak", AccountID: "123456789012", Stage: "$default"}, []string{"user1", "123"})
		}},
	}
}

func TestGoldenV2(t *testing.T) {
	for _, tt := range v2Cases() {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.build()
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tt.name, got)
		})
	}
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	if !json.Valid(got) {
		t.Fatalf("invalid JSON: %s", got)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, got, "", "  "); err != nil {
		t.Fatal(err)
	}
	pretty.WriteByte('\n')
	file := filepath.Join("testdata", name+".json")
	if *update {
		if err := os.WriteFile(file, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if diff := cmp.Diff(string(want), pretty.String()); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", file, diff)
	}
}

// TestHTTPRequest_DecodesIntoAWSLambdaGoWithoutLoss decodes the 2.0 event
// into aws-lambda-go's APIGatewayV2HTTPRequest and compares every field
// with what "Create AWS Lambda proxy integrations for HTTP APIs" says:
// duplicate headers and query values combined with commas, every Cookie
// header in cookies, lower-case header names, rawPath decoded.
func TestHTTPRequest_DecodesIntoAWSLambdaGoWithoutLoss(t *testing.T) {
	base := events.APIGatewayV2HTTPRequest{
		Version:        "2.0",
		RouteKey:       "ANY /my/{proxy+}",
		RawPath:        "/my/path here",
		RawQueryString: "parameter1=value1&parameter1=value2&parameter2=value",
		Cookies:        []string{"cookie1=a", "cookie2=b", "cookie3=c"},
		Headers: map[string]string{
			"host": "r3pmxmplak.execute-api.us-east-2.amazonaws.com", "user-agent": "agent",
			"header1": "value1", "header2": "value1,value2",
		},
		QueryStringParameters: map[string]string{"parameter1": "value1,value2", "parameter2": "value"},
		PathParameters:        map[string]string{"proxy": "path here"},
		StageVariables:        map[string]string{"stageVariable1": "value1"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: "ANY /my/{proxy+}", AccountID: "123456789012", Stage: "$default", RequestID: "JKJaXmPLvHcESHA=",
			APIID: "r3pmxmplak", DomainName: "r3pmxmplak.execute-api.us-east-2.amazonaws.com", DomainPrefix: "r3pmxmplak",
			Time: "04/Mar/2026:19:15:17 +0000", TimeEpoch: 1772651717135,
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: "POST", Path: "/my/path here", Protocol: "HTTP/1.1", SourceIP: "192.0.2.1", UserAgent: "agent"},
		},
		Body: "Hello from Lambda",
	}
	named := base
	named.RawPath = "/dev/my/path here"
	named.RequestContext.Stage = "dev"
	named.RequestContext.HTTP.Path = "/dev/my/path here"

	withLambda := base
	withLambda.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		Lambda: map[string]any{"user": "alice", "quota": float64(100), "admin": false, "tags": []any{"a", "b"}}}
	withJWT := base
	withJWT.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
			Claims: map[string]string{"sub": "user-1", "iss": "https://issuer.example", "exp": "1772655317"},
			Scopes: []string{"pets/read"}}}
	withIAM := base
	withIAM.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		IAM: &events.APIGatewayV2HTTPRequestContextAuthorizerIAMDescription{AccessKey: "AKIDEXAMPLE", AccountID: "210987654321",
			CallerID: "AIDAEXAMPLE", UserARN: "arn:aws:iam::210987654321:user/alice", UserID: "AIDAEXAMPLE"}}

	want := map[string]events.APIGatewayV2HTTPRequest{
		"http_v2_post_default_stage": base, "http_v2_named_stage": named,
		"http_v2_lambda_authorizer": withLambda, "http_v2_jwt_authorizer": withJWT, "http_v2_iam_authorizer": withIAM,
	}
	for _, tt := range v2Cases() {
		w, ok := want[tt.name]
		if !ok {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			doc, err := tt.build()
			if err != nil {
				t.Fatal(err)
			}
			var got events.APIGatewayV2HTTPRequest
			dec := json.NewDecoder(bytes.NewReader(doc))
			if err := dec.Decode(&got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(w, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestHTTPAuthorizerEventV2_DecodesIntoAWSLambdaGoWithoutLoss: the 2.0
// authorizer event ("Working with AWS Lambda authorizers for HTTP APIs",
// payload format 2.0) carries routeArn, identitySource as an array in the
// authorizer's order, routeKey, rawPath and cookies.
func TestHTTPAuthorizerEventV2_DecodesIntoAWSLambdaGoWithoutLoss(t *testing.T) {
	doc, err := HTTPAuthorizerEventV2(httpRequest(), httpContext,
		"arn:aws:execute-api:us-east-2:123456789012:r3pmxmplak/$default/POST/my/path here", []string{"user1", "123"})
	if err != nil {
		t.Fatal(err)
	}
	var got events.APIGatewayV2CustomAuthorizerV2Request
	if err := json.Unmarshal(doc, &got); err != nil {
		t.Fatal(err)
	}
	want := events.APIGatewayV2CustomAuthorizerV2Request{
		Version: "2.0", Type: "REQUEST",
		RouteArn:       "arn:aws:execute-api:us-east-2:123456789012:r3pmxmplak/$default/POST/my/path here",
		IdentitySource: []string{"user1", "123"},
		RouteKey:       "ANY /my/{proxy+}", RawPath: "/my/path here",
		RawQueryString: "parameter1=value1&parameter1=value2&parameter2=value",
		Cookies:        []string{"cookie1=a", "cookie2=b", "cookie3=c"},
		Headers: map[string]string{
			"host": "r3pmxmplak.execute-api.us-east-2.amazonaws.com", "user-agent": "agent",
			"header1": "value1", "header2": "value1,value2",
		},
		QueryStringParameters: map[string]string{"parameter1": "value1,value2", "parameter2": "value"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: "ANY /my/{proxy+}", AccountID: "123456789012", Stage: "$default", RequestID: "JKJaXmPLvHcESHA=",
			APIID: "r3pmxmplak", DomainName: "r3pmxmplak.execute-api.us-east-2.amazonaws.com", DomainPrefix: "r3pmxmplak",
			Time: "04/Mar/2026:19:15:17 +0000", TimeEpoch: 1772651717135,
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: "POST", Path: "/my/path here", Protocol: "HTTP/1.1", SourceIP: "192.0.2.1", UserAgent: "agent"},
		},
		PathParameters: map[string]string{"proxy": "path here"},
		StageVariables: map[string]string{"stageVariable1": "value1"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// The request body never reaches an authorizer.
	if bytes.Contains(doc, []byte("Hello from Lambda")) {
		t.Error("the authorizer event carries the body")
	}
}

// TestParseHTTPResponse follows "Lambda function response for format 2.0":
// without statusCode, valid JSON is a 200 application/json body; cookies
// become Set-Cookie lines; anything unreadable is an error (500).
func TestParseHTTPResponse(t *testing.T) {
	json200 := []Header{{Name: "content-type", Value: "application/json"}}
	tests := []struct {
		name    string
		payload string
		want    *HTTPResponse
		wantErr bool
	}{
		{"object without statusCode is the body", `{"message":"hi"}`, &HTTPResponse{StatusCode: 200, Headers: json200, Body: []byte(`{"message":"hi"}`)}, false},
		{"string is the body", `"Hello from Lambda!"`, &HTTPResponse{StatusCode: 200, Headers: json200, Body: []byte("Hello from Lambda!")}, false},
		{"number is the body", `42`, &HTTPResponse{StatusCode: 200, Headers: json200, Body: []byte("42")}, false},
		{"array is the body", `[1,2]`, &HTTPResponse{StatusCode: 200, Headers: json200, Body: []byte("[1,2]")}, false},
		{"full response with cookies", `{"statusCode":201,"headers":{"X-A":"1","x-n":3,"x-b":true},"cookies":["a=1; Path=/","b=2"],"body":"ok"}`,
			&HTTPResponse{StatusCode: 201, Headers: []Header{{"X-A", "1"}, {"x-n", "3"}, {"x-b", "true"}}, Cookies: []string{"a=1; Path=/", "b=2"}, Body: []byte("ok")}, false},
		{"base64 body", `{"statusCode":200,"body":"aGk=","isBase64Encoded":true}`, &HTTPResponse{StatusCode: 200, Body: []byte("hi")}, false},
		{"not JSON", `hello`, nil, true},
		{"statusCode not a number", `{"statusCode":"abc"}`, nil, true},
		{"statusCode out of range", `{"statusCode":42}`, nil, true},
		{"header value with CRLF", `{"statusCode":200,"headers":{"x":"a\r\nSet-Cookie: evil"}}`, nil, true},
		{"header name not a token", `{"statusCode":200,"headers":{"x y":"a"}}`, nil, true},
		{"cookie with CRLF", `{"statusCode":200,"cookies":["a=1\r\nx: y"]}`, nil, true},
		{"body object", `{"statusCode":200,"body":{}}`, nil, true},
		{"bad base64", `{"statusCode":200,"body":"!!","isBase64Encoded":true}`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseHTTPResponse([]byte(tt.payload))
			if tt.wantErr {
				if !errors.Is(err, ErrMalformedHTTPResponse) {
					t.Fatalf("err = %v, want ErrMalformedHTTPResponse", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseSimpleAuthorizerResponse: the simple response of "Working with
// AWS Lambda authorizers for HTTP APIs" ({"isAuthorized": true|false,
// "context": {...}}), the context kept with its JSON types. Only a boolean
// true allows: a missing or non-boolean isAuthorized is an error (500).
func TestParseSimpleAuthorizerResponse(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    *SimpleAuthorizerResponse
	}{
		{"allow with context", `{"isAuthorized":true,"context":{"n":1,"s":"x","o":{"a":[1]}}}`, &SimpleAuthorizerResponse{IsAuthorized: true,
			Context: []ContextValue{{"n", json.RawMessage("1")}, {"s", json.RawMessage(`"x"`)}, {"o", json.RawMessage(`{"a":[1]}`)}}}},
		{"deny", `{"isAuthorized":false}`, &SimpleAuthorizerResponse{Context: []ContextValue{}}},
		{"missing", `{"context":{}}`, nil},
		{"string true", `{"isAuthorized":"true"}`, nil},
		{"number", `{"isAuthorized":1}`, nil},
		{"context array", `{"isAuthorized":true,"context":[1]}`, nil},
		{"not an object", `true`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSimpleAuthorizerResponse([]byte(tt.payload))
			if tt.want == nil {
				if !errors.Is(err, ErrMalformedAuthorizerResponse) {
					t.Fatalf("err = %v, want ErrMalformedAuthorizerResponse", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzParseHTTPResponse(f *testing.F) {
	for _, s := range []string{`{"statusCode":200,"headers":{"a":"b"},"cookies":["c=d"],"body":"x"}`, `"s"`, `{}`, `[`, `{"statusCode":1e3}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		resp, err := ParseHTTPResponse(payload)
		if err != nil {
			return
		}
		if resp.StatusCode < 100 || resp.StatusCode > 599 {
			t.Fatalf("status %d accepted", resp.StatusCode)
		}
		for _, h := range resp.Headers {
			if !validHeaderName(h.Name) || !validHeaderValue(h.Value) {
				t.Fatalf("header %q: %q accepted", h.Name, h.Value)
			}
		}
	})
}

func FuzzParseSimpleAuthorizerResponse(f *testing.F) {
	for _, s := range []string{`{"isAuthorized":true,"context":{"a":1}}`, `{"isAuthorized":false}`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		resp, err := ParseSimpleAuthorizerResponse(payload)
		if err == nil && resp.IsAuthorized && !bytes.Contains(payload, []byte("true")) {
			t.Fatalf("authorized without a true in %q", payload)
		}
	})
}

func BenchmarkHTTPRequest(b *testing.B) {
	r := httpRequest()
	a := lambdaContext()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := HTTPRequest(r, httpContext, a); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHTTPAuthorizerEventV2(b *testing.B) {
	r := httpRequest()
	ids := []string{"user1", "123"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := HTTPAuthorizerEventV2(r, httpContext, "arn:aws:execute-api:us-east-2:123456789012:r3pmxmplak/$default/POST/my/path", ids); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzHTTPRequest: whatever a client puts in header names and values,
// query and body, the 2.0 event is valid JSON that aws-lambda-go decodes,
// with every header name lower case.
func FuzzHTTPRequest(f *testing.F) {
	f.Add("X-A", "v", "a=1&a=2", []byte("body"), "text/plain")
	f.Add("Cookie", "a=b; c=d", "", []byte{0xff}, "image/png")
	f.Fuzz(func(t *testing.T, name, value, query string, body []byte, ct string) {
		r := bare()
		r.RawQuery, r.Query = query, reqctx.ParseQuery(query)
		r.Headers = []reqctx.Header{{Name: name, Value: value}, {Name: "Content-Type", Value: ct}, {Name: name, Value: value}}
		r.Body = body
		doc, err := HTTPRequest(r, httpContext, lambdaContext())
		if err != nil {
			t.Fatal(err)
		}
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(doc, &ev); err != nil {
			t.Fatalf("%v: %s", err, doc)
		}
		for k := range ev.Headers {
			if k != strings.ToLower(k) && !strings.ContainsRune(k, '\ufffd') {
				t.Fatalf("header name %q not lower case", k)
			}
		}
	})
}
