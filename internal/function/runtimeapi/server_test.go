package runtimeapi

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// runtimeClient is what a runtime does: plain HTTP against
// "http://" + AWS_LAMBDA_RUNTIME_API + "/2018-06-01/runtime/...", over one
// keep-alive connection.
type runtimeClient struct {
	base string
	c    *http.Client
}

func newClient(t *testing.T, ep *Endpoint) *runtimeClient {
	tr := &http.Transport{MaxIdleConnsPerHost: 1}
	t.Cleanup(tr.CloseIdleConnections)
	return &runtimeClient{base: "http://" + ep.Addr() + "/2018-06-01/runtime/", c: &http.Client{Transport: tr}}
}

func (c *runtimeClient) do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := c.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (c *runtimeClient) get(t *testing.T, path string) (*http.Response, string) {
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	return c.do(t, req)
}

func (c *runtimeClient) post(t *testing.T, path, body string, header http.Header) (*http.Response, string) {
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(body))
	for k, v := range header {
		req.Header[k] = v
	}
	return c.do(t, req)
}

func newEndpoint(t *testing.T, opts Options) *Endpoint {
	t.Helper()
	s := NewServer(opts)
	t.Cleanup(func() { s.Close() })
	ep, err := s.NewEndpoint()
	if err != nil {
		t.Fatal(err)
	}
	ep.Admit(anyPeer)
	return ep
}

// anyPeer admits every connection: these tests play the runtime from the
// test process itself.
func anyPeer(netip.AddrPort, netip.AddrPort) error { return nil }

func receive[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("nothing delivered")
		panic("unreachable")
	}
}

func TestNext_BlocksUntilDispatch_ThenCarriesTheInvocationHeaders(t *testing.T) {
	ep := newEndpoint(t, Options{})
	c := newClient(t, ep)
	if !strings.HasPrefix(ep.Addr(), "127.0.0.1:") {
		t.Fatalf("Addr() = %q, want a 127.0.0.1 host:port", ep.Addr())
	}
	deadline := time.UnixMilli(1_700_000_003_000)
	type got struct {
		status  int
		headers map[string]string
		body    string
	}
	done := make(chan got)
	go func() {
		resp, body := c.get(t, "invocation/next")
		h := map[string]string{}
		for _, k := range []string{HeaderRequestID, HeaderDeadlineMs, HeaderInvokedFunctionARN, HeaderTraceID, "Content-Type"} {
			h[k] = resp.Header.Get(k)
		}
		done <- got{resp.StatusCode, h, body}
	}()
	receive(t, ep.Ready())
	if err := ep.Dispatch(&Invocation{
		RequestID:   "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
		Deadline:    deadline,
		FunctionARN: "arn:aws:lambda:us-east-1:123456789012:function:fn",
		TraceID:     "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Sampled=0",
		Payload:     []byte(`{"k":"v"}`),
	}); err != nil {
		t.Fatal(err)
	}
	want := got{200, map[string]string{
		HeaderRequestID:          "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
		HeaderDeadlineMs:         "1700000003000",
		HeaderInvokedFunctionARN: "arn:aws:lambda:us-east-1:123456789012:function:fn",
		HeaderTraceID:            "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Sampled=0",
		"Content-Type":           "application/json",
	}, `{"k":"v"}`}
	if diff := cmp.Diff(want, receive(t, done), cmp.AllowUnexported(got{})); diff != "" {
		t.Errorf("/next (-want +got):\n%s", diff)
	}
}

