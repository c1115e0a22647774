package runtimeapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Header and trailer names of the Runtime API, as the aws-lambda-go client
// and the managed runtimes spell them.
const (
	HeaderRequestID          = "Lambda-Runtime-Aws-Request-Id"
	HeaderDeadlineMs         = "Lambda-Runtime-Deadline-Ms"
	HeaderInvokedFunctionARN = "Lambda-Runtime-Invoked-Function-Arn"
	HeaderTraceID            = "Lambda-Runtime-Trace-Id"
	HeaderErrorType          = "Lambda-Runtime-Function-Error-Type"
	// TrailerErrorBody carries a base64 JSON error document when a runtime
	// fails while streaming its response (aws-lambda-go does this).
	TrailerErrorBody = "Lambda-Runtime-Function-Error-Body"
)

// DefaultMaxPayload is Lambda's limit on a synchronous invocation's
// response ("Lambda quotas": 6 MB), in bytes as Lambda counts them: its
// error reads "Response payload size exceeded maximum allowed payload size
// (6291556 bytes)." (DataBiosphere/azul#8192).
const DefaultMaxPayload = 6291556

const apiPrefix = "/2018-06-01/runtime/"

// Invocation is one event handed to a runtime by GET .../invocation/next.
type Invocation struct {
	RequestID   string
	Deadline    time.Time
	FunctionARN string
	TraceID     string
	Payload     []byte
}

// Response is what a runtime reported for an invocation, or for its
// initialisation when it came from /init/error.
type Response struct {
	RequestID string
	Payload   []byte
	// Error is true when the runtime posted to .../error or /init/error, or
	// announced a failure in the response's HTTP trailers.
	Error bool
	// ErrorType is the Lambda-Runtime-Function-Error-Type the runtime sent.
	ErrorType string
}

// Options configures a Server.
type Options struct {
	// Logger receives protocol errors (bad request ids, oversized
	// responses). Nil discards them.
	Logger *slog.Logger
	// MaxPayload caps response and error bodies; zero means
	// DefaultMaxPayload.
	MaxPayload int64
}

// Server is the Runtime API server shared by every worker of a process.
type Server struct {
	srv        *http.Server
	logger     *slog.Logger
	maxPayload int64

	mu        sync.Mutex
	endpoints map[int]*Endpoint // by local TCP port
	closed    bool
	serving   sync.WaitGroup
}

type connKey struct{}

// conn is what the server knows of one TCP connection: the endpoint it
// reached and, once its first request has been checked, whether it belongs
// to the endpoint's runtime.
type conn struct {
	ep            *Endpoint
	local, remote netip.AddrPort
	// verdict is 0 until the first request is checked, then admitted or
	// refused. Requests on one HTTP/1.1 connection are served one at a
	// time; the atomic keeps a racing reader honest anyway.
	verdict atomic.Int32
}

const (
	admitted int32 = 1
	refused  int32 = 2
)

// A PeerCheck decides whether the process at the other end of a TCP
// connection to an endpoint is that endpoint's runtime: local is the
// endpoint's address, remote the connecting socket's. It runs once per
// connection, before the connection's first request is served; an error
// refuses the connection, every request on it answering 403.
type PeerCheck func(local, remote netip.AddrPort) error

// NewServer returns a server with no listeners; NewEndpoint adds them.
func NewServer(opts Options) *Server {
	s := &Server{
		logger:     opts.Logger,
		maxPayload: opts.MaxPayload,
		endpoints:  make(map[int]*Endpoint),
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.maxPayload <= 0 {
		s.maxPayload = DefaultMaxPayload
	}
	s.srv = &http.Server{
		Handler: s,
		// Headers come from a local runtime; a slow one is broken. There is
		// deliberately no WriteTimeout: /next is a long poll.
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelDebug),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			local, ok := c.LocalAddr().(*net.TCPAddr)
			if !ok {
				return ctx
			}
			remote, ok := c.RemoteAddr().(*net.TCPAddr)
			if !ok {
				return ctx
			}
			s.mu.Lock()
			ep := s.endpoints[local.Port]
			s.mu.Unlock()
			if ep == nil {
				return ctx
			}
			return context.WithValue(ctx, connKey{}, &conn{ep: ep, local: local.AddrPort(), remote: remote.AddrPort()})
		},
	}
	return s
}

