package authorizer

import (
	"crypto/sha256"
	"encoding/hex"
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

func (l *Lambda) recordInvocation(tr *decision.Trace, payload []byte, res function.Result, err error, d time.Duration) {
	fields := []decision.Field{
		{Label: "function", Value: l.fn.Name},
		{Label: "latency", Value: d.Round(time.Microsecond).String()},
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
	tr.Step(decision.Step{Name: decision.StepAuthorizer, Outcome: outcome, Summary: summary, Fields: fields})
}

// recordPolicy records which statement of a policy decided: doc is the
// document (or, with member set, the JSON object holding it under member).
// The statement itself is looked up when the record is shown.
func recordPolicy(tr *decision.Trace, title string, doc []byte, member string, dec policy.Decision, methodARN string) {
	fields := []decision.Field{
		{Label: "effect", Value: dec.Effect.String()},
		{Label: "methodArn", Value: methodARN},
	}
	var st *decision.Statement
	if dec.Statement >= 0 {
		fields = append(fields, decision.Field{Label: "statement", Value: strconv.Itoa(dec.Statement)})
		if dec.Sid != "" {
			fields = append(fields, decision.Field{Label: "Sid", Value: dec.Sid})
		}
		st = &decision.Statement{Doc: doc, Member: member, Index: dec.Statement}
	}
	if dec.Unsupported != "" {
		fields = append(fields, decision.Field{Label: "unsupported condition", Value: dec.Unsupported})
	}
	outcome := decision.Deny
	if dec.Effect == policy.Allow {
		outcome = decision.OK
	}
	name := decision.StepPolicy
	if member == "" {
		name = decision.StepResourcePolicy
	}
	tr.Step(decision.Step{Name: name, Outcome: outcome, Summary: title + ": " + dec.Effect.String() + " (" + dec.Reason() + ")", Fields: fields, Statement: st})
}
