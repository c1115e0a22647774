package decision

import (
	"strconv"
	"strings"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/policy"
)

// The request path records raw values, never formatted text: an Arg holds
// one value (a string, a number, a duration, a policy decision) without
// allocating, and a Text is a format with up to three such values. Both
// are formatted when a reader encodes the record, off the request path.

// Arg is one value of a step, a field or a log line, formatted lazily.
// The zero Arg is no value.
type Arg struct {
	s    string
	n    int64
	kind argKind
	e    uint8
}

type argKind uint8

const (
	argNone argKind = iota
	argString
	argInt
	argDuration
	argSeconds
	argHex64
	argMask
	argReason
)

// Str is the string s, as is.
func Str(s string) Arg { return Arg{s: s, kind: argString} }

// Int is n in decimal.
func Int(n int) Arg { return Arg{n: int64(n), kind: argInt} }

// Duration is d as time.Duration.String spells it.
func Duration(d time.Duration) Arg { return Arg{n: int64(d), kind: argDuration} }

// Seconds is n followed by "s" (a TTL).
func Seconds(n int) Arg { return Arg{n: int64(n), kind: argSeconds} }

// Hex64 is n as 16 lower-case hexadecimal digits.
func Hex64(n uint64) Arg { return Arg{n: int64(n), kind: argHex64} }

// Masked is the identity value s as the execution log shows it (Mask).
func Masked(s string) Arg { return Arg{s: s, kind: argMask} }

// Reason is dec.Reason(). A decision by a statement with an unsupported
// condition (a denial, rare) is formatted at once: the Arg holds one
// string.
func Reason(dec policy.Decision) Arg {
	if dec.Unsupported != "" {
		return Str(dec.Reason())
	}
	return Arg{s: dec.Sid, n: int64(dec.Statement), e: uint8(dec.Effect), kind: argReason}
}

// IsZero reports whether a holds no value.
func (a Arg) IsZero() bool { return a.kind == argNone }

// String formats a.
func (a Arg) String() string {
	switch a.kind {
	case argString:
		return a.s
	case argInt:
		return strconv.FormatInt(a.n, 10)
	case argDuration:
		return time.Duration(a.n).String()
	case argSeconds:
		return strconv.FormatInt(a.n, 10) + "s"
	case argHex64:
		s := strconv.FormatUint(uint64(a.n), 16)
		return strings.Repeat("0", 16-len(s)) + s
	case argMask:
		return Mask(a.s)
	case argReason:
		return policy.Decision{Effect: policy.Effect(a.e), Statement: int(a.n), Sid: a.s}.Reason()
	}
	return ""
}

// Mask shows an identity value with all but its last six characters
// hidden, as the execution log does; a value of six characters or fewer
// is hidden entirely.
func Mask(s string) string {
	if len(s) <= 6 {
		return strings.Repeat("*", len(s))
	}
	return "********" + s[len(s)-6:]
}

// maxArgs is the number of values a Text holds.
const maxArgs = 3

// Text is a format whose every "%s" is replaced by the next value, when
// the record is encoded. The zero Text is empty.
type Text struct {
	format string
	args   [maxArgs]Arg
}

// Textf captures format and up to three values; further values are
// dropped (a Text's callers are the fixed sentences of the pipeline).
func Textf(format string, args ...Arg) Text {
	t := Text{format: format}
	copy(t.args[:], args)
	return t
}

// IsZero reports whether t is empty.
func (t Text) IsZero() bool { return t.format == "" }

// String formats t.
func (t Text) String() string {
	var b strings.Builder
	rest := t.format
	for i := 0; ; i++ {
		j := strings.Index(rest, "%s")
		if j < 0 || i >= maxArgs {
			b.WriteString(rest)
			return b.String()
		}
		b.WriteString(rest[:j])
		b.WriteString(t.args[i].String())
		rest = rest[j+2:]
	}
}