// NewEndpoint opens a listener on 127.0.0.1 for one runtime process.
func (s *Server) NewEndpoint() (*Endpoint, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ep := &Endpoint{
		srv:         s,
		ln:          ln,
		port:        port,
		addr:        ln.Addr().String(),
		invocations: make(chan *Invocation, 1),
		results:     make(chan Response, 1),
		initErr:     make(chan Response, 1),
		ready:       make(chan struct{}),
		admit:       make(chan struct{}),
		done:        make(chan struct{}),
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return nil, http.ErrServerClosed
	}
	s.endpoints[port] = ep
	s.serving.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.serving.Done()
		// Serve returns when the endpoint or the server closes the listener.
		_ = s.srv.Serve(ln)
	}()
	return ep, nil
}

// Close closes every listener and connection and waits for the accept
// loops to return. Endpoints still open are closed.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	eps := make([]*Endpoint, 0, len(s.endpoints))
	for _, ep := range s.endpoints {
		eps = append(eps, ep)
	}
	s.mu.Unlock()
	for _, ep := range eps {
		ep.Close()
	}
	err := s.srv.Close()
	s.serving.Wait()
	return err
}

// ServeHTTP routes the four Runtime API calls. Paths are matched by hand:
// there are four of them and this runs on every invocation.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, _ := r.Context().Value(connKey{}).(*conn)
	if c == nil {
		writeError(w, http.StatusNotFound, "UnknownEndpoint", "unknown Runtime API path "+r.URL.Path)
		return
	}
	// Every route, known or not, is behind the peer check: a process that
	// is not the endpoint's runtime learns nothing, not even the routes.
	if !c.admitted(r.Context()) {
		w.Header()["Connection"] = []string{"close"}
		writeError(w, http.StatusForbidden, "AccessDeniedException", "this connection does not come from the runtime this endpoint serves")
		return
	}
	ep := c.ep
	rest, ok := strings.CutPrefix(r.URL.Path, apiPrefix)
	if !ok {
		writeError(w, http.StatusNotFound, "UnknownEndpoint", "unknown Runtime API path "+r.URL.Path)
		return
	}
	switch {
	case rest == "invocation/next":
		if r.Method != http.MethodGet {
			writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "use GET")
			return
		}
		ep.serveNext(w, r)
	case rest == "init/error":
		if r.Method != http.MethodPost {
			writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "use POST")
			return
		}
		ep.serveInitError(w, r)
	case strings.HasPrefix(rest, "invocation/"):
		id, kind, ok := strings.Cut(rest[len("invocation/"):], "/")
		if !ok || (kind != "response" && kind != "error") || id == "" {
			writeError(w, http.StatusNotFound, "UnknownEndpoint", "unknown Runtime API path "+r.URL.Path)
			return
		}
		if r.Method != http.MethodPost {
			writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "use POST")
			return
		}
		ep.serveResult(w, r, id, kind == "error")
	default:
		writeError(w, http.StatusNotFound, "UnknownEndpoint", "unknown Runtime API path "+r.URL.Path)
	}
}

// Endpoint is the Runtime API as one runtime process sees it. The process
// runs one invocation at a time: Dispatch hands it an event, Results
// delivers the outcome.
type Endpoint struct {
	srv  *Server
	ln   net.Listener
	port int
	addr string

	invocations chan *Invocation // capacity 1: at most one event is pending
	results     chan Response    // capacity 1: at most one event is in flight
	initErr     chan Response
	ready       chan struct{}
	readyOnce   sync.Once
	done        chan struct{}
	closeOnce   sync.Once
	admit       chan struct{} // closed by Admit, after check is set
	admitOnce   sync.Once
	check       PeerCheck

	mu      sync.Mutex
	current string // request id handed out by /next and not yet answered
}

