// The intrinsic-function evaluator.
//
// A template is decoded into a yaml.Node tree (never into map[string]any,
// which silently drops short tags: `!GetAtt Fn.Arn` would become the plain
// string "Fn.Arn"). eval walks that tree and returns a new tree in which
// every intrinsic has been replaced by its value; positions are kept, so a
// value computed by `!Sub` still points at the line that wrote it.
//
// An intrinsic is either a short tag (`!Ref X`, `!GetAtt [A, B]`) or a
// mapping with exactly one key, `Ref` or `Fn::Name`. Both forms are reduced to
// (function name, argument node) by intrinsicOf, and evalFn evaluates the
// argument before or after its own work as CloudFormation does (Fn::If
// evaluates only the branch it takes; Fn::Sub evaluates its variable map).
//
// Values are plain nodes: strings and numbers are scalars, lists are
// sequences. `Ref: AWS::NoValue` makes eval report "absent", and the caller
// removes the key or list item that held it.
//
// References to resources stay symbolic. A Ref or GetAtt whose target is a
// resource yields a scalar holding the string AWS would return for it (a
// function's ARN or name, an API's id, a role's ARN, ...) synthesised from
// the logical id, and the loader records, for that very node, which logical
// id and attribute it came from. Readers that link resources (FunctionArn,
// Integration.Uri, RestApiId, ParentId) consult that record first; when the
// reference was embedded in a larger string (`!Sub ...${Fn.Arn}/invocations`)
// the synthesised ARN inside the string is parsed back to the logical id,
// which works because every synthesised name is unique to its resource.

package template

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/yamlnode"
)

// symRef records that a node's value is a reference to a resource.
type symRef struct {
	LogicalID string
	Attr      string // "" for Ref
}

var sprintf = fmt.Sprintf

// intrinsicOf recognises an intrinsic function call. inCondition allows the
// {"Condition": name} form, which is only an intrinsic inside conditions.
func intrinsicOf(n *yaml.Node, inCondition bool) (fn string, arg *yaml.Node, ok bool) {
	if n == nil {
		return "", nil, false
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") && n.Tag != errorTag {
		name := n.Tag[1:]
		a := *n
		switch n.Kind {
		case yaml.ScalarNode:
			a.Tag = "!!str"
		case yaml.SequenceNode:
			a.Tag = "!!seq"
		case yaml.MappingNode:
			a.Tag = "!!map"
		}
		switch name {
		case "Ref", "Condition":
			return name, &a, true
		}
		return "Fn::" + name, &a, true
	}
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 {
		k := n.Content[0].Value
		if k == "Ref" || strings.HasPrefix(k, "Fn::") || (inCondition && k == "Condition") {
			return k, n.Content[1], true
		}
	}
	return "", nil, false
}

// evalCtx is where an evaluation happens, for diagnostics.
type evalCtx struct {
	id   string // logical id
	path string
}

func (c evalCtx) at(sub string) evalCtx { return evalCtx{id: c.id, path: joinPath(c.path, sub)} }

func (l *loader) evalErr(n *yaml.Node, c evalCtx, format string, args ...any) *yaml.Node {
	l.errs = append(l.errs, apimodel.Diagnostic{Pos: l.pos(n), LogicalID: c.id, Path: c.path, Message: sprintf(format, args...)})
	line, col := 0, 0
	if n != nil {
		line, col = n.Line, n.Column
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: errorTag, Line: line, Column: col}
}

