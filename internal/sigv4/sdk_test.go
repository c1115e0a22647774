package sigv4

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/google/go-cmp/cmp"

	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// Requests signed by aws-sdk-go-v2's signer, a client nobody here wrote,
// for execute-api the way AWS SDK users call an AWS_IAM method.

const (
	sdkRegion = "eu-west-1"
	sdkHost   = "abc123.execute-api.eu-west-1.amazonaws.com"
	sdkKey    = "AKIDPORTCULLIS"
	sdkSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYPORTCULLIS"
	sdkToken  = "FwoGZXIvYXdzEXAMPLETOKEN//////////wEaDG+session=="
	sdkTemp   = "ASIAPORTCULLIS"
)

var sdkTime = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

func sdkVerifier(t testing.TB, now time.Time) *Verifier {
	return mustNew(t, Options{
		Region: sdkRegion,
		Keys: staticKeys{
			sdkKey:  {sdkSecret, ""},
			sdkTemp: {sdkSecret, sdkToken},
		},
		Clock: fixedClock(now),
	})
}

type sdkRequest struct {
	method  string
	url     string // path and query after the host, as the client writes it
	headers map[string]string
	body    string
	creds   aws.Credentials
	service string
	region  string
}

func (s sdkRequest) httpRequest(t testing.TB) *http.Request {
	t.Helper()
	req, err := http.NewRequest(s.method, "https://"+sdkHost+s.url, strings.NewReader(s.body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range s.headers {
		req.Header.Set(k, v)
	}
	return req
}

func (s sdkRequest) defaults() sdkRequest {
	if s.method == "" {
		s.method = http.MethodGet
	}
	if s.creds.AccessKeyID == "" {
		s.creds = aws.Credentials{AccessKeyID: sdkKey, SecretAccessKey: sdkSecret}
	}
	if s.service == "" {
		s.service = "execute-api"
	}
	if s.region == "" {
		s.region = sdkRegion
	}
	return s
}

func payloadHash(body string) string {
	sum := sha256.Sum256([]byte(body))
	return hex.EncodeToString(sum[:])
}

// signHTTP signs with SignHTTP and returns the request as the gateway's
// listener would record it.
func signHTTP(t testing.TB, s sdkRequest) *reqctx.Request {
	t.Helper()
	s = s.defaults()
	req := s.httpRequest(t)
	if err := v4.NewSigner().SignHTTP(context.Background(), s.creds, req, payloadHash(s.body), s.service, s.region, sdkTime); err != nil {
		t.Fatal(err)
	}
	return toReqctx(req, s.body)
}

// presignHTTP presigns with PresignHTTP and returns the request a client
// sends to the presigned URL.
func presignHTTP(t testing.TB, s sdkRequest, expires time.Duration) *reqctx.Request {
	t.Helper()
	s = s.defaults()
	req := s.httpRequest(t)
	if expires > 0 {
		q := req.URL.Query()
		q.Set("X-Amz-Expires", strconv.Itoa(int(expires/time.Second)))
		req.URL.RawQuery = q.Encode()
	}
	signed, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), s.creds, req, payloadHash(s.body), s.service, s.region, sdkTime)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(signed)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := http.NewRequest(s.method, u.String(), strings.NewReader(s.body))
	out.Header = hdr
	return toReqctx(out, s.body)
}

// toReqctx records what net/http's client puts on the wire: the request
// line's path and query, Host first, then the other headers.
func toReqctx(req *http.Request, body string) *reqctx.Request {
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	r := &reqctx.Request{
		Method:   req.Method,
		WirePath: req.URL.EscapedPath(),
		RawQuery: req.URL.RawQuery,
		Host:     host,
		Body:     []byte(body),
		Headers:  []reqctx.Header{{Name: "Host", Value: host}},
	}
	r.Query = reqctx.ParseQuery(r.RawQuery)
	if len(body) > 0 {
		r.Headers = append(r.Headers, reqctx.Header{Name: "Content-Length", Value: strconv.Itoa(len(body))})
	}
	for name, values := range req.Header {
		if strings.EqualFold(name, "Host") || strings.EqualFold(name, "Content-Length") {
			continue
		}
		for _, v := range values {
			r.Headers = append(r.Headers, reqctx.Header{Name: name, Value: v})
		}
	}
	return r
}

