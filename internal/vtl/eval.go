package vtl

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
)

// Limits bound one evaluation. Zero values take the defaults.
type Limits struct {
	// MaxLoop is the iteration limit of one #foreach; the loop stops after
	// it, as Velocity's directive.foreach.maxloops does. Default 1000, API
	// Gateway's limit.
	MaxLoop int
	// MaxSteps bounds the nodes and expressions evaluated. Default
	// 1,000,000.
	MaxSteps int
	// MaxOutput bounds the output and, times four, the bytes of strings a
	// template may build. Default 10 MiB, API Gateway's payload limit.
	MaxOutput int
}

const (
	defaultMaxLoop   = 1000
	defaultMaxSteps  = 1_000_000
	defaultMaxOutput = 10 << 20
	// maxRange bounds a [a..b] range literal, which Velocity materialises.
	maxRange = 10_000
)

// ErrBudget is wrapped by the error of an evaluation that exceeded its
// Limits.
var ErrBudget = errors.New("mapping template exceeded its evaluation budget")

type state struct {
	t        *Template
	env      Env
	vars     map[string]any
	out      strings.Builder
	steps    int
	maxSteps int
	alloc    int
	maxAlloc int
	maxOut   int
	maxLoop  int
	loop     *loopVar
	regexps  map[string]*regexp.Regexp
}

type control uint8

const (
	ctlNone control = iota
	ctlBreak
	ctlStop
)

// Execute evaluates the template against env and returns its output.
// Errors are *Error with the position of the failing construct; an error an
// Object returned is wrapped (errors.As finds it).
func (t *Template) Execute(env Env, lim Limits) (string, error) {
	if t.Static {
		if len(t.nodes) == 0 {
			return "", nil
		}
		return t.nodes[0].(*textNode).s, nil
	}
	s := &state{t: t, env: env}
	s.maxLoop = orDefault(lim.MaxLoop, defaultMaxLoop)
	s.maxSteps = orDefault(lim.MaxSteps, defaultMaxSteps)
	s.maxOut = orDefault(lim.MaxOutput, defaultMaxOutput)
	s.maxAlloc = 4 * s.maxOut
	s.out.Grow(len(t.src))
	if _, err := s.nodes(t.nodes, &s.out); err != nil {
		return "", err
	}
	return s.out.String(), nil
}

func orDefault(v, d int) int {
	if v <= 0 {
		return d
	}
	return v
}

func (s *state) errorf(off int, err error, format string, args ...any) *Error {
	return &Error{Pos: offsetPos(s.t.src, s.t.base, off), Msg: fmt.Sprintf(format, args...), Err: err}
}

func (s *state) step(off int) error {
	s.steps++
	if s.steps > s.maxSteps {
		return s.errorf(off, ErrBudget, "more than %d evaluation steps", s.maxSteps)
	}
	return nil
}

func (s *state) grow(off, n int) error {
	s.alloc += n
	if s.alloc > s.maxAlloc {
		return s.errorf(off, ErrBudget, "built more than %d bytes of strings", s.maxAlloc)
	}
	return nil
}

func (s *state) nodes(ns []node, out *strings.Builder) (control, error) {
	for _, n := range ns {
		ctl, err := s.node(n, out)
		if err != nil || ctl != ctlNone {
			return ctl, err
		}
		if out.Len() > s.maxOut {
			return ctlNone, s.errorf(0, ErrBudget, "output larger than %d bytes", s.maxOut)
		}
	}
	return ctlNone, nil
}

func (s *state) node(n node, out *strings.Builder) (control, error) {
	switch n := n.(type) {
	case *textNode:
		out.WriteString(n.s)
	case *refNode:
		if err := s.step(n.ref.off); err != nil {
			return ctlNone, err
		}
		v, err := s.ref(n.ref)
		if err != nil {
			return ctlNone, err
		}
		// API Gateway renders a null reference as nothing, quiet or not.
		render(out, v)
	case *setNode:
		if err := s.step(n.off); err != nil {
			return ctlNone, err
		}
		return ctlNone, s.set(n)
	case *ifNode:
		for i, c := range n.conds {
			v, err := s.eval(c)
			if err != nil {
				return ctlNone, err
			}
			if truthy(v) {
				return s.nodes(n.bodies[i], out)
			}
		}
		return s.nodes(n.els, out)
	case *foreachNode:
		return s.foreach(n, out)
	case *breakNode:
		return ctlBreak, nil
	case *stopNode:
		return ctlStop, nil
	}
	return ctlNone, nil
}

