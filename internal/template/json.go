package template

import (
	"bytes"
	"encoding/json"

	"github.com/portcullis-gateway/portcullis/internal/openapi"
	"go.yaml.in/yaml/v3"
)

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
		out, err := openapi.NodeJSON(v)
		if err != nil {
			r.errorf(v, key, "cannot be written as JSON: %v", err)
			return nil
		}
		raw = out
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
