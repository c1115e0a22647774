package decision

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// Record is what the view shows for one finished request.
type Record struct {
	Seq       uint64    `json:"seq"`
	RequestID string    `json:"requestId"`
	Time      time.Time `json:"time"`
	API       string    `json:"api"`
	Stage     string    `json:"stage"`
	Method    string    `json:"method"`
	Path      string    `json:"path"`
	Route     string    `json:"route"`
	Status    int       `json:"status"`
	LatencyMs float64   `json:"latencyMs"`
	Principal string    `json:"principal,omitempty"`
	// Mock names the mock identity that stood in for the authorizer.
	Mock  string `json:"mock,omitempty"`
	Steps []Step `json:"steps"`
	// Log is the request's execution log: the plain-language explanation.
	// A record finished from a trace keeps its lines unformatted; Log is
	// filled when the record is encoded.
	Log []LogLine `json:"log"`

	// b is the storage of a record finished from a trace (nil for a
	// snapshot or a record built as a value); gen is b's generation when
	// it was finished. A ring recycles b once the record is overwritten,
	// so readers take a snapshot (Ref.Record, Ring.Records).
	b   *buffer
	gen uint64
	// lines and secrets are a snapshot's execution log and identity
	// values, as recorded.
	lines   []line
	secrets []string
}

// Denied reports whether the request was refused by the gateway (a 4xx or
// 5xx gateway response rather than the integration's answer).
func (r *Record) Denied() bool {
	for _, s := range r.Steps {
		if s.Name == StepGatewayResponse {
			return true
		}
	}
	return false
}

// Step names, in pipeline order.
const (
	StepRoute           = "route"
	StepResourcePolicy  = "resource policy"
	StepIdentity        = "identity sources"
	StepCache           = "authorizer cache"
	StepAuthorizer      = "authorizer"
	StepPolicy          = "policy decision"
	StepIntegration     = "integration"
	StepGatewayResponse = "gateway response"
)

// Outcomes of a step.
const (
	OK    = "ok"
	Deny  = "deny"
	Error = "error"
	Info  = "info"
)

// Step is one stage of the pipeline as the view shows it.
type Step struct {
	Name    string `json:"name"`
	Outcome string `json:"outcome"`
	Summary string `json:"summary"`
	// Text, when Summary is empty, is the summary: formatted when the
	// record is encoded, not on the request path.
	Text   Text    `json:"-"`
	Fields []Field `json:"fields,omitempty"`
	// Statement, when its Doc is set, names the deciding statement of a
	// policy; its fields are added when the record is encoded, not on the
	// request path.
	Statement Statement `json:"-"`
}

// Field is one labelled value of a step. Code values (events, answers,
// statements, bodies) are shown preformatted. JSON is a document to show
// indented, Arg a value to format, and Param marks a path parameter's
// name, shown as {name}: all three are formatted when the record is
// encoded.
type Field struct {
	Label string `json:"label"`
	Value string `json:"value"`
	Code  bool   `json:"code,omitempty"`
	JSON  []byte `json:"-"`
	Arg   Arg    `json:"-"`
	Param bool   `json:"-"`
}

// Statement points at statement Index of a policy document: Doc, or the
// document held under Doc's member Member (an authorizer's answer holds
// it under "policyDocument").
type Statement struct {
	Doc    []byte
	Member string
	Index  int
}

// LogLine is one execution-log line.
type LogLine struct {
	Level string `json:"level"`
	Msg   string `json:"msg"`
}

// The sizes of a trace's own storage: a request whose record needs more
// (many path parameters or identity sources) allocates the rest.
const (
	maxSteps   = 8
	maxFields  = 16
	maxLines   = 8
	maxSecrets = 2
)

// Trace collects the record of one request while it runs. Its methods are
// safe for concurrent use: an authorizer cache fill may run on behalf of
// several requests.
//
// A Trace is a small handle — it is also the context that carries it
// (With) and holds the execution logger that tees into it (Logger) — on a
// buffer that a Ring recycles once the record has left the ring: the
// record, fixed arrays for its steps, fields and log lines. The request
// path stores raw values (Arg, Text) that are formatted only when the
// record is read. A handle writes only while the buffer is still its
// generation, so work that outlives its request never writes into a
// recycled buffer.
type Trace struct {
	parent context.Context
	b      *buffer
	gen    uint64
	tee    teeHandler
	logger slog.Logger
	teeSet bool
}

