package lambdaevent

import (
	"testing"

	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// benchRequest is a typical browser-ish request: a dozen headers, a query
// string, a small JSON body and a Lambda authorizer context.
func benchRequest() *reqctx.Request {
	r := lambdaAuthorized()
	r.Headers = append(r.Headers,
		reqctx.Header{Name: "Accept", Value: "application/json, text/plain, */*"},
		reqctx.Header{Name: "Accept-Encoding", Value: "gzip, deflate, br"},
		reqctx.Header{Name: "Accept-Language", Value: "en-US,en;q=0.9"},
		reqctx.Header{Name: "Authorization", Value: "Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl"},
		reqctx.Header{Name: "X-Forwarded-For", Value: "203.0.113.7"},
		reqctx.Header{Name: "X-Amzn-Trace-Id", Value: "Root=1-5e66d96f-7491f09xmpl79d18acf3d050"},
	)
	return r
}

func BenchmarkProxyRequest(b *testing.B) {
	r := benchRequest()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ProxyRequest(r, testContext); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkProxyRequest_Binary64KiB(b *testing.B) {
	r := binaryRequest()
	r.Body = make([]byte, 64<<10)
	c := binaryContext()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ProxyRequest(r, c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRequestAuthorizerEvent(b *testing.B) {
	r := benchRequest()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := RequestAuthorizerEvent(r, testContext); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTokenAuthorizerEvent(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		TokenAuthorizerEvent("Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl",
			"arn:aws:execute-api:us-east-1:123456789012:gy415nuibc/prod/GET/users/42/info")
	}
}

func BenchmarkParseProxyResponse(b *testing.B) {
	payload := []byte(`{"statusCode":200,"headers":{"Content-Type":"application/json","X-Request-Id":"abc"},` +
		`"multiValueHeaders":{"Set-Cookie":["a=1","b=2"]},"body":"{\"message\":\"hello\",\"items\":[1,2,3]}","isBase64Encoded":false}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseProxyResponse(payload); err != nil {
			b.Fatal(err)
		}
	}
}