// dispatchAndFetch hands the runtime one event and returns its request id.
func dispatchAndFetch(t *testing.T, ep *Endpoint, c *runtimeClient) string {
	t.Helper()
	if err := ep.Dispatch(&Invocation{RequestID: "req-1", Deadline: time.Now().Add(time.Second), Payload: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	resp, _ := c.get(t, "invocation/next")
	return resp.Header.Get(HeaderRequestID)
}

func TestResults(t *testing.T) {
	tests := []struct {
		name     string
		kind     string // response | error
		body     string
		header   http.Header
		trailer  http.Header // sent after a chunked body, as aws-lambda-go does
		wantCode int
		want     Response
	}{
		{
			name: "response_202_PayloadDelivered", kind: "response", body: `{"ok":true}`,
			wantCode: 202, want: Response{RequestID: "req-1", Payload: []byte(`{"ok":true}`)},
		},
		{
			name: "error_202_ErrorTypeFromHeader", kind: "error",
			body:     `{"errorMessage":"Unauthorized","errorType":"Error"}`,
			header:   http.Header{"Lambda-Runtime-Function-Error-Type": {"Error"}},
			wantCode: 202,
			want:     Response{RequestID: "req-1", Payload: []byte(`{"errorMessage":"Unauthorized","errorType":"Error"}`), Error: true, ErrorType: "Error"},
		},
		{
			name: "error_WithoutHeader_StillAnError", kind: "error", body: `{"errorMessage":"x"}`,
			wantCode: 202, want: Response{RequestID: "req-1", Payload: []byte(`{"errorMessage":"x"}`), Error: true},
		},
		{
			name: "response_GoClientTrailers_BecomeAnError", kind: "response", body: `{"partial":`,
			trailer: http.Header{
				"Lambda-Runtime-Function-Error-Type": {"errorString"},
				"Lambda-Runtime-Function-Error-Body": {base64.StdEncoding.EncodeToString([]byte(`{"errorMessage":"stream broke","errorType":"errorString"}`))},
			},
			wantCode: 202,
			want:     Response{RequestID: "req-1", Payload: []byte(`{"errorMessage":"stream broke","errorType":"errorString"}`), Error: true, ErrorType: "errorString"},
		},
		{
			name: "response_EmptyTrailers_Ignored", kind: "response", body: `"fine"`,
			trailer:  http.Header{"Lambda-Runtime-Function-Error-Type": nil, "Lambda-Runtime-Function-Error-Body": nil},
			wantCode: 202, want: Response{RequestID: "req-1", Payload: []byte(`"fine"`)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep := newEndpoint(t, Options{})
			c := newClient(t, ep)
			id := dispatchAndFetch(t, ep, c)
			var body io.Reader = strings.NewReader(tt.body)
			if tt.trailer != nil {
				body = &trailerReader{r: strings.NewReader(tt.body)} // unknown length: chunked
			}
			req, _ := http.NewRequest(http.MethodPost, c.base+"invocation/"+id+"/"+tt.kind, body)
			for k, v := range tt.header {
				req.Header[k] = v
			}
			if tt.trailer != nil {
				req.Trailer = http.Header{}
				for k := range tt.trailer {
					req.Trailer[k] = nil
				}
				body.(*trailerReader).trailer, body.(*trailerReader).values = req.Trailer, tt.trailer
			}
			resp, _ := c.do(t, req)
			if resp.StatusCode != tt.wantCode {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantCode)
			}
			if diff := cmp.Diff(tt.want, receive(t, ep.Results())); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
		})
	}
}

// trailerReader fills in trailer values when the body is exhausted, the way
// aws-lambda-go's errorCapturingReader does when a streamed response fails.
type trailerReader struct {
	r       io.Reader
	trailer http.Header
	values  http.Header
}

func (t *trailerReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err == io.EOF {
		for k, v := range t.values {
			if len(v) > 0 {
				t.trailer[k] = v
			}
		}
	}
	return n, err
}

func TestResult_UnknownRequestID_400_NothingDelivered(t *testing.T) {
	ep := newEndpoint(t, Options{})
	c := newClient(t, ep)
	dispatchAndFetch(t, ep, c)
	resp, body := c.post(t, "invocation/not-the-id/response", `{}`, nil)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "InvalidRequestID") {
		t.Errorf("got %d %s, want 400 InvalidRequestID", resp.StatusCode, body)
	}
	// The real id still completes, exactly once.
	if resp, _ := c.post(t, "invocation/req-1/response", `1`, nil); resp.StatusCode != 202 {
		t.Errorf("status = %d, want 202", resp.StatusCode)
	}
	if resp, _ := c.post(t, "invocation/req-1/response", `2`, nil); resp.StatusCode != 400 {
		t.Errorf("second answer: status = %d, want 400", resp.StatusCode)
	}
	if got := receive(t, ep.Results()); string(got.Payload) != "1" {
		t.Errorf("payload = %s, want 1", got.Payload)
	}
}

func TestResult_TooLarge_FunctionResponseSizeTooLarge(t *testing.T) {
	ep := newEndpoint(t, Options{MaxPayload: 16})
	c := newClient(t, ep)
	id := dispatchAndFetch(t, ep, c)
	resp, _ := c.post(t, "invocation/"+id+"/response", strings.Repeat("x", 17), nil)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("status = %d, want 413", resp.StatusCode)
	}
	got := receive(t, ep.Results())
	if !got.Error || got.ErrorType != "Function.ResponseSizeTooLarge" {
		t.Errorf("got %+v, want a Function.ResponseSizeTooLarge error", got)
	}
}

