package reqctx

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func incomingFrom(peer string, headers ...string) Incoming {
	in := Incoming{Method: "GET", Target: "/prod/x", Peer: netip.MustParseAddr(peer), Port: 3000, Protocol: "HTTP/1.1",
		Time: time.Unix(1_800_000_000, 0)}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		in.Headers = append(in.Headers, Header{Name: k, Value: v})
	}
	return in
}

// X-Forwarded-For on several lines is one list (RFC 9110 §5.3); HAProxy's
// "option forwardfor" adds a line of its own. Reading only the first line
// let a client choose its address.
func TestEdge_SourceIP_XForwardedForAcrossLines(t *testing.T) {
	trusted := &Edge{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	tests := []struct {
		name    string
		edge    *Edge
		peer    string
		headers []string
		want    string
	}{
		{"no trusted proxies: the peer", &Edge{}, "203.0.113.9", []string{"X-Forwarded-For: 1.2.3.4"}, "203.0.113.9"},
		{"untrusted peer: the peer", trusted, "203.0.113.9", []string{"X-Forwarded-For: 1.2.3.4"}, "203.0.113.9"},
		{"trusted peer: the hop it saw", trusted, "10.0.0.2", []string{"X-Forwarded-For: 198.51.100.7"}, "198.51.100.7"},
		{"client line then proxy line: the proxy's hop", trusted, "10.0.0.2",
			[]string{"X-Forwarded-For: 1.2.3.4", "x-forwarded-for: 198.51.100.7"}, "198.51.100.7"},
		{"client-chosen list then proxy line", trusted, "10.0.0.2",
			[]string{"X-Forwarded-For: 10.9.9.9, 1.2.3.4", "X-Forwarded-For: 198.51.100.7"}, "198.51.100.7"},
		{"chain of trusted proxies", trusted, "10.0.0.2",
			[]string{"X-Forwarded-For: 198.51.100.7, 10.0.0.5", "X-Forwarded-For: 10.0.0.3"}, "198.51.100.7"},
		{"garbage in the list: the peer", trusted, "10.0.0.2", []string{"X-Forwarded-For: 198.51.100.7, nonsense"}, "10.0.0.2"},
		{"IPv6 in brackets with a port", trusted, "10.0.0.2", []string{"X-Forwarded-For: [2001:db8::1]:443"}, "2001:db8::1"},
		{"IPv4-mapped peer is trusted as IPv4", trusted, "::ffff:10.0.0.2", []string{"X-Forwarded-For: 198.51.100.7"}, "198.51.100.7"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := tc.edge.New(incomingFrom(tc.peer, tc.headers...))
			if err != nil {
				t.Fatal(err)
			}
			if r.SourceIP != tc.want {
				t.Errorf("SourceIP = %s, want %s", r.SourceIP, tc.want)
			}
		})
	}
}

