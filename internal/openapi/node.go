package openapi

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/yamlnode"
	"go.yaml.in/yaml/v3"
)

// This file holds the typed reads over yaml.Node that every other file uses.
// Each read reports what is wrong with the node it was given (kind, value)
// at that node's position and returns ok=false; callers then skip the
// construct and carry on, so one pass collects every problem.

// pair is one key/value entry of a mapping, in document order.
type pair struct {
	key     string
	keyNode *yaml.Node
	val     *yaml.Node
}

// The scalar rules (null, whole numbers, booleans, kind names) are the
// shared node layer's (package yamlnode), so both loaders read a value the
// same way and word a bad one the same way.
func deref(n *yaml.Node) *yaml.Node { return yamlnode.Deref(n) }

func isNull(n *yaml.Node) bool { return yamlnode.IsNull(n) }

func kindName(n *yaml.Node) string { return yamlnode.KindName(n) }

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

func (b *builder) pos(n *yaml.Node) apimodel.Pos {
	p := apimodel.Pos{File: b.opts.File}
	if n != nil {
		p.Line, p.Col = n.Line, n.Column
	}
	return p
}

func (b *builder) diag(n *yaml.Node, path, format string, args ...any) apimodel.Diagnostic {
	return apimodel.Diagnostic{
		Pos:       b.pos(n),
		LogicalID: b.opts.LogicalID,
		Path:      join(b.opts.PathPrefix, path),
		Message:   fmt.Sprintf(format, args...),
	}
}

func (b *builder) errorf(n *yaml.Node, path, format string, args ...any) {
	b.errs = append(b.errs, b.diag(n, path, format, args...))
}

func (b *builder) warnf(n *yaml.Node, path, format string, args ...any) {
	b.warns = append(b.warns, b.diag(n, path, format, args...))
}

// fields returns the entries of a mapping in document order, following
// aliases and YAML merge keys and refusing duplicate keys (a JSON parser
// would silently keep one of them; which one is not something to guess on
// an authorization config). A null node has no fields.
func (b *builder) fields(n *yaml.Node, path string) ([]pair, bool) {
	n = deref(n)
	if isNull(n) {
		return nil, true
	}
	if n.Kind != yaml.MappingNode {
		b.errorf(n, path, "must be an object, not %s", kindName(n))
		return nil, false
	}
	var out []pair
	seen := make(map[string]bool, len(n.Content)/2)
	var merged []pair
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), n.Content[i+1]
		if k == nil || k.Kind != yaml.ScalarNode {
			b.errorf(n.Content[i], path, "keys must be strings")
			continue
		}
		if k.ShortTag() == "!!merge" {
			mv := deref(v)
			var sources []*yaml.Node
			if mv != nil && mv.Kind == yaml.SequenceNode {
				sources = mv.Content
			} else {
				sources = []*yaml.Node{mv}
			}
			for _, s := range sources {
				ps, _ := b.fields(s, path)
				merged = append(merged, ps...)
			}
			continue
		}
		if seen[k.Value] {
			b.errorf(k, join(path, k.Value), "duplicate key %q", k.Value)
			continue
		}
		seen[k.Value] = true
		out = append(out, pair{key: k.Value, keyNode: k, val: v})
	}
	for _, p := range merged {
		if !seen[p.key] {
			seen[p.key] = true
			out = append(out, p)
		}
	}
	return out, true
}

// items returns the elements of a list; a null node has none.
func (b *builder) items(n *yaml.Node, path string) ([]*yaml.Node, bool) {
	n = deref(n)
	if isNull(n) {
		return nil, true
	}
	if n.Kind != yaml.SequenceNode {
		b.errorf(n, path, "must be a list, not %s", kindName(n))
		return nil, false
	}
	return n.Content, true
}

// str reads a scalar as text. Numbers and booleans are accepted as their
// text, as API Gateway's own JSON reader coerces them.
func (b *builder) str(n *yaml.Node, path string) (string, bool) {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		if n == nil {
			return "", false
		}
		b.errorf(n, path, "must be a string, not %s", kindName(n))
		return "", false
	}
	return n.Value, true
}

// integer reads a whole number (yamlnode.Int).
func (b *builder) integer(n *yaml.Node, path string) (int, bool) {
	if deref(n) == nil {
		return 0, false
	}
	v, err := yamlnode.Int(n)
	if err != nil {
		b.errorf(n, path, "%v", err)
		return 0, false
	}
	return v, true
}

// boolean reads true or false (yamlnode.Bool).
func (b *builder) boolean(n *yaml.Node, path string) (bool, bool) {
	if deref(n) == nil {
		return false, false
	}
	v, err := yamlnode.Bool(n)
	if err != nil {
		b.errorf(n, path, "%v", err)
		return false, false
	}
	return v, true
}