// buffer is the storage of one record.
type buffer struct {
	mu  sync.Mutex
	gen uint64
	// done is set by Finish: work that outlives its request (a shared
	// cache fill) no longer writes to the record.
	done   bool
	rec    Record
	steps  [maxSteps]Step
	fields [maxFields]Field
	nf     int
	lines  []line
	lbuf   [maxLines]line
	// secrets are replaced by their masks in everything the record shows
	// (the execution log quotes the authorizer's event in full); a mask
	// left empty is Mask of its secret.
	secrets []string
	sbuf    [2 * maxSecrets]string
}

// line is one execution-log line as recorded: msg, or text to format.
type line struct {
	level slog.Level
	msg   string
	text  Text
}

// NewTrace starts the record of one request in storage of its own.
// Ring.NewTrace reuses the storage of records the ring has dropped.
func NewTrace(requestID string, t time.Time) *Trace {
	return new(buffer).start(requestID, t)
}

// start readies b, fresh or recycled, for a request.
func (b *buffer) start(requestID string, t time.Time) *Trace {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done = false
	b.rec = Record{RequestID: requestID, Time: t, b: b, gen: b.gen}
	b.rec.Steps = b.steps[:0]
	b.lines = b.lbuf[:0]
	b.secrets = b.sbuf[:0]
	return &Trace{b: b, gen: b.gen}
}

// recycle drops what b holds and ends its generation: handles of the old
// generation no longer write to it, snapshots of it are refused.
func (b *buffer) recycle() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.gen++
	b.done = true
	// Only what the record used is cleared, so that the buffer keeps
	// nothing alive; the rest is still zero.
	clear(b.steps[:min(len(b.rec.Steps), len(b.steps))])
	clear(b.fields[:b.nf])
	clear(b.lbuf[:min(len(b.lines), len(b.lbuf))])
	clear(b.sbuf[:min(len(b.secrets), len(b.sbuf))])
	b.nf = 0
	b.rec = Record{}
	b.lines, b.secrets = nil, nil
}

// lock locks the buffer for a write and reports whether the write may
// happen: the request is running and the buffer is still this handle's.
func (t *Trace) lock() bool {
	t.b.mu.Lock()
	if t.b.gen != t.gen || t.b.done {
		t.b.mu.Unlock()
		return false
	}
	return true
}

// Step appends a step, with fields appended to s.Fields. fields are
// copied into the trace: the caller's slice may live on its stack.
func (t *Trace) Step(s Step, fields ...Field) {
	if !t.lock() {
		return
	}
	b := t.b
	if len(fields) > 0 {
		if len(s.Fields) == 0 && b.nf+len(fields) <= len(b.fields) {
			n := copy(b.fields[b.nf:], fields)
			s.Fields = b.fields[b.nf : b.nf+n : b.nf+n]
			b.nf += n
		} else {
			s.Fields = append(s.Fields[:len(s.Fields):len(s.Fields)], fields...)
		}
	}
	b.rec.Steps = append(b.rec.Steps, s)
	b.mu.Unlock()
}

// Line appends an execution-log line.
func (t *Trace) Line(level slog.Level, msg string) {
	if !t.lock() {
		return
	}
	t.b.lines = append(t.b.lines, line{level: level, msg: msg})
	t.b.mu.Unlock()
}

// LineText appends an execution-log line formatted when the record is
// read.
func (t *Trace) LineText(level slog.Level, text Text) {
	if !t.lock() {
		return
	}
	t.b.lines = append(t.b.lines, line{level: level, text: text})
	t.b.mu.Unlock()
}

// Redact makes the record show masked wherever secret appears; an empty
// masked is Mask(secret), computed when the record is read.
func (t *Trace) Redact(secret, masked string) {
	if len(secret) < 3 || !t.lock() {
		return
	}
	t.b.secrets = append(t.b.secrets, secret, masked)
	t.b.mu.Unlock()
}

// SetMock names the mock identity that answered for the authorizer.
func (t *Trace) SetMock(name string) {
	if !t.lock() {
		return
	}
	t.b.rec.Mock = name
	t.b.mu.Unlock()
}

