package vtl

// JSONPath as $input.path and $input.json evaluate it: $ (the root), .name
// and ['name'] children, [n] indexes (negative from the end), * and [*]
// wildcards, [a,b] unions, [start:end] slices and ..name recursive descent.
// A path without wildcards, unions, slices or descent is definite and
// yields one value; any other yields the list of every match, as Jayway's
// JsonPath (which API Gateway's results follow) does. A path that does not
// start with $ is read relative to the root.

import (
	"fmt"
	"strconv"
	"strings"
)

type segKind uint8

const (
	segName segKind = iota
	segIndex
	segWild
	segSlice
	segUnion
)

type segment struct {
	kind      segKind
	recursive bool
	name      string
	idx       int
	from, to  int
	hasFrom   bool
	hasTo     bool
	union     []segment
}

// Path is a parsed JSONPath.
type Path struct {
	segs     []segment
	definite bool
}

// ParsePath parses a JSONPath expression.
func ParsePath(p string) (*Path, error) {
	s := strings.TrimSpace(p)
	switch {
	case strings.HasPrefix(s, "$"):
		s = s[1:]
	case strings.HasPrefix(s, "@"):
		s = s[1:]
	case s != "" && s[0] != '.' && s[0] != '[':
		s = "." + s
	}
	out := &Path{definite: true}
	for len(s) > 0 {
		recursive := false
		switch s[0] {
		case '.':
			if strings.HasPrefix(s, "..") {
				recursive = true
				s = s[2:]
				out.definite = false
				if strings.HasPrefix(s, "[") {
					break
				}
			} else {
				s = s[1:]
			}
			if s != "" && s[0] == '[' {
				break
			}
			j := 0
			for j < len(s) && s[j] != '.' && s[j] != '[' {
				j++
			}
			name := s[:j]
			s = s[j:]
			if name == "" {
				return nil, fmt.Errorf("JSONPath %q: empty name", p)
			}
			if name == "*" {
				out.segs = append(out.segs, segment{kind: segWild, recursive: recursive})
				out.definite = false
			} else {
				out.segs = append(out.segs, segment{kind: segName, name: name, recursive: recursive})
			}
			continue
		case '[':
		default:
			return nil, fmt.Errorf("JSONPath %q: unexpected %q", p, s[:1])
		}
		if len(s) == 0 || s[0] != '[' {
			continue
		}
		end, seg, err := bracket(s, p)
		if err != nil {
			return nil, err
		}
		seg.recursive = recursive
		if seg.kind != segName && seg.kind != segIndex {
			out.definite = false
		}
		out.segs = append(out.segs, seg)
		s = s[end:]
	}
	return out, nil
}

// bracket parses a [...] selector at the start of s.
func bracket(s, p string) (int, segment, error) {
	// Find the closing bracket outside quotes.
	var q byte
	end := -1
	for i := 1; i < len(s); i++ {
		c := s[i]
		if q != 0 {
			if c == '\\' {
				i++
			} else if c == q {
				q = 0
			}
			continue
		}
		if c == '\'' || c == '"' {
			q = c
		} else if c == ']' {
			end = i
			break
		}
	}
	if end < 0 {
		return 0, segment{}, fmt.Errorf("JSONPath %q: unterminated [", p)
	}
	body := strings.TrimSpace(s[1:end])
	if strings.HasPrefix(body, "?") || strings.HasPrefix(body, "(") {
		return 0, segment{}, fmt.Errorf("JSONPath %q: filter and script expressions are not supported", p)
	}
	parts := splitUnion(body)
	if len(parts) > 1 {
		seg := segment{kind: segUnion}
		for _, part := range parts {
			sub, err := selector(strings.TrimSpace(part), p)
			if err != nil {
				return 0, segment{}, err
			}
			if sub.kind != segName && sub.kind != segIndex {
				return 0, segment{}, fmt.Errorf("JSONPath %q: a union takes names or indexes", p)
			}
			seg.union = append(seg.union, sub)
		}
		return end + 1, seg, nil
	}
	seg, err := selector(body, p)
	return end + 1, seg, err
}