func TestSDKSigner_SignedRequests_Verify(t *testing.T) {
	temp := aws.Credentials{AccessKeyID: sdkTemp, SecretAccessKey: sdkSecret, SessionToken: sdkToken}
	tests := []struct {
		name string
		req  sdkRequest
	}{
		{"GET stage root", sdkRequest{url: "/prod"}},
		{"GET with escaped space is double-encoded", sdkRequest{url: "/prod/pets/a%20b"}},
		{"GET unicode path", sdkRequest{url: "/prod/pets/%C3%B1and%C3%BA/%E1%88%B4"}},
		{"GET escaped slash inside a segment", sdkRequest{url: "/prod/files/a%2Fb"}},
		{"GET reserved characters in the path", sdkRequest{url: "/prod/p/a:b@c!d$e&f'g(h)i*j+k,l;m=n"}},
		{"GET repeated query keys", sdkRequest{url: "/prod/pets?type=dog&type=cat&b=2&a=1"}},
		{"GET empty query values and bare keys", sdkRequest{url: "/prod/pets?empty=&flag&x=1"}},
		{"GET query needing encoding", sdkRequest{url: "/prod/search?q=caf%C3%A9+au+lait&tag=%2Fa%2Fb&star=*"}},
		{"POST JSON body", sdkRequest{
			method:  http.MethodPost,
			url:     "/prod/pets",
			headers: map[string]string{"Content-Type": "application/json"},
			body:    `{"name":"Rex","type":"dog"}`,
		}},
		{"PUT with custom headers having inner spaces", sdkRequest{
			method:  http.MethodPut,
			url:     "/prod/pets/1",
			headers: map[string]string{"X-Custom": "  a   b  c ", "Content-Type": "text/plain"},
			body:    "hello",
		}},
		{"DELETE with temporary credentials", sdkRequest{method: http.MethodDelete, url: "/prod/pets/1", creds: temp}},
	}
	v := sdkVerifier(t, sdkTime.Add(2*time.Minute))
	for _, tt := range tests {
		t.Run("SignHTTP/"+tt.name, func(t *testing.T) {
			res, err := v.Verify(signHTTP(t, tt.req))
			if err != nil {
				t.Fatalf("Verify: %v\n%s", err, err.(*Error).Detail)
			}
			want := tt.req.defaults().creds.AccessKeyID
			if res.AccessKey != want || res.Region != sdkRegion || !res.Date.Equal(sdkTime) || res.Presigned {
				t.Errorf("Result = %+v", res)
			}
		})
		t.Run("PresignHTTP/"+tt.name, func(t *testing.T) {
			res, err := v.Verify(presignHTTP(t, tt.req, 0))
			if err != nil {
				t.Fatalf("Verify: %v\n%s", err, err.(*Error).Detail)
			}
			if !res.Presigned {
				t.Errorf("Result.Presigned = false for a presigned URL")
			}
		})
	}
}

func TestSDKSigner_WireQueryOrderDoesNotMatter(t *testing.T) {
	r := signHTTP(t, sdkRequest{url: "/prod/pets?type=dog&type=cat&b=2&a=1"})
	r.RawQuery = "type=dog&b=2&type=cat&a=1"
	r.Query = reqctx.ParseQuery(r.RawQuery)
	if e := verifyErr(t, sdkVerifier(t, sdkTime), r); e != nil {
		t.Fatalf("Verify: %v", e)
	}
}