// Finish fills the request's summary and returns the record. The trace
// is not written to afterwards; the record lives in the trace's buffer
// until a ring recycles it.
func (t *Trace) Finish(fill func(*Record)) *Record {
	if !t.lock() {
		// Only the request finishes its trace, once.
		return &Record{}
	}
	defer t.b.mu.Unlock()
	r := &t.b.rec
	fill(r)
	t.b.done = true
	// Steps are shown in pipeline order; an authorizer invocation is
	// recorded inside its cache fill, before the cache's verdict.
	// They usually are already: checking is cheaper than moving steps.
	byRank := func(a, b Step) int { return rank(a.Name) - rank(b.Name) }
	if !slices.IsSortedFunc(r.Steps, byRank) {
		slices.SortStableFunc(r.Steps, byRank)
	}
	return r
}

// snapshot copies what a reader needs of r, nil when r's buffer has been
// recycled since gen. Strings and JSON documents are immutable and shared.
func (r *Record) snapshot(gen uint64) *Record {
	b := r.b
	if b == nil {
		return r
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.gen != gen || r.gen != gen {
		return nil
	}
	out := *r
	out.b = nil
	out.Steps = slices.Clone(r.Steps)
	for i := range out.Steps {
		out.Steps[i].Fields = slices.Clone(out.Steps[i].Fields)
	}
	out.lines = slices.Clone(b.lines)
	out.secrets = slices.Clone(b.secrets)
	return &out
}

var order = []string{StepRoute, StepResourcePolicy, StepIdentity, StepCache, StepAuthorizer, StepPolicy, StepIntegration, StepGatewayResponse}

func rank(name string) int {
	if i := slices.Index(order, name); i >= 0 {
		return i
	}
	return len(order)
}

type traceKey struct{}

// A Trace is the context that carries it: With allocates nothing.
var _ context.Context = (*Trace)(nil)

// Deadline, Done and Err are the parent's.
func (t *Trace) Deadline() (time.Time, bool) { return t.parent.Deadline() }
func (t *Trace) Done() <-chan struct{}       { return t.parent.Done() }
func (t *Trace) Err() error                  { return t.parent.Err() }

// Value is t for the trace's key, else the parent's value.
func (t *Trace) Value(key any) any {
	if _, ok := key.(traceKey); ok {
		return t
	}
	return t.parent.Value(key)
}

// With returns ctx carrying t. A trace is carried by one context, made
// before the request's pipeline starts; asking again for another parent
// makes a handle of its own.
func With(ctx context.Context, t *Trace) context.Context {
	if t.parent == nil {
		t.parent = ctx
		return t
	}
	return &Trace{parent: ctx, b: t.b, gen: t.gen}
}

// From returns the trace of ctx, nil when the view is off.
func From(ctx context.Context) *Trace {
	t, _ := ctx.Value(traceKey{}).(*Trace)
	return t
}

// Logger returns base with every INFO-or-above record also appended to
// t, so that the execution log is formatted and kept for the view even
// when base drops it. The first logger of a trace lives in it; like With,
// it is made by the request before its pipeline runs concurrent work.
func Logger(base *slog.Logger, t *Trace) *slog.Logger {
	if t.teeSet {
		return slog.New(teeHandler{t: t, next: base.Handler()})
	}
	t.teeSet = true
	t.tee = teeHandler{t: t, next: base.Handler()}
	t.logger = *slog.New(&t.tee)
	return &t.logger
}

// Enabled reports whether log itself keeps records of level l, whatever a
// decision trace teed into it keeps: a caller formats a line for the log
// only when the log keeps it, and records it as a Text otherwise.
func Enabled(ctx context.Context, log *slog.Logger, l slog.Level) bool {
	switch h := log.Handler().(type) {
	case *teeHandler:
		return h.next.Enabled(ctx, l)
	case teeHandler:
		return h.next.Enabled(ctx, l)
	}
	return log.Enabled(ctx, l)
}

type teeHandler struct {
	t    *Trace
	next slog.Handler
}

func (h teeHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelInfo || h.next.Enabled(ctx, l)
}

func (h teeHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelInfo {
		msg := r.Message
		r.Attrs(func(a slog.Attr) bool {
			if a.Key != "requestId" {
				msg += " (" + a.Key + ": " + a.Value.String() + ")"
			}
			return true
		})
		h.t.Line(r.Level, msg)
	}
	if h.next.Enabled(ctx, r.Level) {
		return h.next.Handle(ctx, r)
	}
	return nil
}

func (h teeHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return teeHandler{t: h.t, next: h.next.WithAttrs(as)}
}

func (h teeHandler) WithGroup(name string) slog.Handler {
	return teeHandler{t: h.t, next: h.next.WithGroup(name)}
}