func (s *state) set(n *setNode) error {
	v, err := s.eval(n.val)
	if err != nil {
		return err
	}
	// Velocity 1.7 leaves the target unchanged when the value is null.
	if v == nil {
		return nil
	}
	r := n.target
	if len(r.chain) == 0 {
		if s.vars == nil {
			s.vars = make(map[string]any, 8)
		}
		s.vars[r.name] = v
		return nil
	}
	recv, err := s.refPrefix(r, len(r.chain)-1)
	if err != nil {
		return err
	}
	last := r.chain[len(r.chain)-1]
	switch m := recv.(type) {
	case *Map:
		key := last.name
		if last.kind == accIndex {
			k, err := s.eval(last.args[0])
			if err != nil {
				return err
			}
			key = toString(k)
		}
		m.Put(key, v)
		return s.grow(n.off, 16)
	case *List:
		if last.kind == accIndex {
			k, err := s.eval(last.args[0])
			if err != nil {
				return err
			}
			i, ok := toInt(k)
			if !ok || i < 0 || i >= len(m.Items) {
				return s.errorf(last.off, nil, "index %v out of range for a list of %d", k, len(m.Items))
			}
			m.Items[i] = v
			return nil
		}
	}
	return s.errorf(n.off, nil, "#set: cannot set %s on a %s", last.name, typeName(recv))
}

func (s *state) foreach(n *foreachNode, out *strings.Builder) (control, error) {
	v, err := s.eval(n.iter)
	if err != nil {
		return ctlNone, err
	}
	var items []any
	switch x := v.(type) {
	case nil:
		return ctlNone, nil
	case *List:
		items = x.Items
	case *Map:
		items = make([]any, 0, len(x.keys))
		for _, k := range x.keys {
			items = append(items, x.vals[k])
		}
	default:
		return ctlNone, s.errorf(n.off, nil, "#foreach over a %s, which is not a list or map", typeName(v))
	}
	// The list may grow while iterating; Velocity's iterator would fail, we
	// iterate what was there.
	items = items[:len(items):len(items)]
	prev, hadPrev := s.vars[n.name]
	lv := &loopVar{parent: s.loop, n: len(items)}
	s.loop = lv
	defer func() {
		s.loop = lv.parent
		if hadPrev {
			s.vars[n.name] = prev
		} else {
			delete(s.vars, n.name)
		}
	}()
	if s.vars == nil {
		s.vars = make(map[string]any, 8)
	}
	for i, it := range items {
		if i >= s.maxLoop {
			break
		}
		if err := s.step(n.off); err != nil {
			return ctlNone, err
		}
		lv.i = i
		if lv.n > s.maxLoop {
			lv.n = s.maxLoop
		}
		if it == nil {
			delete(s.vars, n.name)
		} else {
			s.vars[n.name] = it
		}
		ctl, err := s.nodes(n.body, out)
		if err != nil {
			return ctlNone, err
		}
		if ctl == ctlStop {
			return ctl, nil
		}
		if ctl == ctlBreak {
			break
		}
	}
	return ctlNone, nil
}

// loopVar is $foreach.
type loopVar struct {
	parent *loopVar
	i, n   int
}

func (l *loopVar) Property(name string) (any, bool) {
	switch name {
	case "index":
		return int64(l.i), true
	case "count":
		return int64(l.i + 1), true
	case "hasNext":
		return l.i+1 < l.n, true
	case "first":
		return l.i == 0, true
	case "last":
		return l.i+1 == l.n, true
	case "parent":
		if l.parent == nil {
			return nil, false
		}
		return l.parent, true
	}
	return nil, false
}

