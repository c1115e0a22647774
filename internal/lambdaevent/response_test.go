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
		{"HeaderValueNumber", `{"headers":{"X-Count":5}}`},
		{"HeaderValueObject", `{"headers":{"X":{"a":1}}}`},
		{"HeaderValueNull", `{"headers":{"X":null}}`},
		{"MultiValueNotArray", `{"multiValueHeaders":{"X":"a"}}`},
		{"MultiValueElementNumber", `{"multiValueHeaders":{"X":[1]}}`},
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