// TestSDKSigner_Tampered_FailsWithTheRightKind changes one thing after
// signing and expects the error API Gateway gives for it.
func TestSDKSigner_Tampered_FailsWithTheRightKind(t *testing.T) {
	base := sdkRequest{
		method:  http.MethodPost,
		url:     "/prod/pets/a%20b?x=1",
		headers: map[string]string{"Content-Type": "application/json", "X-Custom": "v"},
		body:    `{"a":1}`,
	}
	temp := base
	temp.creds = aws.Credentials{AccessKeyID: sdkTemp, SecretAccessKey: sdkSecret, SessionToken: sdkToken}
	setHeader := func(r *reqctx.Request, name, value string) {
		for i := range r.Headers {
			if strings.EqualFold(r.Headers[i].Name, name) {
				r.Headers[i].Value = value
				return
			}
		}
		r.Headers = append(r.Headers, reqctx.Header{Name: name, Value: value})
	}
	tests := []struct {
		name    string
		req     sdkRequest
		presign bool
		now     time.Time
		tamper  func(r *reqctx.Request)
		want    Kind
	}{
		{name: "body changed", req: base, tamper: func(r *reqctx.Request) { r.Body = []byte(`{"a":2}`) }, want: InvalidSignature},
		{name: "signed header changed", req: base, tamper: func(r *reqctx.Request) { setHeader(r, "X-Custom", "w") }, want: InvalidSignature},
		{name: "path changed", req: base, tamper: func(r *reqctx.Request) { r.WirePath = "/prod/pets/a%20c" }, want: InvalidSignature},
		{name: "path decoded by a proxy", req: base, tamper: func(r *reqctx.Request) { r.WirePath = "/prod/pets/a b" }, want: InvalidSignature},
		{name: "query changed", req: base, tamper: func(r *reqctx.Request) { r.RawQuery = "x=2"; r.Query = reqctx.ParseQuery("x=2") }, want: InvalidSignature},
		{name: "presigned query changed", req: base, presign: true, tamper: func(r *reqctx.Request) {
			r.RawQuery = strings.Replace(r.RawQuery, "x=1", "x=2", 1)
			r.Query = reqctx.ParseQuery(r.RawQuery)
		}, want: InvalidSignature},
		{name: "method changed", req: base, tamper: func(r *reqctx.Request) { r.Method = http.MethodPut }, want: InvalidSignature},
		{name: "host rewritten by a proxy", req: base, tamper: func(r *reqctx.Request) { setHeader(r, "Host", "localhost:3000") }, want: InvalidSignature},
		{name: "X-Amz-Date changed", req: base, tamper: func(r *reqctx.Request) { setHeader(r, "X-Amz-Date", "20260314T151000Z") }, want: InvalidSignature},
		{name: "clock 6 minutes ahead", req: base, now: sdkTime.Add(6 * time.Minute), want: Expired},
		{name: "clock 6 minutes behind", req: base, now: sdkTime.Add(-6 * time.Minute), want: Expired},
		{name: "presigned URL used too late", req: base, presign: true, now: sdkTime.Add(6 * time.Minute), want: Expired},
		{name: "unknown access key", req: sdkRequest{creds: aws.Credentials{AccessKeyID: "AKIDUNKNOWN", SecretAccessKey: sdkSecret}}, want: UnknownKey},
		{name: "wrong secret", req: sdkRequest{creds: aws.Credentials{AccessKeyID: sdkKey, SecretAccessKey: "nope"}}, want: InvalidSignature},
		{name: "signed for another region", req: sdkRequest{region: "us-east-1"}, want: ScopeRegion},
		{name: "signed for another service", req: sdkRequest{service: "lambda"}, want: ScopeService},
		{name: "session token replaced", req: temp, tamper: func(r *reqctx.Request) { setHeader(r, "X-Amz-Security-Token", "other") }, want: InvalidSignature},
		{name: "temporary key without its token", req: sdkRequest{creds: aws.Credentials{AccessKeyID: sdkTemp, SecretAccessKey: sdkSecret}}, want: UnknownKey},
		{name: "long-term key with a token", req: sdkRequest{creds: aws.Credentials{AccessKeyID: sdkKey, SecretAccessKey: sdkSecret, SessionToken: sdkToken}}, want: UnknownKey},
		{name: "presigned session token replaced", req: temp, presign: true, tamper: func(r *reqctx.Request) {
			r.RawQuery = strings.Replace(r.RawQuery, url.QueryEscape(sdkToken), "other", 1)
			r.Query = reqctx.ParseQuery(r.RawQuery)
		}, want: InvalidSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r *reqctx.Request
			if tt.presign {
				r = presignHTTP(t, tt.req, 0)
			} else {
				r = signHTTP(t, tt.req)
			}
			if tt.tamper != nil {
				tt.tamper(r)
			}
			now := tt.now
			if now.IsZero() {
				now = sdkTime
			}
			e := verifyErr(t, sdkVerifier(t, now), r)
			if e == nil {
				t.Fatal("Verify accepted the request")
			}
			if e.Kind != tt.want {
				t.Errorf("Kind = %v (%s), want %v", e.Kind, e.Message, tt.want)
			}
		})
	}
}

