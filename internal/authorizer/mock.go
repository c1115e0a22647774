package authorizer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/authcache"
	"github.com/portcullis-gateway/portcullis/internal/decision"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// Mock identities stand in for a Lambda authorizer's invocation, and for
// nothing else: the identity sources are still read and checked (a request
// without the token is still 401 without an invocation), the answer is
// still cached under the request's identity, its policy is still evaluated
// against the request's own methodArn, the resource policy still applies
// and refusals are still the API's gateway responses. So a mock identity
// with a methodArn-scoped policy shows the caching pitfall exactly as the
// real authorizer would.

// allowAllPolicy allows every method of every API and stage.
const allowAllPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"PortcullisMockAllowAll","Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:*"}]}`

// MockIdentity is what an authorizer would have answered for one named
// caller.
type MockIdentity struct {
	Name        string
	PrincipalID string
	// Context is the authorizer's context: string, number or boolean
	// values, as API Gateway requires.
	Context map[string]any
	// Policy is the policy document as JSON; AllowAll stands for a policy
	// allowing every method. Exactly one of them is set.
	Policy   json.RawMessage
	AllowAll bool
}

// MockOptions configure the mock identities of a gateway.
type MockOptions struct {
	Identities []MockIdentity
	// Header names the request header that picks an identity per request
	// ("" means none does).
	Header string
	// Default is the identity of requests that do not pick one (the
	// --identity flag); "" invokes the real authorizer for them.
	Default string
}

// Mocks are compiled mock identities. A nil *Mocks stands in for nothing.
type Mocks struct {
	header  string
	def     string
	byName  map[string]*mockAnswer
	ordered []string
}

type mockAnswer struct {
	name string
	raw  []byte
	res  *Result
}

// NewMocks checks and compiles the identities: each answer goes through
// the same strict parser as a real authorizer's.
func NewMocks(o MockOptions) (*Mocks, error) {
	m := &Mocks{header: o.Header, def: o.Default, byName: map[string]*mockAnswer{}}
	var errs []error
	for i, id := range o.Identities {
		where := fmt.Sprintf("mock identity %d", i)
		if id.Name != "" {
			where = "mock identity " + id.Name
		}
		switch {
		case id.Name == "":
			errs = append(errs, fmt.Errorf("%s: name is required", where))
			continue
		case m.byName[id.Name] != nil:
			errs = append(errs, fmt.Errorf("%s: defined twice", where))
			continue
		case id.PrincipalID == "":
			errs = append(errs, fmt.Errorf("%s: principalId is required", where))
			continue
		case id.AllowAll == (len(id.Policy) > 0):
			errs = append(errs, fmt.Errorf("%s: give exactly one of policy and allowAll: true", where))
			continue
		}
		pol := id.Policy
		if id.AllowAll {
			pol = json.RawMessage(allowAllPolicy)
		}
		answer := map[string]any{"principalId": id.PrincipalID, "policyDocument": pol}
		if len(id.Context) > 0 {
			answer["context"] = id.Context
		}
		raw, err := json.Marshal(answer)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %v", where, err))
			continue
		}
		res, err := ParseResult(raw)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %v", where, err))
			continue
		}
		m.byName[id.Name] = &mockAnswer{name: id.Name, raw: raw, res: res}
		m.ordered = append(m.ordered, id.Name)
	}
	if o.Default != "" && m.byName[o.Default] == nil && len(errs) == 0 {
		errs = append(errs, fmt.Errorf("--identity %s: no mock identity has that name (defined: %s)", o.Default, m.names()))
	}
	if o.Header != "" && !validHeaderName(o.Header) {
		errs = append(errs, fmt.Errorf("mock identity header %q is not a header name", o.Header))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return m, nil
}

func (m *Mocks) names() string {
	if len(m.ordered) == 0 {
		return "none"
	}
	n := append([]string(nil), m.ordered...)
	sort.Strings(n)
	return strings.Join(n, ", ")
}

func validHeaderName(s string) bool {
	for _, c := range []byte(s) {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return s != ""
}

// Describe is the start-up line that says what the mocks replace.
func (m *Mocks) Describe() string {
	var b strings.Builder
	b.WriteString("mock identities (" + m.names() + ") replace the invocation of every Lambda authorizer")
	if m.header != "" {
		b.WriteString(" for requests with the " + m.header + " header")
	}
	if m.def != "" {
		if m.header != "" {
			b.WriteString(", and of every other request as " + m.def)
		} else {
			b.WriteString(" as " + m.def)
		}
	}
	b.WriteString("; identity sources, caching, policy evaluation, resource policies and gateway responses still apply")
	return b.String()
}

// choose returns the identity standing in for r's authorizer: the one its
// header names, else the default; nil invokes the real authorizer. A
// header naming no identity is an error, never the real authorizer's
// answer or an allow.
func (m *Mocks) choose(r *reqctx.Request) (*mockAnswer, error) {
	if m == nil {
		return nil, nil
	}
	if m.header != "" {
		if v, ok := r.HeaderValue(m.header); ok {
			a := m.byName[strings.TrimSpace(v)]
			if a == nil {
				return nil, fmt.Errorf("header %s names no mock identity (%q; defined: %s)", m.header, v, m.names())
			}
			return a, nil
		}
	}
	if m.def != "" {
		return m.byName[m.def], nil
	}
	return nil, nil
}

// mockAnswer is the cache fill of a request a mock identity answers for.
func (l *Lambda) mockAnswer(ctx context.Context, r *reqctx.Request, m *mockAnswer, log *slog.Logger) (authcache.Entry, error) {
	log.Info("Mock identity " + m.name + " answered with principal " + mask(m.res.PrincipalID))
	if tr := decision.From(ctx); tr != nil {
		tr.Step(decision.Step{Name: decision.StepAuthorizer, Outcome: decision.OK, Summary: "mock identity " + m.name + " answered (not invoked)",
			Fields: []decision.Field{{Label: "answer", JSON: m.raw}}})
	}
	return authcache.Entry{Raw: m.raw, Value: m.res, FilledBy: r.MethodARN, FilledAt: l.opts.Now()}, nil
}
