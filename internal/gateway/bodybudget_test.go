package gateway

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// serveGateway runs g on a real listener and returns its address.
func serveGateway(t *testing.T, g *Gateway) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = g.Serve(ctx, 0, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String()
}

// lengthBackend answers with the length of the body it received.
func lengthBackend(t *testing.T) string {
	t.Helper()
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		fmt.Fprintf(w, "got %d", n)
	}))
	t.Cleanup(be.Close)
	return be.URL
}

// eventually polls cond, failing the test after 20s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// rawResponse reads one HTTP response from conn.
func rawResponse(t *testing.T, conn net.Conn) (int, string) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestBodyBudget_OverBudget_503AndReleased: while one request holds most
// of the body budget, a second whose body does not fit is answered with
// API Gateway's 503 DEFAULT_5XX without being buffered, whether its length
// is declared or chunked; once the first finishes, its share is released
// and the same request succeeds.
func TestBodyBudget_OverBudget_503AndReleased(t *testing.T) {
	g, err := New(testModel(lengthBackend(t)), Options{BodyMemory: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	addr := serveGateway(t, g)
	const size = 700 << 10
	body := strings.Repeat("x", size)

	// The first request sends its headers and half its body, then waits.
	hold, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	fmt.Fprintf(hold, "POST /prod/hold HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n%s", size, body[:size/2])
	eventually(t, "the first body charged to the budget", func() bool { return g.bodies.Used() == size })

	for _, tc := range []struct{ name, head, body string }{
		{"ContentLength", fmt.Sprintf("POST /prod/second HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n", size), body},
		{"Chunked", "POST /prod/second HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", size, body)},
	} {
		t.Run(tc.name+"_503", func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			go func() { _, _ = io.WriteString(conn, tc.head+tc.body) }()
			status, got := rawResponse(t, conn)
			if status != 503 || got != `{"message":"Service Unavailable"}` {
				t.Fatalf("got %d %s, want 503 {\"message\":\"Service Unavailable\"}", status, got)
			}
		})
	}
	// fasthttp releases a request's charge when it closes the request's
	// user values, just after the answer is written: wait for it.
	for deadline := time.Now().Add(5 * time.Second); g.bodies.Used() != size && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if used := g.bodies.Used(); used != size {
		t.Fatalf("refused requests left %d bytes charged, want only the first's %d", used, size)
	}

	// The first request completes; its share is released.
	_, _ = io.WriteString(hold, body[size/2:])
	if status, got := rawResponse(t, hold); status != 200 || got != fmt.Sprintf("got %d", size) {
		t.Fatalf("first request: %d %s", status, got)
	}
	eventually(t, "the budget released", func() bool { return g.bodies.Used() == 0 })
	resp, err := http.Post("http://"+addr+"/prod/again", "application/octet-stream", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != fmt.Sprintf("got %d", size) {
		t.Fatalf("after release: %d %s", resp.StatusCode, b)
	}
}

// TestBodyBudget_OverPayloadLimit_413 keeps API Gateway's 413 for a body
// over 10 MB, declared or chunked, whatever the budget.
func TestBodyBudget_OverPayloadLimit_413(t *testing.T) {
	g, err := New(testModel(lengthBackend(t)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	addr := serveGateway(t, g)
	big := strings.Repeat("y", MaxBodyBytes+1)
	for _, tc := range []struct{ name, head, body string }{
		{"ContentLength", fmt.Sprintf("POST /prod/x HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n", len(big)), big},
		{"Chunked", "POST /prod/x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(big), big)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			go func() { _, _ = io.WriteString(conn, tc.head+tc.body) }()
			if status, got := rawResponse(t, conn); status != 413 || !strings.Contains(got, "Request Too Long") {
				t.Fatalf("got %d %s, want 413 Request Too Long", status, got)
			}
		})
	}
	eventually(t, "the budget released", func() bool { return g.bodies.Used() == 0 })
}

// TestHeaderTimeout_StalledOrBareLF_AnsweredOrClosed: a client that sends
// its headers slowly (slowloris) or stops mid-way cannot hold a connection
// past the header timeout, and a request with bare-LF line ends is
// answered or closed rather than left waiting. The client's 20s read
// deadline is only the failure bound: before the fix, the server kept
// such connections open for its 5-minute request timeout.
func TestHeaderTimeout_StalledOrBareLF_AnsweredOrClosed(t *testing.T) {
	g, err := New(testModel(lengthBackend(t)), Options{HeaderTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	addr := serveGateway(t, g)
	for _, tc := range []struct {
		name    string
		start   string
		trickle bool // keep sending one header byte at a time
	}{
		{"StalledMidHeaders", "GET /prod/x HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n", false},
		{"StalledInRequestLine", "GET /prod/x HT", false},
		{"TrickledHeaders_Slowloris", "GET /prod/x HTTP/1.1\r\nHost: h\r\n", true},
		{"BareLF", "GET /prod/x HTTP/1.1\nHost: h\n\n", false},
		{"BareLFStalled", "GET /prod/x HTTP/1.1\nHost: h\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, tc.start); err != nil {
				t.Fatal(err)
			}
			stop := make(chan struct{})
			defer close(stop)
			if tc.trickle {
				go func() {
					for {
						select {
						case <-stop:
							return
						case <-time.After(50 * time.Millisecond):
						}
						if _, err := io.WriteString(conn, "X"); err != nil {
							return
						}
					}
				}()
			}
			start := time.Now()
			_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
			got, err := io.ReadAll(conn) // until the server answers and closes, or closes
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("the connection was still open after 20s (read %q)", got)
			}
			t.Logf("closed after %s with %q", time.Since(start).Round(time.Millisecond), firstLine(got))
		})
	}
}

// TestHeaderTimeout_BodyMayTakeLonger: the header timeout does not cut a
// body that arrives after it; the body has its own, longer deadline.
func TestHeaderTimeout_BodyMayTakeLonger(t *testing.T) {
	g, err := New(testModel(lengthBackend(t)), Options{HeaderTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", serveGateway(t, g))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, _ = io.WriteString(conn, "POST /prod/x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nab")
	time.Sleep(600 * time.Millisecond) // three header timeouts
	_, _ = io.WriteString(conn, "cde")
	if status, got := rawResponse(t, conn); status != 200 || got != "got 5" {
		t.Fatalf("got %d %s, want 200 got 5", status, got)
	}
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\r\n")
	return s
}