func TestSDKSigner_PresignedExpires_ShorterThanSkewIsHonoured(t *testing.T) {
	r := presignHTTP(t, sdkRequest{url: "/prod/pets"}, 60*time.Second)
	if e := verifyErr(t, sdkVerifier(t, sdkTime.Add(59*time.Second)), r); e != nil {
		t.Fatalf("within X-Amz-Expires: %v", e)
	}
	e := verifyErr(t, sdkVerifier(t, sdkTime.Add(61*time.Second)), r)
	want := &Error{Kind: Expired, Message: "Signature expired: 20260314T150926Z is now earlier than 20260314T150927Z (20260314T151027Z - 60 sec.)"}
	if diff := cmp.Diff(want, e); diff != "" {
		t.Errorf("after X-Amz-Expires (-want +got):\n%s", diff)
	}
}

// TestSDKSigner_ProxyRewroteHost_DiagnosisNamesIt pins the hint for the
// commonest local failure: a reverse proxy in front of the gateway sets
// Host to its upstream and passes the original as X-Forwarded-Host.
func TestSDKSigner_ProxyRewroteHost_DiagnosisNamesIt(t *testing.T) {
	r := signHTTP(t, sdkRequest{url: "/prod/pets"})
	r.Headers[0].Value = "127.0.0.1:3000"
	r.Host = "127.0.0.1:3000"
	r.Headers = append(r.Headers, reqctx.Header{Name: "X-Forwarded-Host", Value: sdkHost})
	e := verifyErr(t, sdkVerifier(t, sdkTime), r)
	if e == nil || e.Kind != InvalidSignature {
		t.Fatalf("Verify = %v, want InvalidSignature", e)
	}
	for _, want := range []string{
		"Canonical request:\nGET\n/prod/pets\n\nhost:127.0.0.1:3000\n",
		"String to sign:\nAWS4-HMAC-SHA256\n20260314T150926Z\n20260314/eu-west-1/execute-api/aws4_request\n",
		"The signature matches Host '" + sdkHost + "' (from X-Forwarded-Host)",
	} {
		if !strings.Contains(e.Detail, want) {
			t.Errorf("Detail lacks %q:\n%s", want, e.Detail)
		}
	}
	if strings.Contains(e.Detail, sdkSecret) {
		t.Errorf("Detail contains the secret")
	}
}

func TestSDKSigner_StageLeftOut_DiagnosisNamesIt(t *testing.T) {
	r := signHTTP(t, sdkRequest{url: "/pets"})
	r.WirePath = "/prod/pets"
	r.Stage = "prod"
	e := verifyErr(t, sdkVerifier(t, sdkTime), r)
	if e == nil || !strings.Contains(e.Detail, "without the stage prefix /prod") {
		t.Fatalf("Verify = %v, want a hint about the stage:\n%v", e, e)
	}
}

func TestSDKSigner_S3StyleSingleEncoding_DiagnosisNamesIt(t *testing.T) {
	req := sdkRequest{url: "/prod/pets/a%20b"}.defaults()
	h := req.httpRequest(t)
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	if err := signer.SignHTTP(context.Background(), req.creds, h, payloadHash(""), "execute-api", sdkRegion, sdkTime); err != nil {
		t.Fatal(err)
	}
	e := verifyErr(t, sdkVerifier(t, sdkTime), toReqctx(h, ""))
	if e == nil || !strings.Contains(e.Detail, "URI-encoded once") {
		t.Fatalf("Verify = %v, want a hint about single encoding", e)
	}
}
