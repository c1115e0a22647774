package telemetry

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// executionLogTime is the timestamp layout of API Gateway execution-log
// lines as test-invoke answers show them ("Thu Mar 17 12:34:56 UTC 2022").
const executionLogTime = "Mon Jan 02 15:04:05 MST 2006"

// ExecutionLog collects slog records as API Gateway execution-log lines:
// "<time> : <message>", the record's attributes left out, as AWS writes
// plain sentences. It is the log of one test invocation; String returns
// everything collected so far.
type ExecutionLog struct {
	// Now is the clock; nil means time.Now. Records with a time use their own.
	Now func() time.Time

	mu sync.Mutex
	b  strings.Builder
}

// Logger returns a logger whose records become lines of l. Records below
// Info (the pipeline's debugging notes) are left out, as AWS logs only its
// execution steps. A record's own attributes (a failure's cause) follow
// the sentence in parentheses; attributes added with With (the request id)
// are left out.
func (l *ExecutionLog) Logger() *slog.Logger { return slog.New(execHandler{l}) }

// Line appends one line.
func (l *ExecutionLog) Line(t time.Time, msg string) {
	if t.IsZero() {
		if l.Now != nil {
			t = l.Now()
		} else {
			t = time.Now()
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.WriteString(t.UTC().Format(executionLogTime))
	l.b.WriteString(" : ")
	l.b.WriteString(msg)
	l.b.WriteByte('\n')
}

// String is the log collected so far.
func (l *ExecutionLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type execHandler struct{ l *ExecutionLog }

func (h execHandler) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelInfo }

func (h execHandler) Handle(_ context.Context, r slog.Record) error {
	msg := r.Message
	if r.NumAttrs() > 0 {
		var b strings.Builder
		b.WriteString(msg)
		b.WriteString(" (")
		i := 0
		r.Attrs(func(a slog.Attr) bool {
			if i > 0 {
				b.WriteString(", ")
			}
			i++
			b.WriteString(a.Key)
			b.WriteString(": ")
			b.WriteString(a.Value.String())
			return true
		})
		b.WriteByte(')')
		msg = b.String()
	}
	h.l.Line(r.Time, msg)
	return nil
}

func (h execHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h execHandler) WithGroup(string) slog.Handler      { return h }
