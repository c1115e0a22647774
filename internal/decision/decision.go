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
	Log []LogLine `json:"log"`

	// tr is the trace the record was finished from: it holds the secrets
	// to mask and the record's JSON, built once, on first use, off the
	// request path.
	tr *Trace
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
	maxLines   = 10
	maxSecrets = 2
)

// Trace collects the record of one request while it runs. Its methods are
// safe for concurrent use: an authorizer cache fill may run on behalf of
// several requests.
//
// A trace is one allocation: the record, fixed arrays for its steps,
// fields and log lines, the context that carries it (With) and the
// execution logger that tees into it (Logger) all live in it, and the
// request path stores raw values (Arg, Text) that are formatted only when
// the record is encoded.
type Trace struct {
	mu     sync.Mutex
	rec    Record
	steps  [maxSteps]Step
	fields [maxFields]Field
	nf     int
	lines  []line
	lbuf   [maxLines]line
	// done is set by Finish: work that outlives its request (a shared
	// cache fill) no longer writes to the record.
	done bool

	ctx    traceCtx
	tee    teeHandler
	logger slog.Logger
	teeSet bool

	once sync.Once
	enc  []byte
	err  error
	// secrets are replaced by their masks in everything the record keeps
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

// NewTrace starts the record of one request.
func NewTrace(requestID string, t time.Time) *Trace {
	tr := &Trace{rec: Record{RequestID: requestID, Time: t}}
	tr.rec.Steps = tr.steps[:0]
	tr.lines = tr.lbuf[:0]
	tr.secrets = tr.sbuf[:0]
	return tr
}

// Step appends a step, with fields appended to s.Fields. fields are
// copied into the trace: the caller's slice may live on its stack.
func (t *Trace) Step(s Step, fields ...Field) {
	t.mu.Lock()
	if !t.done {
		if len(fields) > 0 {
			if len(s.Fields) == 0 && t.nf+len(fields) <= len(t.fields) {
				n := copy(t.fields[t.nf:], fields)
				s.Fields = t.fields[t.nf : t.nf+n : t.nf+n]
				t.nf += n
			} else {
				s.Fields = append(s.Fields[:len(s.Fields):len(s.Fields)], fields...)
			}
		}
		t.rec.Steps = append(t.rec.Steps, s)
	}
	t.mu.Unlock()
}

// Line appends an execution-log line.
func (t *Trace) Line(level slog.Level, msg string) {
	t.mu.Lock()
	if !t.done {
		t.lines = append(t.lines, line{level: level, msg: msg})
	}
	t.mu.Unlock()
}

// LineText appends an execution-log line formatted when the record is
// encoded.
func (t *Trace) LineText(level slog.Level, text Text) {
	t.mu.Lock()
	if !t.done {
		t.lines = append(t.lines, line{level: level, text: text})
	}
	t.mu.Unlock()
}

// Redact makes the record show masked wherever secret appears; an empty
// masked is Mask(secret), computed when the record is encoded.
func (t *Trace) Redact(secret, masked string) {
	if len(secret) < 3 {
		return
	}
	t.mu.Lock()
	if !t.done {
		t.secrets = append(t.secrets, secret, masked)
	}
	t.mu.Unlock()
}

// SetMock names the mock identity that answered for the authorizer.
func (t *Trace) SetMock(name string) {
	t.mu.Lock()
	if !t.done {
		t.rec.Mock = name
	}
	t.mu.Unlock()
}

// Finish fills the request's summary and returns the record. The trace
// must not be written to afterwards: the record shares its storage.
func (t *Trace) Finish(fill func(*Record)) *Record {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := &t.rec
	fill(r)
	r.tr = t
	t.done = true
	// Steps are shown in pipeline order; an authorizer invocation is
	// recorded inside its cache fill, before the cache's verdict.
	slices.SortStableFunc(r.Steps, func(a, b Step) int { return rank(a.Name) - rank(b.Name) })
	return r
}

var order = []string{StepRoute, StepResourcePolicy, StepIdentity, StepCache, StepAuthorizer, StepPolicy, StepIntegration, StepGatewayResponse}

func rank(name string) int {
	if i := slices.Index(order, name); i >= 0 {
		return i
	}
	return len(order)
}

type traceKey struct{}

// traceCtx is the context carrying a trace. It lives in the trace, so that
// With allocates nothing.
type traceCtx struct {
	context.Context
	t *Trace
}

func (c *traceCtx) Value(key any) any {
	if _, ok := key.(traceKey); ok {
		return c.t
	}
	return c.Context.Value(key)
}

// With returns ctx carrying t. A trace is carried by one context, made
// before the request's pipeline starts; asking again for another parent
// allocates a context of its own.
func With(ctx context.Context, t *Trace) context.Context {
	if t.ctx.t == nil {
		t.ctx = traceCtx{Context: ctx, t: t}
		return &t.ctx
	}
	return &traceCtx{Context: ctx, t: t}
}

// From returns the trace of ctx, nil when the view is off.
func From(ctx context.Context) *Trace {
	t, _ := ctx.Value(traceKey{}).(*Trace)
	return t
}

// Logger returns base with every INFO-or-above record also appended to
// t, so that the execution log is formatted and kept for the view even
// when base drops it. The first logger of a trace lives in it.
func Logger(base *slog.Logger, t *Trace) *slog.Logger {
	t.mu.Lock()
	defer t.mu.Unlock()
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
