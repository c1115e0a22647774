package lambdaevent

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The accepted and rejected shapes follow "Set up Lambda proxy integrations
// in API Gateway" (output format: every field optional, headers merged with
// multiValueHeaders, anything else → 502 "Malformed Lambda proxy response")
// and LocalStack's AWS-validated API Gateway parity tests (numeric-string
// statusCode accepted, boolean header values rendered, no extra fields).
func TestParseProxyResponse(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    *ProxyResponse
	}{
		{
			name:    "FullResponse",
			payload: `{"statusCode":201,"headers":{"Content-Type":"text/plain"},"body":"hi","isBase64Encoded":false}`,
			want:    &ProxyResponse{StatusCode: 201, Headers: []Header{{"Content-Type", "text/plain"}}, Body: "hi"},
		},
		{
			name:    "EmptyObject_Defaults200",
			payload: `{}`,
			want:    &ProxyResponse{StatusCode: 200},
		},
		{
			name:    "StatusCodeAsNumericString",
			payload: `{"statusCode":"404","body":"nope"}`,
			want:    &ProxyResponse{StatusCode: 404, Body: "nope"},
		},
		{
			name:    "StatusCodeIntegralFloat",
			payload: `{"statusCode":302.0}`,
			want:    &ProxyResponse{StatusCode: 302},
		},
		{
			name:    "NullFieldsAreAbsent",
			payload: `{"statusCode":null,"headers":null,"multiValueHeaders":null,"body":null,"isBase64Encoded":null}`,
			want:    &ProxyResponse{StatusCode: 200},
		},
		{
			// API Gateway (REST) stringifies numeric header values: Node
			// frameworks that return "Content-Length": 3 work behind it and
			// fail only behind an ALB (CultureHQ/polyfill-lambda#12,
			// CodeGenieApp/serverless-express#563, pwrdrvr/lambda-dispatch#52).
			name:    "NumericHeaderValuesAsWritten",
			payload: `{"headers":{"Content-Length":3,"X-Ratio":1.5},"multiValueHeaders":{"X-N":[7,"x",-2]}}`,
			want:    &ProxyResponse{StatusCode: 200, Headers: []Header{{"Content-Length", "3"}, {"X-Ratio", "1.5"}, {"X-N", "7"}, {"X-N", "x"}, {"X-N", "-2"}}},
		},
		{
			// "Cache-Control": null works behind API Gateway
			// (CultureHQ/polyfill-lambda#12): the header is left out.
			name:    "NullHeaderValuesLeftOut",
			payload: `{"headers":{"Cache-Control":null,"X-A":"a"},"multiValueHeaders":{"X-B":[null,"b"],"X-C":null}}`,
			want:    &ProxyResponse{StatusCode: 200, Headers: []Header{{"X-A", "a"}, {"X-B", "b"}}},
		},
		{
			name:    "TokenCharactersInNames",
			payload: "{\"headers\":{\"X-!#$%&'*+.^_`|~09az\":\"v\\tw\"}}",
			want:    &ProxyResponse{StatusCode: 200, Headers: []Header{{"X-!#$%&'*+.^_`|~09az", "v\tw"}}},
		},
		{
			name:    "BooleanHeaderValuesRendered",
			payload: `{"headers":{"X-Cache":true},"multiValueHeaders":{"X-Flag":[false,"x"]}}`,
			want:    &ProxyResponse{StatusCode: 200, Headers: []Header{{"X-Cache", "true"}, {"X-Flag", "false"}, {"X-Flag", "x"}}},
		},
		{
			name: "MultiValueHeadersWinOverHeadersOfTheSameName",
			payload: `{"statusCode":200,
				"headers":{"Set-Cookie":"a=1","X-One":"1","content-type":"text/html"},
				"multiValueHeaders":{"set-cookie":["b=2","c=3"],"Vary":["Accept","Origin"]}}`,
			want: &ProxyResponse{StatusCode: 200, Headers: []Header{
				{"X-One", "1"}, {"content-type", "text/html"},
				{"set-cookie", "b=2"}, {"set-cookie", "c=3"}, {"Vary", "Accept"}, {"Vary", "Origin"},
			}},
		},
		{
			name:    "HeaderOrderPreserved",
			payload: `{"headers":{"Z":"1","A":"2","M":"3"}}`,
			want:    &ProxyResponse{StatusCode: 200, Headers: []Header{{"Z", "1"}, {"A", "2"}, {"M", "3"}}},
		},
		{
			name:    "Base64Body",
			payload: `{"statusCode":200,"body":"iVBORw==","isBase64Encoded":true}`,
			want:    &ProxyResponse{StatusCode: 200, Body: "iVBORw==", IsBase64Encoded: true},
		},
		{
			name:    "SurroundingWhitespace",
			payload: " \n{\"statusCode\":204}\n",
			want:    &ProxyResponse{StatusCode: 204},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseProxyResponse([]byte(tt.payload))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseProxyResponse_Malformed_502(t *testing.T) {
	tests := []struct {
		name    string
		payload string
	}{
		{"EmptyPayload", ``},
		{"NotJSON", `hello`},
		{"Null", `null`},
		{"Array", `[{"statusCode":200}]`},
		{"String", `"ok"`},
		{"Number", `200`},
		{"TruncatedObject", `{"statusCode":200`},
		{"TrailingData", `{"statusCode":200}{}`},
		{"UnknownField", `{"statusCode":200,"body":"x","cookies":["a=1"]}`},
		{"FunctionErrorDocument", `{"errorType":"Error","errorMessage":"boom","trace":[]}`},
		{"FieldNamesAreCaseSensitive", `{"StatusCode":200}`},
		{"ObjectBody", `{"statusCode":200,"body":{"hey":"dude"}}`},
		{"NumberBody", `{"statusCode":200,"body":42}`},
		{"StatusCodeNotNumeric", `{"statusCode":"OK"}`},
		{"StatusCodeFraction", `{"statusCode":200.5}`},
		{"StatusCodeBoolean", `{"statusCode":true}`},
		{"StatusCodeTooSmall", `{"statusCode":99}`},
		{"StatusCodeTooLarge", `{"statusCode":600}`},
		{"StatusCodeHuge", `{"statusCode":1e300}`},
		{"HeadersNotObject", `{"headers":["a"]}`},
		{"HeaderValueObject", `{"headers":{"X":{"a":1}}}`},
		{"HeaderValueArray", `{"headers":{"X":["a"]}}`},
		{"MultiValueNotArray", `{"multiValueHeaders":{"X":"a"}}`},
		{"MultiValueElementObject", `{"multiValueHeaders":{"X":[{}]}}`},
		// Names must be RFC 9110 tokens and values free of CR, LF and NUL:
		// anything else could split the client response into extra header
		// lines, and API Gateway answers it as a malformed response.
		{"HeaderNameEmpty", `{"headers":{"":"v"}}`},
		{"HeaderNameWithSpace", `{"headers":{"X Bad":"v"}}`},
		{"HeaderNameWithColon", `{"headers":{"X-Bad:":"v"}}`},
		{"HeaderNameWithCRLF", `{"headers":{"X\r\nSet-Cookie":"v"}}`},
		{"HeaderNameNonASCII", `{"headers":{"X-Caf\u00e9":"v"}}`},
		{"HeaderNameWithSlash", `{"headers":{"X/Y":"v"}}`},
		{"MultiValueNameWithSpace", `{"multiValueHeaders":{"X Bad":["v"]}}`},
		{"HeaderValueWithCRLF", `{"headers":{"X":"a\r\nSet-Cookie: s=1"}}`},
		{"HeaderValueWithLF", `{"headers":{"X":"a\nb"}}`},
		{"HeaderValueWithCR", `{"headers":{"X":"a\rb"}}`},
		{"HeaderValueWithNUL", `{"headers":{"X":"a\u0000b"}}`},
		{"MultiValueValueWithCRLF", `{"multiValueHeaders":{"X":["ok","a\r\nb"]}}`},
		{"StatusCodeNumericStringFraction", `{"statusCode":"200.0"}`},
		{"StatusCodeEmptyString", `{"statusCode":""}`},
		{"IsBase64EncodedString", `{"isBase64Encoded":"true"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseProxyResponse([]byte(tt.payload))
			if !errors.Is(err, ErrMalformedProxyResponse) {
				t.Fatalf("ParseProxyResponse(%q) = %+v, %v; want ErrMalformedProxyResponse", tt.payload, got, err)
			}
		})
	}
}

func TestProxyResponse_DecodedBody(t *testing.T) {
	p := &ProxyResponse{Body: "aGk=", IsBase64Encoded: true}
	b, err := p.DecodedBody()
	if err != nil || string(b) != "hi" {
		t.Errorf("DecodedBody() = %q, %v", b, err)
	}
	p.Body = "not base64!"
	if _, err := p.DecodedBody(); err == nil {
		t.Error("want error for invalid base64")
	}
	p = &ProxyResponse{Body: "aGk="}
	if b, _ := p.DecodedBody(); string(b) != "aGk=" {
		t.Errorf("text body changed: %q", b)
	}
}

// TestIsBinaryAccept: only the first Accept media type decides ("Binary
// media types for REST APIs": "API Gateway uses the first Accept header
// from clients to determine if a response should return binary media").
func TestIsBinaryAccept(t *testing.T) {
	png := []string{"image/png"}
	tests := []struct {
		name   string
		accept string
		types  []string
		want   bool
	}{
		{"FirstMatches", "image/png", png, true},
		{"FirstMatchesWithParameters", "image/png;q=0.9, text/html", png, true},
		{"SecondMatchesOnly", "text/html, image/png", png, false},
		{"BrowserImgAccept_NeedsFirstType", "image/webp,image/*,*/*;q=0.8", png, false},
		{"BrowserImgAccept_WildcardBinaryTypes", "image/webp,image/*,*/*;q=0.8", []string{"*/*"}, true},
		{"AbsentAcceptIsJSON", "", []string{"application/json"}, true},
		{"AbsentAcceptNotBinary", "", png, false},
		{"NoBinaryTypes", "image/png", nil, false},
		{"CaseInsensitive", "IMAGE/PNG", png, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsBinaryAccept(tt.accept, tt.types); got != tt.want {
				t.Errorf("IsBinaryAccept(%q, %q) = %v, want %v", tt.accept, tt.types, got, tt.want)
			}
		})
	}
}
