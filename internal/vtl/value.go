package vtl

import (
	"math"
	"strconv"
	"strings"
)

// Values a template manipulates are nil, string, bool, int64, float64,
// *List, *Map and Object. Lists and maps are pointers because Java's are
// mutable: $list.add(x) changes the list every reference sees.

// List is a Java List.
type List struct{ Items []any }

// Map is a Java LinkedHashMap: insertion-ordered, as API Gateway's parsed
// JSON objects are.
type Map struct {
	keys []string
	vals map[string]any
}

// NewMap returns an empty map with room for n entries.
func NewMap(n int) *Map { return &Map{vals: make(map[string]any, n)} }

// Get returns the value of k.
func (m *Map) Get(k string) (any, bool) {
	if m == nil {
		return nil, false
	}
	v, ok := m.vals[k]
	return v, ok
}

// Put sets k, keeping its first insertion position, and returns the old
// value.
func (m *Map) Put(k string, v any) any {
	old, ok := m.vals[k]
	if !ok {
		m.keys = append(m.keys, k)
	}
	m.vals[k] = v
	return old
}

// Remove deletes k and returns its value.
func (m *Map) Remove(k string) any {
	old, ok := m.vals[k]
	if !ok {
		return nil
	}
	delete(m.vals, k)
	for i, kk := range m.keys {
		if kk == k {
			m.keys = append(m.keys[:i:i], m.keys[i+1:]...)
			break
		}
	}
	return old
}

// Keys returns the keys in insertion order.
func (m *Map) Keys() []string { return m.keys }

// Len is the number of entries.
func (m *Map) Len() int { return len(m.keys) }

// Object is a value the embedding program provides ($input, $util,
// $context, ...). Property answers $obj.name; Method answers
// $obj.name(args). ok false / a nil result render as nothing.
type Object interface {
	Property(name string) (any, bool)
	Method(name string, args []any) (any, error)
}

// Env supplies a template's root variables.
type Env interface {
	Var(name string) (any, bool)
}

// MapEnv is an Env over a Go map.
type MapEnv map[string]any

// Var implements Env.
func (e MapEnv) Var(name string) (any, bool) { v, ok := e[name]; return v, ok }

// render writes v as Velocity's toString would.
func render(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
	case string:
		b.WriteString(x)
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		b.WriteString(formatDouble(x))
	case *List:
		b.WriteByte('[')
		for i, it := range x.Items {
			if i > 0 {
				b.WriteString(", ")
			}
			render(b, it)
		}
		b.WriteByte(']')
	case *Map:
		b.WriteByte('{')
		for i, k := range x.keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k)
			b.WriteByte('=')
			render(b, x.vals[k])
		}
		b.WriteByte('}')
	case interface{ String() string }:
		b.WriteString(x.String())
	}
}

// toString is render into a new string.
func toString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	var b strings.Builder
	render(&b, v)
	return b.String()
}

// formatDouble follows Java's Double.toString closely enough for the values
// JSON carries: integral values keep ".0", large and small ones use E
// notation.
func formatDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	a := math.Abs(f)
	if a != 0 && (a < 1e-3 || a >= 1e7) {
		s := strconv.FormatFloat(f, 'E', -1, 64)
		mant, exp, _ := strings.Cut(s, "E")
		if !strings.Contains(mant, ".") {
			mant += ".0"
		}
		exp = strings.TrimPrefix(exp, "+")
		if strings.HasPrefix(exp, "-") {
			exp = "-" + strings.TrimLeft(exp[1:], "0")
		} else {
			exp = strings.TrimLeft(exp, "0")
		}
		return mant + "E" + exp
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// truthy is Velocity 1.7's #if rule: null and false are false, every other
// value (the empty string included) is true.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	}
	return true
}

func toNumber(v any) (i int64, f float64, isFloat, ok bool) {
	switch x := v.(type) {
	case int64:
		return x, float64(x), false, true
	case float64:
		return 0, x, true, true
	}
	return 0, 0, false, false
}

func toInt(v any) (int, bool) {
	switch x := v.(type) {
	case int64:
		if x > math.MaxInt32 || x < math.MinInt32 {
			return 0, false
		}
		return int(x), true
	case float64:
		if x != math.Trunc(x) || math.Abs(x) > math.MaxInt32 {
			return 0, false
		}
		return int(x), true
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(x))
		return n, err == nil
	}
	return 0, false
}