// Addr is the value of AWS_LAMBDA_RUNTIME_API for this endpoint's process.
func (e *Endpoint) Addr() string { return e.addr }

// Ready is closed when the runtime first asks for an event, which is when
// Lambda considers its init phase complete.
func (e *Endpoint) Ready() <-chan struct{} { return e.ready }

// InitError delivers the runtime's /init/error report.
func (e *Endpoint) InitError() <-chan Response { return e.initErr }

// Results delivers the outcome of the dispatched invocation.
func (e *Endpoint) Results() <-chan Response { return e.results }

// ErrBusy is returned by Dispatch when an event is already pending.
var ErrBusy = errors.New("runtimeapi: an invocation is already pending")

// Dispatch queues inv for the runtime's next /next call. A runtime serves one
// event at a time: the caller dispatches again only after it has received
// the previous result or withdrawn the invocation.
func (e *Endpoint) Dispatch(inv *Invocation) error {
	select {
	case e.invocations <- inv:
		return nil
	default:
		return ErrBusy
	}
}

// Withdraw takes back a dispatched invocation the runtime has not yet
// received. It reports false when the runtime already has it, in which case
// the invocation may have run.
func (e *Endpoint) Withdraw() bool {
	select {
	case <-e.invocations:
		return true
	default:
		return false
	}
}

// Admit sets the check every connection to the endpoint must pass before
// its first request is served. Until Admit is called, requests wait: the
// endpoint exists before its process does, and a connection that arrives
// in between must not be judged by a missing rule. Only the first call
// counts; a nil check refuses every connection.
func (e *Endpoint) Admit(check PeerCheck) {
	e.admitOnce.Do(func() {
		e.check = check
		close(e.admit)
	})
}

// admitted reports whether c may be served, running the endpoint's check on
// the connection's first request.
func (c *conn) admitted(ctx context.Context) bool {
	switch c.verdict.Load() {
	case admitted:
		return true
	case refused:
		return false
	}
	e := c.ep
	select {
	case <-e.admit:
	case <-e.done:
		return false
	case <-ctx.Done():
		return false
	}
	err := errors.New("no peer check")
	if e.check != nil {
		err = e.check(c.local, c.remote)
	}
	if err != nil {
		c.verdict.Store(refused)
		e.srv.logger.Warn("refused a Runtime API connection that does not come from the endpoint's runtime",
			"endpoint", e.addr, "remote", c.remote.String(), "err", err)
		return false
	}
	c.verdict.Store(admitted)
	return true
}

// Close stops the listener and releases a runtime blocked in /next.
func (e *Endpoint) Close() {
	e.closeOnce.Do(func() {
		close(e.done)
		e.srv.mu.Lock()
		delete(e.srv.endpoints, e.port)
		e.srv.mu.Unlock()
		e.ln.Close()
	})
}

func (e *Endpoint) serveNext(w http.ResponseWriter, r *http.Request) {
	e.readyOnce.Do(func() { close(e.ready) })
	var inv *Invocation
	select {
	case inv = <-e.invocations:
	case <-e.done:
		writeError(w, http.StatusGone, "EndpointClosed", "the runtime is shutting down")
		return
	case <-r.Context().Done():
		return
	}
	e.mu.Lock()
	e.current = inv.RequestID
	e.mu.Unlock()

	// Direct map writes: the keys are already canonical.
	h := w.Header()
	h[HeaderRequestID] = []string{inv.RequestID}
	h[HeaderDeadlineMs] = []string{strconv.FormatInt(inv.Deadline.UnixMilli(), 10)}
	h[HeaderInvokedFunctionARN] = []string{inv.FunctionARN}
	if inv.TraceID != "" {
		h[HeaderTraceID] = []string{inv.TraceID}
	}
	h["Content-Type"] = []string{"application/json"}
	h["Content-Length"] = []string{strconv.Itoa(len(inv.Payload))}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(inv.Payload)
}

