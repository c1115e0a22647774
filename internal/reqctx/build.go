package reqctx

import (
	"crypto/rand"
	"encoding/hex"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Incoming is a request as a listener read it, before anything was
// interpreted: plain values, so that every caller — the data-plane
// listener, the management API's test-invoke, a test — builds the one
// Request every stage reads through New.
type Incoming struct {
	Method string
	// Target is the path of the request line, without the query.
	Target string
	// Query is the raw query string, without '?'.
	Query string
	// Headers are the header lines in order, names exactly as sent. New
	// owns the slice and rewrites it in place (see ExtraHeaders).
	Headers []Header
	Body    []byte
	// Peer is the address of the connection's other end.
	Peer netip.Addr
	// Port is the listener's own port (X-Forwarded-Port).
	Port     int
	Secure   bool
	Protocol string
	Time     time.Time
}

// Edge holds the listener's trust settings for New.
type Edge struct {
	// TrustedProxies are the peers whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix

	lastPort atomic.Pointer[portText]
}

// VerbError is a request method API Gateway does not serve.
type VerbError struct{ Method string }

func (e *VerbError) Error() string {
	return "unsupported HTTP method " + strconv.Quote(e.Method) + ": API Gateway serves DELETE, GET, HEAD, OPTIONS, PATCH, POST and PUT"
}

// LimitError is a request over one of API Gateway's request-size quotas.
type LimitError struct {
	Status int
	What   string
}

func (e *LimitError) Error() string { return e.What }

// The request-size quotas of "Quotas for configuring and running a REST API
// in API Gateway": a regional API's URL is at most 10,240 characters, and
// the request line and header values together at most 10,240 bytes.
const (
	MaxURLLength   = 10240
	MaxHeaderBytes = 10240
)

// Verbs are the only methods API Gateway REST APIs accept, in the
// case in which they are compared (HTTP methods are case-sensitive, RFC 9110
// §9.1: "get" is not GET).
var verbs = [...]string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"}

// Verb returns the canonical constant for an accepted method, and false for
// any other token.
func Verb(m string) (string, bool) {
	for _, v := range verbs {
		if m == v {
			return v, true
		}
	}
	return "", false
}

// New makes in canonical (see CanonicalPath) and returns the Request every
// later stage reads. Headers API Gateway adds on the way to the integration
// — X-Forwarded-For with the peer appended, X-Forwarded-Port,
// X-Forwarded-Proto, X-Amzn-Trace-Id — are added here, once, so that the
// authorizer event, the Lambda event and an HTTP backend see the same list.
// The error is a *VerbError or a *PathError; the request is still returned
// (with its ids) so that the caller can render the refusal.
func (e *Edge) New(in Incoming) (*Request, error) {
	r := &Request{
		Time:     in.Time,
		WirePath: in.Target,
		RawQuery: in.Query,
		Protocol: in.Protocol,
		Secure:   in.Secure,
		Body:     in.Body,
	}
	var trace string
	r.ID, r.ExtendedID, trace = newRequestIDs(in.Time)
	if r.WirePath == "" {
		r.WirePath = "/"
	}
	r.Query = ParseQuery(r.RawQuery)
	peer := in.Peer.Unmap()
	peerS := peer.String()
	forwarded, hasForwarded := joinHeader(in.Headers, "X-Forwarded-For")
	r.SourceIP = e.sourceIP(peer, peerS, forwarded, hasForwarded)
	r.Headers, r.TraceID = e.withForwardingHeaders(in, peerS, forwarded, hasForwarded, trace)
	r.Host, _ = r.HeaderValue("Host")

	if n := len(in.Target) + len(in.Query); n > MaxURLLength {
		r.Method, _ = Verb(in.Method)
		return r, &LimitError{Status: 414, What: "the URL is " + strconv.Itoa(n) + " characters, over the 10240 limit"}
	}
	size := len(in.Method) + len(in.Target) + len(in.Query) + len(in.Protocol) + 3
	for _, h := range in.Headers {
		size += len(h.Value)
	}
	if size > MaxHeaderBytes {
		r.Method, _ = Verb(in.Method)
		return r, &LimitError{Status: 431, What: "the request line and header values are " + strconv.Itoa(size) + " bytes, over the 10240 limit"}
	}
	verb, ok := Verb(in.Method)
	if !ok {
		// r.Method stays empty: no stage may route an unknown verb.
		return r, &VerbError{Method: in.Method}
	}
	r.Method = verb
	return r, nil
}

// sourceIP is the peer address unless the peer is a trusted proxy; then it
// is the right-most X-Forwarded-For hop that is not itself trusted. Every
// X-Forwarded-For line counts (they form one list, RFC 9110 §5.3): reading
// only the first would let a client choose the address.
func (e *Edge) sourceIP(peer netip.Addr, ip, xff string, hasXFF bool) string {
	if len(e.TrustedProxies) == 0 || !peer.IsValid() || !e.trusted(peer) || !hasXFF {
		return ip
	}
	hops, ok := ParseForwardedFor(xff)
	if !ok || len(hops) == 0 {
		// A list we cannot read names nobody we can believe: the peer
		// itself is the only address known.
		return ip
	}
	for i := len(hops) - 1; i >= 0; i-- {
		if !e.trusted(hops[i]) || i == 0 {
			return hops[i].String()
		}
	}
	return ip
}

func (e *Edge) trusted(a netip.Addr) bool {
	for _, p := range e.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ParseForwardedFor parses an X-Forwarded-For list (all lines joined with
// commas). ok is false when any element is not an IP address (with an
// optional port, or in brackets for IPv6), since a list with an element we
// cannot read cannot tell which hops are trusted.
func ParseForwardedFor(v string) (hops []netip.Addr, ok bool) {
	for part := range strings.SplitSeq(v, ",") {
		h := strings.TrimSpace(part)
		if h == "" {
			continue
		}
		a, err := netip.ParseAddr(h)
		if err != nil {
			ap, err2 := netip.ParseAddrPort(h)
			if err2 != nil {
				return nil, false
			}
			a = ap.Addr()
		}
		hops = append(hops, a.Unmap())
	}
	return hops, true
}

// joinHeader joins the non-empty values of every line of a header with
// ", " (RFC 9110 §5.3: several lines are one comma-separated list).
func joinHeader(hs []Header, name string) (string, bool) {
	var parts []string
	found := false
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			found = true
			if v := strings.TrimSpace(h.Value); v != "" {
				parts = append(parts, v)
			}
		}
	}
	return strings.Join(parts, ", "), found
}

// withForwardingHeaders returns the request's headers as API Gateway hands
// them on: the client's lines, except that every X-Forwarded-For line is
// replaced by one list with the peer appended and X-Forwarded-Port and
// X-Forwarded-Proto by the listener's own values; X-Amzn-Trace-Id is the
// client's when well formed, else trace. The lines are rewritten in place in
// in.Headers, which New owns: with the capacity the listener reserves, the
// common request allocates nothing here.
func (e *Edge) withForwardingHeaders(in Incoming, peerS, xff string, hasXFF bool, trace string) ([]Header, string) {
	hasTrace := false
	for _, h := range in.Headers {
		if strings.EqualFold(h.Name, "X-Amzn-Trace-Id") && validTraceID(h.Value) {
			trace, hasTrace = h.Value, true
		}
	}
	if hasXFF && xff != "" {
		xff = xff + ", " + peerS
	} else {
		xff = peerS
	}
	proto := "http"
	if in.Secure {
		proto = "https"
	}
	out := in.Headers[:0]
	for _, h := range in.Headers {
		switch {
		case strings.EqualFold(h.Name, "X-Forwarded-For"),
			strings.EqualFold(h.Name, "X-Forwarded-Port"),
			strings.EqualFold(h.Name, "X-Forwarded-Proto"),
			strings.EqualFold(h.Name, "X-Amzn-Trace-Id") && !hasTrace:
			continue
		}
		out = append(out, h)
	}
	out = append(out,
		Header{Name: "X-Forwarded-For", Value: xff},
		Header{Name: "X-Forwarded-Port", Value: e.portString(in.Port)},
		Header{Name: "X-Forwarded-Proto", Value: proto})
	if !hasTrace {
		out = append(out, Header{Name: "X-Amzn-Trace-Id", Value: trace})
	}
	return out, trace
}

// ExtraHeaders is how many header lines New may add: the capacity a
// listener reserves beyond the lines it read.
const ExtraHeaders = 4

// portString formats a listener port, remembering the last one: a
// listener's port never changes, so this allocates once per listener.
func (e *Edge) portString(port int) string {
	if p := e.lastPort.Load(); p != nil && p.port == port {
		return p.s
	}
	p := &portText{port, strconv.Itoa(port)}
	e.lastPort.Store(p)
	return p.s
}

type portText struct {
	port int
	s    string
}

// traceLen is the length of an X-Amzn-Trace-Id Root value with its key.
const traceLen = len("Root=1-") + 8 + 1 + 24

// NewTraceID returns an X-Ray trace header, Root=1-{epoch seconds, 8 hex}-{96
// random bits, 24 hex}, the form API Gateway adds as X-Amzn-Trace-Id.
func NewTraceID(now time.Time) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	var out [traceLen]byte
	putTraceID(out[:], now, b[:])
	return string(out[:])
}

func putTraceID(out []byte, now time.Time, random []byte) {
	copy(out, "Root=1-")
	sec := uint32(now.Unix())
	const hexd = "0123456789abcdef"
	for i := 7; i >= 0; i-- {
		out[7+i] = hexd[sec&15]
		sec >>= 4
	}
	out[15] = '-'
	hex.Encode(out[16:], random[:12])
}

// validTraceID accepts a trace header whose Root is well formed; a client's
// trace is kept so that its own X-Ray segments connect, as on AWS.
func validTraceID(v string) bool {
	for part := range strings.SplitSeq(v, ";") {
		k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
		if k != "Root" {
			continue
		}
		if len(val) != 35 || !strings.HasPrefix(val, "1-") || val[10] != '-' {
			return false
		}
		for i := 2; i < len(val); i++ {
			if i == 10 {
				continue
			}
			c := val[i]
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
		return true
	}
	return false
}
