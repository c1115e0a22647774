package awslambda

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/google/go-cmp/cmp"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/function"
)

const (
	testAccessKey    = "AKIDPORTCULLISTEST"
	testSecretKey    = "c2VjcmV0LWtleS1mb3ItdGVzdHMtb25seQ"
	testSessionToken = "FwoGZXIvYXdzEXAMPLETOKEN"
	testRegion       = "us-east-1"
)

// isolateAWSEnv gives the SDK's credential chain static test credentials and
// nothing else: no shared files from the developer's home, and no instance
// metadata lookups leaving the machine.
func isolateAWSEnv(t *testing.T, withCredentials bool) {
	t.Helper()
	none := filepath.Join(t.TempDir(), "none")
	t.Setenv("AWS_CONFIG_FILE", none)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", none)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CA_BUNDLE", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "")
	t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "")
	t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", "")
	if withCredentials {
		t.Setenv("AWS_ACCESS_KEY_ID", testAccessKey)
		t.Setenv("AWS_SECRET_ACCESS_KEY", testSecretKey)
		t.Setenv("AWS_SESSION_TOKEN", testSessionToken)
	} else {
		t.Setenv("AWS_ACCESS_KEY_ID", "")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "")
		t.Setenv("AWS_SESSION_TOKEN", "")
	}
}

// seenRequest is one Invoke call as the fake Lambda endpoint received it.
type seenRequest struct {
	Method   string
	Path     string // unescaped
	URI      string // as on the request line
	Host     string
	Header   http.Header
	Body     []byte
	Function string
}

// fakeLambda speaks the Lambda Invoke REST wire format
// (POST /2015-03-31/functions/{FunctionName}/invocations) for a few named
// functions, the way the real service answers.
type fakeLambda struct {
	mu   sync.Mutex
	seen []seenRequest
}

func (f *fakeLambda) requests() []seenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seenRequest(nil), f.seen...)
}

func (f *fakeLambda) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	name, ok := strings.CutPrefix(r.URL.Path, "/2015-03-31/functions/")
	if ok {
		name, ok = strings.CutSuffix(name, "/invocations")
	}
	f.mu.Lock()
	f.seen = append(f.seen, seenRequest{
		Method: r.Method, Path: r.URL.Path, URI: r.URL.RequestURI(), Host: r.Host,
		Header: r.Header.Clone(), Body: body, Function: name,
	})
	f.mu.Unlock()

	if r.Method != http.MethodPost || !ok {
		writeAWSError(w, http.StatusNotFound, "UnknownOperationException", `{"message":"Unknown operation"}`)
		return
	}
	short := name[strings.LastIndexByte(name, ':')+1:]
	switch short {
	case "echo":
		w.Header().Set("X-Amz-Executed-Version", "$LATEST")
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	case "throws":
		w.Header().Set("X-Amz-Executed-Version", "$LATEST")
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"errorType":"Error","errorMessage":"Unauthorized","trace":["Error: Unauthorized","    at Runtime.handler (/var/task/index.js:3:9)"]}`)
	case "missing":
		writeAWSError(w, http.StatusNotFound, "ResourceNotFoundException",
			`{"Type":"User","Message":"Function not found: arn:aws:lambda:us-east-1:123456789012:function:missing"}`)
	case "busy":
		writeAWSError(w, http.StatusTooManyRequests, "TooManyRequestsException",
			`{"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}`)
	case "toolarge":
		// Status, type and message of a real refusal
		// (awslabs/aws-athena-query-federation#793).
		writeAWSError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLargeException",
			`{"Type":"User","message":"Request must be smaller than 6291456 bytes for the InvokeFunction operation"}`)
	case "denied":
		writeAWSError(w, http.StatusForbidden, "AccessDeniedException",
			`{"Message":"User: arn:aws:iam::123456789012:user/alice is not authorized to perform: lambda:InvokeFunction"}`)
	case "hangs":
		<-r.Context().Done()
	default:
		writeAWSError(w, http.StatusInternalServerError, "ServiceException", `{"Type":"Service","message":"internal"}`)
	}
}

