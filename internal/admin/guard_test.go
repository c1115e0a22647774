package admin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
)

// countingMethods counts test invocations, so that a refused request is
// seen not to have reached the integration.
type countingMethods struct{ calls *int }

func (c countingMethods) TestInvokeMethod(context.Context, *apimodel.API, *apimodel.Resource, string, TestInvokeRequest) (TestInvokeMethodResult, error) {
	*c.calls++
	return TestInvokeMethodResult{Status: 200, Body: "ran"}, nil
}

type staticKeys map[string]string

func (k staticKeys) Lookup(key string) (string, string, bool) {
	s, ok := k[key]
	return s, "", ok
}

// guardCase is one request to a real admin listener.
type guardCase struct {
	name   string
	method string
	path   string
	host   string // "" keeps the listener's own address
	header map[string]string
	body   string
	// want is the status: 403 for a refusal, otherwise what the operation
	// answers.
	want int
	// reason is a fragment of the refusal's message.
	reason string
	// sign, when set, signs the request.
	sign *signer
}

func runGuardCases(t *testing.T, opts Options, cases []guardCase, calls *int) {
	t.Helper()
	ts := httptest.NewServer(New(opts))
	defer ts.Close()
	own := strings.TrimPrefix(ts.URL, "http://")
	_, port, _ := strings.Cut(own, ":")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, ts.URL+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.host != "" {
				req.Host = strings.ReplaceAll(tc.host, "PORT", port)
			}
			for k, v := range tc.header {
				req.Header.Set(k, strings.ReplaceAll(strings.ReplaceAll(v, "OWN", own), "PORT", port))
			}
			if tc.sign != nil {
				tc.sign.sign(t, req, tc.body)
			}
			before := *calls
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d; body %s", resp.StatusCode, tc.want, b)
			}
			if tc.want != http.StatusForbidden {
				return
			}
			if *calls != before {
				t.Errorf("a refused request reached the test invocation")
			}
			var msg struct{ Message string }
			if err := json.Unmarshal(b, &msg); err != nil || resp.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("refusal is not a JSON {\"message\"}: %s (%s)", b, resp.Header.Get("Content-Type"))
			}
			if !strings.Contains(msg.Message, tc.reason) {
				t.Errorf("message %q does not say %q", msg.Message, tc.reason)
			}
		})
	}
}

// TestAdmin_CrossSiteRequestsRefused: a web page can make the browser send
// a "simple" cross-site POST (text/plain, form types) without a preflight,
// and with DNS rebinding read answers from a foreign Host. None of it may
// reach TestInvokeMethod, which runs the integration without its
// authorizer. What AWS SDKs and the CLI send (JSON or no body, Host of the
// endpoint, no Origin, no Sec-Fetch-*) passes, as does a page served from
// the listener's own origin. CORS-safelisted content types: Fetch
// standard, https://fetch.spec.whatwg.org/#cors-safelisted-request-header.
func TestAdmin_CrossSiteRequestsRefused(t *testing.T) {
	calls := 0
	opts := Options{
		APIs:         func() []*apimodel.API { return []*apimodel.API{testAPI()} },
		Methods:      countingMethods{&calls},
		AllowedHosts: []string{"admin.internal", "proxy.example:8443"},
	}
	invoke := "/restapis/abcdef1234/resources/pets01/methods/GET"
	json := map[string]string{"Content-Type": "application/json"}
	cases := []guardCase{
		// The attack of the report: everything a page can forge at once.
		{name: "TextPlainPOST_EvilOriginForeignHost_403", method: "POST", path: invoke, host: "evil.example:PORT",
			header: map[string]string{"Content-Type": "text/plain", "Origin": "http://evil.example:PORT"}, body: `{}`, want: 403, reason: "Host"},
		// Each signal alone.
		{name: "ForeignHost_DNSRebinding_403", method: "POST", path: invoke, host: "evil.example:PORT", header: json, body: `{}`, want: 403, reason: "DNS rebinding"},
		{name: "ForeignHost_OnAGET_403", method: "GET", path: "/restapis", host: "evil.example:PORT", want: 403, reason: "Host"},
		{name: "LoopbackNameOtherPort_403", method: "GET", path: "/restapis", host: "localhost:1", want: 403, reason: "port"},
		{name: "HostWithoutPort_403", method: "GET", path: "/restapis", host: "localhost", want: 403, reason: "port"},
		{name: "ForeignOrigin_403", method: "POST", path: invoke, header: map[string]string{"Content-Type": "application/json", "Origin": "http://evil.example"}, body: `{}`, want: 403, reason: "Origin"},
		{name: "NullOrigin_403", method: "POST", path: invoke, header: map[string]string{"Content-Type": "application/json", "Origin": "null"}, body: `{}`, want: 403, reason: "Origin"},
		{name: "OtherLocalhostPortOrigin_403", method: "POST", path: invoke, header: map[string]string{"Content-Type": "application/json", "Origin": "http://localhost:8080"}, body: `{}`, want: 403, reason: "Origin"},
		{name: "SecFetchSiteCrossSite_403", method: "GET", path: "/restapis", header: map[string]string{"Sec-Fetch-Site": "cross-site"}, want: 403, reason: "cross-site"},
		{name: "SecFetchSiteSameSite_403", method: "GET", path: "/restapis", header: map[string]string{"Sec-Fetch-Site": "same-site"}, want: 403, reason: "same-site"},
		{name: "TextPlain_403", method: "POST", path: invoke, header: map[string]string{"Content-Type": "text/plain;charset=UTF-8"}, body: `{}`, want: 403, reason: "text/plain"},
		{name: "FormURLEncoded_403", method: "POST", path: invoke, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, body: `a=b`, want: 403, reason: "application/x-www-form-urlencoded"},
		{name: "Multipart_403", method: "POST", path: invoke, header: map[string]string{"Content-Type": "multipart/form-data; boundary=x"}, body: "--x--", want: 403, reason: "multipart/form-data"},
		{name: "FormTypeOnFlush_403", method: "DELETE", path: "/restapis/abcdef1234/stages/prod/cache/authorizers", header: map[string]string{"Content-Type": "text/plain"}, want: 403, reason: "text/plain"},
		// What the SDKs, the CLI and curl send.
		{name: "SDKJSONPost_OwnAddress_200", method: "POST", path: invoke, header: json, body: `{}`, want: 200},
		{name: "SDKJSONPost_Localhost_200", method: "POST", path: invoke, host: "localhost:PORT", header: json, body: `{}`, want: 200},
		{name: "IPv6Loopback_200", method: "POST", path: invoke, host: "[::1]:PORT", header: json, body: `{}`, want: 200},
		{name: "OtherLoopbackAddress_200", method: "GET", path: "/restapis", host: "127.0.0.2:PORT", want: 200},
		{name: "ConfiguredName_AnyPort_200", method: "GET", path: "/restapis", host: "Admin.Internal:9999", want: 200},
		{name: "ConfiguredNameAndPort_200", method: "GET", path: "/restapis", host: "proxy.example:8443", want: 200},
		{name: "ConfiguredNameOtherPort_403", method: "GET", path: "/restapis", host: "proxy.example:9999", want: 403, reason: "Host"},
		{name: "CLIFlush_NoBody_202", method: "DELETE", path: "/restapis/abcdef1234/stages/prod/cache/authorizers", want: 202},
		{name: "TextPlainOnAGET_200", method: "GET", path: "/restapis", header: map[string]string{"Content-Type": "text/plain"}, want: 200},
		{name: "LambdaPayloadOctetStream_PassesTheGuard_404", method: "POST", path: "/2015-03-31/functions/Echo/invocations", header: map[string]string{"Content-Type": "application/octet-stream"}, body: `{}`, want: 404},
		// A page served by the listener itself (a future UI).
		{name: "SameOriginBrowser_200", method: "POST", path: invoke, header: map[string]string{"Content-Type": "application/json", "Origin": "http://OWN", "Sec-Fetch-Site": "same-origin"}, body: `{}`, want: 200},
		{name: "TypedURL_SecFetchSiteNone_200", method: "GET", path: "/restapis", header: map[string]string{"Sec-Fetch-Site": "none"}, want: 200},
		// Load balancers probe health with their own Host.
		{name: "Healthz_AnyHost_200", method: "GET", path: "/healthz", host: "lb.example", want: 200},
	}
	runGuardCases(t, opts, cases, &calls)
}

