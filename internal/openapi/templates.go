package openapi

import (
	"errors"
	"github.com/portcullis-gateway/portcullis/internal/vtl"
	"go.yaml.in/yaml/v3"
)

// checkTemplates parses every mapping template of a requestTemplates or
// responseTemplates map, so that a syntax error is reported at load (and
// by validate) at its file position, not at the first request.
func (b *builder) checkTemplates(n *yaml.Node, path string) {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		if v == nil || v.Kind != yaml.ScalarNode {
			continue
		}
		if _, err := vtl.Parse(v.Value, TemplateBase(k, v)); err != nil {
			if e := (*vtl.Error)(nil); errors.As(err, &e) {
				d := b.diag(v, join(path, k.Value), "mapping template: %s", e.Msg)
				d.Pos.Line, d.Pos.Col = e.Pos.Line, e.Pos.Col
				b.errs = append(b.errs, d)
			}
		}
	}
}

// TemplateBase is the file position of the first character of a template
// written as the scalar v under key k: the line after the indicator for a
// block scalar (indented below its key), past the quote for a quoted one.
// Folded and escaped text can shift later columns; lines stay exact for
// literal and plain scalars.
func TemplateBase(k, v *yaml.Node) vtl.Pos {
	switch v.Style {
	case yaml.LiteralStyle, yaml.FoldedStyle:
		col := 3
		if k != nil {
			col = k.Column + 2
		}
		return vtl.Pos{Line: v.Line + 1, Col: col, Indent: col - 1}
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		return vtl.Pos{Line: v.Line, Col: v.Column + 1}
	}
	return vtl.Pos{Line: v.Line, Col: v.Column}
}
