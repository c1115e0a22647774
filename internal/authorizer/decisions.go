package authorizer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/authcache"
	"github.com/portcullis-gateway/portcullis/internal/decision"
	"github.com/portcullis-gateway/portcullis/internal/function"
	"github.com/portcullis-gateway/portcullis/internal/lambdaevent"
	"github.com/portcullis-gateway/portcullis/internal/policy"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// The decision view's explanation points. They run only when the request
// carries a trace (the view is on); identity values are recorded masked,
// the same way the execution log shows them, and never in full.

func (l *Lambda) recordIdentity(tr *decision.Trace, values []string) {
	fields := make([]decision.Field, len(values))
	for i, v := range values {
		shown := mask(v)
		if v == "" {
			shown = "(missing)"
		}
		fields[i] = decision.Field{Label: l.sources[i].Source, Value: shown}
		tr.Redact(v, shown)
	}
	tr.Step(decision.Step{Name: decision.StepIdentity, Outcome: decision.OK,
		Summary: strconv.Itoa(len(values)) + " source(s) for " + l.auth.ID, Fields: fields})
}

// cacheKeyHash names a cache entry without revealing the identity values
// it is keyed by.
func cacheKeyHash(k authcache.Key) string {
	h := sha256.New()
	for _, s := range []string{k.APIID, k.Stage, k.AuthorizerID, k.Identity} {
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func (l *Lambda) recordCache(tr *decision.Trace, key authcache.Key, out *lambdaOutcome) {
	if l.ttl <= 0 {
		tr.Step(decision.Step{Name: decision.StepCache, Outcome: decision.Info, Summary: "caching off (TTL 0): invoked for every request"})
		return
	}
	fields := []decision.Field{
		{Label: "key hash", Value: cacheKeyHash(key)},
		{Label: "TTL", Value: strconv.Itoa(int(l.ttl/time.Second)) + "s"},
		{Label: "filled by", Value: out.entry.FilledBy},
		{Label: "age", Value: out.age.String()},
	}
	summary := "miss: result cached for " + strconv.Itoa(int(l.ttl/time.Second)) + "s"
	if out.hit {
		summary = "hit: entry " + out.age.String() + " old"
	}
	tr.Step(decision.Step{Name: decision.StepCache, Outcome: decision.Info, Summary: summary, Fields: fields})
}

func (l *Lambda) recordInvocation(tr *decision.Trace, r *reqctx.Request, payload []byte, res function.Result, err error, d time.Duration) {
	fields := []decision.Field{
		{Label: "function", Value: l.fn.Name},
		{Label: "latency", Value: d.Round(time.Microsecond).String()},
		{Label: "event", Value: l.maskedEvent(r, payload), Code: true},
	}
	outcome, summary := decision.OK, "invoked "+l.fn.Name
	switch {
	case err != nil:
		outcome, summary = decision.Error, "invocation failed"
		fields = append(fields, decision.Field{Label: "error", Value: err.Error()})
	case res.FunctionError != "":
		outcome, summary = decision.Error, "function error ("+res.FunctionError+")"
		fields = append(fields, decision.Field{Label: "answer", Value: indent(res.Payload), Code: true})
	default:
		fields = append(fields, decision.Field{Label: "answer", Value: indent(res.Payload), Code: true})
	}
	tr.Step(decision.Step{Name: decision.StepAuthorizer, Outcome: outcome, Summary: summary, Fields: fields})
}

// maskedEvent is the authorizer's event with the identity values masked.
func (l *Lambda) maskedEvent(r *reqctx.Request, payload []byte) string {
	if l.auth.Type == apimodel.AuthorizerToken {
		return indent(lambdaevent.TokenAuthorizerEvent(mask(l.sources[0].value(r)), r.MethodARN))
	}
	out := payload
	for _, s := range l.sources {
		v := s.value(r)
		if len(v) < 3 {
			continue
		}
		quoted, _ := json.Marshal(v)
		masked, _ := json.Marshal(mask(v))
		out = bytes.ReplaceAll(out, quoted, masked)
	}
	return indent(out)
}

func indent(b []byte) string {
	var buf bytes.Buffer
	if json.Indent(&buf, b, "", "  ") != nil {
		return string(b)
	}
	return buf.String()
}

// recordPolicy records which statement of a policy decided: raw is the
// document (or, with field set, the JSON object holding it under field).
func recordPolicy(tr *decision.Trace, title string, raw []byte, field string, dec policy.Decision, methodARN string) {
	fields := []decision.Field{
		{Label: "effect", Value: dec.Effect.String()},
		{Label: "methodArn", Value: methodARN},
	}
	if dec.Statement >= 0 {
		fields = append(fields, decision.Field{Label: "statement", Value: strconv.Itoa(dec.Statement)})
		if dec.Sid != "" {
			fields = append(fields, decision.Field{Label: "Sid", Value: dec.Sid})
		}
		if st := statementOf(raw, field, dec.Statement); st != nil {
			if res, ok := st["Resource"]; ok {
				fields = append(fields, decision.Field{Label: "resource pattern", Value: compact(res)})
			} else if res, ok := st["NotResource"]; ok {
				fields = append(fields, decision.Field{Label: "NotResource pattern", Value: compact(res)})
			}
			b, _ := json.MarshalIndent(st, "", "  ")
			fields = append(fields, decision.Field{Label: "deciding statement", Value: string(b), Code: true})
		}
	}
	if dec.Unsupported != "" {
		fields = append(fields, decision.Field{Label: "unsupported condition", Value: dec.Unsupported})
	}
	outcome := decision.Deny
	if dec.Effect == policy.Allow {
		outcome = decision.OK
	}
	name := decision.StepPolicy
	if field == "" {
		name = decision.StepResourcePolicy
	}
	tr.Step(decision.Step{Name: name, Outcome: outcome, Summary: title + ": " + dec.Effect.String() + " (" + dec.Reason() + ")", Fields: fields})
}

// statementOf returns statement i of a policy document, which IAM allows
// to hold one statement as an object rather than a list.
func statementOf(raw []byte, field string, i int) map[string]any {
	var doc map[string]any
	if json.Unmarshal(raw, &doc) != nil {
		return nil
	}
	if field != "" {
		inner, ok := doc[field].(map[string]any)
		if !ok {
			return nil
		}
		doc = inner
	}
	switch st := doc["Statement"].(type) {
	case map[string]any:
		if i == 0 {
			return st
		}
	case []any:
		if i < len(st) {
			m, _ := st[i].(map[string]any)
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