// API Gateway adds X-Forwarded-For (the client's list with the peer
// appended), X-Forwarded-Port, X-Forwarded-Proto and X-Amzn-Trace-Id to
// what it hands on ("Set up Lambda proxy integrations", input format
// example; aws-lambda-dotnet#482).
func TestEdge_ForwardingHeaders(t *testing.T) {
	r, err := (&Edge{}).New(incomingFrom("192.0.2.1", "Host: api.example.com", "X-Forwarded-For: 1.2.3.4",
		"X-Forwarded-Proto: https", "x-forwarded-for: 5.6.7.8", "X-Forwarded-Port: 1"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Header{
		{"Host", "api.example.com"},
		{"X-Forwarded-For", "1.2.3.4, 5.6.7.8, 192.0.2.1"},
		{"X-Forwarded-Port", "3000"},
		{"X-Forwarded-Proto", "http"},
		{"X-Amzn-Trace-Id", r.TraceID},
	}
	if diff := cmp.Diff(want, r.Headers); diff != "" {
		t.Error(diff)
	}
	if !validTraceID(r.TraceID) || !strings.HasPrefix(r.TraceID, "Root=1-6b49d200-") {
		t.Errorf("trace id %q", r.TraceID)
	}
	// A well-formed trace header of the client's is kept.
	const client = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"
	r, _ = (&Edge{}).New(incomingFrom("192.0.2.1", "X-Amzn-Trace-Id: "+client))
	if r.TraceID != client {
		t.Errorf("trace id %q, want the client's", r.TraceID)
	}
	if got, _ := r.HeaderValue("X-Amzn-Trace-Id"); got != client {
		t.Errorf("header %q", got)
	}
}

// API Gateway serves DELETE, GET, HEAD, OPTIONS, PATCH, POST and PUT, and
// HTTP methods are case-sensitive: "get" is not GET and matches no method.
func TestEdge_Verbs(t *testing.T) {
	for _, m := range []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"} {
		in := incomingFrom("192.0.2.1")
		in.Method = m
		if r, err := (&Edge{}).New(in); err != nil || r.Method != m {
			t.Errorf("%s: %v %q", m, err, r.Method)
		}
	}
	for _, m := range []string{"get", "Get", "FOO", "TRACE", "CONNECT", "PROPFIND", "", "G\x00ET"} {
		in := incomingFrom("192.0.2.1")
		in.Method = m
		var ve *VerbError
		if _, err := (&Edge{}).New(in); !errors.As(err, &ve) {
			t.Errorf("%q accepted", m)
		}
	}
}

// Several lines of one header: the single-value reading is the last line
// (the value the event's headers map holds), and a conflict is visible.
func TestRequest_RepeatedHeader(t *testing.T) {
	r, _ := (&Edge{}).New(incomingFrom("192.0.2.1", "Authorization: a", "authorization: b", "X-Same: 1", "x-same: 1"))
	if v, _ := r.HeaderValue("AUTHORIZATION"); v != "b" {
		t.Errorf("HeaderValue = %q, want the last line", v)
	}
	if !r.HeaderConflict("Authorization") || r.HeaderConflict("X-Same") || r.HeaderConflict("Missing") {
		t.Error("HeaderConflict wrong")
	}
	if v, _ := r.Resolve("method.request.multivalueheader.authorization"); v != "a,b" {
		t.Errorf("multivalueheader = %q", v)
	}
}

func TestForwarded_DropsHopByHop(t *testing.T) {
	hs := []Header{{"Host", "h"}, {"Connection", "keep-alive, X-Secret"}, {"X-Secret", "1"}, {"Content-Length", "3"},
		{"TE", "trailers"}, {"Keep-Alive", "5"}, {"Upgrade", "h2c"}, {"Transfer-Encoding", "chunked"}, {"Cookie", "a=1"}, {"cookie", "b=2"}}
	want := []Header{{"Host", "h"}, {"Cookie", "a=1"}, {"cookie", "b=2"}}
	if diff := cmp.Diff(want, Forwarded(hs)); diff != "" {
		t.Error(diff)
	}
	clean := []Header{{"Host", "h"}}
	if got := Forwarded(clean); &got[0] != &clean[0] {
		t.Error("Forwarded copied a clean list")
	}
}

func FuzzParseForwardedFor(f *testing.F) {
	for _, s := range []string{"1.2.3.4", "1.2.3.4, 10.0.0.1", "[::1]:80", ", ,", "unknown", "1.2.3.4:99,2001:db8::1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		hops, ok := ParseForwardedFor(v)
		if !ok {
			return
		}
		for _, h := range hops {
			if !h.IsValid() || h.Is4In6() {
				t.Fatalf("%q: hop %v", v, h)
			}
		}
		// Joining lines must not change the reading of a list.
		hops2, ok2 := ParseForwardedFor(v + ", " + v)
		if !ok2 || len(hops2) != 2*len(hops) {
			t.Fatalf("%q doubled: %v %v", v, hops2, ok2)
		}
	})
}

func FuzzExpr(f *testing.F) {
	for _, s := range []string{"method.request.header.Authorization", "context.identity.sourceIp", "'x'", "stageVariables.", "method.request.path.p"} {
		f.Add(s)
	}
	r, _ := (&Edge{}).New(incomingFrom("192.0.2.1", "Authorization: a"))
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseExpr(s, true)
		if err != nil {
			return
		}
		if e.Source != s {
			t.Fatalf("source %q != %q", e.Source, s)
		}
		_, _ = e.Value(r)
	})
}

// method.request.body maps the whole body; a JSONPath into it is refused at
// compile time rather than mapped to nothing at request time.
func TestParseExpr_Body(t *testing.T) {
	e, err := ParseExpr("method.request.body", true)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := e.Value(&Request{Body: []byte(`{"a":1}`)}); !ok || v != `{"a":1}` {
		t.Errorf("body = %q %v", v, ok)
	}
	if _, err := ParseExpr("method.request.body.a", true); err == nil {
		t.Error("a JSONPath body source was accepted")
	}
}