// eval returns the evaluated copy of n; present is false for AWS::NoValue.
func (l *loader) eval(n *yaml.Node, c evalCtx) (out *yaml.Node, present bool) {
	if n == nil {
		return nil, false
	}
	l.depth++
	defer func() { l.depth-- }()
	if l.depth > 200 {
		return l.evalErr(n, c, "template nests too deeply"), true
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, false
		}
		return l.eval(n.Content[0], c)
	case yaml.AliasNode:
		return l.eval(n.Alias, c)
	}
	if fn, arg, ok := intrinsicOf(n, false); ok {
		return l.evalFn(fn, arg, n, c)
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") && n.Tag != errorTag {
		return l.evalErr(n, c, "unknown tag %s", n.Tag), true
	}
	switch n.Kind {
	case yaml.SequenceNode:
		s := *n
		s.Content = make([]*yaml.Node, 0, len(n.Content))
		for i, it := range n.Content {
			v, ok := l.eval(it, c.at("["+strconv.Itoa(i)+"]"))
			if ok {
				s.Content = append(s.Content, v)
			}
		}
		l.copyFile(n, &s)
		return &s, true
	case yaml.MappingNode:
		m := *n
		m.Content = make([]*yaml.Node, 0, len(n.Content))
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Value == "<<" {
				// YAML merge keys: yaml.v3 does not expand them in Node form.
				v, ok := l.eval(n.Content[i+1], c)
				if ok && v.Kind == yaml.MappingNode {
					m.Content = append(m.Content, v.Content...)
				}
				continue
			}
			v, ok := l.eval(n.Content[i+1], c.at(k.Value))
			if ok {
				kc := *k
				l.copyFile(k, &kc)
				m.Content = append(m.Content, &kc, v)
			}
		}
		l.copyFile(n, &m)
		return &m, true
	default:
		s := *n
		l.copyFile(n, &s)
		return &s, true
	}
}

// copyFile keeps the file of nodes that came from an included document.
func (l *loader) copyFile(from, to *yaml.Node) {
	if f, ok := l.fileOf[from]; ok {
		l.fileOf[to] = f
	}
}

// evalStr evaluates n and requires a string (any scalar).
func (l *loader) evalStr(n *yaml.Node, c evalCtx, what string) (string, bool) {
	v, ok := l.eval(n, c)
	if !ok {
		l.evalErr(n, c, "%s cannot be AWS::NoValue", what)
		return "", false
	}
	if isErr(v) {
		return "", false
	}
	if v.Kind != yaml.ScalarNode {
		l.evalErr(n, c, "%s must be a string, not %s", what, kindName(v))
		return "", false
	}
	return v.Value, true
}

// evalList evaluates n and requires a list; items are evaluated.
func (l *loader) evalList(n *yaml.Node, c evalCtx, what string) ([]*yaml.Node, bool) {
	v, ok := l.eval(n, c)
	if !ok || isErr(v) {
		return nil, false
	}
	if v.Kind != yaml.SequenceNode {
		l.evalErr(n, c, "%s must be a list, not %s", what, kindName(v))
		return nil, false
	}
	return v.Content, true
}

func (l *loader) args(arg *yaml.Node, n *yaml.Node, c evalCtx, fn string, min, max int) ([]*yaml.Node, bool) {
	if arg.Kind != yaml.SequenceNode || len(arg.Content) < min || len(arg.Content) > max {
		if min == max {
			l.evalErr(n, c, "%s takes a list of %d arguments", fn, min)
		} else {
			l.evalErr(n, c, "%s takes a list of %d to %d arguments", fn, min, max)
		}
		return nil, false
	}
	return arg.Content, true
}