func (e *Endpoint) serveResult(w http.ResponseWriter, r *http.Request, id string, isError bool) {
	e.mu.Lock()
	current := e.current
	if id == current {
		e.current = ""
	}
	e.mu.Unlock()
	if current == "" || id != current {
		e.srv.logger.Warn("runtime answered an invocation it does not hold", "requestId", id)
		writeError(w, http.StatusBadRequest, "InvalidRequestID", "no invocation "+id+" is in progress")
		return
	}

	resp := Response{RequestID: id, Error: isError}
	body, err := readBody(r.Body, r.ContentLength, e.srv.maxPayload)
	switch {
	case errors.Is(err, errTooLarge):
		resp.Error = true
		resp.ErrorType = "Function.ResponseSizeTooLarge"
		resp.Payload = []byte(`{"errorMessage":"Response payload size exceeded maximum allowed payload size (` +
			strconv.FormatInt(e.srv.maxPayload, 10) + ` bytes).","errorType":"Function.ResponseSizeTooLarge"}`)
		e.results <- resp
		writeError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "response too large")
		return
	case err != nil:
		// The runtime went away mid-body: it crashed or is broken. The
		// caller learns it from the process exit or the timeout.
		e.srv.logger.Warn("reading runtime response", "requestId", id, "err", err)
		return
	}
	resp.Payload = body
	if isError {
		resp.ErrorType = r.Header.Get(HeaderErrorType)
	}
	// A streaming failure after the headers went out is reported in
	// trailers, readable only once the body is drained.
	if t := r.Trailer.Get(HeaderErrorType); t != "" {
		resp.Error = true
		resp.ErrorType = t
		if b := r.Trailer.Get(TrailerErrorBody); b != "" {
			if doc, err := base64.StdEncoding.DecodeString(b); err == nil {
				resp.Payload = doc
			}
		}
	}
	e.results <- resp
	writeAccepted(w)
}

func (e *Endpoint) serveInitError(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r.Body, r.ContentLength, e.srv.maxPayload)
	if err != nil {
		body = nil
	}
	resp := Response{Payload: body, Error: true, ErrorType: r.Header.Get(HeaderErrorType)}
	select {
	case e.initErr <- resp:
	default: // only the first report counts
	}
	writeAccepted(w)
}

var errTooLarge = errors.New("body exceeds the payload limit")

// readBody reads a whole body into one exactly-sized buffer when the length
// is known (our bootstraps send Content-Length), growing one otherwise
// (aws-lambda-go streams with chunked encoding).
func readBody(body io.Reader, n, limit int64) ([]byte, error) {
	if n > limit {
		return nil, errTooLarge
	}
	if n >= 0 {
		buf := make([]byte, n)
		if _, err := io.ReadFull(body, buf); err != nil {
			return nil, err
		}
		// Drain to EOF so trailers, if any, are parsed.
		if _, err := io.Copy(io.Discard, body); err != nil {
			return nil, err
		}
		return buf, nil
	}
	var b bytes.Buffer
	m, err := b.ReadFrom(io.LimitReader(body, limit+1))
	if err != nil {
		return nil, err
	}
	if m > limit {
		return nil, errTooLarge
	}
	return b.Bytes(), nil
}

func writeAccepted(w http.ResponseWriter) {
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, `{"status":"OK"}`)
}

func writeError(w http.ResponseWriter, code int, errType, msg string) {
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	w.WriteHeader(code)
	b, _ := json.Marshal(errorDoc{Message: msg, Type: errType})
	_, _ = w.Write(b)
}

// errorDoc is the error document shape shared by Lambda and its runtimes.
type errorDoc struct {
	Message string `json:"errorMessage"`
	Type    string `json:"errorType"`
}
