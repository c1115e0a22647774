package gateway

import (
	"context"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/integration"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
	"github.com/valyala/fasthttp"
)

// rawBackend records the raw request a backend receives, header lines as
// they came off the wire.
type rawBackend struct {
	addr string
	got  chan []string
}

func startRawBackend(t *testing.T) *rawBackend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &rawBackend{addr: "http://" + ln.Addr().String(), got: make(chan []string, 16)}
	srv := &fasthttp.Server{DisableHeaderNamesNormalizing: true, ReadBufferSize: 32 << 10, Handler: func(ctx *fasthttp.RequestCtx) {
		lines := []string{string(ctx.Method()) + " " + string(ctx.Request.RequestURI())}
		for k, v := range ctx.Request.Header.AllInOrder() {
			lines = append(lines, string(k)+": "+string(v))
		}
		b.got <- lines
		ctx.Response.Header.Set("Server", "backend/1.0")
		ctx.Response.Header.Set("Date", "Mon, 01 Jan 2024 00:00:00 GMT")
		ctx.Response.Header.Set("Connection", "close")
		ctx.SetBodyString("ok")
	}}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return b
}

func sendRaw(t *testing.T, base, raw string) string {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	_, _ = io.WriteString(conn, raw)
	out, _ := io.ReadAll(conn)
	return string(out)
}

// Header names reach the backend exactly as sent — Host, Content-Type,
// User-Agent and Cookie included, which fasthttp keeps in fields of their
// own — and a repeated Cookie line stays two lines (docs/compatibility.md,
// "Headers"). API Gateway adds X-Forwarded-For/Port/Proto and
// X-Amzn-Trace-Id, and drops hop-by-hop lines.
func TestHTTPProxy_HeadersAsSent(t *testing.T) {
	be := startRawBackend(t)
	base := startGateway(t, testModel(be.addr), Options{})
	resp := sendRaw(t, base, "POST /prod/x HTTP/1.1\r\nhost: h.example\r\ncontent-type: text/plain\r\nuser-agent: ua/1\r\n"+
		"cookie: a=1\r\nCOOKIE: b=2\r\nx-forwarded-for: 203.0.113.5\r\ncontent-length: 2\r\nconnection: close\r\nx-custom: v\r\n\r\nhi")
	var lines []string
	select {
	case lines = <-be.got:
	case <-time.After(5 * time.Second):
		t.Fatal("backend never called")
	}
	var names []string
	vals := map[string]string{}
	for _, l := range lines[1:] {
		k, v, _ := strings.Cut(l, ": ")
		names = append(names, k)
		vals[k] = v
	}
	for _, want := range []string{"content-type", "user-agent", "cookie", "COOKIE", "x-custom", "X-Forwarded-For", "X-Forwarded-Port", "X-Forwarded-Proto", "X-Amzn-Trace-Id"} {
		if _, ok := vals[want]; !ok {
			t.Errorf("backend did not receive %q; got %v", want, names)
		}
	}
	for _, name := range names {
		if strings.EqualFold(name, "connection") || name == "x-forwarded-for" {
			t.Errorf("backend received %q", name)
		}
	}
	if vals["X-Forwarded-For"] != "203.0.113.5, 127.0.0.1" || vals["X-Forwarded-Proto"] != "http" {
		t.Errorf("forwarding headers %v", vals)
	}
	if lines[0] != "POST /x" {
		t.Errorf("request line %q", lines[0])
	}
	if !strings.Contains(resp, "\r\nX-Amzn-Trace-Id: "+vals["X-Amzn-Trace-Id"]+"\r\n") {
		t.Errorf("response lacks the trace id %q:\n%s", vals["X-Amzn-Trace-Id"], resp)
	}
}