func (l *loader) evalFn(fn string, arg, n *yaml.Node, c evalCtx) (*yaml.Node, bool) {
	c = c.at(fn)
	at := func(s string) *yaml.Node {
		out := str(s, n.Line, n.Column)
		l.copyFile(n, out)
		return out
	}
	switch fn {
	case "Ref":
		if arg.Kind != yaml.ScalarNode {
			return l.evalErr(n, c, "Ref takes a name"), true
		}
		return l.ref(arg.Value, n, c)

	case "Fn::GetAtt":
		var res, attr string
		switch arg.Kind {
		case yaml.ScalarNode:
			var ok bool
			res, attr, ok = strings.Cut(arg.Value, ".")
			if !ok {
				return l.evalErr(n, c, "Fn::GetAtt takes LogicalId.Attribute, not %q", arg.Value), true
			}
		case yaml.SequenceNode:
			if len(arg.Content) != 2 || arg.Content[0].Kind != yaml.ScalarNode {
				return l.evalErr(n, c, "Fn::GetAtt takes [LogicalId, Attribute]"), true
			}
			res = arg.Content[0].Value
			a, ok := l.evalStr(arg.Content[1], c, "the attribute name")
			if !ok {
				return poisoned(n), true
			}
			attr = a
		default:
			return l.evalErr(n, c, "Fn::GetAtt takes [LogicalId, Attribute]"), true
		}
		s, err := l.renderAtt(res, attr)
		if err != "" {
			return l.evalErr(n, c, "%s", err), true
		}
		out := at(s)
		l.sym[out] = symRef{LogicalID: res, Attr: attr}
		return out, true

	case "Fn::Sub":
		var tmplNode, vars *yaml.Node
		switch arg.Kind {
		case yaml.ScalarNode:
			tmplNode = arg
		case yaml.SequenceNode:
			if len(arg.Content) != 2 {
				return l.evalErr(n, c, "Fn::Sub takes a string or [string, {variables}]"), true
			}
			tmplNode, vars = arg.Content[0], arg.Content[1]
		default:
			return l.evalErr(n, c, "Fn::Sub takes a string or [string, {variables}]"), true
		}
		t, ok := l.evalStr(tmplNode, c, "the Fn::Sub template")
		if !ok {
			return poisoned(n), true
		}
		var values map[string]*yaml.Node
		if vars != nil {
			if vars.Kind != yaml.MappingNode {
				return l.evalErr(vars, c, "Fn::Sub variables must be a map"), true
			}
			values = map[string]*yaml.Node{}
			for _, kv := range pairs(vars) {
				v, ok := l.eval(kv[1], c.at(kv[0].Value))
				if ok {
					values[kv[0].Value] = v
				}
			}
		}
		s, ok := l.sub(t, values, n, c)
		if !ok {
			return poisoned(n), true
		}
		out := at(s)
		if len(values) == 0 {
			// "${Fn.Arn}" alone is as symbolic as !GetAtt Fn.Arn.
			if name, ok := strings.CutPrefix(t, "${"); ok && strings.HasSuffix(name, "}") && !strings.ContainsAny(name[:len(name)-1], "${}!") {
				name = name[:len(name)-1]
				if res, attr, dotted := strings.Cut(name, "."); dotted {
					if l.typeOf(res) != "" {
						l.sym[out] = symRef{LogicalID: res, Attr: attr}
					}
				} else if l.typeOf(name) != "" {
					l.sym[out] = symRef{LogicalID: name}
				}
			}
		}
		return out, true

	case "Fn::Join":
		a, ok := l.args(arg, n, c, fn, 2, 2)
		if !ok {
			return poisoned(n), true
		}
		delim, ok := l.evalStr(a[0], c, "the Fn::Join delimiter")
		if !ok {
			return poisoned(n), true
		}
		items, ok := l.evalList(a[1], c, "the Fn::Join list")
		if !ok {
			return poisoned(n), true
		}
		parts := make([]string, 0, len(items))
		itemFailed := false
		for _, it := range items {
			if isErr(it) {
				itemFailed = true
				continue
			}
			if it.Kind != yaml.ScalarNode {
				return l.evalErr(it, c, "Fn::Join items must be strings, not %s", kindName(it)), true
			}
			parts = append(parts, it.Value)
		}
		if itemFailed {
			return poisoned(n), true
		}
		return at(strings.Join(parts, delim)), true

	case "Fn::Select":
		a, ok := l.args(arg, n, c, fn, 2, 2)
		if !ok {
			return poisoned(n), true
		}
		is, ok := l.evalStr(a[0], c, "the Fn::Select index")
		if !ok {
			return poisoned(n), true
		}
		i, err := strconv.Atoi(is)
		if err != nil {
			return l.evalErr(a[0], c, "Fn::Select index must be a number, not %q", is), true
		}
		items, ok := l.evalList(a[1], c, "the Fn::Select list")
		if !ok {
			return poisoned(n), true
		}
		if i < 0 || i >= len(items) {
			return l.evalErr(n, c, "Fn::Select index %d is out of range for a list of %d", i, len(items)), true
		}
		return items[i], true

	case "Fn::Split":
		a, ok := l.args(arg, n, c, fn, 2, 2)
		if !ok {
			return poisoned(n), true
		}
		delim, ok1 := l.evalStr(a[0], c, "the Fn::Split delimiter")
		s, ok2 := l.evalStr(a[1], c, "the Fn::Split source")
		if !ok1 || !ok2 {
			return poisoned(n), true
		}
		if delim == "" {
			return l.evalErr(n, c, "Fn::Split delimiter cannot be empty"), true
		}
		return strSeq(n.Line, n.Column, strings.Split(s, delim)), true

	case "Fn::Base64":
		s, ok := l.evalStr(arg, c, "the Fn::Base64 value")
		if !ok {
			return poisoned(n), true
		}
		return at(base64.StdEncoding.EncodeToString([]byte(s))), true

	case "Fn::FindInMap":
		a, ok := l.args(arg, n, c, fn, 3, 3)
		if !ok {
			return poisoned(n), true
		}
		var keys [3]string
		for i := range a {
			s, ok := l.evalStr(a[i], c, "a Fn::FindInMap key")
			if !ok {
				return poisoned(n), true
			}
			keys[i] = s
		}
		m := get(l.mappings, keys[0])
		if m == nil {
			return l.evalErr(n, c, "Fn::FindInMap: no mapping named %q", keys[0]), true
		}
		top := get(m, keys[1])
		if top == nil {
			return l.evalErr(n, c, "Fn::FindInMap: mapping %q has no key %q", keys[0], keys[1]), true
		}
		v := get(top, keys[2])
		if v == nil {
			return l.evalErr(n, c, "Fn::FindInMap: mapping %q key %q has no entry %q", keys[0], keys[1], keys[2]), true
		}
		out, _ := l.eval(v, c)
		return out, true

	case "Fn::GetAZs":
		region, ok := l.evalStr(arg, c, "the Fn::GetAZs region")
		if !ok {
			return poisoned(n), true
		}
		if region == "" {
			region = l.opts.Region
		}
		return strSeq(n.Line, n.Column, []string{region + "a", region + "b", region + "c"}), true

	case "Fn::Cidr":
		a, ok := l.args(arg, n, c, fn, 3, 3)
		if !ok {
			return poisoned(n), true
		}
		var v [3]string
		for i := range a {
			s, ok := l.evalStr(a[i], c, "a Fn::Cidr argument")
			if !ok {
				return poisoned(n), true
			}
			v[i] = s
		}
		subnets, err := cidr(v[0], v[1], v[2])
		if err != nil {
			return l.evalErr(n, c, "Fn::Cidr: %v", err), true
		}
		return strSeq(n.Line, n.Column, subnets), true

	case "Fn::ImportValue":
		name, ok := l.evalStr(arg, c, "the Fn::ImportValue name")
		if !ok {
			return poisoned(n), true
		}
		v, found := l.opts.Imports[name]
		if !found {
			return l.evalErr(n, c, "Fn::ImportValue: no export named %q (pass it with --imports)", name), true
		}
		return at(v), true

	case "Fn::If":
		a, ok := l.args(arg, n, c, fn, 3, 3)
		if !ok {
			return poisoned(n), true
		}
		if a[0].Kind != yaml.ScalarNode {
			return l.evalErr(a[0], c, "Fn::If takes a condition name first"), true
		}
		b, ok := l.condition(a[0].Value, a[0], c)
		if !ok {
			return poisoned(n), true
		}
		if b {
			return l.eval(a[1], c)
		}
		return l.eval(a[2], c)

	case "Fn::Equals":
		a, ok := l.args(arg, n, c, fn, 2, 2)
		if !ok {
			return boolNode(false, n.Line, n.Column), true
		}
		x, ok1 := l.eval(a[0], c)
		y, ok2 := l.eval(a[1], c)
		if isErr(x) || isErr(y) {
			return poisoned(n), true
		}
		if !ok1 || !ok2 {
			return boolNode(false, n.Line, n.Column), true
		}
		return boolNode(equalNodes(x, y), n.Line, n.Column), true

	case "Fn::And", "Fn::Or":
		if arg.Kind != yaml.SequenceNode || len(arg.Content) < 2 || len(arg.Content) > 10 {
			return l.evalErr(n, c, "%s takes a list of 2 to 10 conditions", fn), true
		}
		res := fn == "Fn::And"
		for _, it := range arg.Content {
			b, ok := l.boolOf(it, c)
			if !ok {
				return poisoned(n), true
			}
			if fn == "Fn::And" {
				res = res && b
			} else {
				res = res || b
			}
		}
		return boolNode(res, n.Line, n.Column), true

	case "Fn::Not":
		if arg.Kind != yaml.SequenceNode || len(arg.Content) != 1 {
			return l.evalErr(n, c, "Fn::Not takes a list of one condition"), true
		}
		b, ok := l.boolOf(arg.Content[0], c)
		if !ok {
			return poisoned(n), true
		}
		return boolNode(!b, n.Line, n.Column), true

	case "Condition":
		if arg.Kind != yaml.ScalarNode {
			return l.evalErr(n, c, "Condition takes a condition name"), true
		}
		b, ok := l.condition(arg.Value, arg, c)
		if !ok {
			return poisoned(n), true
		}
		return boolNode(b, n.Line, n.Column), true

	case "Fn::Transform":
		return l.transform(arg, n, c)
	}
	if strings.HasPrefix(n.Tag, "!") {
		return l.evalErr(n, c, "unknown tag %s", n.Tag), true
	}
	return l.evalErr(n, c, "%s is not supported", fn), true
}

