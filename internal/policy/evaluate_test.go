package policy

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mustParse(t testing.TB, doc []byte) *Document {
	t.Helper()
	d, err := Parse(doc)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return d
}

const (
	allowPets = `{"Sid":"Pets","Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:abcdef1234/prod/GET/pets*"}`
	denyAll   = `{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"*"}`
	allowAll  = `{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}`
)

// docs/behaviour.md#POLICY-1: explicit deny > allow > implicit deny, and the deciding
// statement is reported so the gateway can explain the outcome.
func TestEvaluate_ExplicitDenyBeatsAllowBeatsImplicitDeny(t *testing.T) {
	tests := []struct {
		name       string
		statements string
		req        *Request
		want       Decision
		reason     string
	}{
		{"NoStatement_ImplicitDeny", ``, invoke(petsARN),
			Decision{Effect: ImplicitDeny, Document: -1, Statement: -1}, "no statement matched"},
		{"MatchingAllow_Allow", allowPets, invoke(petsARN),
			Decision{Effect: Allow, Statement: 0, Sid: "Pets"}, `statement 0 (Allow, Sid "Pets") matched`},
		{"AllowForOtherPath_ImplicitDeny", allowPets, invoke(rootARN),
			Decision{Effect: ImplicitDeny, Document: -1, Statement: -1}, "no statement matched"},
		{"DenyAfterAllow_ExplicitDeny", allowPets + `,` + denyAll, invoke(petsARN),
			Decision{Effect: ExplicitDeny, Statement: 1}, "statement 1 (Deny) matched"},
		{"DenyBeforeAllow_ExplicitDeny", denyAll + `,` + allowPets, invoke(petsARN),
			Decision{Effect: ExplicitDeny, Statement: 0}, "statement 0 (Deny) matched"},
		{"FirstMatchingAllowIsReported", allowAll + `,` + allowPets, invoke(petsARN),
			Decision{Effect: Allow, Statement: 0}, "statement 0 (Allow) matched"},
		{"DenyForOtherAction_Ignored", allowAll + `,{"Effect":"Deny","Action":"execute-api:InvalidateCache","Resource":"*"}`, invoke(petsARN),
			Decision{Effect: Allow, Statement: 0}, "statement 0 (Allow) matched"},
		{"ActionCaseInsensitive", `{"Effect":"Allow","Action":"EXECUTE-API:invoke","Resource":"*"}`, invoke(petsARN),
			Decision{Effect: Allow, Statement: 0}, "statement 0 (Allow) matched"},
		{"NotAction_CoversEverythingElse", `{"Effect":"Deny","NotAction":"execute-api:Invoke","Resource":"*"},` + allowAll, invoke(petsARN),
			Decision{Effect: Allow, Statement: 1}, "statement 1 (Allow) matched"},
		{"NotAction_ExcludesListed", `{"Effect":"Allow","NotAction":"execute-api:*","Resource":"*"}`, invoke(petsARN),
			Decision{Effect: ImplicitDeny, Document: -1, Statement: -1}, "no statement matched"},
		{"NotResource_DenyEverythingButPets", allowAll + `,{"Effect":"Deny","Action":"*","NotResource":"arn:aws:execute-api:*:*:*/prod/GET/pets"}`, invoke(rootARN),
			Decision{Effect: ExplicitDeny, Statement: 1}, "statement 1 (Deny) matched"},
		{"NotResource_ListedResourceNotDenied", allowAll + `,{"Effect":"Deny","Action":"*","NotResource":"arn:aws:execute-api:*:*:*/prod/GET/pets"}`, invoke(petsARN),
			Decision{Effect: Allow, Statement: 0}, "statement 0 (Allow) matched"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustParse(t, stmt(tt.statements))
			got := d.Evaluate(tt.req)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Evaluate (-want +got):\n%s", diff)
			}
			if r := got.Reason(); r != tt.reason {
				t.Errorf("Reason = %q, want %q", r, tt.reason)
			}
		})
	}
}

// The cached-policy pitfall (docs/behaviour.md#CACHE-2, docs/behaviour.md#CACHE-1): a policy whose Resource
// is the methodArn of the request that filled the cache denies the next
// path with an implicit deny.
func TestEvaluate_PolicyScopedToMethodARN_DeniesOtherPath(t *testing.T) {
	data, err := os.ReadFile("testdata/authorizer-method-arn.json")
	if err != nil {
		t.Fatal(err)
	}
	d := mustParse(t, data)
	const base = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/users/"
	if got := d.Evaluate(invoke(base + "43/info")).Effect; got != Allow {
		t.Errorf("path that filled the cache: %v, want Allow", got)
	}
	if got := d.Evaluate(invoke(base + "44/info")); got.Effect != ImplicitDeny || got.Reason() != "no statement matched" {
		t.Errorf("next path: %v (%s), want ImplicitDeny (no statement matched)", got.Effect, got.Reason())
	}
}