func (l *loopVar) Method(name string, args []any) (any, error) {
	if len(args) == 0 {
		switch name {
		case "hasNext", "getIndex", "getCount", "isFirst", "isLast", "getHasNext":
			key := strings.TrimPrefix(strings.TrimPrefix(name, "get"), "is")
			key = strings.ToLower(key[:1]) + key[1:]
			v, _ := l.Property(key)
			return v, nil
		}
	}
	return nil, fmt.Errorf("$foreach has no method %s", name)
}

func (s *state) lookup(name string) (any, bool) {
	if v, ok := s.vars[name]; ok {
		return v, true
	}
	switch name {
	case "foreach":
		if s.loop != nil {
			return s.loop, true
		}
	case "velocityCount":
		if s.loop != nil {
			return int64(s.loop.i + 1), true
		}
	}
	if s.env == nil {
		return nil, false
	}
	return s.env.Var(name)
}

func (s *state) ref(r *refExpr) (any, error) { return s.refPrefix(r, len(r.chain)) }

// refPrefix evaluates the reference with the first n accessors of its chain.
func (s *state) refPrefix(r *refExpr, n int) (any, error) {
	v, _ := s.lookup(r.name)
	for _, a := range r.chain[:n] {
		if v == nil {
			return nil, nil
		}
		if err := s.step(a.off); err != nil {
			return nil, err
		}
		var err error
		switch a.kind {
		case accProp:
			v = property(v, a.name)
		case accIndex:
			var k any
			k, err = s.eval(a.args[0])
			if err == nil {
				v, err = index(v, k)
			}
		case accMethod:
			args := make([]any, len(a.args))
			for i, x := range a.args {
				if args[i], err = s.eval(x); err != nil {
					return nil, err
				}
			}
			v, err = s.call(v, a.name, args)
			if err == nil {
				if str, ok := v.(string); ok {
					err = s.grow(a.off, len(str))
				}
			}
		}
		if err != nil {
			var e *Error
			if errors.As(err, &e) {
				return nil, err
			}
			return nil, s.errorf(a.off, err, "%s", err.Error())
		}
	}
	return v, nil
}

func (s *state) eval(x expr) (any, error) {
	switch x := x.(type) {
	case *litExpr:
		return x.v, nil
	case *refExpr:
		if err := s.step(x.off); err != nil {
			return nil, err
		}
		return s.ref(x)
	case *strExpr:
		var b strings.Builder
		if _, err := s.nodes(x.parts, &b); err != nil {
			return nil, err
		}
		if err := s.grow(0, b.Len()); err != nil {
			return nil, err
		}
		return b.String(), nil
	case *listExpr:
		l := &List{Items: make([]any, 0, len(x.items))}
		for _, it := range x.items {
			v, err := s.eval(it)
			if err != nil {
				return nil, err
			}
			l.Items = append(l.Items, v)
		}
		return l, s.grow(0, 16*len(x.items))
	case *rangeExpr:
		fv, err := s.eval(x.from)
		if err != nil {
			return nil, err
		}
		tv, err := s.eval(x.to)
		if err != nil {
			return nil, err
		}
		from, ok1 := toInt(fv)
		to, ok2 := toInt(tv)
		if !ok1 || !ok2 {
			return nil, s.errorf(x.off, nil, "range bounds must be integers")
		}
		n := to - from
		if n < 0 {
			n = -n
		}
		if n >= maxRange {
			return nil, s.errorf(x.off, ErrBudget, "range of more than %d elements", maxRange)
		}
		l := &List{Items: make([]any, 0, n+1)}
		step := 1
		if to < from {
			step = -1
		}
		for i := from; ; i += step {
			l.Items = append(l.Items, int64(i))
			if i == to {
				break
			}
		}
		return l, s.grow(x.off, 16*(n+1))
	case *mapExpr:
		m := NewMap(len(x.keys))
		for i := range x.keys {
			k, err := s.eval(x.keys[i])
			if err != nil {
				return nil, err
			}
			v, err := s.eval(x.vals[i])
			if err != nil {
				return nil, err
			}
			m.Put(toString(k), v)
		}
		return m, s.grow(0, 32*len(x.keys))
	case *unaryExpr:
		v, err := s.eval(x.x)
		if err != nil {
			return nil, err
		}
		if x.op == "!" {
			return !truthy(v), nil
		}
		i, f, isF, ok := toNumber(v)
		if !ok {
			return nil, nil
		}
		if isF {
			return -f, nil
		}
		return -i, nil
	case *binaryExpr:
		return s.binary(x)
	}
	return nil, fmt.Errorf("vtl: unknown expression %T", x)
}

