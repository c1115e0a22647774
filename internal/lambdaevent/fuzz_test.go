package lambdaevent

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// FuzzAppendString checks the hand-written escaper against encoding/json:
// the output is valid JSON and decodes to what encoding/json's own encoding
// of the same string decodes to (invalid UTF-8 bytes become U+FFFD in both).
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", `quote " back \ slash`, "\x00\x01\x1f\x7f", "\n\r\t\b\f", "<>&", "\u2028\u2029", "café ☕ 😀", "\xff\xfe", "a\xc3", "\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendString(nil, s)
		if !json.Valid(got) {
			t.Fatalf("invalid JSON for %q: %s", s, got)
		}
		var decoded, reference string
		if err := json.Unmarshal(got, &decoded); err != nil {
			t.Fatal(err)
		}
		ref, _ := json.Marshal(s)
		if err := json.Unmarshal(ref, &reference); err != nil {
			t.Fatal(err)
		}
		if decoded != reference {
			t.Fatalf("round trip of %q: got %q, encoding/json gives %q", s, decoded, reference)
		}
	})
}

// FuzzProxyRequest feeds arbitrary header, query and body bytes through the
// proxy and REQUEST authorizer events: both must stay valid JSON, and a Go
// handler must read back the values a client sent.
func FuzzProxyRequest(f *testing.F) {
	f.Add("X-Custom", "v\"al", "a=1&a=2&b=%zz", []byte("{\"a\":1}"), "application/json")
	f.Add("", "", "", []byte{}, "")
	f.Add("Ü\x00", "\xff", "=&&=x", []byte{0x89, 'P', 'N', 'G'}, "image/png")
	f.Fuzz(func(t *testing.T, name, value, rawQuery string, body []byte, ct string) {
		r := rootRequest()
		r.Headers = []reqctx.Header{{Name: "Content-Type", Value: ct}, {Name: name, Value: value}}
		r.RawQuery = rawQuery
		r.Query = reqctx.ParseQuery(rawQuery)
		r.Body = body
		c := testContext
		c.BinaryMediaTypes = []string{"image/*"}

		proxy, err := ProxyRequest(r, c)
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid(proxy) {
			t.Fatalf("invalid proxy event: %s", proxy)
		}
		authz, err := RequestAuthorizerEvent(r, c)
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid(authz) {
			t.Fatalf("invalid authorizer event: %s", authz)
		}

		var ev events.APIGatewayProxyRequest
		if err := json.Unmarshal(proxy, &ev); err != nil {
			t.Fatal(err)
		}
		if utf8.Valid(body) && !ev.IsBase64Encoded && ev.Body != string(body) {
			t.Fatalf("body %q came back as %q", body, ev.Body)
		}
		if utf8.ValidString(name) && utf8.ValidString(value) && !strings.EqualFold(name, "Content-Type") {
			if got := ev.MultiValueHeaders[name]; len(got) != 1 || got[0] != value {
				t.Fatalf("header %q: %q came back as %q", name, value, got)
			}
		}
	})
}

// FuzzParseProxyResponse: the parser never panics, and whatever it accepts
// can be written to the client as it is: a status code an HTTP server can
// write, header names that are tokens and values without CR, LF or NUL, so
// that no function can add a header line or split the response.
func FuzzParseProxyResponse(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"statusCode":"200"}`, `{"headers":{"a":true},"multiValueHeaders":{"a":["b"]}}`, `null`, `{"body":{}}`,
		`{"statusCode":1e999}`, `{"headers":{"X":"a\r\nSet-Cookie: x=1"}}`, `{"headers":{"X\r\nY":"v"}}`,
		`{"headers":{"Content-Length":3,"X":null}}`, `{"multiValueHeaders":{"X":[null,1,"\u0000"]}}`,
		`{"headers":{"X":"\u2028"}}`, `{"headers":{"":""}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		p, err := ParseProxyResponse(payload)
		if err != nil {
			if !errors.Is(err, ErrMalformedProxyResponse) {
				t.Fatalf("error %v does not wrap ErrMalformedProxyResponse", err)
			}
			return
		}
		if p.StatusCode < 100 || p.StatusCode > 599 {
			t.Fatalf("accepted status %d from %q", p.StatusCode, payload)
		}
		for _, h := range p.Headers {
			if h.Name == "" || strings.ContainsFunc(h.Name, func(r rune) bool { return r > 0x7e || r <= ' ' || strings.ContainsRune("\"(),/:;<=>?@[\\]{}", r) }) {
				t.Fatalf("accepted header name %q from %q", h.Name, payload)
			}
			if strings.ContainsAny(h.Value, "\r\n\x00") {
				t.Fatalf("accepted header value %q from %q", h.Value, payload)
			}
		}
	})
}
