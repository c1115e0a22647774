// ARN and action wildcard matching, as IAM does it (docs/behaviour.md#POLICY-1, IAM User
// Guide "IAM JSON policy elements: Resource").
//
// Globs. '*' matches any run of characters (possibly empty) and '?' exactly
// one character (one UTF-8 encoded rune, so "?" matches "é"). glob is the
// classic iterative two-pointer matcher: it walks pattern and subject
// together and, on a mismatch, resumes just after the most recent '*' with
// that star swallowing one more rune. Remembering only the most recent star
// is enough because a later star can absorb anything an earlier one could
// have, so the worst case is O(len(pattern)·len(subject)) and never
// exponential. No regular expressions are compiled or run.
//
// ARN segments. An ARN is split at its first five colons into six segments
// (arn, partition, service, region, account, resource); everything after
// the fifth colon is one segment, so in the resource segment '*' matches
// '/' and ':' alike ("…:abc123/*" covers every stage, verb and path).
// Wildcards match within a segment, with one exception IAM documents: a
// '*' that is the last character of a pattern segment may expand beyond
// the colon boundaries ("arn:aws:execute-api:*" matches every execute-api
// ARN). Formally, replace the first five colons of the pattern and of the
// subject by a boundary mark #; then a literal matches itself, '?' and an
// ordinary '*' never match #, and a segment-final '*' matches anything.
//
// arnPattern.match decides this without backtracking over boundaries: a
// pattern segment without a final '*' must match exactly one subject
// segment, and a pattern segment X* (final '*') must match a prefix of one
// subject segment (X* as a plain glob) and then absorbs any number of
// following subject segments. With at most six segments on either side
// the set of subject segments where each pattern segment may start fits in
// a byte, so the whole match is at most 36 segment globs and allocates
// nothing. A pattern with all six segments needs none of that: each of its
// segments consumes at least one subject segment, so they line up one to
// one and each is matched against its own. Most patterns never get there: "*", a pattern without
// wildcards, and one whose only wildcard is a final '*' are answered with
// a string comparison, and one whose wildcards all follow the fifth colon
// ("…:abc123/*/GET/*") with a prefix comparison and one plain glob.

package policy

import (
	"strings"
	"unicode/utf8"
)

// maxSegments is the number of colon-separated ARN segments; the last one
// runs to the end of the string.
const maxSegments = 6

// matchKind selects the fast path a compiled pattern can use.
type matchKind uint8

const (
	matchGlob   matchKind = iota // general case
	matchAll                     // "*"
	matchExact                   // no wildcard
	matchPrefix                  // only wildcard is one final '*'
	matchTail                    // wildcards only in the resource segment
)

// classify picks the fast path for pattern p.
func classify(p string) (kind matchKind, literal string) {
	if p == "*" {
		return matchAll, ""
	}
	i := strings.IndexAny(p, "*?")
	switch {
	case i < 0:
		return matchExact, p
	case i == len(p)-1 && p[i] == '*':
		return matchPrefix, p[:i]
	}
	return matchGlob, ""
}

// glob reports whether s matches pattern p, where '*' matches any run and
// '?' one rune. With fold set, ASCII letters of s are compared lower-cased
// (p must already be lower case).
func glob(p, s string, fold bool) bool {
	px, sx := 0, 0
	starP, starS := -1, 0
	for px < len(p) || sx < len(s) {
		if px < len(p) {
			switch c := p[px]; c {
			case '*':
				starP, starS = px, sx
				px++
				continue
			case '?':
				if sx < len(s) {
					if s[sx] < utf8.RuneSelf {
						sx++
					} else {
						sx += runeLen(s, sx)
					}
					px++
					continue
				}
			default:
				if sx < len(s) && (s[sx] == c || fold && lowerASCII(s[sx]) == c) {
					px++
					sx++
					continue
				}
			}
		}
		if starP >= 0 && starS < len(s) {
			if s[starS] < utf8.RuneSelf {
				starS++
			} else {
				starS += runeLen(s, starS)
			}
			px, sx = starP+1, starS
			continue
		}
		return false
	}
	return true
}

// runeLen is the byte length of the rune starting at s[i] (1 for invalid
// UTF-8, as in range loops).
func runeLen(s string, i int) int {
	_, n := utf8.DecodeRuneInString(s[i:])
	return n
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// toLowerASCII lower-cases ASCII letters only, matching the folding glob
// applies to subjects.
func toLowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				b[j] = lowerASCII(b[j])
			}
			return string(b)
		}
	}
	return s
}

// hasPrefixFold reports whether s starts with the lower-case prefix p,
// ignoring ASCII case in s.
func hasPrefixFold(s, p string) bool {
	if len(s) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		if lowerASCII(s[i]) != p[i] {
			return false
		}
	}
	return true
}

// actionPattern is a compiled Action/NotAction entry. Actions are matched
// case-insensitively as one flat glob ("execute-api:inv*", "*").
type actionPattern struct {
	kind matchKind
	p    string // lower case; the literal part for exact and prefix kinds
}

func compileAction(a string) actionPattern {
	p := toLowerASCII(a)
	kind, lit := classify(p)
	if kind != matchGlob {
		p = lit
	}
	return actionPattern{kind: kind, p: p}
}

func (a *actionPattern) match(action string) bool {
	switch a.kind {
	case matchAll:
		return true
	case matchExact:
		return len(action) == len(a.p) && hasPrefixFold(action, a.p)
	case matchPrefix:
		return hasPrefixFold(action, a.p)
	}
	return glob(a.p, action, true)
}

