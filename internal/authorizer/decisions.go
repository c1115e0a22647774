package authorizer

import (
	"crypto/sha256"
	"encoding/binary"
	"strconv"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/authcache"
	"github.com/portcullis-gateway/portcullis/internal/decision"
	"github.com/portcullis-gateway/portcullis/internal/function"
	"github.com/portcullis-gateway/portcullis/internal/policy"
)

// The decision view's explanation points. They run only when the request
// carries a trace (the view is on); identity values are recorded masked,
// the same way the execution log shows them, and never in full.

// The recorders build their fields on the stack and hand raw values
// (decision.Arg, decision.Text) to the trace, which copies them: the
// formatting, masking and hashing for the view happen when the record is
// read, not on the request path.

func (l *Lambda) recordIdentity(tr *decision.Trace, values []string) {
	var buf [4]decision.Field
	fields := buf[:0]
	for i, v := range values {
		f := decision.Field{Label: l.sources[i].Source, Arg: decision.Masked(v)}
		if v == "" {
			f.Arg = decision.Str("(missing)")
		}
		fields = append(fields, f)
		tr.Redact(v, "")
	}
	tr.Step(decision.Step{Name: decision.StepIdentity, Outcome: decision.OK,
		Text: decision.Textf("%s source(s) for %s", decision.Int(len(values)), decision.Str(l.auth.ID))}, fields...)
}

// cacheKeyHash names a cache entry without revealing the identity values
// it is keyed by: the first 8 bytes of a SHA-256 over the key's
// length-prefixed parts, shown as 16 hexadecimal digits. The input is
// built on the stack for keys of usual size.
func cacheKeyHash(k authcache.Key) uint64 {
	var buf [256]byte
	b := buf[:0]
	for _, s := range [...]string{k.APIID, k.Stage, k.AuthorizerID, k.Identity} {
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
	}
	sum := sha256.Sum256(b)
	return binary.BigEndian.Uint64(sum[:8])
}

func (l *Lambda) recordCache(tr *decision.Trace, key authcache.Key, out *lambdaOutcome) {
	if l.ttl <= 0 {
		tr.Step(decision.Step{Name: decision.StepCache, Outcome: decision.Info, Summary: "caching off (TTL 0): invoked for every request"})
		return
	}
	ttl := int(l.ttl / time.Second)
	step := decision.Step{Name: decision.StepCache, Outcome: decision.Info,
		Text: decision.Textf("miss: result cached for %ss", decision.Int(ttl))}
	if out.hit {
		step.Text = decision.Textf("hit: entry %s old", decision.Duration(out.age))
	}
	tr.Step(step,
		decision.Field{Label: "key hash", Arg: decision.Hex64(cacheKeyHash(key))},
		decision.Field{Label: "TTL", Arg: decision.Seconds(ttl)},
		decision.Field{Label: "filled by", Value: out.entry.FilledBy},
		decision.Field{Label: "age", Arg: decision.Duration(out.age)},
	)
}

func (l *Lambda) recordInvocation(tr *decision.Trace, payload []byte, res function.Result, err error, d time.Duration) {
	fields := []decision.Field{
		{Label: "function", Value: l.fn.Name},
		{Label: "latency", Arg: decision.Duration(d.Round(time.Microsecond))},
		// The identity values in the event are masked when the record is
		// shown (Trace.Redact).
		{Label: "event", JSON: payload},
	}
	outcome, summary := decision.OK, "invoked "+l.fn.Name
	switch {
	case err != nil:
		outcome, summary = decision.Error, "invocation failed"
		fields = append(fields, decision.Field{Label: "error", Value: err.Error()})
	case res.FunctionError != "":
		outcome, summary = decision.Error, "function error ("+res.FunctionError+")"
		fields = append(fields, decision.Field{Label: "answer", JSON: res.Payload})
	default:
		fields = append(fields, decision.Field{Label: "answer", JSON: res.Payload})
	}
	tr.Step(decision.Step{Name: decision.StepAuthorizer, Outcome: outcome, Summary: summary}, fields...)
}

// recordPolicy records which statement of a policy decided: doc is the
// document (or, with member set, the JSON object holding it under member).
// The statement itself is looked up when the record is shown. summary is
// the step's summary format, "<policy> %s: %s (%s)": name, the effect and
// the reason.
func recordPolicy(tr *decision.Trace, summary, name string, doc []byte, member string, dec policy.Decision, methodARN string) {
	var buf [5]decision.Field
	fields := append(buf[:0],
		decision.Field{Label: "effect", Value: dec.Effect.String()},
		decision.Field{Label: "methodArn", Value: methodARN},
	)
	var st decision.Statement
	if dec.Statement >= 0 {
		fields = append(fields, decision.Field{Label: "statement", Arg: decision.Int(dec.Statement)})
		if dec.Sid != "" {
			fields = append(fields, decision.Field{Label: "Sid", Value: dec.Sid})
		}
		st = decision.Statement{Doc: doc, Member: member, Index: dec.Statement}
	}
	if dec.Unsupported != "" {
		fields = append(fields, decision.Field{Label: "unsupported condition", Value: dec.Unsupported})
	}
	outcome := decision.Deny
	if dec.Effect == policy.Allow {
		outcome = decision.OK
	}
	step := decision.StepPolicy
	if member == "" {
		step = decision.StepResourcePolicy
	}
	tr.Step(decision.Step{Name: step, Outcome: outcome, Statement: st,
		Text: decision.Textf(summary, decision.Str(name), decision.Str(dec.Effect.String()), decision.Reason(dec))}, fields...)
}
