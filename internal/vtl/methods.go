package vtl

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The Java methods templates call on strings, lists, maps and numbers, and
// Velocity's property lookup ($map.key is get("key"), $x.empty is
// isEmpty()).

func property(v any, name string) any {
	switch x := v.(type) {
	case *Map:
		r, _ := x.Get(name)
		return r
	case Object:
		r, _ := x.Property(name)
		return r
	case string:
		if name == "empty" {
			return len(x) == 0
		}
		if name == "bytes" {
			return nil
		}
	case *List:
		if name == "empty" {
			return len(x.Items) == 0
		}
	}
	return nil
}

func index(v, k any) (any, error) {
	switch x := v.(type) {
	case *List:
		i, ok := toInt(k)
		if !ok {
			return nil, fmt.Errorf("list index %v is not an integer", toString(k))
		}
		if i < 0 {
			i += len(x.Items)
		}
		if i < 0 || i >= len(x.Items) {
			return nil, nil
		}
		return x.Items[i], nil
	case *Map:
		r, _ := x.Get(toString(k))
		return r, nil
	case Object:
		r, _ := x.Property(toString(k))
		return r, nil
	}
	return nil, nil
}

func (s *state) call(v any, name string, args []any) (any, error) {
	switch x := v.(type) {
	case string:
		return s.stringMethod(x, name, args)
	case *List:
		return s.listMethod(x, name, args)
	case *Map:
		return mapMethod(x, name, args)
	case Object:
		return x.Method(name, args)
	case int64, float64:
		return numberMethod(x, name, args)
	case bool:
		switch name {
		case "toString":
			return strconv.FormatBool(x), nil
		case "booleanValue":
			return x, nil
		case "equals":
			if len(args) == 1 {
				return equal(x, args[0]), nil
			}
		}
	}
	return nil, fmt.Errorf("%s has no method %s with %d argument(s)", typeName(v), name, len(args))
}

func argString(args []any, i int) (string, bool) {
	if i >= len(args) {
		return "", false
	}
	s, ok := args[i].(string)
	if !ok && args[i] != nil {
		return toString(args[i]), true
	}
	return s, ok
}

// javaLen and friends index strings by code point, which matches Java's
// UTF-16 indices for every character outside the supplementary planes.
func javaLen(s string) int { return utf8.RuneCountInString(s) }

func runeSlice(s string, from, to int) (string, bool) {
	r := []rune(s)
	if from < 0 || to > len(r) || from > to {
		return "", false
	}
	return string(r[from:to]), true
}

func runeIndex(s string, byteIdx int) int {
	if byteIdx < 0 {
		return -1
	}
	return utf8.RuneCountInString(s[:byteIdx])
}

func byteOffset(s string, runeIdx int) int {
	if runeIdx <= 0 {
		return 0
	}
	n := 0
	for i := range s {
		if n == runeIdx {
			return i
		}
		n++
	}
	return len(s)
}

func (s *state) regexp(pattern string) (*regexp.Regexp, error) {
	if re, ok := s.regexps[pattern]; ok {
		return re, nil
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("regular expression %q: %v", pattern, err)
	}
	if s.regexps == nil {
		s.regexps = map[string]*regexp.Regexp{}
	}
	s.regexps[pattern] = re
	return re, nil
}

