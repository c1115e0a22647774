package template

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/yamlnode"
)

// errorTag marks a placeholder left where evaluation failed. The failure has
// already been reported; readers skip such values instead of reporting a
// second, derived problem.
const errorTag = "!portcullis.error"

func isErr(n *yaml.Node) bool { return n != nil && n.Tag == errorTag }

// poisoned returns a placeholder for a value whose evaluation failed because
// of an error reported already (an inner intrinsic): unlike evalErr it
// reports nothing itself.
func poisoned(n *yaml.Node) *yaml.Node {
	line, col := 0, 0
	if n != nil {
		line, col = n.Line, n.Column
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: errorTag, Line: line, Column: col}
}

// failed tells whether m's key holds, or sits inside, a value whose
// evaluation failed. A check that a required property is present asks it
// first: the property is there, it just could not be read, and its error
// has been reported at the intrinsic that caused it.
func failed(m *yaml.Node, key string) bool { return isErr(get(m, key)) }

// field returns the value of key in mapping node m, and the key node. Every
// field of a failed value is failed too, so that readers of nested
// properties (Auth.Authorizers.X.Identity.Headers) see the failure instead
// of an absent property.
func field(m *yaml.Node, key string) (val, k *yaml.Node) {
	if isErr(m) {
		return m, nil
	}
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1], m.Content[i]
		}
	}
	return nil, nil
}

func get(m *yaml.Node, key string) *yaml.Node {
	v, _ := field(m, key)
	return v
}

// setField replaces or appends key in mapping m.
func setField(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, str(key, v.Line, v.Column), v)
}

func delField(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return
		}
	}
}

// pairs iterates over a mapping's key/value pairs.
func pairs(m *yaml.Node) [][2]*yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	out := make([][2]*yaml.Node, 0, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		out = append(out, [2]*yaml.Node{m.Content[i], m.Content[i+1]})
	}
	return out
}

func str(s string, line, col int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Line: line, Column: col}
}

func boolNode(b bool, line, col int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(b), Line: line, Column: col}
}

func intNode(i int, line, col int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(i), Line: line, Column: col}
}

func mapNode(line, col int, kv ...any) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: line, Column: col}
	for i := 0; i+1 < len(kv); i += 2 {
		k := kv[i].(string)
		var v *yaml.Node
		switch x := kv[i+1].(type) {
		case *yaml.Node:
			v = x
		case string:
			v = str(x, line, col)
		case bool:
			v = boolNode(x, line, col)
		case int:
			v = intNode(x, line, col)
		}
		m.Content = append(m.Content, str(k, line, col), v)
	}
	return m
}

func seqNode(line, col int, items ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: line, Column: col, Content: items}
}

func strSeq(line, col int, items []string) *yaml.Node {
	s := seqNode(line, col)
	for _, it := range items {
		s.Content = append(s.Content, str(it, line, col))
	}
	return s
}

// deepCopy copies a node tree (aliases resolved), keeping what the loader
// knows about each node: the resource it refers to and its file.
func (l *loader) deepCopy(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return l.deepCopy(n.Alias)
	}
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, x := range n.Content {
		c.Content[i] = l.deepCopy(x)
	}
	if s, ok := l.sym[n]; ok {
		l.sym[&c] = s
	}
	l.copyFile(n, &c)
	return &c
}

func isScalar(n *yaml.Node) bool { return n != nil && n.Kind == yaml.ScalarNode }

// The scalar rules (null, whole numbers, numbers, booleans, kind names)
// are the shared node layer's (package yamlnode): both loaders read and
// word a value the same way.
func isNull(n *yaml.Node) bool { return yamlnode.IsNull(n) }

func kindName(n *yaml.Node) string { return yamlnode.KindName(n) }

// reporter collects diagnostics for one resource property tree.
type reporter struct {
	l   *loader
	id  string // logical id
	pfx string // property path prefix, e.g. "Properties"
}

func (r reporter) at(sub string) reporter {
	return reporter{l: r.l, id: r.id, pfx: joinPath(r.pfx, sub)}
}

func joinPath(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	case strings.HasPrefix(b, "["):
		return a + b // list items read as Items[2], as package openapi writes them
	default:
		return a + "." + b
	}
}

func (r reporter) diag(n *yaml.Node, sub, msg string) apimodel.Diagnostic {
	return apimodel.Diagnostic{Pos: r.l.pos(n), LogicalID: r.id, Path: joinPath(r.pfx, sub), Message: msg}
}

func (r reporter) errorf(n *yaml.Node, sub, format string, args ...any) {
	r.l.errs = append(r.l.errs, r.diag(n, sub, sprintf(format, args...)))
}

func (r reporter) warnf(n *yaml.Node, sub, format string, args ...any) {
	r.l.warns = append(r.l.warns, r.diag(n, sub, sprintf(format, args...)))
}