// segment is one colon-separated part of a compiled ARN pattern.
type segment struct {
	glob  string
	wild  bool // contains '*' or '?'
	star  bool // is exactly "*"
	cross bool // ends with '*', which may extend past colons
}

// arnPattern is a compiled ARN glob (Resource, NotResource, ArnLike).
type arnPattern struct {
	kind matchKind
	// lit is the literal for exact and prefix kinds and, for the glob
	// kind, the literal text before the first wildcard, which every
	// matching subject starts with.
	lit string
	// tail is the pattern after lit, for the tail kind.
	tail string
	// aligned is set when pattern segment i can only ever match subject
	// segment i: no segment but the last may cross colons, or the pattern
	// has all six segments.
	aligned bool
	n       int // segments used
	segs    [maxSegments]segment
}

func compileARN(p string) arnPattern {
	if kind, lit := classify(p); kind != matchGlob {
		return arnPattern{kind: kind, lit: lit}
	}
	// When the text before the first wildcard holds all five delimiters,
	// the wildcards sit in the resource segment, where nothing is a
	// boundary: the literal prefix and a plain glob of the rest decide.
	if i := strings.IndexAny(p, "*?"); strings.Count(p[:i], ":") >= maxSegments-1 {
		return arnPattern{kind: matchTail, lit: p[:i], tail: p[i:]}
	}
	return segmentARN(p)
}

// segmentARN compiles p for the segment automaton, whatever its shape.
func segmentARN(p string) arnPattern {
	a := arnPattern{kind: matchGlob, aligned: true}
	if i := strings.IndexAny(p, "*?"); i >= 0 {
		a.lit = p[:i]
	}
	rest := p
	for {
		var s string
		i := strings.IndexByte(rest, ':')
		if i < 0 || a.n == maxSegments-1 {
			s, rest = rest, ""
		} else {
			s, rest = rest[:i], rest[i+1:]
		}
		a.segs[a.n] = segment{
			glob:  s,
			wild:  strings.ContainsAny(s, "*?"),
			star:  s == "*",
			cross: strings.HasSuffix(s, "*"),
		}
		a.n++
		if a.n == maxSegments {
			// Every pattern segment consumes at least one subject
			// segment and a subject has at most six, so a six-segment
			// pattern lines up one to one whatever its stars.
			a.aligned = true
			return a
		}
		if i < 0 {
			return a
		}
		if a.segs[a.n-1].cross {
			a.aligned = false
		}
	}
}

// arnSubject is a subject ARN split at its first five colons, computed
// once per evaluation and shared by every Resource pattern.
type arnSubject struct {
	s     string
	n     int
	start [maxSegments + 1]int // segment j is s[start[j] : start[j+1]-1], the last one ends at len(s)
}

func splitARN(s string) arnSubject {
	v := arnSubject{s: s}
	pos := 0
	for v.n < maxSegments-1 {
		i := strings.IndexByte(s[pos:], ':')
		if i < 0 {
			break
		}
		v.start[v.n] = pos
		v.n++
		pos += i + 1
	}
	v.start[v.n] = pos
	v.n++
	v.start[v.n] = len(s) + 1
	return v
}

func (v *arnSubject) seg(j int) string {
	return v.s[v.start[j] : v.start[j+1]-1]
}

func (a *arnPattern) match(s string) bool {
	switch a.kind {
	case matchAll:
		return true
	case matchExact:
		return s == a.lit
	case matchPrefix:
		return strings.HasPrefix(s, a.lit)
	case matchTail:
		return strings.HasPrefix(s, a.lit) && glob(a.tail, s[len(a.lit):], false)
	}
	v := splitARN(s)
	return a.matchSplit(&v)
}

// matchSplit runs the segment automaton described at the top of the file.
func (a *arnPattern) matchSplit(v *arnSubject) bool {
	if !strings.HasPrefix(v.s, a.lit) {
		return false
	}
	if a.aligned {
		return a.matchAligned(v)
	}
	// reach has bit j set when the current pattern segment may start at
	// subject segment j.
	reach := uint8(1)
	for i := 0; i < a.n; i++ {
		seg := &a.segs[i]
		last := i == a.n-1
		var next uint8
		for j := 0; j < v.n; j++ {
			if reach&(1<<j) == 0 {
				continue
			}
			if !last && !seg.cross && j == v.n-1 {
				continue // a delimiter must follow, and none is left
			}
			if last && !seg.cross && j != v.n-1 {
				continue // the subject has segments left to match
			}
			if !seg.match(v.seg(j)) {
				continue
			}
			if last {
				return true
			}
			if seg.cross {
				for k := j + 1; k < v.n; k++ {
					next |= 1 << k
				}
			} else {
				next |= 1 << (j + 1)
			}
		}
		if next == 0 {
			return false
		}
		reach = next
	}
	return false
}

// matchAligned is matchSplit for patterns whose segments line up with the
// subject's one to one; only the last may absorb further segments.
func (a *arnPattern) matchAligned(v *arnSubject) bool {
	last := a.n - 1
	if last >= v.n || (!a.segs[last].cross && last != v.n-1) {
		return false
	}
	for i := 0; i <= last; i++ {
		if !a.segs[i].match(v.seg(i)) {
			return false
		}
	}
	return true
}

func (s *segment) match(sub string) bool {
	switch {
	case s.star:
		return true
	case s.wild:
		return glob(s.glob, sub, false)
	}
	return sub == s.glob
}
