package telemetry

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"testing"
	"time"
)

// logBoth writes the same records through slog's own TextHandler and ours.
func logBoth(f func(l *slog.Logger)) (want, got string) {
	var a, b bytes.Buffer
	f(slog.New(slog.NewTextHandler(&a, &slog.HandlerOptions{Level: slog.LevelDebug})))
	f(slog.New(NewTextHandler(&b, slog.LevelDebug)))
	return a.String(), b.String()
}

// TextHandler's output is slog's text format byte for byte: tools and tests
// that read the execution log see no difference.
func TestTextHandler_SameBytesAsSlog(t *testing.T) {
	tests := map[string]func(l *slog.Logger){
		"plain": func(l *slog.Logger) { l.Info("Starting execution for request: abc", "requestId", "abc") },
		"quoting": func(l *slog.Logger) {
			l.Warn("a=b \"q\"", "k", "", "sp ace", "x", "eq", "a=b", "bs", `a\b`, "del", "a\x7fb", "nl", "a\nb")
		},
		"unicode": func(l *slog.Logger) { l.Info("café ☕", "nbsp", "a\u00a0b", "bad", "\xff", "zw", "a\u200bb") },
		"kinds": func(l *slog.Logger) {
			l.Info("m", "i", -42, "u", uint64(7), "f", 1.5, "f2", 1e21, "b", true, "d", 1500*time.Millisecond)
		},
		"time value": func(l *slog.Logger) { l.Info("m", "t", time.Date(2026, 1, 2, 3, 4, 5, 678900000, time.UTC)) },
		"any": func(l *slog.Logger) {
			l.Info("m", "err", errors.New("boom x"), "addr", netip.MustParseAddr("::1"), "bytes", []byte("hi"), "slice", []int{1, 2})
		},
		"groups": func(l *slog.Logger) {
			l.WithGroup("g").With("a", 1).Info("m", slog.Group("h", "b", 2), slog.Group("", "c", 3))
		},
		"with":           func(l *slog.Logger) { l.With("requestId", "r1").With("x", "y z").Debug("m", "k", "v") },
		"empty group":    func(l *slog.Logger) { l.Info("m", slog.Group("e")) },
		"empty message":  func(l *slog.Logger) { l.Error("") },
		"odd key":        func(l *slog.Logger) { l.Info("m", "key with space", 1, "=", 2) },
		"level offset":   func(l *slog.Logger) { l.Log(context.Background(), slog.LevelInfo+2, "m") },
		"missing value":  func(l *slog.Logger) { l.Info("m", []any{"dangling"}...) },
		"attr of attr":   func(l *slog.Logger) { l.Info("m", slog.Any("v", slog.StringValue("s t"))) },
		"log valuer":     func(l *slog.Logger) { l.Info("m", "lv", valuer{}) },
		"nil any":        func(l *slog.Logger) { l.Info("m", "nil", nil) },
		"long":           func(l *slog.Logger) { l.Info(string(bytes.Repeat([]byte("x"), 70000))) },
		"escape in keys": func(l *slog.Logger) { l.Info("m", "k\"q", 1) },
	}
	for name, f := range tests {
		t.Run(name, func(t *testing.T) {
			want, got := logBoth(f)
			// Both stamp the record's own time; they may fall in different
			// milliseconds, so the time field is compared by shape only.
			if stripTime(want) != stripTime(got) {
				t.Errorf("slog:\n%q\nours:\n%q", want, got)
			}
		})
	}
}

type valuer struct{}

func (valuer) LogValue() slog.Value {
	return slog.GroupValue(slog.Int("a", 1), slog.String("b", "c d"))
}

func stripTime(s string) string {
	var out []byte
	for _, line := range bytes.SplitAfter([]byte(s), []byte("\n")) {
		if bytes.HasPrefix(line, []byte("time=")) {
			if i := bytes.IndexByte(line, ' '); i == len("time=2026-01-02T03:04:05.000Z") || i > 0 {
				line = append([]byte("time=T"), line[i:]...)
			}
		}
		out = append(out, line...)
	}
	return string(out)
}

func TestTextHandler_RecordTimeFormat(t *testing.T) {
	var a, b bytes.Buffer
	r := slog.NewRecord(time.Date(2026, 12, 4, 20, 46, 18, 123999999, time.FixedZone("x", -4*3600)), slog.LevelInfo, "m", 0)
	_ = slog.NewTextHandler(&a, nil).Handle(context.Background(), r)
	_ = NewTextHandler(&b, nil).Handle(context.Background(), r)
	if a.String() != b.String() {
		t.Errorf("slog %q, ours %q", a.String(), b.String())
	}
}

// FuzzTextHandler compares our bytes with slog's for any message and value.
func FuzzTextHandler(f *testing.F) {
	f.Add("m", "k", "v")
	f.Add("", "a b", "c=d")
	f.Add("\x00", "\u2028", "\xff\xfe")
	f.Fuzz(func(t *testing.T, msg, key, val string) {
		r := slog.NewRecord(time.Unix(1_800_000_000, 0), slog.LevelWarn, msg, 0)
		r.AddAttrs(slog.String(key, val), slog.Int("n", len(val)))
		var a, b bytes.Buffer
		_ = slog.NewTextHandler(&a, nil).Handle(context.Background(), r)
		_ = NewTextHandler(&b, nil).Handle(context.Background(), r)
		if a.String() != b.String() {
			t.Fatalf("slog %q, ours %q", a.String(), b.String())
		}
	})
}

// BenchmarkTextHandler is one execution-log line, ours against slog's.
func BenchmarkTextHandler(b *testing.B) {
	for _, tc := range []struct {
		name string
		h    slog.Handler
	}{{"ours", NewTextHandler(discard{}, nil)}, {"slog", slog.NewTextHandler(discard{}, nil)}} {
		b.Run(tc.name, func(b *testing.B) {
			l := slog.New(tc.h)
			b.ReportAllocs()
			for b.Loop() {
				l.Info("Method completed with status: 200", "requestId", "7b1ef237-422e-4144-a6d2-852f53061809")
			}
		})
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkTextHandler_Direct is a line handed to the handler without
// slog.Logger, which looks up the caller's program counter for every record.
func BenchmarkTextHandler_Direct(b *testing.B) {
	h := NewTextHandler(discard{}, nil)
	b.ReportAllocs()
	for b.Loop() {
		r := slog.NewRecord(time.Now(), slog.LevelInfo, "Method completed with status: 200", 0)
		r.AddAttrs(slog.String("requestId", "7b1ef237-422e-4144-a6d2-852f53061809"))
		_ = h.Handle(context.Background(), r)
	}
}
