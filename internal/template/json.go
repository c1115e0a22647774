package template

import (
	"bytes"
	"encoding/json"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// nodeJSON encodes an evaluated node as JSON, keeping key order, with YAML
// scalars typed as YAML resolved them (so `Version: 2012-10-17` stays a
// string and `aws:SourcePort: 443` a number), as CloudFormation converts
// YAML policy documents.
func nodeJSON(n *yaml.Node) json.RawMessage {
	var b bytes.Buffer
	writeJSON(&b, n)
	return b.Bytes()
}

func writeJSON(b *bytes.Buffer, n *yaml.Node) {
	switch {
	case n == nil:
		b.WriteString("null")
	case n.Kind == yaml.DocumentNode && len(n.Content) > 0:
		writeJSON(b, n.Content[0])
	case n.Kind == yaml.AliasNode:
		writeJSON(b, n.Alias)
	case n.Kind == yaml.MappingNode:
		b.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(n.Content[i].Value)
			b.Write(k)
			b.WriteByte(':')
			writeJSON(b, n.Content[i+1])
		}
		b.WriteByte('}')
	case n.Kind == yaml.SequenceNode:
		b.WriteByte('[')
		for i, it := range n.Content {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(b, it)
		}
		b.WriteByte(']')
	default:
		switch n.Tag {
		case "!!null":
			b.WriteString("null")
			return
		case "!!bool":
			if v, err := strconv.ParseBool(n.Value); err == nil {
				b.WriteString(strconv.FormatBool(v))
				return
			}
		case "!!int", "!!float":
			if json.Valid([]byte(n.Value)) {
				b.WriteString(n.Value)
				return
			}
		}
		s, _ := json.Marshal(n.Value)
		b.Write(s)
	}
}

// jsonDoc reads a property that CloudFormation types as Json: a map, or a
// string holding JSON. It returns compact JSON.
func (r reporter) jsonDoc(m *yaml.Node, key string) json.RawMessage {
	v := get(m, key)
	if v == nil || isNull(v) || isErr(v) {
		return nil
	}
	var raw json.RawMessage
	switch v.Kind {
	case yaml.MappingNode:
		raw = nodeJSON(v)
	case yaml.ScalarNode:
		raw = json.RawMessage(v.Value)
	default:
		r.errorf(v, key, "must be a JSON document, not %s", kindName(v))
		return nil
	}
	var c bytes.Buffer
	if err := json.Compact(&c, raw); err != nil || !bytes.HasPrefix(c.Bytes(), []byte("{")) {
		r.errorf(v, key, "must be a JSON object")
		return nil
	}
	return c.Bytes()
}
