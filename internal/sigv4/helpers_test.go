package sigv4

import (
	"strings"
	"testing"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// parseRawRequest reads an HTTP/1.1 request as the test suite writes it:
// the request line, "Name:value" header lines (a line starting with
// whitespace continues the previous value, as obs-fold does), a blank
// line, the body. The request target is kept verbatim, spaces and raw
// UTF-8 included, as WirePath.
func parseRawRequest(t testing.TB, text string) *reqctx.Request {
	t.Helper()
	text = strings.ReplaceAll(text, "\r\n", "\n")
	head, body, _ := strings.Cut(text, "\n\n")
	lines := strings.Split(head, "\n")
	method, rest, ok := strings.Cut(lines[0], " ")
	if !ok {
		t.Fatalf("bad request line %q", lines[0])
	}
	target := rest
	if i := strings.LastIndex(rest, " HTTP/"); i >= 0 {
		target = rest[:i]
	}
	r := &reqctx.Request{Method: method, Body: []byte(body), Protocol: "HTTP/1.1"}
	r.WirePath, r.RawQuery, _ = strings.Cut(target, "?")
	r.Query = reqctx.ParseQuery(r.RawQuery)
	for _, l := range lines[1:] {
		if l == "" {
			continue
		}
		if l[0] == ' ' || l[0] == '\t' {
			if n := len(r.Headers); n > 0 {
				r.Headers[n-1].Value += " " + strings.TrimSpace(l)
			}
			continue
		}
		name, value, _ := strings.Cut(l, ":")
		r.Headers = append(r.Headers, reqctx.Header{Name: name, Value: value})
	}
	r.Host, _ = r.HeaderValue("Host")
	return r
}

// staticKeys is a KeyStore with fixed entries.
type staticKeys map[string][2]string

func (k staticKeys) Lookup(accessKey string) (string, string, bool) {
	e, ok := k[accessKey]
	return e[0], e[1], ok
}

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

func mustNew(t testing.TB, o Options) *Verifier {
	t.Helper()
	v, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// verifyErr runs Verify and returns its *Error (nil on success).
func verifyErr(t testing.TB, v *Verifier, r *reqctx.Request) *Error {
	t.Helper()
	_, err := v.Verify(r)
	if err == nil {
		return nil
	}
	e, ok := err.(*Error)
	if !ok {
		t.Fatalf("Verify returned %T %v, want *Error", err, err)
	}
	return e
}
