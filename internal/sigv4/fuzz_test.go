package sigv4

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// FuzzParseAuthorization: any header value parses or fails with an
// Incomplete error; a success always has the parts AWS requires.
func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
		"Bearer sometoken",
		"sometoken",
		"Basic dXNlcjpwYXNzMQ==",
		"AWS4-HMAC-SHA256 ,,,=,=",
		"AWS4-HMAC-SHA256 Signature=b,    Credential,    SignedHeaders",
		"",
		" \t",
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, value string, hasDate bool) {
		p, err := parseAuthorization(value, hasDate)
		if err != nil {
			if err.Kind != Incomplete || err.Message == "" {
				t.Fatalf("error %v kind %v", err, err.Kind)
			}
			return
		}
		if p.credential == "" || p.signature == "" || !p.hasSignedHeaders || !hasDate {
			t.Fatalf("accepted %q without the required parts: %+v", value, p)
		}
	})
}

// FuzzVerify: Verify never panics, always answers with an *Error, and
// never accepts a request it did not see signed with the secret.
func FuzzVerify(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/sigv4/*/*-signed-request.txt")
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("GET /prod/../..//./%zz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=-1 HTTP/1.1\nHost:\n\n")
	v := mustNew(f, Options{
		Region:  "us-east-1",
		Service: "service",
		// A secret the corpus was not signed with: nothing may verify.
		Keys:  staticKeys{"AKIDEXAMPLE": {"not-the-suite-secret", ""}},
		Clock: fixedClock(time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)),
	})
	f.Fuzz(func(t *testing.T, raw string) {
		r := parseFuzzRequest(raw)
		res, err := v.Verify(r)
		if err == nil {
			t.Fatalf("accepted a request not signed with the secret: %+v", res)
		}
		if _, ok := err.(*Error); !ok {
			t.Fatalf("error %T %v", err, err)
		}
	})
}

// parseFuzzRequest is parseRawRequest without failing on malformed input.
func parseFuzzRequest(text string) *reqctx.Request {
	head, body, _ := strings.Cut(text, "\n\n")
	lines := strings.Split(head, "\n")
	method, target, _ := strings.Cut(lines[0], " ")
	if i := strings.LastIndex(target, " HTTP/"); i >= 0 {
		target = target[:i]
	}
	r := &reqctx.Request{Method: method, Body: []byte(body)}
	r.WirePath, r.RawQuery, _ = strings.Cut(target, "?")
	r.Query = reqctx.ParseQuery(r.RawQuery)
	for _, l := range lines[1:] {
		name, value, _ := strings.Cut(l, ":")
		r.Headers = append(r.Headers, reqctx.Header{Name: name, Value: value})
	}
	r.Host, _ = r.HeaderValue("Host")
	return r
}