// stringMap reads an object whose values are all strings.
func (b *builder) stringMap(n *yaml.Node, path string) map[string]string {
	ps, ok := b.fields(n, path)
	if !ok || len(ps) == 0 {
		return nil
	}
	m := make(map[string]string, len(ps))
	for _, p := range ps {
		if v, ok := b.str(p.val, join(path, p.key)); ok {
			m[p.key] = v
		}
	}
	return m
}

// stringList reads a list of strings; a single string is accepted as a
// list of one, as API Gateway's importer does for providerARNs and friends.
func (b *builder) stringList(n *yaml.Node, path string) []string {
	var out []string
	for _, it := range b.stringItems(n, path) {
		out = append(out, it.value)
	}
	return out
}

// stringItem is one string of a list with where it was written, for
// checks that report on a single element.
type stringItem struct {
	value string
	node  *yaml.Node
	path  string
}

func (b *builder) stringItems(n *yaml.Node, path string) []stringItem {
	n = deref(n)
	if n != nil && n.Kind == yaml.ScalarNode && !isNull(n) {
		s, _ := b.str(n, path)
		return []stringItem{{s, n, path}}
	}
	its, ok := b.items(n, path)
	if !ok {
		return nil
	}
	out := make([]stringItem, 0, len(its))
	for i, it := range its {
		if s, ok := b.str(it, index(path, i)); ok {
			out = append(out, stringItem{s, it, index(path, i)})
		}
	}
	return out
}

// resolveRef follows a local JSON-pointer $ref ("#/components/parameters/Id")
// to its target in the document. Other nodes are returned as they are.
func (b *builder) resolveRef(n *yaml.Node, path string) (*yaml.Node, string, bool) {
	for depth := 0; depth < 16; depth++ {
		n = deref(n)
		if n == nil || n.Kind != yaml.MappingNode {
			return n, path, true
		}
		var ref *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "$ref" {
				ref = n.Content[i+1]
			}
		}
		if ref == nil {
			return n, path, true
		}
		target, ok := b.str(ref, join(path, "$ref"))
		if !ok {
			return nil, path, false
		}
		if !strings.HasPrefix(target, "#/") {
			b.errorf(ref, join(path, "$ref"), "only references inside the document (#/...) are supported, not %q", target)
			return nil, path, false
		}
		cur := b.root
		var parts []string
		for _, tok := range strings.Split(target[2:], "/") {
			tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
			parts = append(parts, tok)
			cur = deref(cur)
			var next *yaml.Node
			if cur != nil && cur.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(cur.Content); i += 2 {
					if cur.Content[i].Value == tok {
						next = cur.Content[i+1]
					}
				}
			}
			if next == nil {
				b.errorf(ref, join(path, "$ref"), "%q does not resolve to anything in the document", target)
				return nil, path, false
			}
			cur = next
		}
		n, path = cur, strings.Join(parts, ".")
	}
	b.errorf(n, path, "$ref chain is too long or circular")
	return nil, path, false
}

// NodeJSON renders a node as compact JSON, keeping the key order of the
// document and typing scalars as YAML resolved them (so `Version:
// 2012-10-17` stays a string and `aws:SourcePort: 443` a number), as
// CloudFormation converts YAML policy documents. The SAM/CloudFormation
// loader uses it too.
func NodeJSON(n *yaml.Node) ([]byte, error) {
	var sb strings.Builder
	if err := writeJSON(&sb, n, 0); err != nil {
		return nil, err
	}
	return []byte(sb.String()), nil
}

func writeJSON(sb *strings.Builder, n *yaml.Node, depth int) error {
	n = deref(n)
	if depth > 64 {
		return fmt.Errorf("nested too deeply")
	}
	if n == nil {
		sb.WriteString("null")
		return nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		sb.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				sb.WriteByte(',')
			}
			k, _ := json.Marshal(n.Content[i].Value)
			sb.Write(k)
			sb.WriteByte(':')
			if err := writeJSON(sb, n.Content[i+1], depth+1); err != nil {
				return err
			}
		}
		sb.WriteByte('}')
	case yaml.SequenceNode:
		sb.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				sb.WriteByte(',')
			}
			if err := writeJSON(sb, c, depth+1); err != nil {
				return err
			}
		}
		sb.WriteByte(']')
	case yaml.ScalarNode:
		var v any = n.Value
		switch n.ShortTag() {
		case "!!null", "!!bool", "!!int", "!!float":
			if err := n.Decode(&v); err != nil {
				return fmt.Errorf("line %d: %v", n.Line, err)
			}
		}
		out, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("line %d: %v", n.Line, err)
		}
		sb.Write(out)
	default:
		return fmt.Errorf("line %d: unsupported YAML node", n.Line)
	}
	return nil
}