// Only the seven verbs API Gateway serves reach an ANY method; any other
// token (lower-case get included) matches no method: 403 Missing
// Authentication Token, never forwarded.
func TestGateway_UnsupportedVerbMatchesNoMethod(t *testing.T) {
	be := startRawBackend(t)
	base := startGateway(t, testModel(be.addr), Options{})
	for _, m := range []string{"get", "FOO", "TRACE", "PROPFIND", "Post"} {
		resp := sendRaw(t, base, m+" /prod/users HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
		if !strings.HasPrefix(resp, "HTTP/1.1 403") || !strings.Contains(resp, `{"message":"Missing Authentication Token"}`) {
			t.Errorf("%s: %q", m, resp)
		}
	}
	select {
	case l := <-be.got:
		t.Errorf("backend received %v", l)
	default:
	}
}

// A path form with no settled meaning is refused with 400 instead of being
// guessed (dot segments, malformed escapes, control characters).
func TestGateway_AmbiguousPathRefused(t *testing.T) {
	be := startRawBackend(t)
	base := startGateway(t, testModel(be.addr), Options{})
	for _, p := range []string{"/prod/a/../b", "/prod/a/%2e%2e/b", "/prod/a%zz", "/prod/a%00", "/prod/x/..%5cy"} {
		resp := sendRaw(t, base, "GET "+p+" HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
		if !strings.HasPrefix(resp, "HTTP/1.1 400") || !strings.Contains(resp, `{"message":"Bad Request"}`) {
			t.Errorf("%s: %q", p, resp)
		}
	}
}

// The method ARN limit ("Amazon API Gateway quotas and important notes": with
// authorization on a method the ARN is at most 1,600 bytes, else 414).
func TestGateway_MethodARNOverLimitIs414(t *testing.T) {
	be := startRawBackend(t)
	comp := newDenyCompiler(t)
	base := startGateway(t, bypassModel(be.addr), Options{Compiler: comp})
	long := strings.Repeat("a", 1600)
	resp := sendRaw(t, base, "PUT /prod/things/"+long+" HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
	if !strings.HasPrefix(resp, "HTTP/1.1 414") {
		t.Errorf("got %.200q", resp)
	}
	resp = sendRaw(t, base, "PUT /prod/things/"+long[:1400]+" HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
	if !strings.HasPrefix(resp, "HTTP/1.1 200") {
		t.Errorf("got %.200q", resp)
	}
}

// An HTTP_PROXY URI placeholder that no integration.request.path mapping
// fills is not filled from the route: AWS answers "Execution failed due to
// configuration error: Illegal character in path" with a 500 (AWS
// Knowledge Center, api-gateway-proxy-path-character-error).
func TestHTTPProxy_UnmappedPlaceholderIs500(t *testing.T) {
	be := startRawBackend(t)
	m := testModel(be.addr)
	delete(m.APIs[0].Resources[1].Methods["ANY"].Integration.RequestParameters, "integration.request.path.proxy")
	base := startGateway(t, m, Options{})
	resp := sendRaw(t, base, "GET /prod/users/1 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
	if !strings.HasPrefix(resp, "HTTP/1.1 500") || !strings.Contains(resp, `{"message":"Internal server error"}`) {
		t.Errorf("got %q", resp)
	}
}

// sourceIPCompiler records the source address the authorization step saw.
type sourceIPCompiler struct {
	mu  sync.Mutex
	ips []string
}

func (c *sourceIPCompiler) Authorizer(*apimodel.API, *apimodel.Method) (Authorizer, error) {
	return authorizeFunc(func(_ context.Context, r *reqctx.Request) error {
		c.mu.Lock()
		c.ips = append(c.ips, r.SourceIP)
		c.mu.Unlock()
		return nil
	}), nil
}

func (c *sourceIPCompiler) LambdaProxy(*apimodel.API, *apimodel.Resource, *apimodel.Method) (integration.Integration, error) {
	return nil, nil
}

// With --trusted-proxies, X-Forwarded-For is read across every line: a
// client's own line before the proxy's cannot choose the address
// (HAProxy's "option forwardfor" appends a line).
func TestGateway_XForwardedForLines_TrustedProxy(t *testing.T) {
	be := startRawBackend(t)
	comp := &sourceIPCompiler{}
	base := startGateway(t, testModel(be.addr), Options{Compiler: comp, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	sendRaw(t, base, "GET /prod/x HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.1.1.1\r\nX-Forwarded-For: 198.51.100.7\r\nConnection: close\r\n\r\n")
	<-be.got
	comp.mu.Lock()
	defer comp.mu.Unlock()
	if diff := cmp.Diff([]string{"198.51.100.7"}, comp.ips); diff != "" {
		t.Error(diff)
	}
}

// An HTTP backend's Connection, Content-Length, Date and Server reach the
// client as x-amzn-Remapped-* (the remapping API Gateway applies to
// integration responses; real HTTP_PROXY answers carry
// x-amzn-Remapped-Content-Length, -Connection and -Date), and the backend's
// "Connection: close" does not close the client's connection.
func TestHTTPProxy_BackendConnectionHeadersRemapped(t *testing.T) {
	be := startRawBackend(t)
	base := startGateway(t, testModel(be.addr), Options{})
	resp := sendRaw(t, base, "GET /prod/x HTTP/1.1\r\nHost: h\r\n\r\nGET /prod/y HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
	<-be.got
	<-be.got
	_, second, ok := strings.Cut(resp, "HTTP/1.1 200")
	if !ok || !strings.Contains(second, "HTTP/1.1 200") {
		t.Fatalf("the client connection did not carry two answers:\n%s", resp)
	}
	for _, want := range []string{"x-amzn-Remapped-Server: backend/1.0", "x-amzn-Remapped-Date: ",
		"x-amzn-Remapped-Connection: close", "x-amzn-Remapped-Content-Length: 2"} {
		if !strings.Contains(resp, want) {
			t.Errorf("response lacks %q:\n%s", want, resp)
		}
	}
	if strings.Contains(resp, "\r\nServer: backend") {
		t.Errorf("backend Server header passed through:\n%s", resp)
	}
}

// The request-size quotas of "Quotas for configuring and running a REST API
// in API Gateway": URL at most 10,240 characters (414 above), request line
// and header values at most 10,240 bytes (431 above).
func TestGateway_RequestSizeQuotas(t *testing.T) {
	be := startRawBackend(t)
	base := startGateway(t, testModel(be.addr), Options{})
	resp := sendRaw(t, base, "GET /prod/x?"+strings.Repeat("q", 10300)+" HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
	if !strings.HasPrefix(resp, "HTTP/1.1 414") {
		t.Errorf("long URL: %.120q", resp)
	}
	resp = sendRaw(t, base, "GET /prod/x HTTP/1.1\r\nHost: h\r\nX-Big: "+strings.Repeat("v", 10300)+"\r\nConnection: close\r\n\r\n")
	if !strings.HasPrefix(resp, "HTTP/1.1 431") {
		t.Errorf("large headers: %.120q", resp)
	}
	resp = sendRaw(t, base, "GET /prod/x HTTP/1.1\r\nHost: h\r\nX-Big: "+strings.Repeat("v", 9000)+"\r\nConnection: close\r\n\r\n")
	if !strings.HasPrefix(resp, "HTTP/1.1 200") {
		t.Errorf("headers under the quota: %.120q", resp)
	}
}