// boolOf evaluates a condition operand: a {"Condition": name} reference or a
// condition function.
func (l *loader) boolOf(n *yaml.Node, c evalCtx) (bool, bool) {
	if fn, arg, ok := intrinsicOf(n, true); ok && fn == "Condition" {
		if arg.Kind != yaml.ScalarNode {
			l.evalErr(n, c, "Condition takes a condition name")
			return false, false
		}
		return l.condition(arg.Value, arg, c)
	}
	v, ok := l.eval(n, c)
	if !ok || isErr(v) {
		return false, false
	}
	if v.Kind != yaml.ScalarNode || (v.Value != "true" && v.Value != "false") {
		l.evalErr(n, c, "a condition must evaluate to true or false, not %q", v.Value)
		return false, false
	}
	return v.Value == "true", true
}

// condition evaluates the named entry of the Conditions section once.
func (l *loader) condition(name string, at *yaml.Node, c evalCtx) (bool, bool) {
	if v, ok := l.condVal[name]; ok {
		return v, true
	}
	def := get(l.conditions, name)
	if def == nil {
		l.evalErr(at, c, "no condition named %q", name)
		return false, false
	}
	if l.condBusy[name] {
		l.evalErr(at, c, "condition %q refers to itself", name)
		return false, false
	}
	l.condBusy[name] = true
	b, ok := l.boolOf(def, evalCtx{id: name, path: "Conditions." + name})
	delete(l.condBusy, name)
	if ok {
		l.condVal[name] = b
	}
	return b, ok
}

