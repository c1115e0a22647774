package telemetry

import (
	"context"
	"encoding"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"unicode"
	"unicode/utf8"
)

// TextHandler writes records in the format of slog's TextHandler
// (time=… level=… msg=… key=value, values quoted where needed), byte for
// byte, but without allocating per record: the execution log writes about
// ten lines per request, and slog's handler costs more CPU than the rest of
// a cached request (bench/profile.md). Each record is formatted into a
// pooled buffer and handed to the writer in one Write call.
type TextHandler struct {
	w     io.Writer
	level slog.Leveler
	// attrs were added by WithAttrs, their keys already qualified by the
	// groups open at the time.
	attrs []slog.Attr
	// group is the qualifier of the groups opened by WithGroup ("a.b.").
	group string
}

// NewTextHandler returns a handler writing to w at level and above (nil
// means INFO).
func NewTextHandler(w io.Writer, level slog.Leveler) *TextHandler {
	if level == nil {
		level = slog.LevelInfo
	}
	return &TextHandler{w: w, level: level}
}

var textBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// Enabled reports whether lv is at or above the handler's level.
func (h *TextHandler) Enabled(_ context.Context, lv slog.Level) bool { return lv >= h.level.Level() }

// Handle formats r and writes it with one Write call.
func (h *TextHandler) Handle(_ context.Context, r slog.Record) error {
	bp := textBufs.Get().(*[]byte)
	b := (*bp)[:0]
	if !r.Time.IsZero() {
		b = append(b, "time="...)
		b = r.Time.AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
		b = append(b, ' ')
	}
	b = append(b, "level="...)
	b = append(b, r.Level.String()...)
	b = append(b, " msg="...)
	b = appendText(b, r.Message)
	for _, a := range h.attrs {
		b = appendAttr(b, "", a)
	}
	r.Attrs(func(a slog.Attr) bool {
		b = appendAttr(b, h.group, a)
		return true
	})
	b = append(b, '\n')
	_, err := h.w.Write(b)
	if cap(b) <= 64<<10 { // a huge record's buffer is not kept
		*bp = b
		textBufs.Put(bp)
	}
	return err
}

// WithAttrs returns a handler that adds attrs to every record.
func (h *TextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	c := *h
	c.attrs = make([]slog.Attr, 0, len(h.attrs)+len(attrs))
	c.attrs = append(c.attrs, h.attrs...)
	for _, a := range attrs {
		if h.group != "" {
			a.Key = h.group + a.Key
		}
		c.attrs = append(c.attrs, a)
	}
	return &c
}

// WithGroup returns a handler that qualifies later keys with name.
func (h *TextHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := *h
	c.group = h.group + name + "."
	return &c
}

func appendAttr(b []byte, prefix string, a slog.Attr) []byte {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return b
	}
	if a.Value.Kind() == slog.KindGroup {
		attrs := a.Value.Group()
		if len(attrs) == 0 {
			return b
		}
		if a.Key != "" {
			prefix += a.Key + "."
		}
		for _, g := range attrs {
			b = appendAttr(b, prefix, g)
		}
		return b
	}
	b = append(b, ' ')
	if prefix == "" {
		b = appendText(b, a.Key)
	} else {
		b = appendText(b, prefix+a.Key)
	}
	b = append(b, '=')
	return appendValue(b, a.Value)
}

func appendValue(b []byte, v slog.Value) []byte {
	switch v.Kind() {
	case slog.KindString:
		return appendText(b, v.String())
	case slog.KindInt64:
		return strconv.AppendInt(b, v.Int64(), 10)
	case slog.KindUint64:
		return strconv.AppendUint(b, v.Uint64(), 10)
	case slog.KindFloat64:
		return strconv.AppendFloat(b, v.Float64(), 'g', -1, 64)
	case slog.KindBool:
		return strconv.AppendBool(b, v.Bool())
	case slog.KindDuration:
		return append(b, v.Duration().String()...)
	case slog.KindTime:
		return v.Time().AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
	}
	switch x := v.Any().(type) {
	case encoding.TextMarshaler:
		t, err := x.MarshalText()
		if err != nil {
			return appendText(b, "!ERROR:"+err.Error())
		}
		return appendText(b, string(t))
	case []byte:
		return strconv.AppendQuote(b, string(x))
	default:
		return appendText(b, fmt.Sprintf("%+v", x))
	}
}

// appendText writes s bare when it can be read back unambiguously and
// quoted otherwise: empty, holding a space, '=', '"', a control or
// non-printing character, or invalid UTF-8 — slog's text rules.
func appendText(b []byte, s string) []byte {
	if needsQuote(s) {
		return strconv.AppendQuote(b, s)
	}
	return append(b, s...)
}

func needsQuote(s string) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c == ' ' || c == '=' || c == '"' || c < 0x20 {
				return true
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += n
	}
	return false
}

var _ slog.Handler = (*TextHandler)(nil)