// signer signs a request with aws-sdk-go-v2's SigV4 signer, as the SDKs
// and the CLI do.
type signer struct {
	key, secret, service string
	// body is what is signed when it differs from what is sent.
	body *string
}

func (sg signer) sign(t *testing.T, req *http.Request, body string) {
	t.Helper()
	if sg.body != nil {
		body = *sg.body
	}
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: sg.key, SecretAccessKey: sg.secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), sg.service, "eu-west-1", time.Now()); err != nil {
		t.Fatal(err)
	}
}

// TestAdmin_IdentitiesConfigured_SigV4Required: with identities, the admin
// API requires what AWS requires of management and Lambda calls, a valid
// SigV4 signature by a known access key ("Signing AWS API requests",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html),
// and answers as AWS does when one is missing or wrong.
func TestAdmin_IdentitiesConfigured_SigV4Required(t *testing.T) {
	calls := 0
	opts := Options{
		APIs:    func() []*apimodel.API { return []*apimodel.API{testAPI()} },
		Methods: countingMethods{&calls},
		Keys:    staticKeys{"AKIDADMIN": "secret"},
	}
	invoke := "/restapis/abcdef1234/resources/pets01/methods/GET"
	empty := `{}`
	cases := []guardCase{
		{name: "Unsigned_403_MissingAuthenticationToken", method: "POST", path: invoke, header: map[string]string{"Content-Type": "application/json"}, body: `{}`, want: 403, reason: "Missing Authentication Token"},
		{name: "UnknownKey_403", method: "POST", path: invoke, body: `{}`, sign: &signer{key: "AKIDOTHER", secret: "secret", service: "apigateway"}, want: 403, reason: "security token"},
		{name: "WrongSecret_403", method: "POST", path: invoke, body: `{}`, sign: &signer{key: "AKIDADMIN", secret: "wrong", service: "apigateway"}, want: 403, reason: "signature"},
		{name: "BodyChangedAfterSigning_403", method: "POST", path: invoke, body: `{"x":1}`, sign: &signer{key: "AKIDADMIN", secret: "secret", service: "apigateway", body: &empty}, want: 403, reason: "signature"},
		{name: "Signed_200", method: "POST", path: invoke, body: `{}`, sign: &signer{key: "AKIDADMIN", secret: "secret", service: "apigateway"}, want: 200},
		{name: "SignedForLambda_PassesTheGuard_404", method: "POST", path: "/2015-03-31/functions/Echo/invocations", body: `{}`, sign: &signer{key: "AKIDADMIN", secret: "secret", service: "lambda"}, want: 404},
		{name: "Healthz_Unsigned_200", method: "GET", path: "/healthz", want: 200},
	}
	runGuardCases(t, opts, cases, &calls)
}