func equalNodes(a, b *yaml.Node) bool {
	if a.Kind != b.Kind {
		return false
	}
	if a.Kind == yaml.ScalarNode {
		return a.Value == b.Value
	}
	if len(a.Content) != len(b.Content) {
		return false
	}
	for i := range a.Content {
		if !equalNodes(a.Content[i], b.Content[i]) {
			return false
		}
	}
	return true
}

// ref resolves Ref: a pseudo parameter, a parameter or a resource.
func (l *loader) ref(name string, n *yaml.Node, c evalCtx) (*yaml.Node, bool) {
	at := func(s string) *yaml.Node {
		out := str(s, n.Line, n.Column)
		l.copyFile(n, out)
		return out
	}
	switch name {
	case "AWS::NoValue":
		return nil, false
	case "AWS::Region":
		return at(l.opts.Region), true
	case "AWS::AccountId":
		return at(l.opts.AccountID), true
	case "AWS::Partition":
		return at(l.partition()), true
	case "AWS::URLSuffix":
		if strings.HasPrefix(l.opts.Region, "cn-") {
			return at("amazonaws.com.cn"), true
		}
		return at("amazonaws.com"), true
	case "AWS::StackName":
		return at(l.opts.StackName), true
	case "AWS::StackId":
		return at(l.stackID()), true
	case "AWS::NotificationARNs":
		return seqNode(n.Line, n.Column), true
	}
	if p, ok := l.params[name]; ok {
		return l.paramValue(p, n, c), true
	}
	if _, ok := l.byID[name]; ok || l.implicit(name) != "" {
		s, err := l.renderRef(name)
		if err != "" {
			return l.evalErr(n, c, "%s", err), true
		}
		out := at(s)
		l.sym[out] = symRef{LogicalID: name}
		return out, true
	}
	return l.evalErr(n, c, "unresolved reference %q: no parameter or resource has that name", name), true
}

