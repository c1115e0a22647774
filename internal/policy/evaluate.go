package policy

import (
	"fmt"
	"strings"
)

// Effect is the outcome of evaluating policies for one request.
type Effect uint8

const (
	// ImplicitDeny: no statement allowed or denied the request.
	ImplicitDeny Effect = iota
	// Allow: a statement allowed the request and none denied it.
	Allow
	// ExplicitDeny: a Deny statement matched (or a statement failed closed).
	ExplicitDeny
)

func (e Effect) String() string {
	switch e {
	case ImplicitDeny:
		return "ImplicitDeny"
	case Allow:
		return "Allow"
	case ExplicitDeny:
		return "ExplicitDeny"
	}
	return fmt.Sprintf("Effect(%d)", uint8(e))
}

// ActionInvoke is the action API Gateway authorizes a method call as.
const ActionInvoke = "execute-api:Invoke"

// Request is what a policy is evaluated against.
type Request struct {
	// Action, usually ActionInvoke; compared case-insensitively.
	Action string
	// Resource is the method ARN; compared case-sensitively.
	Resource string
	// Principal is the caller; it only matters for statements with a
	// Principal or NotPrincipal element (resource policies).
	Principal Principal
	// Context supplies condition keys; nil means the request carries none.
	Context ConditionContext
}

// Decision is the result of an evaluation and the statement behind it, so
// that every denial can be explained.
type Decision struct {
	Effect Effect
	// Document is the index, in the list given to Evaluate, of the
	// document holding the deciding statement (0 for Document.Evaluate);
	// -1 when no statement decided.
	Document int
	// Statement is the index of the deciding statement within its
	// document, -1 when no statement matched (ImplicitDeny).
	Statement int
	// Sid is the deciding statement's Sid, if it has one.
	Sid string
	// Unsupported is set when the deciding statement was denied because it
	// uses a condition operator Portcullis does not know (fail closed).
	Unsupported string
}

// noMatch is the implicit deny of a request no statement applied to.
func noMatch() Decision {
	return Decision{Effect: ImplicitDeny, Document: -1, Statement: -1}
}

// Reason explains the decision for the execution log:
// "statement 0 (Deny) matched", "no statement matched".
func (d Decision) Reason() string {
	if d.Statement < 0 {
		return "no statement matched"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "statement %d", d.Statement)
	if d.Unsupported != "" {
		if d.Sid != "" {
			fmt.Fprintf(&b, " (Sid %q)", d.Sid)
		}
		fmt.Fprintf(&b, " uses unsupported condition operator %q: denied (fail closed)", d.Unsupported)
		return b.String()
	}
	effect := "Allow"
	if d.Effect == ExplicitDeny {
		effect = "Deny"
	}
	if d.Sid != "" {
		fmt.Fprintf(&b, " (%s, Sid %q) matched", effect, d.Sid)
	} else {
		fmt.Fprintf(&b, " (%s) matched", effect)
	}
	return b.String()
}

// Evaluate decides req against the document with IAM's rule: an explicit
// Deny beats an Allow, an Allow beats the implicit deny (docs/behaviour.md#POLICY-1). The
// deciding statement is the first matching Deny, else the first matching
// Allow. A nil document or request is an implicit deny.
func (d *Document) Evaluate(req *Request) Decision {
	if d == nil || req == nil {
		return noMatch()
	}
	v := lazySubject{s: req.Resource}
	dec := d.eval(req, &v)
	if dec.Statement >= 0 {
		dec.Document = 0
	}
	return dec
}

// Evaluate decides req against several documents together, as IAM does
// for the identity policies of one caller: an explicit Deny in any of them
// wins, else an Allow in any of them, else the implicit deny. Nil
// documents are skipped.
func Evaluate(docs []*Document, req *Request) Decision {
	if req == nil {
		return noMatch()
	}
	v := lazySubject{s: req.Resource}
	allow := noMatch()
	for i, d := range docs {
		if d == nil {
			continue
		}
		dec := d.eval(req, &v)
		switch dec.Effect {
		case ExplicitDeny:
			dec.Document = i
			return dec
		case Allow:
			if allow.Statement < 0 {
				allow = dec
				allow.Document = i
			}
		}
	}
	return allow
}

// lazySubject splits the request's method ARN into segments the first
// time a pattern needs them, and only once for all statements.
type lazySubject struct {
	s     string
	split bool
	v     arnSubject
}

func (l *lazySubject) get() *arnSubject {
	if !l.split {
		l.v = splitARN(l.s)
		l.split = true
	}
	return &l.v
}

func (d *Document) eval(req *Request, v *lazySubject) Decision {
	allow := noMatch()
	for i := range d.statements {
		s := &d.statements[i]
		if !s.deny && s.unsupported == "" && allow.Statement >= 0 {
			continue // an Allow is already recorded; only a Deny can change it
		}
		if !s.appliesTo(req, v) {
			continue
		}
		if s.unsupported != "" {
			return Decision{Effect: ExplicitDeny, Statement: i, Sid: s.sid, Unsupported: s.unsupported}
		}
		if !s.conditionsHold(req.Context) {
			continue
		}
		if s.deny {
			return Decision{Effect: ExplicitDeny, Statement: i, Sid: s.sid}
		}
		allow = Decision{Effect: Allow, Statement: i, Sid: s.sid}
	}
	return allow
}

// appliesTo reports whether the statement's Action, Resource and
// Principal elements cover the request, conditions aside.
func (s *statement) appliesTo(req *Request, v *lazySubject) bool {
	matched := false
	for i := range s.actions {
		if s.actions[i].match(req.Action) {
			matched = true
			break
		}
	}
	if matched == s.notAction {
		return false
	}
	matched = false
	for i := range s.resources {
		r := &s.resources[i]
		var ok bool
		if r.kind == matchGlob {
			ok = r.matchSplit(v.get())
		} else {
			ok = r.match(req.Resource)
		}
		if ok {
			matched = true
			break
		}
	}
	if matched == s.notResource {
		return false
	}
	if s.principal != nil && s.principal.match(&req.Principal) == s.notPrincipal {
		return false
	}
	return true
}

func (s *statement) conditionsHold(ctx ConditionContext) bool {
	for i := range s.conditions {
		if !s.conditions[i].eval(ctx) {
			return false
		}
	}
	return true
}

// Combine merges the caller's identity-side result (IAM identity policies,
// or a Lambda or Cognito authorizer's) with the API's resource policy
// result, per docs/behaviour.md#RP-2: Table A when caller and API share an account
// (either side may allow), Table B across accounts (both must allow). An
// explicit deny on either side always wins.
//
// An API protected only by a resource policy is Combine(ImplicitDeny, rp,
// true): it needs the resource policy's explicit Allow.
func Combine(identity, resource Effect, sameAccount bool) Effect {
	switch {
	case identity == ExplicitDeny || resource == ExplicitDeny:
		return ExplicitDeny
	case sameAccount && (identity == Allow || resource == Allow):
		return Allow
	case identity == Allow && resource == Allow:
		return Allow
	}
	return ImplicitDeny
}