// javaReplacement turns a Java replacement string ($1, \$) into Go's
// (${1}, $$).
func javaReplacement(r string) string {
	if !strings.ContainsAny(r, `$\`) {
		return r
	}
	var b strings.Builder
	for i := 0; i < len(r); i++ {
		c := r[i]
		switch {
		case c == '\\' && i+1 < len(r):
			i++
			if r[i] == '$' {
				b.WriteString("$$")
			} else {
				b.WriteByte(r[i])
			}
		case c == '$':
			j := i + 1
			for j < len(r) && isDigit(r[j]) {
				j++
			}
			if j == i+1 {
				b.WriteString("$$")
				continue
			}
			b.WriteString("${" + r[i+1:j] + "}")
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func (s *state) stringMethod(x, name string, args []any) (any, error) {
	a0, has0 := argString(args, 0)
	a1, has1 := argString(args, 1)
	switch len(args) {
	case 0:
		switch name {
		case "length":
			return int64(javaLen(x)), nil
		case "isEmpty":
			return len(x) == 0, nil
		case "toUpperCase":
			return strings.ToUpper(x), nil
		case "toLowerCase":
			return strings.ToLower(x), nil
		case "trim":
			return strings.TrimFunc(x, func(r rune) bool { return r <= ' ' }), nil
		case "toString", "intern":
			return x, nil
		case "isBlank":
			return strings.TrimSpace(x) == "", nil
		}
	case 1:
		switch name {
		case "contains":
			return has0 && strings.Contains(x, a0), nil
		case "startsWith":
			return has0 && strings.HasPrefix(x, a0), nil
		case "endsWith":
			return has0 && strings.HasSuffix(x, a0), nil
		case "equals":
			return equal(x, args[0]) && has0, nil
		case "equalsIgnoreCase":
			return has0 && strings.EqualFold(x, a0), nil
		case "indexOf":
			if !has0 {
				break
			}
			return int64(runeIndex(x, strings.Index(x, a0))), nil
		case "lastIndexOf":
			if !has0 {
				break
			}
			return int64(runeIndex(x, strings.LastIndex(x, a0))), nil
		case "concat":
			return x + a0, nil
		case "charAt":
			i, ok := toInt(args[0])
			r := []rune(x)
			if !ok || i < 0 || i >= len(r) {
				return nil, fmt.Errorf("String index out of range: %v", toString(args[0]))
			}
			return string(r[i]), nil
		case "substring":
			i, ok := toInt(args[0])
			if !ok {
				break
			}
			out, ok := runeSlice(x, i, javaLen(x))
			if !ok {
				return nil, fmt.Errorf("String index out of range: %d", i)
			}
			return out, nil
		case "matches":
			if !has0 {
				break
			}
			re, err := s.regexp("^(?:" + a0 + ")$")
			if err != nil {
				return nil, err
			}
			return re.MatchString(x), nil
		case "split":
			if !has0 {
				break
			}
			re, err := s.regexp(a0)
			if err != nil {
				return nil, err
			}
			parts := re.Split(x, -1)
			// Java drops trailing empty strings.
			for len(parts) > 0 && parts[len(parts)-1] == "" {
				parts = parts[:len(parts)-1]
			}
			l := &List{Items: make([]any, len(parts))}
			for i, p := range parts {
				l.Items[i] = p
			}
			return l, nil
		}
	case 2:
		switch name {
		case "replace":
			if has0 && has1 {
				return strings.ReplaceAll(x, a0, a1), nil
			}
		case "replaceAll", "replaceFirst":
			if !has0 || !has1 {
				break
			}
			re, err := s.regexp(a0)
			if err != nil {
				return nil, err
			}
			repl := javaReplacement(a1)
			if name == "replaceAll" {
				return re.ReplaceAllString(x, repl), nil
			}
			loc := re.FindStringSubmatchIndex(x)
			if loc == nil {
				return x, nil
			}
			return x[:loc[0]] + string(re.ExpandString(nil, repl, x, loc)) + x[loc[1]:], nil
		case "substring":
			i, ok1 := toInt(args[0])
			j, ok2 := toInt(args[1])
			if !ok1 || !ok2 {
				break
			}
			out, ok := runeSlice(x, i, j)
			if !ok {
				return nil, fmt.Errorf("String index out of range: begin %d, end %d", i, j)
			}
			return out, nil
		case "indexOf", "startsWith":
			from, ok := toInt(args[1])
			if !has0 || !ok {
				break
			}
			if from < 0 {
				from = 0
			}
			off := byteOffset(x, from)
			if name == "startsWith" {
				return from <= javaLen(x) && strings.HasPrefix(x[off:], a0), nil
			}
			i := strings.Index(x[off:], a0)
			if i < 0 {
				return int64(-1), nil
			}
			return int64(runeIndex(x, off+i)), nil
		}
	}
	return nil, fmt.Errorf("String has no method %s with %d argument(s)", name, len(args))
}

func (s *state) listMethod(l *List, name string, args []any) (any, error) {
	switch len(args) {
	case 0:
		switch name {
		case "size":
			return int64(len(l.Items)), nil
		case "isEmpty":
			return len(l.Items) == 0, nil
		case "toString":
			return toString(l), nil
		case "clear":
			l.Items = l.Items[:0]
			return nil, nil
		}
	case 1:
		switch name {
		case "get":
			i, ok := toInt(args[0])
			if !ok || i < 0 || i >= len(l.Items) {
				return nil, fmt.Errorf("Index %s out of bounds for length %d", toString(args[0]), len(l.Items))
			}
			return l.Items[i], nil
		case "contains":
			for _, it := range l.Items {
				if equal(it, args[0]) {
					return true, nil
				}
			}
			return false, nil
		case "indexOf":
			for i, it := range l.Items {
				if equal(it, args[0]) {
					return int64(i), nil
				}
			}
			return int64(-1), nil
		case "add":
			l.Items = append(l.Items, args[0])
			return true, s.grow(0, 16)
		case "addAll":
			o, ok := args[0].(*List)
			if !ok {
				break
			}
			l.Items = append(l.Items, o.Items...)
			return true, s.grow(0, 16*len(o.Items))
		case "remove":
			i, ok := toInt(args[0])
			if !ok || i < 0 || i >= len(l.Items) {
				return nil, fmt.Errorf("Index %s out of bounds for length %d", toString(args[0]), len(l.Items))
			}
			old := l.Items[i]
			l.Items = append(l.Items[:i:i], l.Items[i+1:]...)
			return old, nil
		case "equals":
			return equal(l, args[0]), nil
		}
	case 2:
		switch name {
		case "set", "add":
			i, ok := toInt(args[0])
			if !ok || i < 0 || i > len(l.Items) || (name == "set" && i == len(l.Items)) {
				return nil, fmt.Errorf("Index %s out of bounds for length %d", toString(args[0]), len(l.Items))
			}
			if name == "set" {
				old := l.Items[i]
				l.Items[i] = args[1]
				return old, nil
			}
			l.Items = append(l.Items, nil)
			copy(l.Items[i+1:], l.Items[i:])
			l.Items[i] = args[1]
			return nil, s.grow(0, 16)
		}
	}
	return nil, fmt.Errorf("List has no method %s with %d argument(s)", name, len(args))
}

func mapMethod(m *Map, name string, args []any) (any, error) {
	switch len(args) {
	case 0:
		switch name {
		case "size":
			return int64(m.Len()), nil
		case "isEmpty":
			return m.Len() == 0, nil
		case "keySet":
			l := &List{Items: make([]any, len(m.keys))}
			for i, k := range m.keys {
				l.Items[i] = k
			}
			return l, nil
		case "values":
			l := &List{Items: make([]any, len(m.keys))}
			for i, k := range m.keys {
				l.Items[i] = m.vals[k]
			}
			return l, nil
		case "entrySet":
			l := &List{Items: make([]any, len(m.keys))}
			for i, k := range m.keys {
				e := NewMap(2)
				e.Put("key", k)
				e.Put("value", m.vals[k])
				l.Items[i] = e
			}
			return l, nil
		case "toString":
			return toString(m), nil
		case "clear":
			m.keys = m.keys[:0]
			clear(m.vals)
			return nil, nil
		}
	case 1:
		switch name {
		case "get":
			v, _ := m.Get(toString(args[0]))
			return v, nil
		case "containsKey":
			_, ok := m.Get(toString(args[0]))
			return ok, nil
		case "containsValue":
			for _, k := range m.keys {
				if equal(m.vals[k], args[0]) {
					return true, nil
				}
			}
			return false, nil
		case "remove":
			return m.Remove(toString(args[0])), nil
		case "putAll":
			o, ok := args[0].(*Map)
			if !ok {
				break
			}
			for _, k := range o.keys {
				m.Put(k, o.vals[k])
			}
			return nil, nil
		case "equals":
			return equal(m, args[0]), nil
		}
	case 2:
		switch name {
		case "put":
			return m.Put(toString(args[0]), args[1]), nil
		case "getOrDefault":
			if v, ok := m.Get(toString(args[0])); ok {
				return v, nil
			}
			return args[1], nil
		}
	}
	return nil, fmt.Errorf("Map has no method %s with %d argument(s)", name, len(args))
}

func numberMethod(v any, name string, args []any) (any, error) {
	i, f, isF, _ := toNumber(v)
	if len(args) == 0 {
		switch name {
		case "toString":
			return toString(v), nil
		case "intValue", "longValue":
			if isF {
				return int64(f), nil
			}
			return i, nil
		case "doubleValue", "floatValue":
			return f, nil
		}
	}
	if len(args) == 1 && name == "equals" {
		return equal(v, args[0]), nil
	}
	return nil, fmt.Errorf("%s has no method %s with %d argument(s)", typeName(v), name, len(args))
}