func (l *loader) partition() string {
	switch {
	case strings.HasPrefix(l.opts.Region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(l.opts.Region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

func (l *loader) stackID() string {
	sum := sha256.Sum256([]byte("stack:" + l.opts.Region + l.opts.AccountID + l.opts.StackName))
	u := hex.EncodeToString(sum[:16])
	return sprintf("arn:%s:cloudformation:%s:%s:stack/%s/%s-%s-%s-%s-%s", l.partition(), l.opts.Region, l.opts.AccountID,
		l.opts.StackName, u[:8], u[8:12], u[12:16], u[16:20], u[20:32])
}

// sub expands an Fn::Sub template.
func (l *loader) sub(t string, vars map[string]*yaml.Node, n *yaml.Node, c evalCtx) (string, bool) {
	var b strings.Builder
	ok := true
	for {
		i := strings.Index(t, "${")
		if i < 0 {
			b.WriteString(t)
			break
		}
		b.WriteString(t[:i])
		t = t[i+2:]
		j := strings.IndexByte(t, '}')
		if j < 0 {
			l.evalErr(n, c, "Fn::Sub: unterminated ${ in template")
			return "", false
		}
		name := t[:j]
		t = t[j+1:]
		if strings.HasPrefix(name, "!") {
			b.WriteString("${" + name[1:] + "}")
			continue
		}
		name = strings.TrimSpace(name)
		if v, found := vars[name]; found {
			if isErr(v) {
				ok = false
				continue
			}
			if v.Kind != yaml.ScalarNode {
				l.evalErr(n, c, "Fn::Sub variable %q must be a string, not %s", name, kindName(v))
				ok = false
				continue
			}
			b.WriteString(v.Value)
			continue
		}
		if res, attr, dotted := strings.Cut(name, "."); dotted && !strings.HasPrefix(name, "AWS::") {
			if _, isParam := l.params[name]; !isParam {
				s, err := l.renderAtt(res, attr)
				if err != "" {
					l.evalErr(n, c, "Fn::Sub ${%s}: %s", name, err)
					ok = false
					continue
				}
				b.WriteString(s)
				continue
			}
		}
		v, _ := l.ref(name, n, c)
		switch {
		case v == nil:
			// ${AWS::NoValue} renders as nothing.
		case isErr(v):
			ok = false
		case v.Kind != yaml.ScalarNode:
			l.evalErr(n, c, "Fn::Sub ${%s} is a list, not a string", name)
			ok = false
		default:
			b.WriteString(v.Value)
		}
	}
	return b.String(), ok
}

// transform implements Fn::Transform with AWS::Include of a local file.
func (l *loader) transform(arg, n *yaml.Node, c evalCtx) (*yaml.Node, bool) {
	nameNode, locNode := get(arg, "Name"), get(get(arg, "Parameters"), "Location")
	if nameNode == nil {
		return l.evalErr(n, c, "Fn::Transform needs a Name (AWS::Include)"), true
	}
	name, ok := l.evalStr(nameNode, c.at("Name"), "the transform Name")
	if !ok {
		return poisoned(n), true
	}
	if name != "AWS::Include" {
		return l.evalErr(n, c, "Fn::Transform %q is not supported; only AWS::Include is", name), true
	}
	if locNode == nil {
		return l.evalErr(n, c, "AWS::Include needs Parameters.Location"), true
	}
	loc, ok := l.evalStr(locNode, c.at("Parameters.Location"), "the AWS::Include Location")
	if !ok {
		return poisoned(n), true
	}
	if strings.HasPrefix(loc, "s3://") || strings.HasPrefix(loc, "https://") {
		return l.evalErr(n, c, "AWS::Include Location %q is remote; Portcullis reads local files only", loc), true
	}
	path := loc
	if !filepath.IsAbs(path) {
		path = filepath.Join(l.dir, loc)
	}
	if l.including[path] {
		return l.evalErr(n, c, "AWS::Include of %s includes itself", loc), true
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return l.evalErr(n, c, "AWS::Include: %v", err), true
	}
	root, err := l.parse(path, data)
	if err != nil {
		return l.evalErr(n, c, "AWS::Include: %v", err), true
	}
	l.including[path] = true
	defer delete(l.including, path)
	return l.eval(root, evalCtx{id: c.id, path: c.path})
}

// parse decodes YAML or JSON and remembers which file each node came from
// when it is not the template itself.
func (l *loader) parse(file string, data []byte) (*yaml.Node, error) {
	// One parser for YAML and JSON (package yamlnode): a JSON template
	// reads like its YAML spelling, "\/" escapes included.
	parsed, err := yamlnode.Parse(data)
	if err != nil {
		pe := &parseError{file: l.display(file), msg: err.Error()}
		if se := (*yamlnode.SyntaxError)(nil); errors.As(err, &se) {
			pe.line, pe.col, pe.msg = se.Line, se.Col, se.Msg
			if se.Msg == "the document is empty" {
				pe.msg = "empty document"
			}
		}
		return nil, pe
	}
	doc := *parsed
	if file != l.path {
		disp := l.display(file)
		var mark func(*yaml.Node)
		mark = func(x *yaml.Node) {
			l.fileOf[x] = disp
			for _, ch := range x.Content {
				mark(ch)
			}
		}
		mark(doc.Content[0])
	}
	return doc.Content[0], nil
}

// parseError is a YAML or JSON syntax error.
type parseError struct {
	file      string
	line, col int
	msg       string
}

func (e *parseError) Error() string {
	if e.line > 0 && e.col > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", e.file, e.line, e.col, e.msg)
	}
	if e.line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.file, e.line, e.msg)
	}
	return e.file + ": " + e.msg
}

// cidr implements Fn::Cidr: count consecutive subnets with cidrBits host
// bits each, carved from the start of ipBlock.
func cidr(block, countS, bitsS string) ([]string, error) {
	p, err := netip.ParsePrefix(block)
	if err != nil {
		return nil, err
	}
	count, err1 := strconv.Atoi(countS)
	bits, err2 := strconv.Atoi(bitsS)
	if err1 != nil || err2 != nil || count < 1 || count > 256 || bits < 0 {
		return nil, fmt.Errorf("count must be 1-256 and cidrBits a positive number")
	}
	total := p.Addr().BitLen()
	plen := total - bits
	if plen < p.Bits() {
		return nil, fmt.Errorf("%d subnet bits do not fit in %s", bits, block)
	}
	if uint(plen-p.Bits()) < 63 && count > 1<<(plen-p.Bits()) {
		return nil, fmt.Errorf("%s holds fewer than %d subnets of /%d", block, count, plen)
	}
	base := new(big.Int).SetBytes(p.Masked().Addr().AsSlice())
	step := new(big.Int).Lsh(big.NewInt(1), uint(bits))
	out := make([]string, 0, count)
	for i := 0; i < count; i++ {
		v := new(big.Int).Add(base, new(big.Int).Mul(step, big.NewInt(int64(i))))
		b := v.FillBytes(make([]byte, total/8))
		a, _ := netip.AddrFromSlice(b)
		out = append(out, netip.PrefixFrom(a, plen).String())
	}
	return out, nil
}
