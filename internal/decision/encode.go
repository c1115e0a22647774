package decision

import (
	"bytes"
	"encoding/json"
)

// record is Record without its methods, for encoding.
type record Record

// MarshalJSON encodes the record for the view: values formatted, secrets
// masked, JSON documents indented and deciding statements looked up. The
// work is done by the reader (the view's stream or list), never by the
// request that was recorded.
func (r *Record) MarshalJSON() ([]byte, error) {
	if b := r.b; b != nil {
		// A record read straight from its trace (Finish), not a snapshot.
		b.mu.Lock()
		defer b.mu.Unlock()
		return json.Marshal(expand((*record)(r), b.lines, b.secrets))
	}
	return json.Marshal(expand((*record)(r), r.lines, r.secrets))
}

func expand(r *record, lines []line, secrets []string) *record {
	secrets = withEscaped(secrets)
	out := *r
	out.Steps = make([]Step, len(r.Steps))
	for i, s := range r.Steps {
		if s.Summary == "" && !s.Text.IsZero() {
			s.Summary = s.Text.String()
		}
		s.Summary = redact(s.Summary, secrets)
		fields := make([]Field, 0, len(s.Fields)+4)
		for _, f := range s.Fields {
			if f.Param {
				f.Label = "{" + f.Label + "}"
			}
			if !f.Arg.IsZero() {
				f.Value = f.Arg.String()
			}
			if f.JSON != nil {
				f.Value, f.Code = indent(f.JSON), true
			}
			f.Value = redact(f.Value, secrets)
			fields = append(fields, f)
		}
		if s.Statement.Doc != nil {
			fields = append(fields, s.Statement.fields()...)
		}
		s.Fields = fields
		out.Steps[i] = s
	}
	log := r.Log
	if lines != nil {
		log = make([]LogLine, len(lines))
		for i, l := range lines {
			msg := l.msg
			if !l.text.IsZero() {
				msg = l.text.String()
			}
			log[i] = LogLine{Level: l.level.String(), Msg: msg}
		}
	}
	out.Log = make([]LogLine, len(log))
	for i, l := range log {
		l.Msg = redact(l.Msg, secrets)
		out.Log[i] = l
	}
	return &out
}

// withEscaped adds each secret as JSON spells it inside a string, so that
// events and answers quoting it are masked too.
func withEscaped(secrets []string) []string {
	out := make([]string, 0, 3*len(secrets))
	for i := 0; i+1 < len(secrets); i += 2 {
		masked := secrets[i+1]
		if masked == "" {
			masked = Mask(secrets[i])
		}
		out = append(out, secrets[i], masked)
	}
	secrets = out
	for i := 0; i+1 < len(secrets); i += 2 {
		for _, html := range []bool{true, false} {
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(html)
			_ = enc.Encode(secrets[i])
			q := bytes.TrimSpace(b.Bytes())
			if e := string(q[1 : len(q)-1]); e != secrets[i] {
				out = append(out, e, secrets[i+1])
			}
		}
	}
	return out
}

func redact(s string, secrets []string) string {
	for i := 0; i+1 < len(secrets); i += 2 {
		s = replaceAll(s, secrets[i], secrets[i+1])
	}
	return s
}

func replaceAll(s, old, new string) string {
	if old == "" {
		return s
	}
	return string(bytes.ReplaceAll([]byte(s), []byte(old), []byte(new)))
}

func indent(b []byte) string {
	var buf bytes.Buffer
	if json.Indent(&buf, b, "", "  ") != nil {
		return string(b)
	}
	return buf.String()
}

// fields are the deciding statement's Sid-independent details: its
// resource pattern, to read against the methodArn, and the statement.
func (s *Statement) fields() []Field {
	st := s.lookup()
	if st == nil {
		return nil
	}
	var out []Field
	for _, k := range []string{"Resource", "NotResource"} {
		if v, ok := st[k]; ok {
			out = append(out, Field{Label: k + " pattern", Value: compact(v)})
		}
	}
	b, _ := json.MarshalIndent(st, "", "  ")
	return append(out, Field{Label: "deciding statement", Value: string(b), Code: true})
}

// lookup finds the statement; IAM allows one statement as an object
// rather than a list.
func (s *Statement) lookup() map[string]any {
	var doc map[string]any
	if json.Unmarshal(s.Doc, &doc) != nil {
		return nil
	}
	if s.Member != "" {
		inner, ok := doc[s.Member].(map[string]any)
		if !ok {
			return nil
		}
		doc = inner
	}
	switch st := doc["Statement"].(type) {
	case map[string]any:
		if s.Index == 0 {
			return st
		}
	case []any:
		if s.Index >= 0 && s.Index < len(st) {
			m, _ := st[s.Index].(map[string]any)
			return m
		}
	}
	return nil
}

func compact(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}