// str reads an optional string property; numbers and booleans are accepted
// as their text, as CloudFormation does.
func (r reporter) str(m *yaml.Node, key string) (string, bool) {
	v := get(m, key)
	if v == nil || isNull(v) {
		return "", false
	}
	if isErr(v) {
		return "", false
	}
	if v.Kind != yaml.ScalarNode {
		r.errorf(v, key, "must be a string, not %s", kindName(v))
		return "", false
	}
	return v.Value, true
}

func (r reporter) integer(m *yaml.Node, key string) (int, bool) {
	v := get(m, key)
	if v == nil || isNull(v) || isErr(v) {
		return 0, false
	}
	i, err := yamlnode.Int(v)
	if err != nil {
		r.errorf(v, key, "%v", err)
		return 0, false
	}
	return i, true
}

func (r reporter) float(m *yaml.Node, key string) (float64, bool) {
	v := get(m, key)
	if v == nil || isNull(v) || isErr(v) {
		return 0, false
	}
	f, err := yamlnode.Float(v)
	if err != nil {
		r.errorf(v, key, "%v", err)
		return 0, false
	}
	return f, true
}

func (r reporter) boolean(m *yaml.Node, key string) (val, set bool) {
	v := get(m, key)
	if v == nil || isNull(v) || isErr(v) {
		return false, false
	}
	b, err := yamlnode.Bool(v)
	if err != nil {
		r.errorf(v, key, "%v", err)
		return false, false
	}
	return b, true
}

// strList reads a list of strings; a single string is accepted as a
// one-element list when single is true.
func (r reporter) strList(m *yaml.Node, key string, single bool) []string {
	v := get(m, key)
	if v == nil || isNull(v) || isErr(v) {
		return nil
	}
	return r.strListNode(v, key, single)
}

func (r reporter) strListNode(v *yaml.Node, key string, single bool) []string {
	if v.Kind == yaml.ScalarNode && single {
		return []string{v.Value}
	}
	if v.Kind != yaml.SequenceNode {
		r.errorf(v, key, "must be a list of strings, not %s", kindName(v))
		return nil
	}
	out := make([]string, 0, len(v.Content))
	for i, it := range v.Content {
		if isErr(it) {
			continue
		}
		if it.Kind != yaml.ScalarNode {
			r.errorf(it, key+"["+strconv.Itoa(i)+"]", "must be a string, not %s", kindName(it))
			continue
		}
		out = append(out, it.Value)
	}
	return out
}

// strMap reads a map of string values (Environment.Variables, stage
// Variables, RequestTemplates, ...).
func (r reporter) strMap(m *yaml.Node, key string) map[string]string {
	v := get(m, key)
	if v == nil || isNull(v) || isErr(v) {
		return nil
	}
	return r.strMapNode(v, key)
}

func (r reporter) strMapNode(v *yaml.Node, key string) map[string]string {
	if v.Kind != yaml.MappingNode {
		r.errorf(v, key, "must be a map, not %s", kindName(v))
		return nil
	}
	out := make(map[string]string, len(v.Content)/2)
	for _, kv := range pairs(v) {
		if isErr(kv[1]) {
			continue
		}
		if kv[1].Kind != yaml.ScalarNode {
			r.errorf(kv[1], joinPath(key, kv[0].Value), "must be a string, not %s", kindName(kv[1]))
			continue
		}
		out[kv[0].Value] = kv[1].Value
	}
	return out
}

func (r reporter) mapping(m *yaml.Node, key string) *yaml.Node {
	v := get(m, key)
	if v == nil || isNull(v) || isErr(v) {
		return nil
	}
	if v.Kind != yaml.MappingNode {
		r.errorf(v, key, "must be a map, not %s", kindName(v))
		return nil
	}
	return v
}

// propSpec classifies the properties of an emulated resource type.
type propSpec struct {
	// handled are read by the loader.
	handled []string
	// inert do not change what the gateway does (tags, descriptions,
	// deployment-only settings) and are accepted silently.
	inert []string
	// warn change behaviour but are not emulated: a warning each.
	warn map[string]string
	// deny concern authorization and are not emulated: an error each,
	// because serving without them could be more open than AWS.
	deny map[string]string
}

// check reports every property of m that the spec does not handle.
func (r reporter) check(m *yaml.Node, spec propSpec) {
	for _, kv := range pairs(m) {
		k := kv[0].Value
		if contains(spec.handled, k) || contains(spec.inert, k) {
			continue
		}
		if why, ok := spec.deny[k]; ok {
			r.errorf(kv[0], k, "not supported: %s", why)
			continue
		}
		if why, ok := spec.warn[k]; ok {
			r.warnf(kv[0], k, "not emulated: %s", why)
			continue
		}
		r.warnf(kv[0], k, "unknown property, ignored")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