func splitUnion(body string) []string {
	var out []string
	var q byte
	start := 0
	for i := 0; i < len(body); i++ {
		c := body[i]
		if q != 0 {
			if c == '\\' {
				i++
			} else if c == q {
				q = 0
			}
			continue
		}
		if c == '\'' || c == '"' {
			q = c
		} else if c == ',' {
			out = append(out, body[start:i])
			start = i + 1
		}
	}
	return append(out, body[start:])
}

func selector(b, p string) (segment, error) {
	switch {
	case b == "*":
		return segment{kind: segWild}, nil
	case len(b) >= 2 && (b[0] == '\'' || b[0] == '"') && b[len(b)-1] == b[0]:
		name := b[1 : len(b)-1]
		name = strings.ReplaceAll(name, `\`+b[:1], b[:1])
		return segment{kind: segName, name: name}, nil
	case strings.Contains(b, ":"):
		parts := strings.Split(b, ":")
		if len(parts) > 3 {
			return segment{}, fmt.Errorf("JSONPath %q: bad slice [%s]", p, b)
		}
		seg := segment{kind: segSlice}
		if t := strings.TrimSpace(parts[0]); t != "" {
			n, err := strconv.Atoi(t)
			if err != nil {
				return segment{}, fmt.Errorf("JSONPath %q: bad slice [%s]", p, b)
			}
			seg.from, seg.hasFrom = n, true
		}
		if t := strings.TrimSpace(parts[1]); t != "" {
			n, err := strconv.Atoi(t)
			if err != nil {
				return segment{}, fmt.Errorf("JSONPath %q: bad slice [%s]", p, b)
			}
			seg.to, seg.hasTo = n, true
		}
		if len(parts) == 3 && strings.TrimSpace(parts[2]) != "" && strings.TrimSpace(parts[2]) != "1" {
			return segment{}, fmt.Errorf("JSONPath %q: slice steps are not supported", p)
		}
		return seg, nil
	}
	n, err := strconv.Atoi(b)
	if err != nil {
		return segment{}, fmt.Errorf("JSONPath %q: [%s] is neither an index nor a quoted name", p, b)
	}
	return segment{kind: segIndex, idx: n}, nil
}

// Eval applies the path to root. A definite path returns its value (found
// false when absent); an indefinite one returns a *List of the matches.
func (p *Path) Eval(root any) (any, bool) {
	cur := []any{root}
	for _, seg := range p.segs {
		var next []any
		for _, v := range cur {
			if seg.recursive {
				next = descend(v, seg, next)
			} else {
				next = apply(v, seg, next)
			}
		}
		cur = next
		if len(cur) == 0 {
			break
		}
	}
	if p.definite {
		if len(cur) == 0 {
			return nil, false
		}
		return cur[0], true
	}
	return &List{Items: cur}, true
}

func apply(v any, seg segment, out []any) []any {
	switch seg.kind {
	case segName:
		if m, ok := v.(*Map); ok {
			if x, ok := m.Get(seg.name); ok {
				out = append(out, x)
			}
		}
	case segIndex:
		if l, ok := v.(*List); ok {
			i := seg.idx
			if i < 0 {
				i += len(l.Items)
			}
			if i >= 0 && i < len(l.Items) {
				out = append(out, l.Items[i])
			}
		}
	case segWild:
		switch x := v.(type) {
		case *Map:
			for _, k := range x.keys {
				out = append(out, x.vals[k])
			}
		case *List:
			out = append(out, x.Items...)
		}
	case segSlice:
		if l, ok := v.(*List); ok {
			n := len(l.Items)
			from, to := 0, n
			if seg.hasFrom {
				from = seg.from
			}
			if seg.hasTo {
				to = seg.to
			}
			if from < 0 {
				from += n
			}
			if to < 0 {
				to += n
			}
			from = max(0, min(from, n))
			to = max(0, min(to, n))
			if from < to {
				out = append(out, l.Items[from:to]...)
			}
		}
	case segUnion:
		for _, u := range seg.union {
			out = apply(v, u, out)
		}
	}
	return out
}

// descend applies seg to v and to every value below it, depth first.
func descend(v any, seg segment, out []any) []any {
	seg.recursive = false
	out = apply(v, seg, out)
	switch x := v.(type) {
	case *Map:
		for _, k := range x.keys {
			out = descend(x.vals[k], seg, out)
		}
	case *List:
		for _, it := range x.Items {
			out = descend(it, seg, out)
		}
	}
	return out
}