func writeAWSError(w http.ResponseWriter, status int, errType, body string) {
	w.Header().Set("X-Amzn-ErrorType", errType)
	w.Header().Set("X-Amzn-RequestId", "8f5ba5a8-0b6e-4d5e-9a3a-5e2f1a1b2c3d")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func newTestClient(t *testing.T) (*Client, *fakeLambda) {
	t.Helper()
	fake := &fakeLambda{}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	c, err := New(t.Context(), Options{Region: testRegion, Endpoint: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return c, fake
}

func TestInvoke_Outcomes(t *testing.T) {
	isolateAWSEnv(t, true)
	c, fake := newTestClient(t)

	tests := []struct {
		name      string
		fn        *apimodel.Function
		payload   string
		want      function.Result
		wantKind  function.ErrorKind
		wantError bool
	}{
		{
			name:    "Success_PayloadReturned",
			fn:      &apimodel.Function{Name: "echo"},
			payload: `{"type":"TOKEN","authorizationToken":"allow"}`,
			want:    function.Result{Payload: []byte(`{"type":"TOKEN","authorizationToken":"allow"}`)},
		},
		{
			name:    "FunctionError_IsACompletedInvocation",
			fn:      &apimodel.Function{Name: "throws"},
			payload: `{}`,
			want: function.Result{
				Payload:       []byte(`{"errorType":"Error","errorMessage":"Unauthorized","trace":["Error: Unauthorized","    at Runtime.handler (/var/task/index.js:3:9)"]}`),
				FunctionError: "Unhandled",
			},
		},
		{name: "ResourceNotFound_KindNotFound", fn: &apimodel.Function{Name: "missing"}, payload: `{}`, wantError: true, wantKind: function.KindNotFound},
		{name: "TooManyRequests_KindThrottled", fn: &apimodel.Function{Name: "busy"}, payload: `{}`, wantError: true, wantKind: function.KindThrottled},
		{name: "RequestEntityTooLarge_KindRequestTooLarge", fn: &apimodel.Function{Name: "toolarge"}, payload: `{}`, wantError: true, wantKind: function.KindRequestTooLarge},
		{name: "AccessDenied_KindTransport", fn: &apimodel.Function{Name: "denied"}, payload: `{}`, wantError: true, wantKind: function.KindTransport},
		{name: "ServiceException_KindTransport", fn: &apimodel.Function{Name: "flaky"}, payload: `{}`, wantError: true, wantKind: function.KindTransport},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Invoke(t.Context(), tt.fn, []byte(tt.payload))
			if tt.wantError {
				if !function.IsKind(err, tt.wantKind) {
					t.Fatalf("Invoke error = %v, want kind %v", err, tt.wantKind)
				}
				ie, _ := err.(*function.InvokeError)
				if ie.Function != tt.fn.Name {
					t.Errorf("InvokeError.Function = %q, want %q", ie.Function, tt.fn.Name)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.Duration = 0
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	// MaxAttempts 0 means one attempt: a throttled call is not retried.
	busy := 0
	for _, r := range fake.requests() {
		if r.Function == "busy" {
			busy++
		}
	}
	if busy != 1 {
		t.Errorf("throttled function called %d times, want 1", busy)
	}
}

func TestInvoke_ByARN_UsesARNAsFunctionName(t *testing.T) {
	isolateAWSEnv(t, true)
	c, fake := newTestClient(t)
	fn := &apimodel.Function{Name: "local-name", ARN: "arn:aws:lambda:us-east-1:123456789012:function:echo", Remote: true}
	if _, err := c.Invoke(t.Context(), fn, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	reqs := fake.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	if reqs[0].Function != fn.ARN {
		t.Errorf("FunctionName on the wire = %q, want %q", reqs[0].Function, fn.ARN)
	}
	// The ARN's colons travel percent-encoded in the path label.
	if want := "/2015-03-31/functions/" + strings.ReplaceAll(fn.ARN, ":", "%3A") + "/invocations"; reqs[0].URI != want {
		t.Errorf("request URI = %q, want %q", reqs[0].URI, want)
	}
}

// TestInvoke_SignedWithSigV4ForLambda re-signs the request the fake endpoint
// received with the SDK's signer and the test credentials: the same
// Authorization header proves the client signed for service "lambda" in the
// configured region with the credentials from the environment.
func TestInvoke_SignedWithSigV4ForLambda(t *testing.T) {
	isolateAWSEnv(t, true)
	c, fake := newTestClient(t)
	if _, err := c.Invoke(t.Context(), &apimodel.Function{Name: "echo"}, []byte(`{"hello":"world"}`)); err != nil {
		t.Fatal(err)
	}
	seen := fake.requests()[0]

	if seen.Method != http.MethodPost || seen.Path != "/2015-03-31/functions/echo/invocations" {
		t.Errorf("request = %s %s", seen.Method, seen.Path)
	}
	if got := seen.Header.Get("X-Amz-Invocation-Type"); got != "RequestResponse" {
		t.Errorf("X-Amz-Invocation-Type = %q", got)
	}
	if got := seen.Header.Get("X-Amz-Security-Token"); got != testSessionToken {
		t.Errorf("X-Amz-Security-Token = %q", got)
	}
	auth := seen.Header.Get("Authorization")
	date := seen.Header.Get("X-Amz-Date")
	scope := "Credential=" + testAccessKey + "/" + date[:8] + "/" + testRegion + "/lambda/aws4_request"
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 ") || !strings.Contains(auth, scope) {
		t.Fatalf("Authorization = %q, want SigV4 with scope %q", auth, scope)
	}

	_, signedList, _ := strings.Cut(auth, "SignedHeaders=")
	signedList, _, _ = strings.Cut(signedList, ",")
	req, err := http.NewRequest(seen.Method, "http://"+seen.Host+seen.URI, bytes.NewReader(seen.Body))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = seen.Host
	for _, h := range strings.Split(signedList, ";") {
		if h != "host" && h != "content-length" {
			req.Header[http.CanonicalHeaderKey(h)] = seen.Header.Values(h)
		}
	}
	signedAt, err := time.Parse("20060102T150405Z", date)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(seen.Body)
	creds := aws.Credentials{AccessKeyID: testAccessKey, SecretAccessKey: testSecretKey, SessionToken: testSessionToken}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "lambda", testRegion, signedAt); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(auth, req.Header.Get("Authorization")); diff != "" {
		t.Errorf("signature does not verify (-sent +recomputed):\n%s", diff)
	}
}

func TestInvoke_NoCredentials_NoRequestSent(t *testing.T) {
	isolateAWSEnv(t, false)
	c, fake := newTestClient(t)
	_, err := c.Invoke(t.Context(), &apimodel.Function{Name: "echo"}, []byte(`{}`))
	if !function.IsKind(err, function.KindTransport) {
		t.Fatalf("Invoke error = %v, want a transport failure", err)
	}
	if n := len(fake.requests()); n != 0 {
		t.Errorf("%d unsigned requests reached the endpoint", n)
	}
}

func TestInvoke_CallerDeadline_KindTimeout(t *testing.T) {
	isolateAWSEnv(t, true)
	c, _ := newTestClient(t)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	_, err := c.Invoke(ctx, &apimodel.Function{Name: "hangs"}, []byte(`{}`))
	if !function.IsKind(err, function.KindTimeout) {
		t.Fatalf("Invoke error = %v, want KindTimeout", err)
	}
}

func TestInvoke_DurationFromInjectedClock(t *testing.T) {
	isolateAWSEnv(t, true)
	fake := &fakeLambda{}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	ticks := []time.Time{time.Unix(100, 0), time.Unix(100, 0).Add(42 * time.Millisecond)}
	now := func() time.Time { t := ticks[0]; ticks = ticks[1:]; return t }
	c, err := New(t.Context(), Options{Region: testRegion, Endpoint: srv.URL, HTTPClient: srv.Client(), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Invoke(t.Context(), &apimodel.Function{Name: "echo"}, []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if res.Duration != 42*time.Millisecond {
		t.Errorf("Duration = %v, want 42ms", res.Duration)
	}
}

func TestNew_NoRegion_Error(t *testing.T) {
	isolateAWSEnv(t, true)
	if _, err := New(t.Context(), Options{}); err == nil {
		t.Fatal("New without any region succeeded")
	}
}

func TestNew_RegionFromEnvironment(t *testing.T) {
	isolateAWSEnv(t, true)
	t.Setenv("AWS_REGION", "eu-west-1")
	fake := &fakeLambda{}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c, err := New(t.Context(), Options{Endpoint: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Invoke(t.Context(), &apimodel.Function{Name: "echo"}, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if auth := fake.requests()[0].Header.Get("Authorization"); !strings.Contains(auth, "/eu-west-1/lambda/aws4_request") {
		t.Errorf("Authorization = %q, want scope in eu-west-1", auth)
	}
}
