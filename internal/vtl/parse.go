package vtl

import (
	"fmt"
	"strconv"
	"strings"
)

// Pos is where template text was written: the file and the 1-based line and
// column. Parse takes the position of the template's first character and
// reports every error relative to it.
type Pos struct {
	File string
	Line int
	Col  int
	// Indent, in a base position only, is the number of columns every line
	// after the first is indented by in the file (a YAML block scalar).
	Indent int `json:"-"`
}

func (p Pos) String() string {
	if p.File == "" {
		return fmt.Sprintf("%d:%d", p.Line, p.Col)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Error is a syntax error found by Parse or a failure of Execute, with the
// position of the construct at fault.
type Error struct {
	Pos Pos
	Msg string
	// Err is the underlying cause, if any (an Object's error, ErrBudget).
	Err error
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

func (e *Error) Unwrap() error { return e.Err }

// Template is a parsed mapping template, immutable and safe for concurrent
// use.
type Template struct {
	src   string
	base  Pos
	nodes []node
	// Static is true when the template has no references or directives:
	// its output is its text.
	Static bool
}

// Source returns the template text.
func (t *Template) Source() string { return t.src }

// maxNesting bounds directive and expression depth so that a hostile
// template cannot exhaust the parser's stack.
const maxNesting = 200

type parser struct {
	src   string
	i     int
	base  Pos
	depth int
}

type parseError struct {
	off int
	msg string
}

// Parse parses a template. base is the position of its first character
// (Line 0 is taken as 1).
func Parse(src string, base Pos) (t *Template, err error) {
	if base.Line <= 0 {
		base.Line = 1
	}
	if base.Col <= 0 {
		base.Col = 1
	}
	p := &parser{src: src, base: base}
	defer func() {
		if r := recover(); r != nil {
			pe, ok := r.(parseError)
			if !ok {
				panic(r)
			}
			t, err = nil, &Error{Pos: p.pos(pe.off), Msg: pe.msg}
		}
	}()
	nodes, end := p.block(true)
	if end != "" {
		p.fail(p.i, "#%s without a matching #if or #foreach", end)
	}
	t = &Template{src: src, base: base, nodes: nodes}
	t.Static = len(nodes) == 0 || (len(nodes) == 1 && isText(nodes[0]))
	return t, nil
}

func isText(n node) bool { _, ok := n.(*textNode); return ok }

// pos turns a byte offset into a position relative to base.
func (p *parser) pos(off int) Pos { return offsetPos(p.src, p.base, off) }

func offsetPos(src string, base Pos, off int) Pos {
	if off > len(src) {
		off = len(src)
	}
	line, col := base.Line, base.Col
	for i := 0; i < off; i++ {
		if src[i] == '\n' {
			line++
			col = 1 + base.Indent
		} else if src[i]&0xC0 != 0x80 {
			col++
		}
	}
	return Pos{File: base.File, Line: line, Col: col}
}

func (p *parser) fail(off int, format string, args ...any) {
	panic(parseError{off: off, msg: fmt.Sprintf(format, args...)})
}

func (p *parser) enter(off int) {
	p.depth++
	if p.depth > maxNesting {
		p.fail(off, "nesting deeper than %d levels", maxNesting)
	}
}

func (p *parser) leave() { p.depth-- }

// block parses nodes until end of input (top) or until #else, #elseif or
// #end, whose name it returns.
func (p *parser) block(top bool) ([]node, string) {
	var nodes []node
	var text strings.Builder
	flush := func() {
		if text.Len() > 0 {
			nodes = append(nodes, &textNode{s: text.String()})
			text.Reset()
		}
	}
	for p.i < len(p.src) {
		c := p.src[p.i]
		switch c {
		case '$':
			if r, quiet, ok := p.reference(); ok {
				flush()
				nodes = append(nodes, &refNode{ref: r, quiet: quiet})
				continue
			}
			text.WriteByte('$')
			p.i++
		case '#':
			start := p.i
			switch {
			case strings.HasPrefix(p.src[p.i:], "##"):
				end := strings.IndexByte(p.src[p.i:], '\n')
				if end < 0 {
					p.i = len(p.src)
				} else {
					p.i += end + 1
				}
				continue
			case strings.HasPrefix(p.src[p.i:], "#*"):
				end := strings.Index(p.src[p.i+2:], "*#")
				if end < 0 {
					p.fail(start, "unterminated #* comment")
				}
				p.i += 2 + end + 2
				continue
			case strings.HasPrefix(p.src[p.i:], "#[["):
				end := strings.Index(p.src[p.i+3:], "]]#")
				if end < 0 {
					p.fail(start, "unterminated #[[ ]]# block")
				}
				text.WriteString(p.src[p.i+3 : p.i+3+end])
				p.i += 3 + end + 3
				continue
			}
			name, after := p.directiveName()
			switch name {
			case "set", "if", "foreach", "break", "stop":
				if name == "set" {
					// #set gobbles the indentation before it (Velocity 1.7).
					s := text.String()
					trimmed := strings.TrimRight(s, " \t")
					if len(trimmed) == 0 || trimmed[len(trimmed)-1] == '\n' {
						text.Reset()
						text.WriteString(trimmed)
					}
				}
				flush()
				p.i = after
				nodes = append(nodes, p.directive(name, start))
			case "else", "elseif", "end":
				flush()
				p.i = after
				if name != "elseif" {
					p.gobbleLine()
				}
				if top {
					p.fail(start, "#%s without a matching #if or #foreach", name)
				}
				return nodes, name
			case "macro", "define", "include", "parse", "evaluate":
				p.fail(start, "#%s is not supported in API Gateway mapping templates", name)
			default:
				text.WriteByte('#')
				p.i++
			}
		default:
			j := p.i
			for j < len(p.src) && p.src[j] != '$' && p.src[j] != '#' {
				j++
			}
			text.WriteString(p.src[p.i:j])
			p.i = j
		}
	}
	flush()
	return nodes, ""
}

// directiveName reads "#name" or "#{name}" at p.i without consuming it.
func (p *parser) directiveName() (name string, after int) {
	j := p.i + 1
	braced := false
	if j < len(p.src) && p.src[j] == '{' {
		braced = true
		j++
	}
	k := j
	for k < len(p.src) && isLetter(p.src[k]) {
		k++
	}
	name = p.src[j:k]
	if braced {
		if k >= len(p.src) || p.src[k] != '}' {
			return "", 0
		}
		k++
	}
	return name, k
}

// gobbleLine consumes the spaces and the line break that follow a
// directive, as Velocity 1.7 does.
func (p *parser) gobbleLine() {
	j := p.i
	for j < len(p.src) && (p.src[j] == ' ' || p.src[j] == '\t') {
		j++
	}
	switch {
	case strings.HasPrefix(p.src[j:], "\r\n"):
		p.i = j + 2
	case j < len(p.src) && (p.src[j] == '\n' || p.src[j] == '\r'):
		p.i = j + 1
	}
}

func (p *parser) directive(name string, start int) node {
	p.enter(start)
	defer p.leave()
	switch name {
	case "break":
		p.gobbleLine()
		return &breakNode{}
	case "stop":
		p.gobbleLine()
		return &stopNode{}
	}
	p.skipSpace()
	if p.i >= len(p.src) || p.src[p.i] != '(' {
		p.fail(start, "#%s needs ( after it", name)
	}
	p.i++
	switch name {
	case "set":
		p.skipSpace()
		roff := p.i
		if p.i >= len(p.src) || p.src[p.i] != '$' {
			p.fail(roff, "#set needs a reference before =")
		}
		r, quiet, ok := p.reference()
		if !ok || quiet {
			p.fail(roff, "#set needs a reference before =")
		}
		for _, a := range r.chain {
			if a.kind == accMethod {
				p.fail(roff, "#set cannot assign to a method call")
			}
		}
		p.skipSpace()
		if p.i >= len(p.src) || p.src[p.i] != '=' {
			p.fail(p.i, "#set needs = after the reference")
		}
		p.i++
		v := p.expr()
		p.closeParen(start, name)
		return &setNode{target: r, val: v, off: start}
	case "if":
		n := &ifNode{}
		cond := p.expr()
		p.closeParen(start, name)
		for {
			body, end := p.block(false)
			n.conds = append(n.conds, cond)
			n.bodies = append(n.bodies, body)
			switch end {
			case "":
				p.fail(start, "#if without #end")
			case "end":
				return n
			case "else":
				els, end := p.block(false)
				if end != "end" {
					if end == "" {
						p.fail(start, "#if without #end")
					}
					p.fail(p.i, "#%s after #else", end)
				}
				n.els = els
				return n
			case "elseif":
				eoff := p.i
				p.skipSpace()
				if p.i >= len(p.src) || p.src[p.i] != '(' {
					p.fail(eoff, "#elseif needs ( after it")
				}
				p.i++
				cond = p.expr()
				p.closeParen(eoff, "elseif")
			}
		}
	case "foreach":
		p.skipSpace()
		voff := p.i
		r, quiet, ok := p.reference()
		if !ok || quiet || len(r.chain) > 0 {
			p.fail(voff, "#foreach needs a plain variable: #foreach($item in $list)")
		}
		p.skipSpace()
		if !strings.HasPrefix(p.src[p.i:], "in") || (p.i+2 < len(p.src) && isIdent(p.src[p.i+2])) {
			p.fail(p.i, "#foreach needs in after the variable")
		}
		p.i += 2
		iter := p.expr()
		p.closeParen(start, name)
		body, end := p.block(false)
		if end != "end" {
			if end == "" {
				p.fail(start, "#foreach without #end")
			}
			p.fail(p.i, "#%s inside #foreach without #if", end)
		}
		return &foreachNode{name: r.name, iter: iter, body: body, off: start}
	}
	panic("unreachable")
}

func (p *parser) closeParen(start int, name string) {
	p.skipSpace()
	if p.i >= len(p.src) || p.src[p.i] != ')' {
		p.fail(p.i, "#%s: expected )", name)
	}
	p.i++
	p.gobbleLine()
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

// isIdent is Velocity's identifier character: letters, digits, - and _.
func isIdent(c byte) bool { return isLetter(c) || isDigit(c) || c == '_' || c == '-' }

func (p *parser) skipSpace() {
	for p.i < len(p.src) {
		switch p.src[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// reference parses $name, $!name, ${name}, $!{name} and its chain of
// .property, .method(args) and [index]. ok is false (and nothing is
// consumed) when what follows $ is not a reference, which is then text.
func (p *parser) reference() (r *refExpr, quiet, ok bool) {
	start := p.i
	j := p.i + 1
	if j < len(p.src) && p.src[j] == '!' {
		quiet = true
		j++
	}
	braced := false
	if j < len(p.src) && p.src[j] == '{' {
		braced = true
		j++
	}
	if j >= len(p.src) || !(isLetter(p.src[j]) || p.src[j] == '_') {
		return nil, false, false
	}
	k := j
	for k < len(p.src) && isIdent(p.src[k]) {
		k++
	}
	r = &refExpr{name: p.src[j:k], off: start}
	p.i = k
	p.enter(start)
	defer p.leave()
	for p.i < len(p.src) {
		c := p.src[p.i]
		if c == '.' && p.i+1 < len(p.src) && (isLetter(p.src[p.i+1]) || p.src[p.i+1] == '_') {
			aoff := p.i
			k := p.i + 1
			for k < len(p.src) && isIdent(p.src[k]) {
				k++
			}
			name := p.src[p.i+1 : k]
			p.i = k
			if p.i < len(p.src) && p.src[p.i] == '(' {
				p.i++
				args := p.args(')')
				r.chain = append(r.chain, accessor{kind: accMethod, name: name, args: args, off: aoff})
			} else {
				r.chain = append(r.chain, accessor{kind: accProp, name: name, off: aoff})
			}
			continue
		}
		if c == '[' {
			aoff := p.i
			p.i++
			ix := p.expr()
			p.skipSpace()
			if p.i >= len(p.src) || p.src[p.i] != ']' {
				p.fail(p.i, "expected ] after the index")
			}
			p.i++
			r.chain = append(r.chain, accessor{kind: accIndex, args: []expr{ix}, off: aoff})
			continue
		}
		break
	}
	if braced {
		if p.i >= len(p.src) || p.src[p.i] != '}' {
			p.fail(start, "${ without a closing }")
		}
		p.i++
	}
	return r, quiet, true
}

// args parses comma-separated expressions up to close.
func (p *parser) args(close byte) []expr {
	var out []expr
	p.skipSpace()
	if p.i < len(p.src) && p.src[p.i] == close {
		p.i++
		return out
	}
	for {
		out = append(out, p.expr())
		p.skipSpace()
		if p.i >= len(p.src) {
			p.fail(p.i, "expected %c", close)
		}
		switch p.src[p.i] {
		case ',':
			p.i++
		case close:
			p.i++
			return out
		default:
			p.fail(p.i, "expected , or %c", close)
		}
	}
}

// Expressions, by precedence: || and && (or, and), == != (eq, ne),
// < <= > >= (lt le gt ge), + -, * / %, unary ! (not) and -.
func (p *parser) expr() expr {
	p.enter(p.i)
	defer p.leave()
	return p.or()
}

func (p *parser) or() expr {
	x := p.and()
	for {
		off := p.i
		if !p.op("||", "or") {
			return x
		}
		x = &binaryExpr{op: "||", x: x, y: p.and(), off: off}
	}
}

func (p *parser) and() expr {
	x := p.equality()
	for {
		off := p.i
		if !p.op("&&", "and") {
			return x
		}
		x = &binaryExpr{op: "&&", x: x, y: p.equality(), off: off}
	}
}

func (p *parser) equality() expr {
	x := p.relational()
	for {
		off := p.i
		switch {
		case p.op("==", "eq"):
			x = &binaryExpr{op: "==", x: x, y: p.relational(), off: off}
		case p.op("!=", "ne"):
			x = &binaryExpr{op: "!=", x: x, y: p.relational(), off: off}
		default:
			return x
		}
	}
}

func (p *parser) relational() expr {
	x := p.additive()
	for {
		off := p.i
		var op string
		switch {
		case p.op("<=", "le"):
			op = "<="
		case p.op(">=", "ge"):
			op = ">="
		case p.op("<", "lt"):
			op = "<"
		case p.op(">", "gt"):
			op = ">"
		default:
			return x
		}
		x = &binaryExpr{op: op, x: x, y: p.additive(), off: off}
	}
}

func (p *parser) additive() expr {
	x := p.multiplicative()
	for {
		p.skipSpace()
		off := p.i
		if p.i < len(p.src) && (p.src[p.i] == '+' || p.src[p.i] == '-') {
			op := p.src[p.i : p.i+1]
			p.i++
			x = &binaryExpr{op: op, x: x, y: p.multiplicative(), off: off}
			continue
		}
		return x
	}
}

func (p *parser) multiplicative() expr {
	x := p.unary()
	for {
		p.skipSpace()
		off := p.i
		if p.i < len(p.src) && (p.src[p.i] == '*' || p.src[p.i] == '/' || p.src[p.i] == '%') {
			op := p.src[p.i : p.i+1]
			p.i++
			x = &binaryExpr{op: op, x: x, y: p.unary(), off: off}
			continue
		}
		return x
	}
}

func (p *parser) unary() expr {
	p.skipSpace()
	p.enter(p.i)
	defer p.leave()
	if p.i < len(p.src) && p.src[p.i] == '!' && !strings.HasPrefix(p.src[p.i:], "!=") {
		p.i++
		return &unaryExpr{op: "!", x: p.unary()}
	}
	if p.word("not") {
		return &unaryExpr{op: "!", x: p.unary()}
	}
	if p.i < len(p.src) && p.src[p.i] == '-' && (p.i+1 >= len(p.src) || !isDigit(p.src[p.i+1])) {
		p.i++
		return &unaryExpr{op: "-", x: p.unary()}
	}
	return p.primary()
}

// op consumes a symbolic operator or its word form.
func (p *parser) op(sym, word string) bool {
	p.skipSpace()
	if strings.HasPrefix(p.src[p.i:], sym) {
		// "<" must not take the first byte of "<=", nor "!" of "!=".
		if len(sym) == 1 && p.i+1 < len(p.src) && p.src[p.i+1] == '=' {
			return false
		}
		p.i += len(sym)
		return true
	}
	return p.word(word)
}

func (p *parser) word(w string) bool {
	if strings.HasPrefix(p.src[p.i:], w) && (p.i+len(w) >= len(p.src) || !isIdent(p.src[p.i+len(w)])) {
		p.i += len(w)
		return true
	}
	return false
}

func (p *parser) primary() expr {
	p.skipSpace()
	if p.i >= len(p.src) {
		p.fail(p.i, "expected an expression")
	}
	start := p.i
	c := p.src[p.i]
	switch {
	case c == '$':
		r, _, ok := p.reference()
		if !ok {
			p.fail(start, "expected a reference after $")
		}
		return r
	case c == '"':
		return p.doubleQuoted()
	case c == '\'':
		return &litExpr{v: p.singleQuoted()}
	case c == '(':
		p.i++
		x := p.expr()
		p.skipSpace()
		if p.i >= len(p.src) || p.src[p.i] != ')' {
			p.fail(p.i, "expected )")
		}
		p.i++
		return x
	case c == '[':
		p.i++
		p.skipSpace()
		if p.i < len(p.src) && p.src[p.i] == ']' {
			p.i++
			return &listExpr{}
		}
		first := p.expr()
		p.skipSpace()
		if strings.HasPrefix(p.src[p.i:], "..") {
			p.i += 2
			to := p.expr()
			p.skipSpace()
			if p.i >= len(p.src) || p.src[p.i] != ']' {
				p.fail(p.i, "expected ] after the range")
			}
			p.i++
			return &rangeExpr{from: first, to: to, off: start}
		}
		items := []expr{first}
		for {
			p.skipSpace()
			if p.i >= len(p.src) {
				p.fail(start, "unterminated list")
			}
			if p.src[p.i] == ']' {
				p.i++
				return &listExpr{items: items}
			}
			if p.src[p.i] != ',' {
				p.fail(p.i, "expected , or ] in the list")
			}
			p.i++
			items = append(items, p.expr())
		}
	case c == '{':
		p.i++
		m := &mapExpr{}
		p.skipSpace()
		if p.i < len(p.src) && p.src[p.i] == '}' {
			p.i++
			return m
		}
		for {
			k := p.expr()
			p.skipSpace()
			if p.i >= len(p.src) || p.src[p.i] != ':' {
				p.fail(p.i, "expected : in the map")
			}
			p.i++
			v := p.expr()
			m.keys = append(m.keys, k)
			m.vals = append(m.vals, v)
			p.skipSpace()
			if p.i >= len(p.src) {
				p.fail(start, "unterminated map")
			}
			if p.src[p.i] == '}' {
				p.i++
				return m
			}
			if p.src[p.i] != ',' {
				p.fail(p.i, "expected , or } in the map")
			}
			p.i++
		}
	case isDigit(c) || c == '-':
		j := p.i
		if c == '-' {
			j++
		}
		for j < len(p.src) && isDigit(p.src[j]) {
			j++
		}
		isFloat := false
		if j+1 < len(p.src) && p.src[j] == '.' && isDigit(p.src[j+1]) {
			isFloat = true
			j++
			for j < len(p.src) && isDigit(p.src[j]) {
				j++
			}
		}
		lit := p.src[p.i:j]
		p.i = j
		if isFloat {
			f, err := strconv.ParseFloat(lit, 64)
			if err != nil {
				p.fail(start, "bad number %s", lit)
			}
			return &litExpr{v: f}
		}
		n, err := strconv.ParseInt(lit, 10, 64)
		if err != nil {
			p.fail(start, "integer %s out of range", lit)
		}
		return &litExpr{v: n}
	case p.word("true"):
		return &litExpr{v: true}
	case p.word("false"):
		return &litExpr{v: false}
	case p.word("null"):
		return &litExpr{v: nil}
	}
	p.fail(start, "unexpected %q in an expression", string(c))
	return nil
}

// singleQuoted reads a literal string; ” is a quote.
func (p *parser) singleQuoted() string {
	start := p.i
	p.i++
	var b strings.Builder
	for p.i < len(p.src) {
		c := p.src[p.i]
		if c == '\'' {
			if p.i+1 < len(p.src) && p.src[p.i+1] == '\'' {
				b.WriteByte('\'')
				p.i += 2
				continue
			}
			p.i++
			return b.String()
		}
		b.WriteByte(c)
		p.i++
	}
	p.fail(start, "unterminated string")
	return ""
}

// doubleQuoted reads an interpolated string. As in Velocity 1.7 a backslash
// keeps the character after it from ending the string but stays in the
// value ("\\'" is the Java regex \\'), and "" is a quote.
func (p *parser) doubleQuoted() expr {
	start := p.i
	p.i++
	var b strings.Builder
	for {
		if p.i >= len(p.src) {
			p.fail(start, "unterminated string")
		}
		c := p.src[p.i]
		if c == '\\' && p.i+1 < len(p.src) {
			b.WriteString(p.src[p.i : p.i+2])
			p.i += 2
			continue
		}
		if c == '"' {
			if p.i+1 < len(p.src) && p.src[p.i+1] == '"' {
				b.WriteByte('"')
				p.i += 2
				continue
			}
			p.i++
			break
		}
		b.WriteByte(c)
		p.i++
	}
	s := b.String()
	if !strings.ContainsAny(s, "$#") {
		return &litExpr{v: s}
	}
	// Parse the content as a template of its own, positioned where it was
	// written.
	sub := &parser{src: s, base: p.pos(start + 1), depth: p.depth}
	var nodes []node
	func() {
		defer func() {
			if r := recover(); r != nil {
				pe, ok := r.(parseError)
				if !ok {
					panic(r)
				}
				// Re-raise at the outer string's start: offsets inside s
				// differ from the outer source once "" was folded.
				panic(parseError{off: start, msg: "in string: " + pe.msg})
			}
		}()
		var end string
		nodes, end = sub.block(true)
		if end != "" {
			sub.fail(sub.i, "#%s without #if", end)
		}
	}()
	return &strExpr{parts: nodes}
}
