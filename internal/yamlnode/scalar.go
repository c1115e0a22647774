package yamlnode

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Deref follows YAML aliases and unwraps a document node.
func Deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && i < 64; i++ {
		switch n.Kind {
		case yaml.AliasNode:
			n = n.Alias
		case yaml.DocumentNode:
			if len(n.Content) == 0 {
				return nil
			}
			n = n.Content[0]
		default:
			return n
		}
	}
	return n
}

// IsNull reports whether n is absent or an explicit null (null, ~ or an
// empty value in YAML, null in JSON), which CloudFormation and API Gateway
// both treat like an absent property.
func IsNull(n *yaml.Node) bool {
	n = Deref(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// KindName names what n is, for messages: "a map", "a list", "null", "a
// boolean", "a number", "a string".
func KindName(n *yaml.Node) string {
	n = Deref(n)
	switch {
	case n == nil:
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a map"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Kind != yaml.ScalarNode:
		return "a YAML node"
	}
	switch n.ShortTag() {
	case "!!null":
		return "null"
	case "!!bool":
		return "a boolean"
	case "!!int", "!!float":
		return "a number"
	}
	return "a string"
}

// Describe quotes a scalar's text for messages, or names the node's kind.
func Describe(n *yaml.Node) string {
	n = Deref(n)
	if n != nil && n.Kind == yaml.ScalarNode && n.ShortTag() != "!!null" {
		return strconv.Quote(n.Value)
	}
	return KindName(n)
}

// Int reads a whole number, written as a number ("60", "60.0") or as a
// string of digits ('60'), as both CloudFormation and API Gateway coerce
// it.
func Int(n *yaml.Node) (int, error) {
	n = Deref(n)
	if n != nil && n.Kind == yaml.ScalarNode && n.ShortTag() != "!!null" && n.ShortTag() != "!!bool" {
		s := strings.TrimSpace(n.Value)
		if v, err := strconv.Atoi(s); err == nil {
			return v, nil
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return int(f), nil
		}
	}
	return 0, fmt.Errorf("must be a whole number, not %s", Describe(n))
}

// Float reads a number, written as a number or as a string of one.
func Float(n *yaml.Node) (float64, error) {
	n = Deref(n)
	if n != nil && n.Kind == yaml.ScalarNode && n.ShortTag() != "!!null" && n.ShortTag() != "!!bool" {
		if f, err := strconv.ParseFloat(strings.TrimSpace(n.Value), 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f, nil
		}
	}
	return 0, fmt.Errorf("must be a number, not %s", Describe(n))
}

// Bool reads true or false, in any letter case and also as a string
// ("True", 'false'), as CloudFormation accepts them.
func Bool(n *yaml.Node) (bool, error) {
	n = Deref(n)
	if n != nil && n.Kind == yaml.ScalarNode {
		switch strings.ToLower(n.Value) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, fmt.Errorf("must be true or false, not %s", Describe(n))
}