func TestInitError_202_Delivered(t *testing.T) {
	ep := newEndpoint(t, Options{})
	c := newClient(t, ep)
	doc := `{"errorMessage":"Unable to import module 'app'","errorType":"Runtime.ImportModuleError"}`
	resp, _ := c.post(t, "init/error", doc, http.Header{"Lambda-Runtime-Function-Error-Type": {"Runtime.ImportModuleError"}})
	if resp.StatusCode != 202 {
		t.Errorf("status = %d, want 202", resp.StatusCode)
	}
	want := Response{Payload: []byte(doc), Error: true, ErrorType: "Runtime.ImportModuleError"}
	if diff := cmp.Diff(want, receive(t, ep.InitError())); diff != "" {
		t.Errorf("init error (-want +got):\n%s", diff)
	}
}

func TestUnknownRoutes_404(t *testing.T) {
	ep := newEndpoint(t, Options{})
	c := newClient(t, ep)
	for _, path := range []string{
		"http://" + ep.Addr() + "/2020-01-01/extension/register",
		c.base + "invocation/x/other",
		c.base + "nope",
	} {
		req, _ := http.NewRequest(http.MethodPost, path, strings.NewReader(`{}`))
		if resp, _ := c.do(t, req); resp.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s: status = %d, want 404", path, resp.StatusCode)
		}
	}
}

func TestWithdraw_BeforeNext_TakesTheEventBack(t *testing.T) {
	ep := newEndpoint(t, Options{})
	if err := ep.Dispatch(&Invocation{RequestID: "a"}); err != nil {
		t.Fatal(err)
	}
	if err := ep.Dispatch(&Invocation{RequestID: "b"}); err != ErrBusy {
		t.Errorf("second Dispatch: err = %v, want ErrBusy", err)
	}
	if !ep.Withdraw() {
		t.Error("Withdraw = false, want true before the runtime asked")
	}
	if ep.Withdraw() {
		t.Error("Withdraw = true with nothing pending")
	}
}

func TestEndpointClose_ReleasesALongPoll(t *testing.T) {
	ep := newEndpoint(t, Options{})
	c := newClient(t, ep)
	status := make(chan int)
	go func() {
		resp, err := c.c.Get(c.base + "invocation/next")
		if err != nil {
			status <- 0
			return
		}
		resp.Body.Close()
		status <- resp.StatusCode
	}()
	receive(t, ep.Ready())
	ep.Close()
	if got := receive(t, status); got != http.StatusGone && got != 0 {
		t.Errorf("status = %d, want 410 or a closed connection", got)
	}
}

func TestEndpoints_RoutedByListener(t *testing.T) {
	s := NewServer(Options{})
	defer s.Close()
	eps := make([]*Endpoint, 3)
	for i := range eps {
		ep, err := s.NewEndpoint()
		if err != nil {
			t.Fatal(err)
		}
		ep.Admit(anyPeer)
		eps[i] = ep
	}
	for i, ep := range eps {
		if err := ep.Dispatch(&Invocation{RequestID: "req-" + strconv.Itoa(i), Payload: []byte(strconv.Itoa(i))}); err != nil {
			t.Fatal(err)
		}
	}
	for i, ep := range eps {
		c := newClient(t, ep)
		resp, body := c.get(t, "invocation/next")
		if got := resp.Header.Get(HeaderRequestID); got != "req-"+strconv.Itoa(i) || body != strconv.Itoa(i) {
			t.Errorf("endpoint %d got %s %s, want its own event", i, got, body)
		}
	}
}