func (s *state) binary(x *binaryExpr) (any, error) {
	if err := s.step(x.off); err != nil {
		return nil, err
	}
	l, err := s.eval(x.x)
	if err != nil {
		return nil, err
	}
	switch x.op {
	case "&&":
		if !truthy(l) {
			return false, nil
		}
		r, err := s.eval(x.y)
		return truthy(r), err
	case "||":
		if truthy(l) {
			return true, nil
		}
		r, err := s.eval(x.y)
		return truthy(r), err
	}
	r, err := s.eval(x.y)
	if err != nil {
		return nil, err
	}
	switch x.op {
	case "==":
		return equal(l, r), nil
	case "!=":
		return !equal(l, r), nil
	case "<", "<=", ">", ">=":
		_, lf, _, ok1 := toNumber(l)
		_, rf, _, ok2 := toNumber(r)
		if !ok1 || !ok2 {
			return false, nil
		}
		switch x.op {
		case "<":
			return lf < rf, nil
		case "<=":
			return lf <= rf, nil
		case ">":
			return lf > rf, nil
		}
		return lf >= rf, nil
	}
	// Arithmetic; + concatenates when either side is a string (Velocity
	// 1.7).
	if x.op == "+" {
		_, ls := l.(string)
		_, rs := r.(string)
		if ls || rs {
			out := toString(l) + toString(r)
			return out, s.grow(x.off, len(out))
		}
	}
	li, lf, lF, ok1 := toNumber(l)
	ri, rf, rF, ok2 := toNumber(r)
	if !ok1 || !ok2 {
		return nil, nil
	}
	if lF || rF {
		switch x.op {
		case "+":
			return lf + rf, nil
		case "-":
			return lf - rf, nil
		case "*":
			return lf * rf, nil
		case "/":
			if rf == 0 {
				return nil, nil
			}
			return lf / rf, nil
		case "%":
			if rf == 0 {
				return nil, nil
			}
			return math.Mod(lf, rf), nil
		}
	}
	switch x.op {
	case "+":
		return li + ri, nil
	case "-":
		return li - ri, nil
	case "*":
		return li * ri, nil
	case "/":
		if ri == 0 || (li == math.MinInt64 && ri == -1) {
			return nil, nil
		}
		return li / ri, nil
	case "%":
		if ri == 0 || ri == -1 {
			if ri == -1 {
				return int64(0), nil
			}
			return nil, nil
		}
		return li % ri, nil
	}
	return nil, nil
}

// equal is Velocity 1.7's ==: numbers by value, same types by equals, other
// pairs by their string forms.
func equal(l, r any) bool {
	if l == nil || r == nil {
		return l == nil && r == nil
	}
	_, lf, _, ok1 := toNumber(l)
	_, rf, _, ok2 := toNumber(r)
	if ok1 && ok2 {
		return lf == rf
	}
	switch a := l.(type) {
	case string:
		if b, ok := r.(string); ok {
			return a == b
		}
	case bool:
		if b, ok := r.(bool); ok {
			return a == b
		}
	}
	return toString(l) == toString(r)
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "String"
	case bool:
		return "Boolean"
	case int64:
		return "Integer"
	case float64:
		return "Double"
	case *List:
		return "List"
	case *Map:
		return "Map"
	}
	return "object"
}
