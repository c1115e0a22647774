package sigv4

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/reqctx"
	"github.com/portcullis-gateway/portcullis/internal/testenv"
)

// jsRequest is one request for testdata/jssigner/sign.cjs. Query values are
// a string or a list of strings, as the JavaScript SDK models them.
type jsRequest struct {
	Method    string            `json:"method"`
	Path      string            `json:"path"`
	Query     map[string]any    `json:"query,omitempty"`
	Headers   map[string]string `json:"headers,omitempty"`
	Body      string            `json:"body,omitempty"`
	Presign   bool              `json:"presign,omitempty"`
	ExpiresIn int               `json:"expiresIn,omitempty"`
}

// signWithJS runs the AWS SDK for JavaScript's signer (installed under
// test/js by the CI script) over reqs. Outside CI a missing node or
// node_modules skips the test; in CI it fails.
func signWithJS(t *testing.T, token string, reqs []jsRequest) []jsRequest {
	t.Helper()
	testenv.Require(t, "js-sdk")
	modules, err := testenv.JSModules()
	if err != nil {
		t.Fatal(err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal(err)
	}
	key := sdkKey
	if token != "" {
		key = sdkTemp
	}
	job, _ := json.Marshal(map[string]any{
		"service": "execute-api", "region": sdkRegion, "host": sdkHost,
		"accessKeyId": key, "secretAccessKey": sdkSecret, "sessionToken": token,
		"date": sdkTime.Format(time.RFC3339), "requests": reqs,
	})
	cmd := exec.Command(node, "testdata/jssigner/sign.cjs")
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	cmd.Stdin = bytes.NewReader(job)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
	var signed []jsRequest
	if err := json.Unmarshal(out, &signed); err != nil {
		t.Fatalf("decoding signer output: %v\n%s", err, out)
	}
	if len(signed) != len(reqs) {
		t.Fatalf("signer returned %d requests for %d", len(signed), len(reqs))
	}
	return signed
}

// jsWire is what the SDK's HTTP handler puts on the wire: the path as
// given, the query built as @smithy/querystring-builder does (each key and
// value URI-escaped, repeated keys repeated).
func jsWire(r jsRequest) *reqctx.Request {
	var q []byte
	keys := make([]string, 0, len(r.Query))
	for k := range r.Query {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	add := func(k, v string) {
		if len(q) > 0 {
			q = append(q, '&')
		}
		q = appendEscaped(q, k, false)
		q = append(q, '=')
		q = appendEscaped(q, v, false)
	}
	for _, k := range keys {
		switch v := r.Query[k].(type) {
		case string:
			add(k, v)
		case []any:
			for _, e := range v {
				s, _ := e.(string)
				add(k, s)
			}
		}
	}
	out := &reqctx.Request{Method: r.Method, WirePath: r.Path, RawQuery: string(q), Body: []byte(r.Body)}
	out.Query = reqctx.ParseQuery(out.RawQuery)
	names := make([]string, 0, len(r.Headers))
	for k := range r.Headers {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		out.Headers = append(out.Headers, reqctx.Header{Name: k, Value: r.Headers[k]})
		if strings.EqualFold(k, "host") {
			out.Host = r.Headers[k]
		}
	}
	return out
}

// TestJSSigner_SignedRequests_Verify: requests signed and presigned by the
// AWS SDK for JavaScript verify, including paths that the SDK normalises
// (dot segments, duplicate slashes) as AWS does for execute-api.
func TestJSSigner_SignedRequests_Verify(t *testing.T) {
	cases := []jsRequest{
		{Method: "GET", Path: "/prod/pets"},
		{Method: "GET", Path: "/prod/pets/a%20b"},
		{Method: "GET", Path: "/prod/pets/%C3%B1and%C3%BA"},
		{Method: "GET", Path: "/prod/./pets//x/../dogs/"},
		{Method: "GET", Path: "/prod/pets", Query: map[string]any{"type": []any{"dog", "cat"}, "empty": "", "q": "café au lait", "slash": "/a/b"}},
		{Method: "POST", Path: "/prod/pets", Headers: map[string]string{"content-type": "application/json", "x-custom": "  a   b "}, Body: `{"name":"Rex"}`},
		{Method: "DELETE", Path: "/prod/pets/1"},
	}
	var reqs []jsRequest
	for _, c := range cases {
		reqs = append(reqs, c)
		p := c
		p.Presign = true
		reqs = append(reqs, p)
	}
	for _, token := range []string{"", sdkToken} {
		signed := signWithJS(t, token, reqs)
		v := sdkVerifier(t, sdkTime.Add(time.Minute))
		for i, s := range signed {
			name := reqs[i].Method + " " + reqs[i].Path
			if len(reqs[i].Query) > 0 {
				name += " with query"
			}
			if reqs[i].Presign {
				name += " presigned"
			}
			if token != "" {
				name += " with session token"
			}
			t.Run(name, func(t *testing.T) {
				if _, err := v.Verify(jsWire(s)); err != nil {
					t.Fatalf("Verify: %v\n%s", err, err.(*Error).Detail)
				}
			})
		}
	}
}

func TestJSSigner_TamperedBody_InvalidSignature(t *testing.T) {
	s := signWithJS(t, "", []jsRequest{{Method: "PUT", Path: "/prod/pets/1", Body: `{"a":1}`}})[0]
	r := jsWire(s)
	r.Body = []byte(`{"a":2}`)
	e := verifyErr(t, sdkVerifier(t, sdkTime), r)
	if e == nil || e.Kind != InvalidSignature {
		t.Fatalf("Verify = %v, want InvalidSignature", e)
	}
	if !strings.Contains(e.Detail, "X-Amz-Content-Sha256 is") {
		t.Errorf("Detail does not point at the payload hash:\n%s", e.Detail)
	}
}