func TestEvaluate_NilDocumentOrRequest_ImplicitDeny(t *testing.T) {
	var d *Document
	want := Decision{Effect: ImplicitDeny, Document: -1, Statement: -1}
	if diff := cmp.Diff(want, d.Evaluate(invoke(petsARN))); diff != "" {
		t.Errorf("nil document (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, mustParse(t, stmt(allowAll)).Evaluate(nil)); diff != "" {
		t.Errorf("nil request (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, Evaluate(nil, invoke(petsARN))); diff != "" {
		t.Errorf("no documents (-want +got):\n%s", diff)
	}
}

// An unsupported operator fails closed wherever its statement sits: after
// a matching Allow it still denies, and only for requests the statement
// applies to.
func TestEvaluate_UnsupportedOperator_DeniesOnlyWhereStatementApplies(t *testing.T) {
	d := mustParse(t, stmt(allowAll+`,{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:*/prod/GET/pets","Condition":{"StringFuzzy":{"k":"v"}}}`))
	got := d.Evaluate(invoke(petsARN))
	want := Decision{Effect: ExplicitDeny, Statement: 1, Unsupported: "StringFuzzy"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("covered request (-want +got):\n%s", diff)
	}
	if r, want := got.Reason(), `statement 1 uses unsupported condition operator "StringFuzzy": denied (fail closed)`; r != want {
		t.Errorf("Reason = %q, want %q", r, want)
	}
	if got := d.Evaluate(invoke(rootARN)).Effect; got != Allow {
		t.Errorf("request outside the statement: %v, want Allow", got)
	}
}

// IAM evaluates all identity policies of a caller together: a Deny in any
// document wins, else an Allow in any document.
func TestEvaluate_DocumentList(t *testing.T) {
	allow := mustParse(t, stmt(allowPets))
	deny := mustParse(t, stmt(denyAll))
	other := mustParse(t, stmt(`{"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"*"}`))
	tests := []struct {
		name string
		docs []*Document
		want Decision
	}{
		{"Empty", nil, Decision{Effect: ImplicitDeny, Document: -1, Statement: -1}},
		{"AllowInSecond", []*Document{other, allow}, Decision{Effect: Allow, Document: 1, Statement: 0, Sid: "Pets"}},
		{"DenyInLaterDocumentWins", []*Document{allow, other, deny}, Decision{Effect: ExplicitDeny, Document: 2, Statement: 0}},
		{"NilSkipped", []*Document{nil, allow}, Decision{Effect: Allow, Document: 1, Statement: 0, Sid: "Pets"}},
		{"NoneApplies", []*Document{other}, Decision{Effect: ImplicitDeny, Document: -1, Statement: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Evaluate(tt.docs, invoke(petsARN))); diff != "" {
				t.Errorf("Evaluate (-want +got):\n%s", diff)
			}
		})
	}
}

// Resource-policy principals (docs/behaviour.md#RP-3; IAM User Guide "AWS JSON policy
// elements: Principal"): "*" includes anonymous callers; an account id or
// its root ARN covers every principal of the account; a role ARN covers
// that role's sessions.
func TestEvaluate_PrincipalMatching(t *testing.T) {
	const (
		acct   = "111122223333"
		alice  = "arn:aws:iam::111122223333:user/alice"
		bob    = "arn:aws:iam::111122223333:user/bob"
		sess   = "arn:aws:sts::111122223333:assumed-role/Deployer/ci-42"
		other  = "arn:aws:iam::444455556666:user/alice"
		deploy = "arn:aws:iam::111122223333:role/team/Deployer"
	)
	tests := []struct {
		name      string
		principal string
		caller    Principal
		want      Effect
	}{
		{"Star_Anonymous", `"*"`, Principal{}, Allow},
		{"AWSStar_Anonymous", `{"AWS":"*"}`, Principal{}, Allow},
		{"AccountID_UserOfAccount", `{"AWS":"` + acct + `"}`, Principal{ARN: alice}, Allow},
		{"AccountID_GivenExplicitly", `{"AWS":"` + acct + `"}`, Principal{ARN: other, AccountID: acct}, Allow},
		{"AccountRoot_UserOfAccount", `{"AWS":"arn:aws:iam::` + acct + `:root"}`, Principal{ARN: bob}, Allow},
		{"AccountRoot_OtherAccount", `{"AWS":"arn:aws:iam::` + acct + `:root"}`, Principal{ARN: other}, ImplicitDeny},
		{"AccountID_Anonymous", `{"AWS":"` + acct + `"}`, Principal{}, ImplicitDeny},
		{"UserARN_Same", `{"AWS":"` + alice + `"}`, Principal{ARN: alice}, Allow},
		{"UserARN_OtherUser", `{"AWS":"` + alice + `"}`, Principal{ARN: bob}, ImplicitDeny},
		{"UserARN_SameNameOtherAccount", `{"AWS":"` + alice + `"}`, Principal{ARN: other}, ImplicitDeny},
		{"RoleARN_CoversSession", `{"AWS":"` + deploy + `"}`, Principal{ARN: sess}, Allow},
		{"RoleARN_Itself", `{"AWS":["` + alice + `","` + deploy + `"]}`, Principal{ARN: deploy}, Allow},
		{"SessionARN_Exact", `{"AWS":"` + sess + `"}`, Principal{ARN: sess}, Allow},
		{"ServicePrincipal_NeverMatches", `{"Service":"apigateway.amazonaws.com"}`, Principal{ARN: alice}, ImplicitDeny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseResourcePolicy(stmt(`{"Effect":"Allow","Principal":`+tt.principal+`,"Action":"execute-api:Invoke","Resource":"execute-api:/*"}`),
				"us-east-1", "123456789012", "abcdef1234")
			if err != nil {
				t.Fatal(err)
			}
			req := invoke(petsARN)
			req.Principal = tt.caller
			if got := d.Evaluate(req).Effect; got != tt.want {
				t.Errorf("Evaluate = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEvaluate_NotPrincipal_DeniesEveryoneElse(t *testing.T) {
	d, err := ParseResourcePolicy(stmt(
		`{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},`+
			`{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}`),
		"us-east-1", "123456789012", "abcdef1234")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		caller Principal
		want   Effect
	}{
		{Principal{ARN: "arn:aws:iam::111122223333:user/alice"}, Allow},
		{Principal{ARN: "arn:aws:iam::111122223333:user/bob"}, ExplicitDeny},
		{Principal{}, ExplicitDeny},
	} {
		req := invoke(petsARN)
		req.Principal = tt.caller
		if got := d.Evaluate(req).Effect; got != tt.want {
			t.Errorf("caller %q: %v, want %v", tt.caller.ARN, got, tt.want)
		}
	}
}

// AWS's IP allow-list example ("API Gateway resource policy examples"):
// Allow everyone, Deny where the source IP is outside the list.
func TestEvaluate_ResourcePolicyIPAllowList(t *testing.T) {
	data, err := os.ReadFile("testdata/resource-ip-allowlist.json")
	if err != nil {
		t.Fatal(err)
	}
	d, err := ParseResourcePolicy(data, "us-east-1", "123456789012", "abcdef1234")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		ip   string
		want Decision
	}{
		{"192.0.2.7", Decision{Effect: Allow, Statement: 0}},
		{"2001:db8::1", Decision{Effect: Allow, Statement: 0}},
		{"203.0.113.9", Decision{Effect: ExplicitDeny, Statement: 1}},
	} {
		req := invoke(petsARN)
		req.Context = NewMapContext(map[string][]string{"aws:SourceIp": {tt.ip}})
		if diff := cmp.Diff(tt.want, d.Evaluate(req)); diff != "" {
			t.Errorf("source %s (-want +got):\n%s", tt.ip, diff)
		}
	}
}

// Evaluation runs on every request, cache hits included: it must not
// allocate for the policies people write.
func TestEvaluate_CommonPolicies_DoNotAllocate(t *testing.T) {
	tests := []struct {
		name, statements string
	}{
		{"WholeAPI", `{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:abcdef1234/*"}`},
		{"StageVerbWildcards", `{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:abcdef1234/*/GET/*"}`},
		{"Conditions", `{"Effect":"Allow","Action":"execute-api:*","Resource":"*","Condition":{` +
			`"IpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]},` +
			`"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"},` +
			`"NumericLessThan":{"aws:EpochTime":1893456000},` +
			`"Bool":{"aws:SecureTransport":"true"},` +
			`"StringLike":{"aws:UserAgent":"curl/*"}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const denyDelete = `{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:*/*/DELETE/*"}`
			d := mustParse(t, stmt(tt.statements+`,`+denyDelete))
			req := invoke(petsARN)
			req.Context = NewMapContext(map[string][]string{
				"aws:SourceIp": {"10.1.2.3"}, "aws:CurrentTime": {"2026-01-01T00:00:00Z"},
				"aws:EpochTime": {"1767225600"}, "aws:SecureTransport": {"true"}, "aws:UserAgent": {"curl/8.5.0"},
			})
			if got := d.Evaluate(req).Effect; got != Allow {
				t.Fatalf("Evaluate = %v, want Allow", got)
			}
			if n := testing.AllocsPerRun(100, func() { d.Evaluate(req) }); n != 0 {
				t.Errorf("Evaluate allocates %v times per call, want 0", n)
			}
		})
	}
}
