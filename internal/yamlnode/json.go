package yamlnode

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"
)

// JSON documents are read with encoding/json rather than the YAML parser:
// JSON is nearly YAML, but yaml.v3 rejects escapes JSON allows ("\/") and
// would accept duplicate keys and tabs in ways a JSON reader does not. This
// reader yields the same yaml.Node tree the YAML path produces, with the
// line and column of every token, so the rest of the loader sees one shape.
//
// json.Decoder reports only the offset after each token; a token starts at
// the first byte after the previous offset that is not whitespace or one of
// the separators ',' and ':' the decoder consumed with it.

type jsonReader struct {
	data  []byte
	dec   *json.Decoder
	lines []int // offsets at which each line starts
}

func parseJSON(data []byte) (*yaml.Node, error) {
	r := &jsonReader{data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	r.dec.UseNumber()
	r.lines = append(r.lines, 0)
	for i, c := range data {
		if c == '\n' {
			r.lines = append(r.lines, i+1)
		}
	}
	n, err := r.value(0)
	if err != nil {
		return nil, err
	}
	if _, err := r.dec.Token(); err != io.EOF {
		line, col := r.lineCol(int(r.dec.InputOffset()))
		return nil, &SyntaxError{line, col, "unexpected data after the top-level value"}
	}
	return &yaml.Node{Kind: yaml.DocumentNode, Line: 1, Column: 1, Content: []*yaml.Node{n}}, nil
}

func (r *jsonReader) lineCol(off int) (int, int) {
	lo, hi := 0, len(r.lines)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if r.lines[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo + 1, off - r.lines[lo] + 1
}

func (r *jsonReader) start() int {
	off := int(r.dec.InputOffset())
	for off < len(r.data) {
		switch r.data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
			continue
		}
		break
	}
	return off
}

func (r *jsonReader) token() (json.Token, int, int, error) {
	off := r.start()
	line, col := r.lineCol(off)
	t, err := r.dec.Token()
	if err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col = r.lineCol(int(se.Offset))
			return nil, 0, 0, &SyntaxError{line, col, se.Error()}
		}
		if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
			line, col = r.lineCol(len(r.data))
			return nil, 0, 0, &SyntaxError{line, col, "unexpected end of JSON input"}
		}
		return nil, 0, 0, &SyntaxError{line, col, err.Error()}
	}
	return t, line, col, nil
}

func (r *jsonReader) value(depth int) (*yaml.Node, error) {
	t, line, col, err := r.token()
	if err != nil {
		return nil, err
	}
	if depth > 256 {
		return nil, &SyntaxError{line, col, "nested too deeply"}
	}
	n := &yaml.Node{Line: line, Column: col}
	switch t := t.(type) {
	case json.Delim:
		switch t {
		case '{':
			n.Kind, n.Tag, n.Style = yaml.MappingNode, "!!map", yaml.FlowStyle
			for r.dec.More() {
				kt, kl, kc, err := r.token()
				if err != nil {
					return nil, err
				}
				ks, _ := kt.(string)
				k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: ks, Line: kl, Column: kc, Style: yaml.DoubleQuotedStyle}
				v, err := r.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, k, v)
			}
		case '[':
			n.Kind, n.Tag, n.Style = yaml.SequenceNode, "!!seq", yaml.FlowStyle
			for r.dec.More() {
				v, err := r.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, v)
			}
		default:
			return nil, &SyntaxError{line, col, fmt.Sprintf("unexpected %q", rune(t))}
		}
		if _, _, _, err := r.token(); err != nil { // closing delimiter
			return nil, err
		}
	case string:
		n.Kind, n.Tag, n.Value, n.Style = yaml.ScalarNode, "!!str", t, yaml.DoubleQuotedStyle
	case json.Number:
		n.Kind, n.Value = yaml.ScalarNode, t.String()
		n.Tag = "!!float"
		if _, err := t.Int64(); err == nil {
			n.Tag = "!!int"
		}
	case bool:
		n.Kind, n.Tag = yaml.ScalarNode, "!!bool"
		n.Value = "false"
		if t {
			n.Value = "true"
		}
	case nil:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!null", "null"
	}
	return n, nil
}