func BenchmarkRoundTrip(b *testing.B) {
	s := NewServer(Options{})
	defer s.Close()
	ep, err := s.NewEndpoint()
	if err != nil {
		b.Fatal(err)
	}
	ep.Admit(anyPeer)
	tr := &http.Transport{MaxIdleConnsPerHost: 1}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	base := "http://" + ep.Addr() + "/2018-06-01/runtime/invocation/"
	stop := make(chan struct{})
	go func() { // an echo runtime
		for {
			resp, err := c.Get(base + "next")
			if err != nil {
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			r, err := c.Post(base+resp.Header.Get(HeaderRequestID)+"/response", "application/json", strings.NewReader(string(body)))
			if err != nil {
				return
			}
			io.Copy(io.Discard, r.Body)
			r.Body.Close()
			select {
			case <-stop:
				return
			default:
			}
		}
	}()
	payload := []byte(`{"hello":"world"}`)
	inv := &Invocation{RequestID: "r", Deadline: time.Now().Add(time.Minute), Payload: payload}
	for b.Loop() {
		_ = ep.Dispatch(inv)
		<-ep.Results()
	}
	close(stop)
	ep.Close()
}

// The Runtime API hands out events that carry bearer tokens and takes
// answers that decide authorization, so an endpoint serves only the
// connections its peer check admits; a refused connection takes nothing,
// answers nothing and does not even mark the runtime ready.
func TestPeerCheck_RefusedConnection_403_OnEveryRoute_NothingTakenOrDelivered(t *testing.T) {
	s := NewServer(Options{})
	t.Cleanup(func() { s.Close() })
	ep, err := s.NewEndpoint()
	if err != nil {
		t.Fatal(err)
	}
	ep.Admit(func(netip.AddrPort, netip.AddrPort) error { return errors.New("not the runtime") })
	if err := ep.Dispatch(&Invocation{RequestID: "req-1", Payload: []byte(`{"authorizationToken":"secret"}`)}); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, ep)
	for _, call := range []struct{ method, path string }{
		{http.MethodGet, c.base + "invocation/next"},
		{http.MethodPost, c.base + "invocation/req-1/response"},
		{http.MethodPost, c.base + "invocation/req-1/error"},
		{http.MethodPost, c.base + "init/error"},
		{http.MethodPost, "http://" + ep.Addr() + "/2020-01-01/extension/register"},
	} {
		req, _ := http.NewRequest(call.method, call.path, strings.NewReader(`{"principalId":"x"}`))
		resp, body := c.do(t, req)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "AccessDeniedException") || strings.Contains(body, "secret") {
			t.Errorf("%s %s: got %d %s, want 403 AccessDeniedException", call.method, call.path, resp.StatusCode, body)
		}
		if !resp.Close {
			t.Errorf("%s %s: the refused connection was kept open", call.method, call.path)
		}
	}
	if !ep.Withdraw() {
		t.Error("the event was handed out on a refused connection")
	}
	select {
	case <-ep.Ready():
		t.Error("a refused /next marked the runtime ready")
	case r := <-ep.Results():
		t.Errorf("a refused connection delivered %+v", r)
	case r := <-ep.InitError():
		t.Errorf("a refused connection delivered an init error %+v", r)
	default:
	}
}

func TestPeerCheck_NilCheck_RefusesEveryConnection(t *testing.T) {
	s := NewServer(Options{})
	t.Cleanup(func() { s.Close() })
	ep, err := s.NewEndpoint()
	if err != nil {
		t.Fatal(err)
	}
	ep.Admit(nil)
	if resp, _ := newClient(t, ep).post(t, "init/error", `{}`, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("status = %d, want 403", resp.StatusCode)
	}
}

// The check runs once per connection, with the endpoint's address and the
// connecting socket's; later requests on the kept-alive connection reuse
// its verdict, so the hot path pays nothing.
func TestPeerCheck_OncePerConnection_WithBothAddresses(t *testing.T) {
	s := NewServer(Options{})
	t.Cleanup(func() { s.Close() })
	ep, err := s.NewEndpoint()
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var calls []string
	ep.Admit(func(local, remote netip.AddrPort) error {
		mu.Lock()
		calls = append(calls, local.String()+" <- "+remote.String())
		mu.Unlock()
		return nil
	})
	var dialed []netip.AddrPort
	tr := &http.Transport{MaxIdleConnsPerHost: 1, DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			dialed = append(dialed, conn.LocalAddr().(*net.TCPAddr).AddrPort())
		}
		return conn, err
	}}
	t.Cleanup(tr.CloseIdleConnections)
	c := &runtimeClient{base: "http://" + ep.Addr() + "/2018-06-01/runtime/", c: &http.Client{Transport: tr}}
	for i := range 3 {
		if err := ep.Dispatch(&Invocation{RequestID: "req-" + strconv.Itoa(i), Payload: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
		resp, _ := c.get(t, "invocation/next")
		if resp.StatusCode != 200 {
			t.Fatalf("/next: status %d", resp.StatusCode)
		}
		if resp, _ := c.post(t, "invocation/req-"+strconv.Itoa(i)+"/response", `{}`, nil); resp.StatusCode != 202 {
			t.Fatalf("/response: status %d", resp.StatusCode)
		}
		receive(t, ep.Results())
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{ep.Addr() + " <- " + dialed[0].String()}
	if diff := cmp.Diff(want, calls); diff != "" || len(dialed) != 1 {
		t.Errorf("checks (-want +got):\n%s (connections dialed: %v)", diff, dialed)
	}
}
