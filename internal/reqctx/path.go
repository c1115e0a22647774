package reqctx

// A request path reaches the gateway in many spellings of one resource:
// percent-escapes of ordinary letters (/ad%6Din), lower- or upper-case hex,
// repeated or trailing slashes, dot segments, encoded slashes. A gateway that
// authorizes one spelling and delivers another lets a request past its
// authorizer (docs/architecture.md, "One canonical request"). So the path is
// made canonical once, here, and every stage reads only the result:
//
//  1. Every percent-escape is decoded exactly once. An encoded slash (%2F)
//     therefore separates segments like a literal one: API Gateway decodes
//     the path before it matches resources (HTTP APIs document this; REST
//     APIs refuse a slash inside a path parameter the same way), so
//     /items/a%2Fb is the three segments items, a, b.
//  2. Empty segments are dropped: a repeated slash is one slash, and a
//     trailing slash names the same resource (/pets/ is /pets, as API
//     Gateway matches it).
//  3. Forms whose meaning differs between servers are refused rather than
//     guessed: a dot segment (., .., and their encodings), a malformed
//     escape, a control character, a backslash (a separator to some
//     backends), and invalid UTF-8 (an overlong %C0%AE is a dot to some
//     decoders).
//
// The result has two spellings of the same segments: Decoded, which the
// router matches, and Encoded, each segment escaped again in one fixed way
// (unreserved characters, sub-delimiters, ':' and '@' literal; everything
// else %XX with upper-case hex). Encoded is what the method ARN, the Lambda
// event's path (REST delivers it still encoded) and an HTTP_PROXY backend's
// URL carry, so no later stage can decode a second time into another path.

import (
	"strings"
	"unicode/utf8"
)

// PathError is a request path the gateway refuses to interpret.
type PathError struct {
	Path   string
	Reason string
}

func (e *PathError) Error() string { return "request path " + e.Path + ": " + e.Reason }

// CanonicalPath returns the canonical decoded and encoded spellings of a
// request path (as on the request line, without the query), both starting
// with "/" and without a trailing slash unless they are "/". trailing
// reports whether raw ended in a slash (the stage root needs it). The common
// case — a path already canonical — allocates nothing.
func CanonicalPath(raw string) (decoded, encoded string, trailing bool, err error) {
	if raw == "" || raw[0] != '/' {
		return "", "", false, &PathError{raw, "must start with /"}
	}
	trailing = len(raw) > 1 && raw[len(raw)-1] == '/'
	if isCanonical(raw) {
		return raw, raw, false, nil
	}
	segs := make([]string, 0, 8)
	for rest := raw[1:]; ; {
		seg, tail, more := strings.Cut(rest, "/")
		if seg != "" {
			d, ok := unescapeSegment(seg)
			if !ok {
				return "", "", trailing, &PathError{raw, "malformed percent-encoding"}
			}
			// A decoded segment may hold slashes (%2F): split it again.
			for _, s := range strings.Split(d, "/") {
				if s == "" {
					continue
				}
				if reason := refuseSegment(s); reason != "" {
					return "", "", trailing, &PathError{raw, reason}
				}
				segs = append(segs, s)
			}
		}
		if !more {
			break
		}
		rest = tail
	}
	if len(segs) == 0 {
		return "/", "/", trailing, nil
	}
	var db, eb strings.Builder
	for _, s := range segs {
		db.WriteByte('/')
		db.WriteString(s)
		eb.WriteByte('/')
		eb.WriteString(EscapeSegment(s))
	}
	return db.String(), eb.String(), trailing, nil
}

// isCanonical reports whether raw is already its own canonical form: only
// literal pchar bytes, no empty, dot or trailing segment.
func isCanonical(raw string) bool {
	if raw == "/" {
		return true
	}
	segStart := 1
	for i := 1; i <= len(raw); i++ {
		if i == len(raw) || raw[i] == '/' {
			seg := raw[segStart:i]
			if seg == "" || seg == "." || seg == ".." {
				return false
			}
			segStart = i + 1
			continue
		}
		if !literal(raw[i]) {
			return false
		}
	}
	return true
}

func refuseSegment(s string) string {
	if s == "." || s == ".." {
		return "dot segments are not accepted"
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return "control characters are not accepted"
		}
	}
	// Some servers take a backslash for a slash, and some decoders read
	// an overlong or otherwise invalid UTF-8 sequence (%C0%AE) as a dot:
	// either could turn a segment the router saw as one name into another
	// path on the backend.
	if strings.IndexByte(s, '\\') >= 0 {
		return "backslashes are not accepted"
	}
	if !utf8.ValidString(s) {
		return "invalid UTF-8 is not accepted"
	}
	return ""
}

// literal reports whether c stands for itself in a canonical segment
// (RFC 3986 pchar without pct-encoded).
func literal(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '-', '.', '_', '~', // unreserved
		'!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=', // sub-delims
		':', '@':
		return true
	}
	return false
}

// EscapeSegment escapes one decoded path segment the canonical way. A
// slash inside s is escaped too, so a value can never add a segment.
func EscapeSegment(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !literal(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if literal(c) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hex[c>>4], hex[c&15])
	}
	return string(b)
}

// EscapePath escapes a decoded path of several segments (a greedy path
// parameter's value), keeping its slashes as separators.
func EscapePath(p string) string {
	clean := true
	for i := 0; i < len(p) && clean; i++ {
		clean = p[i] == '/' || literal(p[i])
	}
	if clean {
		return p
	}
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = EscapeSegment(s)
	}
	return strings.Join(parts, "/")
}

func unescapeSegment(s string) (string, bool) {
	if strings.IndexByte(s, '%') < 0 {
		return s, true
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", false
		}
		h, ok1 := unhex(s[i+1])
		l, ok2 := unhex(s[i+2])
		if !ok1 || !ok2 {
			return "", false
		}
		b = append(b, h<<4|l)
		i += 2
	}
	return string(b), true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
