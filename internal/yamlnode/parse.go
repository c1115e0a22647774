package yamlnode

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"github.com/portcullis-gateway/portcullis/internal/yamllimit"
	"go.yaml.in/yaml/v3"
)

// SyntaxError is a YAML or JSON syntax error; Line is 0 when the parser
// did not say where, Col 0 when it gave only the line.
type SyntaxError struct {
	Line, Col int
	Msg       string
}

func (e *SyntaxError) Error() string {
	switch {
	case e.Line == 0:
		return e.Msg
	case e.Col == 0:
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Col, e.Msg)
}

// Parse decodes a YAML or JSON document into a node tree and returns its
// document node. A document whose first character (after white space and a
// byte-order mark) is '{' is JSON and read by a JSON reader, so that both
// spellings of one document give the same tree; anything else is YAML. An
// empty document is an error.
func Parse(data []byte) (*yaml.Node, error) {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(trimmed) > 0 && trimmed[0] == '{' {
		return parseJSON(data)
	}
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		return nil, yamlError(err)
	}
	// Aliases are expanded by every reader of the tree: a tiny document of
	// nested aliases stands for billions of nodes (yamllimit).
	if err := yamllimit.Check(&n); err != nil {
		var le *yamllimit.Error
		if !errors.As(err, &le) {
			return nil, &SyntaxError{Msg: err.Error()}
		}
		return nil, &SyntaxError{Line: le.Line, Col: le.Col, Msg: le.Error()}
	}
	if n.Kind == 0 || n.Kind == yaml.DocumentNode && len(n.Content) == 0 {
		return nil, &SyntaxError{Msg: "the document is empty"}
	}
	return &n, nil
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func yamlError(err error) *SyntaxError {
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &SyntaxError{Line: line, Msg: m[2]}
	}
	s := err.Error()
	if len(s) > 6 && s[:6] == "yaml: " {
		s = s[6:]
	}
	return &SyntaxError{Msg: s}
}
