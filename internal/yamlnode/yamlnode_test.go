package yamlnode

import (
	"fmt"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func scalar(t *testing.T, doc string) *yaml.Node {
	t.Helper()
	n, err := Parse([]byte(doc))
	if err != nil {
		t.Fatalf("Parse(%q): %v", doc, err)
	}
	return Deref(n).Content[1]
}

// One reading of scalars for both loaders (issue 12: the template and
// OpenAPI readers had different null, integer and wording rules). The same
// value spelled in YAML and in JSON reads the same.
func TestScalars_OneRuleForYAMLAndJSON(t *testing.T) {
	tests := []struct {
		yaml, json string
		null       bool
		kind       string
		intV       string // the value, or the error
		boolV      string
	}{
		{"v: 60", `{"v": 60}`, false, "a number", "60", `must be true or false, not "60"`},
		{"v: '60'", `{"v": "60"}`, false, "a string", "60", `must be true or false, not "60"`},
		{"v: 60.0", `{"v": 60.0}`, false, "a number", "60", `must be true or false, not "60.0"`},
		{"v: 1.5", `{"v": 1.5}`, false, "a number", `must be a whole number, not "1.5"`, `must be true or false, not "1.5"`},
		{"v: true", `{"v": true}`, false, "a boolean", "must be a whole number, not \"true\"", "true"},
		{"v: 'False'", `{"v": "False"}`, false, "a string", `must be a whole number, not "False"`, "false"},
		{"v: null", `{"v": null}`, true, "null", "must be a whole number, not null", "must be true or false, not null"},
		{"v: ~", `{"v": null}`, true, "null", "must be a whole number, not null", "must be true or false, not null"},
		{"v: [1]", `{"v": [1]}`, false, "a list", "must be a whole number, not a list", "must be true or false, not a list"},
		{"v: {a: 1}", `{"v": {"a": 1}}`, false, "a map", "must be a whole number, not a map", "must be true or false, not a map"},
	}
	render := func(v any, err error) string {
		if err != nil {
			return err.Error()
		}
		return fmt.Sprint(v)
	}
	for _, tt := range tests {
		for _, doc := range []string{tt.yaml, tt.json} {
			n := scalar(t, doc)
			if got := IsNull(n); got != tt.null {
				t.Errorf("%s: IsNull = %t, want %t", doc, got, tt.null)
			}
			if got := KindName(n); got != tt.kind {
				t.Errorf("%s: KindName = %q, want %q", doc, got, tt.kind)
			}
			i, err := Int(n)
			if got := render(i, err); got != tt.intV {
				t.Errorf("%s: Int = %q, want %q", doc, got, tt.intV)
			}
			b, err := Bool(n)
			if got := render(b, err); got != tt.boolV {
				t.Errorf("%s: Bool = %q, want %q", doc, got, tt.boolV)
			}
		}
	}
}

// Syntax errors carry the position the parser gave: line and column for
// JSON, the line for YAML.
func TestParse_SyntaxErrorsArePositioned(t *testing.T) {
	tests := []struct {
		doc       string
		line, col int
		msg       string
	}{
		{"{\n  \"a\": 1,\n  \"b\" 2\n}", 3, 7, "invalid character '2' after object key"},
		{"{\"a\": 1}{}", 1, 10, "unexpected data after the top-level value"},
		{"a: 1\n b: 2\n", 2, 0, "mapping values are not allowed in this context"},
		{"", 0, 0, "the document is empty"},
		{"{\"s\": \"a\\/b\"}", -1, -1, ""},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.doc))
		if tt.line < 0 {
			if err != nil {
				t.Errorf("Parse(%q): %v", tt.doc, err)
			}
			continue
		}
		se, ok := err.(*SyntaxError)
		if !ok || se.Line != tt.line || se.Col != tt.col || !strings.Contains(se.Msg, tt.msg) {
			t.Errorf("Parse(%q) error = %#v, want line %d col %d %q", tt.doc, err, tt.line, tt.col, tt.msg)
		}
	}
}

// FuzzParse: any input parses or fails with a *SyntaxError, never a panic;
// JSON and YAML spellings of a parsed JSON document agree on its shape.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"a": [1, "x", null, true]}`, "a: [1, x, ~, true]\n", "{", "a: &x 1\nb: *x\n", `{"a\/b": "\u00e9"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := Parse(data)
		if err != nil {
			if _, ok := err.(*SyntaxError); !ok {
				t.Fatalf("Parse error %T is not a *SyntaxError: %v", err, err)
			}
			return
		}
		if n == nil || n.Kind != yaml.DocumentNode {
			t.Fatalf("Parse returned %v without error", n)
		}
	})
}
