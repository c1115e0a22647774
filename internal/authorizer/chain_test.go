package authorizer

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/google/go-cmp/cmp"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/authcache"
	"github.com/portcullis-gateway/portcullis/internal/cognito"
	"github.com/portcullis-gateway/portcullis/internal/function"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/policy"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
	"github.com/portcullis-gateway/portcullis/internal/testenv"
	"github.com/portcullis-gateway/portcullis/internal/throttle"
)

const (
	testAccount  = "123456789012"
	otherAccount = "210987654321"
	testHost     = "abcde12345.execute-api.us-east-1.amazonaws.com"
	emptySHA256  = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	testPath     = "/users/43/info"
)

var testNow = time.Unix(1_800_000_000, 0).UTC()

// Policies for the outcome tables. "Neither" statements apply to other
// resources only, so that the document decides nothing for the request.
const (
	rpAllow   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}`
	rpNeither = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/other/*"}]}`
	rpDeny    = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/users/*"}]}`

	idAllow   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:*:abcde12345/*"}]}`
	idNeither = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:*:otherapi/*"}]}`
	idDeny    = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"execute-api:*","Resource":"*"}]}`
)

func chainAPI(rp string) *apimodel.API {
	a := &apimodel.API{ID: "abcde12345", LogicalID: "Api", Region: "us-east-1", AccountID: testAccount,
		Stages: []*apimodel.Stage{{Name: "prod"}, {Name: "dev"}}, Authorizers: map[string]*apimodel.Authorizer{}}
	if rp != "" {
		a.ResourcePolicy = json.RawMessage(rp)
	}
	return a
}

func mustDoc(t testing.TB, s string) *policy.Document {
	t.Helper()
	d, err := policy.Parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func identity(t testing.TB, key, arn, acct string, docs ...string) IAMIdentity {
	id := IAMIdentity{AccessKeyID: key, SecretAccessKey: "secret-" + key, ARN: arn, AccountID: acct}
	for i, d := range docs {
		id.Policies = append(id.Policies, NamedPolicy{Name: "inline policy " + string(rune('0'+i)), Document: mustDoc(t, d)})
	}
	return id
}

func compile(t testing.TB, api *apimodel.API, m *apimodel.Method, opts Options) *Chain {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return testNow }
	}
	a, err := NewAPI(api, opts)
	if err != nil {
		t.Fatal(err)
	}
	c, err := a.Method(m, m.HTTPMethod+" /users/{id}/info")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// signed is a GET to testPath signed by aws-sdk-go-v2's signer.
func signed(t testing.TB, key, secret, token string, at time.Time) *reqctx.Request {
	t.Helper()
	r := request("GET", testPath, "")
	r.Time = testNow
	hr, err := http.NewRequest("GET", "https://"+testHost+"/prod"+testPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	creds := aws.Credentials{AccessKeyID: key, SecretAccessKey: secret, SessionToken: token}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, hr, emptySHA256, "execute-api", "us-east-1", at); err != nil {
		t.Fatal(err)
	}
	r.WirePath = "/prod" + testPath
	r.Host = testHost
	r.Headers = append(r.Headers, reqctx.Header{Name: "Host", Value: testHost})
	for k, vs := range hr.Header {
		for _, v := range vs {
			r.Headers = append(r.Headers, reqctx.Header{Name: k, Value: v})
		}
	}
	return r
}

func effectOf(t *testing.T, err error) (policy.Effect, string) {
	t.Helper()
	if err == nil {
		return policy.Allow, ""
	}
	var ge *gwresponse.Error
	if !errors.As(err, &ge) || ge.Type != gwresponse.AccessDenied {
		t.Fatalf("err = %v, want nil or ACCESS_DENIED", err)
	}
	if strings.HasSuffix(ge.Message, " with an explicit deny") {
		return policy.ExplicitDeny, ge.Message
	}
	return policy.ImplicitDeny, ge.Message
}

var (
	allow    = policy.Allow
	implicit = policy.ImplicitDeny
	explicit = policy.ExplicitDeny
)

// TestIAM_TableA_TableB runs both outcome tables of docs/behaviour.md#RP-2 ("How API
// Gateway resource policies affect authorization workflow", Policy
// evaluation outcome tables) through the chain of an AWS_IAM method: the
// caller's identity policies against the API's resource policy, in the
// API's account (Table A) and from another account (Table B). Denials
// carry the IAM message of docs/behaviour.md#GWR-1.
func TestIAM_TableA_TableB(t *testing.T) {
	ids := map[string]string{"Allow": idAllow, "Neither": idNeither, "Deny": idDeny}
	rps := map[string]string{"Allow": rpAllow, "Neither": rpNeither, "Deny": rpDeny}
	tests := []struct {
		id, rp       string
		sameAccount  policy.Effect
		otherAccount policy.Effect
	}{
		{"Allow", "Allow", allow, allow},
		{"Allow", "Neither", allow, implicit},
		{"Allow", "Deny", explicit, explicit},
		{"Neither", "Allow", allow, implicit},
		{"Neither", "Neither", implicit, implicit},
		{"Neither", "Deny", explicit, explicit},
		{"Deny", "Allow", explicit, explicit},
		{"Deny", "Neither", explicit, explicit},
		{"Deny", "Deny", explicit, explicit},
	}
	for _, tc := range tests {
		for _, acct := range []string{testAccount, otherAccount} {
			want := tc.sameAccount
			table := "TableA"
			if acct == otherAccount {
				want, table = tc.otherAccount, "TableB"
			}
			t.Run(table+"_Identity"+tc.id+"_Resource"+tc.rp, func(t *testing.T) {
				arn := "arn:aws:iam::" + acct + ":user/alice"
				opts := Options{Identities: []IAMIdentity{identity(t, "AKIDALICE", arn, acct, ids[tc.id])}}
				c := compile(t, chainAPI(rps[tc.rp]), &apimodel.Method{HTTPMethod: "GET", AuthorizationType: apimodel.AuthIAM}, opts)
				r := signed(t, "AKIDALICE", "secret-AKIDALICE", "", testNow)
				got, msg := effectOf(t, c.Authorize(context.Background(), r))
				if got != want {
					t.Fatalf("effect = %s, want %s (%s)", got, want, msg)
				}
				if want != allow {
					if wantMsg := policy.InvokeDenyMessage(arn, r.MethodARN, want); msg != wantMsg {
						t.Fatalf("message = %q, want %q", msg, wantMsg)
					}
				}
			})
		}
	}
}

// TestIAM_NoResourcePolicy pins docs/behaviour.md#IAM-1: without a resource policy the
// identity policies decide alone, and another account's caller is never
// allowed (Table B needs the resource policy's Allow too).
func TestIAM_NoResourcePolicy(t *testing.T) {
	for _, tc := range []struct {
		name, acct, doc string
		want            policy.Effect
	}{
		{"SameAccount_Allow", testAccount, idAllow, allow},
		{"SameAccount_NoAllow_403", testAccount, idNeither, implicit},
		{"SameAccount_ExplicitDeny_403", testAccount, idDeny, explicit},
		{"OtherAccount_Allow_403", otherAccount, idAllow, implicit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			arn := "arn:aws:iam::" + tc.acct + ":user/alice"
			c := compile(t, chainAPI(""), &apimodel.Method{HTTPMethod: "GET", AuthorizationType: apimodel.AuthIAM},
				Options{Identities: []IAMIdentity{identity(t, "AKIDALICE", arn, tc.acct, tc.doc)}})
			r := signed(t, "AKIDALICE", "secret-AKIDALICE", "", testNow)
			got, msg := effectOf(t, c.Authorize(context.Background(), r))
			if got != tc.want {
				t.Fatalf("effect = %s, want %s (%s)", got, tc.want, msg)
			}
			if tc.want == implicit {
				want := "User: " + arn + " is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:abcde12345/prod/GET/users/43/info"
				if msg != want {
					t.Fatalf("message = %q, want %q", msg, want)
				}
			}
		})
	}
}

// TestIAM_Identity pins requestContext.identity for IAM callers (docs/behaviour.md#IAM-1,
// docs/behaviour.md#INTEG-1): accessKey, accountId, caller, user, userArn.
func TestIAM_Identity(t *testing.T) {
	for _, tc := range []struct {
		name, arn, token string
		want             reqctx.Identity
	}{
		{"User", "arn:aws:iam::123456789012:user/alice", "",
			reqctx.Identity{AccessKey: "AKIDALICE", AccountID: testAccount, Caller: "AIDA" + pseudoID("arn:aws:iam::123456789012:user/alice"),
				User: "AIDA" + pseudoID("arn:aws:iam::123456789012:user/alice"), UserARN: "arn:aws:iam::123456789012:user/alice"}},
		{"RoleSession_WithSessionToken", "arn:aws:sts::123456789012:assumed-role/Caller/alice-session", "tok",
			reqctx.Identity{AccessKey: "AKIDALICE", AccountID: testAccount, Caller: "AROA" + pseudoID("assumed-role/Caller") + ":alice-session",
				User: "AROA" + pseudoID("assumed-role/Caller") + ":alice-session", UserARN: "arn:aws:sts::123456789012:assumed-role/Caller/alice-session"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := identity(t, "AKIDALICE", tc.arn, testAccount, idAllow)
			id.SessionToken = tc.token
			c := compile(t, chainAPI(""), &apimodel.Method{HTTPMethod: "GET", AuthorizationType: apimodel.AuthIAM}, Options{Identities: []IAMIdentity{id}})
			r := signed(t, "AKIDALICE", "secret-AKIDALICE", tc.token, testNow)
			if err := c.Authorize(context.Background(), r); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, r.Identity); diff != "" {
				t.Fatalf("identity (-want +got):\n%s", diff)
			}
		})
	}
}

// TestIAM_SignatureFailures maps each SigV4 failure to its gateway
// response (docs/behaviour.md#GWR-1 and docs/behaviour.md#IAM-1, docs/behaviour.md#DEC-SIGV4-EXPIRED).
func TestIAM_SignatureFailures(t *testing.T) {
	c := compile(t, chainAPI(""), &apimodel.Method{HTTPMethod: "GET", AuthorizationType: apimodel.AuthIAM},
		Options{Identities: []IAMIdentity{identity(t, "AKIDALICE", "arn:aws:iam::123456789012:user/alice", testAccount, idAllow)}})
	tests := []struct {
		name          string
		req           func() *reqctx.Request
		wantType      gwresponse.Type
		wantErrorType string
		wantMsg       string
	}{
		{"Unsigned_MissingAuthenticationToken", func() *reqctx.Request { return request("GET", testPath, "") },
			gwresponse.MissingAuthenticationToken, "", "Missing Authentication Token"},
		{"BearerHeader_IncompleteSignature", func() *reqctx.Request { return request("GET", testPath, "Bearer sometoken") },
			gwresponse.MissingAuthenticationToken, "IncompleteSignatureException", "'sometoken' not a valid key=value pair (missing equal-sign) in Authorization header: 'Bearer sometoken'."},
		{"WrongSecret_InvalidSignature", func() *reqctx.Request { return signed(t, "AKIDALICE", "wrong", "", testNow) },
			gwresponse.InvalidSignature, "", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."},
		{"Expired_InvalidSignature", func() *reqctx.Request {
			return signed(t, "AKIDALICE", "secret-AKIDALICE", "", testNow.Add(-6*time.Minute))
		},
			gwresponse.InvalidSignature, "", "Signature expired: 20270115T075400Z is now earlier than 20270115T075500Z (20270115T080000Z - 5 min.)"},
		{"UnknownKey_403", func() *reqctx.Request { return signed(t, "AKIDNOBODY", "x", "", testNow) },
			gwresponse.Default4XX, "AccessDeniedException", "The security token included in the request is invalid."},
		// A valid signature with a second, different Authorization line: the
		// verifier and a backend would read different credentials.
		{"RepeatedAuthorization_IncompleteSignature", func() *reqctx.Request {
			r := signed(t, "AKIDALICE", "secret-AKIDALICE", "", testNow)
			r.Headers = append([]reqctx.Header{{Name: "authorization", Value: "AWS4-HMAC-SHA256 Credential=AKIDMALLORY/x"}}, r.Headers...)
			return r
		}, gwresponse.MissingAuthenticationToken, "IncompleteSignatureException", "Authorization header requires 'Credential' parameter."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.req()
			var ge *gwresponse.Error
			if err := c.Authorize(context.Background(), r); !errors.As(err, &ge) {
				t.Fatalf("err = %v, want a gateway error", err)
			}
			got := [3]string{string(ge.Type), ge.ErrorType, ge.Message}
			if diff := cmp.Diff([3]string{string(tc.wantType), tc.wantErrorType, tc.wantMsg}, got); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
			if tc.wantType == gwresponse.Default4XX && ge.Status != 403 {
				t.Fatalf("status = %d, want 403", ge.Status)
			}
		})
	}
}

// lambdaChain compiles a TOKEN-authorized method whose function answers
// with policy; calls counts invocations.
func lambdaChain(t *testing.T, rp, pol string, calls *atomic.Int32) *Chain {
	t.Helper()
	api := chainAPI(rp)
	api.Authorizers["Tok"] = tokenAuthorizer(0)
	api.Authorizers["Tok"].ID = "Tok"
	inv := invokerFunc(func(context.Context, *apimodel.Function, []byte) (function.Result, error) {
		calls.Add(1)
		return function.Result{Payload: []byte(`{"principalId":"alice","policyDocument":` + pol + `,"usageIdentifierKey":"authorizer-key-000000000001"}`)}, nil
	})
	return compile(t, api, &apimodel.Method{HTTPMethod: "GET", AuthorizationType: apimodel.AuthCustom, AuthorizerID: "Tok"}, Options{
		Invoker:   inv,
		Functions: func(string, string) *apimodel.Function { return &apimodel.Function{Name: "AuthFn"} },
	})
}

// TestLambda_ResourcePolicy_TableA pins the Lambda-authorizer workflow of
// docs/behaviour.md#RP-2: an explicit Deny of the resource policy denies before the
// authorizer is invoked (anonymous message); otherwise the authorizer's
// policy and the resource policy combine per Table A, so that an
// authorizer policy that neither allows nor denies is enough when the
// resource policy allows.
func TestLambda_ResourcePolicy_TableA(t *testing.T) {
	pols := map[string]string{"Allow": idAllow, "Neither": idNeither, "Deny": idDeny}
	rps := map[string]string{"Allow": rpAllow, "Neither": rpNeither, "Deny": rpDeny, "None": ""}
	arn := "arn:aws:execute-api:us-east-1:123456789012:abcde12345/prod/GET/users/43/info"
	tests := []struct {
		authz, rp string
		want      policy.Effect
		wantMsg   string
		wantCalls int32
	}{
		{"Allow", "Allow", allow, "", 1},
		{"Allow", "Neither", allow, "", 1},
		{"Allow", "Deny", explicit, "User: anonymous is not authorized to perform: execute-api:Invoke on resource: " + arn + " with an explicit deny", 0},
		{"Neither", "Allow", allow, "", 1},
		{"Neither", "Neither", implicit, "User is not authorized to access this resource", 1},
		{"Neither", "Deny", explicit, "User: anonymous is not authorized to perform: execute-api:Invoke on resource: " + arn + " with an explicit deny", 0},
		{"Deny", "Allow", explicit, "User is not authorized to access this resource with an explicit deny", 1},
		{"Deny", "Neither", explicit, "User is not authorized to access this resource with an explicit deny", 1},
		{"Deny", "Deny", explicit, "User: anonymous is not authorized to perform: execute-api:Invoke on resource: " + arn + " with an explicit deny", 0},
		{"Neither", "None", implicit, "User is not authorized to access this resource", 1},
		{"Allow", "None", allow, "", 1},
	}
	for _, tc := range tests {
		t.Run("Authorizer"+tc.authz+"_Resource"+tc.rp, func(t *testing.T) {
			var calls atomic.Int32
			c := lambdaChain(t, rps[tc.rp], pols[tc.authz], &calls)
			r := request("GET", testPath, "tok")
			got, msg := effectOf(t, c.Authorize(context.Background(), r))
			if got != tc.want || msg != tc.wantMsg {
				t.Fatalf("got %s %q, want %s %q", got, msg, tc.want, tc.wantMsg)
			}
			if calls.Load() != tc.wantCalls {
				t.Fatalf("authorizer invocations = %d, want %d", calls.Load(), tc.wantCalls)
			}
			if got == allow && (r.Authorizer == nil || r.Authorizer.PrincipalID != "alice") {
				t.Fatalf("authorizer context = %+v", r.Authorizer)
			}
		})
	}
}

// TestNone_ResourcePolicy pins "resource policy only" (docs/behaviour.md#RP-2): an
// explicit Allow is required; denials name the anonymous caller.
func TestNone_ResourcePolicy(t *testing.T) {
	arn := "arn:aws:execute-api:us-east-1:123456789012:abcde12345/prod/GET/users/43/info"
	for _, tc := range []struct {
		rp      string
		wantMsg string
	}{
		{rpAllow, ""},
		{rpNeither, "User: anonymous is not authorized to perform: execute-api:Invoke on resource: " + arn},
		{rpDeny, "User: anonymous is not authorized to perform: execute-api:Invoke on resource: " + arn + " with an explicit deny"},
	} {
		c := compile(t, chainAPI(tc.rp), &apimodel.Method{HTTPMethod: "GET", AuthorizationType: apimodel.AuthNone}, Options{})
		_, msg := effectOf(t, c.Authorize(context.Background(), request("GET", testPath, "")))
		if msg != tc.wantMsg {
			t.Errorf("message = %q, want %q", msg, tc.wantMsg)
		}
	}
	if c := compile(t, chainAPI(""), &apimodel.Method{HTTPMethod: "GET"}, Options{}); c != nil {
		t.Errorf("a NONE method without resource policy or API key compiled to %v, want nothing to check", c)
	}
}

// TestResourcePolicy_ConditionOperators runs every condition operator end
// to end through a NONE method's resource policy (docs/behaviour.md#RP-4): each case is
// a request that satisfies the condition (allowed) and one that does not
// (403 anonymous). The ARN operators test aws:PrincipalArn, which only IAM
// callers carry.
func TestResourcePolicy_ConditionOperators(t *testing.T) {
	type mod func(r *reqctx.Request)
	ip := func(s string) mod { return func(r *reqctx.Request) { r.SourceIP = s } }
	hdr := func(n, v string) mod {
		return func(r *reqctx.Request) { r.Headers = append(r.Headers, reqctx.Header{Name: n, Value: v}) }
	}
	at := func(t time.Time) mod { return func(r *reqctx.Request) { r.Time = t } }
	secure := func(b bool) mod { return func(r *reqctx.Request) { r.Secure = b } }
	none := func(*reqctx.Request) {}
	tests := []struct {
		name      string
		condition string
		pass      mod
		fail      mod
		iam       bool // caller ARN arn:aws:iam::123456789012:user/alice vs …:user/bob
	}{
		{"IpAddress", `{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.0.2.1/32"]}}`, ip("10.1.2.3"), ip("127.0.0.1"), false},
		{"NotIpAddress", `{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ip("127.0.0.1"), ip("10.9.9.9"), false},
		{"IpAddress_IPv6", `{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}`, ip("2001:db8::1"), ip("::1"), false},
		{"StringEquals", `{"StringEquals":{"aws:UserAgent":"curl/8.0"}}`, hdr("User-Agent", "curl/8.0"), hdr("User-Agent", "Curl/8.0"), false},
		{"StringNotEquals", `{"StringNotEquals":{"aws:UserAgent":"bad-bot"}}`, hdr("User-Agent", "curl/8.0"), hdr("User-Agent", "bad-bot"), false},
		{"StringEqualsIgnoreCase", `{"StringEqualsIgnoreCase":{"aws:UserAgent":"CURL/8.0"}}`, hdr("User-Agent", "curl/8.0"), hdr("User-Agent", "wget"), false},
		{"StringNotEqualsIgnoreCase", `{"StringNotEqualsIgnoreCase":{"aws:UserAgent":"BAD-BOT"}}`, hdr("User-Agent", "curl"), hdr("User-Agent", "bad-bot"), false},
		{"StringLike", `{"StringLike":{"aws:Referer":"https://*.example.com/*"}}`, hdr("Referer", "https://app.example.com/x"), hdr("Referer", "https://evil.test/"), false},
		{"StringNotLike", `{"StringNotLike":{"aws:Referer":"https://evil.*"}}`, hdr("Referer", "https://app.example.com/"), hdr("Referer", "https://evil.test/"), false},
		{"StringEquals_MissingKey_False", `{"StringEquals":{"aws:Referer":"x"}}`, hdr("Referer", "x"), none, false},
		{"StringNotEquals_MissingKey_True", `{"StringNotEquals":{"aws:Referer":"x"}}`, none, hdr("Referer", "x"), false},
		{"StringEqualsIfExists", `{"StringEqualsIfExists":{"aws:Referer":"https://ok/"}}`, none, hdr("Referer", "https://other/"), false},
		{"NumericEquals", `{"NumericEquals":{"aws:EpochTime":"1800000000"}}`, at(testNow), at(testNow.Add(time.Second)), false},
		{"NumericNotEquals", `{"NumericNotEquals":{"aws:EpochTime":"1"}}`, at(testNow), at(time.Unix(1, 0)), false},
		{"NumericLessThan", `{"NumericLessThan":{"aws:EpochTime":"1800000001"}}`, at(testNow), at(testNow.Add(time.Second)), false},
		{"NumericLessThanEquals", `{"NumericLessThanEquals":{"aws:EpochTime":"1800000000"}}`, at(testNow), at(testNow.Add(time.Second)), false},
		{"NumericGreaterThan", `{"NumericGreaterThan":{"aws:EpochTime":"1799999999"}}`, at(testNow), at(testNow.Add(-time.Second)), false},
		{"NumericGreaterThanEquals", `{"NumericGreaterThanEquals":{"aws:EpochTime":"1800000000"}}`, at(testNow), at(testNow.Add(-time.Second)), false},
		{"DateEquals", `{"DateEquals":{"aws:CurrentTime":"2027-01-15T08:00:00Z"}}`, at(testNow), at(testNow.Add(time.Second)), false},
		{"DateNotEquals", `{"DateNotEquals":{"aws:CurrentTime":"2027-01-15T08:00:00Z"}}`, at(testNow.Add(time.Hour)), at(testNow), false},
		{"DateLessThan", `{"DateLessThan":{"aws:CurrentTime":"2027-01-16T00:00:00Z"}}`, at(testNow), at(testNow.Add(24 * time.Hour)), false},
		{"DateLessThanEquals", `{"DateLessThanEquals":{"aws:CurrentTime":"2027-01-15T08:00:00Z"}}`, at(testNow), at(testNow.Add(time.Second)), false},
		{"DateGreaterThan", `{"DateGreaterThan":{"aws:CurrentTime":"2027-01-01T00:00:00Z"}}`, at(testNow), at(testNow.AddDate(-1, 0, 0)), false},
		{"DateGreaterThanEquals", `{"DateGreaterThanEquals":{"aws:EpochTime":"1800000000"}}`, at(testNow), at(testNow.Add(-time.Second)), false},
		{"Bool_SecureTransport", `{"Bool":{"aws:SecureTransport":"true"}}`, secure(true), secure(false), false},
		{"Null_RefererAbsent", `{"Null":{"aws:Referer":"true"}}`, none, hdr("Referer", "x"), false},
		{"ForAnyValue_StringLike", `{"ForAnyValue:StringLike":{"aws:UserAgent":["curl/*","wget/*"]}}`, hdr("User-Agent", "wget/1.0"), hdr("User-Agent", "bot"), false},
		{"ForAllValues_StringEquals", `{"ForAllValues:StringEquals":{"aws:UserAgent":["curl","wget"]}}`, hdr("User-Agent", "curl"), hdr("User-Agent", "bot"), false},
		{"ArnEquals_PrincipalArn", `{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::123456789012:user/alice"}}`, none, none, true},
		{"ArnLike_PrincipalArn", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/al*"}}`, none, none, true},
		{"ArnNotEquals_PrincipalArn", `{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::123456789012:user/bob"}}`, none, none, true},
		{"ArnNotLike_PrincipalArn", `{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/b*"}}`, none, none, true},
		{"StringEquals_PrincipalAccount", `{"StringEquals":{"aws:PrincipalAccount":"123456789012","aws:username":"alice"}}`, none, none, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rp := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":` + tc.condition + `}]}`
			if !tc.iam {
				c := compile(t, chainAPI(rp), &apimodel.Method{HTTPMethod: "GET"}, Options{})
				for _, step := range []struct {
					m    mod
					want policy.Effect
				}{{tc.pass, allow}, {tc.fail, implicit}} {
					r := request("GET", testPath, "")
					r.Time, r.SourceIP = testNow, "127.0.0.1"
					step.m(r)
					if got, msg := effectOf(t, c.Authorize(context.Background(), r)); got != step.want {
						t.Fatalf("effect = %s (%s), want %s", got, msg, step.want)
					}
				}
				return
			}
			// IAM callers in the API's account without identity policies:
			// the resource policy alone decides (Table A, Neither/Allow).
			ids := []IAMIdentity{
				identity(t, "AKIDALICE", "arn:aws:iam::123456789012:user/alice", testAccount),
				identity(t, "AKIDBOB", "arn:aws:iam::123456789012:user/bob", testAccount),
			}
			c := compile(t, chainAPI(rp), &apimodel.Method{HTTPMethod: "GET", AuthorizationType: apimodel.AuthIAM}, Options{Identities: ids})
			if got, msg := effectOf(t, c.Authorize(context.Background(), signed(t, "AKIDALICE", "secret-AKIDALICE", "", testNow))); got != allow {
				t.Fatalf("alice: effect = %s (%s), want Allow", got, msg)
			}
			if got, msg := effectOf(t, c.Authorize(context.Background(), signed(t, "AKIDBOB", "secret-AKIDBOB", "", testNow))); got != implicit {
				t.Fatalf("bob: effect = %s (%s), want ImplicitDeny", got, msg)
			}
		})
	}
}

// TestResourcePolicy_UnknownOperator_DeniesAndWarns: a statement with an
// operator Portcullis does not know denies every request it applies to
// (fail closed).
func TestResourcePolicy_UnknownOperator_DeniesAndWarns(t *testing.T) {
	rp := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringSounds":{"aws:UserAgent":"x"}}}]}`
	c := compile(t, chainAPI(rp), &apimodel.Method{HTTPMethod: "GET"}, Options{})
	got, _ := effectOf(t, c.Authorize(context.Background(), request("GET", testPath, "")))
	if got != explicit {
		t.Fatalf("effect = %s, want ExplicitDeny", got)
	}
}

func apiKeyAPI() *apimodel.API {
	a := chainAPI("")
	a.APIKeys = []*apimodel.APIKey{
		{ID: "k1", Name: "k1", Value: "key-one-0000000000000001", Enabled: true},
		{ID: "k2", Name: "k2", Value: "key-two-0000000000000002", Enabled: false},
		{ID: "k3", Name: "k3", Value: "key-three-00000000000003", Enabled: true},
		{ID: "k4", Name: "k4", Value: "key-four-000000000000004", Enabled: true},
	}
	a.UsagePlans = []*apimodel.UsagePlan{
		{ID: "plan", Stages: []string{"prod"}, KeyIDs: []string{"k1", "k2"}, RateLimit: 100, BurstLimit: 100},
		{ID: "devplan", Stages: []string{"dev"}, KeyIDs: []string{"k4"}},
	}
	return a
}

// TestAPIKey pins docs/behaviour.md#KEY-1: a missing, unknown or disabled key, or one in
// no usage plan of the stage, is 403 {"message":"Forbidden"}
// INVALID_API_KEY; the X-API-Key header is matched case-insensitively; a
// config key joins the plans it names.
func TestAPIKey(t *testing.T) {
	opts := Options{APIKeys: []APIKey{{ID: "cfg", Value: "config-key-0000000000001", Enabled: true, UsagePlans: []string{"*"}}}}
	c := compile(t, apiKeyAPI(), &apimodel.Method{HTTPMethod: "GET", APIKeyRequired: true}, opts)
	tests := []struct {
		name   string
		header string
		value  string
		wantID string // "" = 403
	}{
		{"Missing_403", "", "", ""},
		{"Unknown_403", "X-API-Key", "nobody-00000000000000000", ""},
		{"Disabled_403", "X-API-Key", "key-two-0000000000000002", ""},
		{"NotInAnyPlan_403", "X-API-Key", "key-three-00000000000003", ""},
		{"PlanOfAnotherStage_403", "X-API-Key", "key-four-000000000000004", ""},
		{"Valid", "X-API-Key", "key-one-0000000000000001", "k1"},
		{"Valid_LowerCaseHeader", "x-api-key", "key-one-0000000000000001", "k1"},
		{"ConfigKey", "X-Api-Key", "config-key-0000000000001", "cfg"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := request("GET", testPath, "")
			if tc.header != "" {
				r.Headers = append(r.Headers, reqctx.Header{Name: tc.header, Value: tc.value})
			}
			err := c.Authorize(context.Background(), r)
			if tc.wantID == "" {
				wantGatewayError(t, err, gwresponse.InvalidAPIKey, "Forbidden")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Identity.APIKey != tc.value || r.Identity.APIKeyID != tc.wantID {
				t.Fatalf("identity = %+v", r.Identity)
			}
		})
	}
}

// TestAPIKey_AuthorizerSource pins source AUTHORIZER: the key is the Lambda
// authorizer's usageIdentifierKey, the header is ignored.
func TestAPIKey_AuthorizerSource(t *testing.T) {
	api := apiKeyAPI()
	api.APIKeySource = "AUTHORIZER"
	api.Authorizers["Tok"] = &apimodel.Authorizer{ID: "Tok", Type: apimodel.AuthorizerToken, IdentitySource: "method.request.header.Authorization"}
	key := "key-one-0000000000000001"
	inv := invokerFunc(func(_ context.Context, _ *apimodel.Function, p []byte) (function.Result, error) {
		var ev struct{ AuthorizationToken string }
		_ = json.Unmarshal(p, &ev)
		out := `{"principalId":"a","policyDocument":` + idAllow
		if ev.AuthorizationToken == "with-key" {
			out += `,"usageIdentifierKey":"` + key + `"`
		}
		return function.Result{Payload: []byte(out + "}")}, nil
	})
	c := compile(t, api, &apimodel.Method{HTTPMethod: "GET", AuthorizationType: apimodel.AuthCustom, AuthorizerID: "Tok", APIKeyRequired: true},
		Options{Invoker: inv, Functions: func(string, string) *apimodel.Function { return &apimodel.Function{Name: "f"} }})
	r := request("GET", testPath, "with-key")
	if err := c.Authorize(context.Background(), r); err != nil || r.Identity.APIKeyID != "k1" {
		t.Fatalf("with usageIdentifierKey: err %v, identity %+v", err, r.Identity)
	}
	r = request("GET", testPath, "without-key")
	r.Headers = append(r.Headers, reqctx.Header{Name: "X-API-Key", Value: key})
	wantGatewayError(t, c.Authorize(context.Background(), r), gwresponse.InvalidAPIKey, "Forbidden")
}

// TestAPIKey_UsagePlanLimits pins docs/behaviour.md#THROTTLE-1: over the plan's rate and
// burst is 429 THROTTLED "Too Many Requests"; over its quota 429
// QUOTA_EXCEEDED "Limit Exceeded".
func TestAPIKey_UsagePlanLimits(t *testing.T) {
	api := apiKeyAPI()
	api.UsagePlans[0].RateLimit, api.UsagePlans[0].BurstLimit = 1, 2
	api.UsagePlans = append(api.UsagePlans, &apimodel.UsagePlan{ID: "quota", Stages: []string{"prod"}, KeyIDs: []string{"k3"}, QuotaLimit: 2, QuotaPeriod: "DAY"})
	clk := testenv.NewClock(testNow)
	lim := throttle.NewLocal(throttle.LocalOptions{Clock: clk})
	t.Cleanup(func() { lim.Close() })
	c := compile(t, api, &apimodel.Method{HTTPMethod: "GET", APIKeyRequired: true}, Options{Limiter: lim, Quota: lim, Now: clk.Now})
	call := func(key string) error {
		r := request("GET", testPath, "")
		r.Headers = append(r.Headers, reqctx.Header{Name: "x-api-key", Value: key})
		return c.Authorize(context.Background(), r)
	}
	for i := range 2 {
		if err := call("key-one-0000000000000001"); err != nil {
			t.Fatalf("burst request %d: %v", i, err)
		}
	}
	wantGatewayError(t, call("key-one-0000000000000001"), gwresponse.Throttled, "Too Many Requests")
	for i := range 2 {
		if err := call("key-three-00000000000003"); err != nil {
			t.Fatalf("quota request %d: %v", i, err)
		}
	}
	wantGatewayError(t, call("key-three-00000000000003"), gwresponse.QuotaExceeded, "Limit Exceeded")
}

// TestCallerMayInvoke pins the caller-credentials integration: the
// caller's own policies must allow lambda:InvokeFunction on the function,
// else 500 API_CONFIGURATION_ERROR "Internal server error" (AWS Knowledge
// Center "How do I resolve "Invalid permissions on Lambda function" errors
// from API Gateway REST APIs?").
func TestCallerMayInvoke(t *testing.T) {
	fnARN := "arn:aws:lambda:us-east-1:123456789012:function:Fn"
	lambdaAllow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"` + fnARN + `"}]}`
	ids := []IAMIdentity{
		identity(t, "AKIDALICE", "arn:aws:iam::123456789012:user/alice", testAccount, idAllow, lambdaAllow),
		identity(t, "AKIDBOB", "arn:aws:iam::123456789012:user/bob", testAccount, idAllow),
	}
	a, err := NewAPI(chainAPI(""), Options{Identities: ids, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	c, err := a.Method(&apimodel.Method{HTTPMethod: "GET", AuthorizationType: apimodel.AuthIAM}, "GET /users/{id}/info")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key     string
		wantErr bool
	}{{"AKIDALICE", false}, {"AKIDBOB", true}} {
		r := signed(t, tc.key, "secret-"+tc.key, "", testNow)
		if err := c.Authorize(context.Background(), r); err != nil {
			t.Fatalf("%s: %v", tc.key, err)
		}
		err := a.CallerMayInvoke(r, fnARN)
		if !tc.wantErr {
			if err != nil {
				t.Fatalf("%s: %v", tc.key, err)
			}
			continue
		}
		wantGatewayError(t, err, gwresponse.APIConfigurationError, "Internal server error")
	}
	wantGatewayError(t, a.CallerMayInvoke(request("GET", testPath, ""), fnARN), gwresponse.APIConfigurationError, "Internal server error")
}

// countingVerifier counts verifications, to observe the cache.
type countingVerifier struct {
	v     TokenVerifier
	calls atomic.Int32
}

func (c *countingVerifier) Verify(ctx context.Context, token string, arns, scopes []string, expr string) (*cognito.Identity, error) {
	c.calls.Add(1)
	return c.v.Verify(ctx, token, arns, scopes, expr)
}

const poolARN = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Test"

func testCognito(t *testing.T, now func() time.Time) (*cognito.LocalKey, *countingVerifier) {
	t.Helper()
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	key, err := cognito.NewLocalKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	v, err := cognito.New(context.Background(), cognito.Options{Pools: []cognito.PoolConfig{{ARN: poolARN, Local: true}}, LocalKey: key, Clock: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	return key, &countingVerifier{v: v}
}

// TestCognito pins docs/behaviour.md#COGNITO-1 through the chain: 401 on any token fault,
// claims and scopes to the backend, results cached by token for the
// authorizer's TTL but never past the token's exp, and a resource policy
// that must allow explicitly.
func TestCognito(t *testing.T) {
	clk := testenv.NewClock(testNow)
	key, ver := testCognito(t, clk.Now)
	cache := authcache.NewMemory(authcache.MemoryOptions{Clock: clk})
	t.Cleanup(func() { cache.Close() })
	mk := func(rp string, scopes []string) *Chain {
		api := chainAPI(rp)
		api.Authorizers["Pool"] = &apimodel.Authorizer{ID: "Pool", Type: apimodel.AuthorizerCognito, ProviderARNs: []string{poolARN},
			IdentitySource: "method.request.header.Authorization", ResultTTL: 300}
		return compile(t, api, &apimodel.Method{HTTPMethod: "GET", AuthorizationType: apimodel.AuthCognito, AuthorizerID: "Pool", AuthorizationScopes: scopes},
			Options{Cognito: ver, Cache: cache, Now: clk.Now})
	}
	mint := func(o cognito.MintOptions) string {
		o.PoolID, o.Now = "us-east-1_Test", clk.Now()
		if o.Sub == "" {
			o.Sub = "alice"
		}
		tok, err := cognito.Mint(key, o)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	c := mk("", nil)
	idTok := mint(cognito.MintOptions{Groups: []string{"admin", "dev"}, TTL: 10 * time.Minute})
	for range 2 {
		r := request("GET", testPath, "Bearer "+idTok)
		if err := c.Authorize(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		if r.Authorizer.Claims["sub"] != "alice" || r.Authorizer.Claims["cognito:groups"] != "[admin dev]" {
			t.Fatalf("claims = %v", r.Authorizer.Claims)
		}
	}
	if ver.calls.Load() != 1 {
		t.Fatalf("verifications = %d, want 1 (cached by token)", ver.calls.Load())
	}
	// The token expires after 10 minutes although the TTL is 300 s and the
	// entry was refreshed: never accepted past exp.
	clk.Advance(4 * time.Minute)
	if err := c.Authorize(context.Background(), request("GET", testPath, idTok)); err != nil {
		t.Fatal(err)
	}
	clk.Advance(6*time.Minute + 2*time.Second)
	wantGatewayError(t, c.Authorize(context.Background(), request("GET", testPath, idTok)), gwresponse.Unauthorized, "Unauthorized")

	scoped := mk("", []string{"pets/read"})
	for _, tc := range []struct {
		name  string
		c     *Chain
		token string
		ok    bool
	}{
		{"AccessTokenWithScope", scoped, mint(cognito.MintOptions{Access: true, Scope: []string{"pets/read"}}), true},
		{"AccessTokenWithoutScope_401", scoped, mint(cognito.MintOptions{Access: true}), false},
		{"IDTokenOnScopedMethod_401", scoped, mint(cognito.MintOptions{}), false},
		{"AccessTokenOnUnscopedMethod_401", c, mint(cognito.MintOptions{Access: true}), false},
		{"Tampered_401", c, mint(cognito.MintOptions{})[:100] + "x" + mint(cognito.MintOptions{})[101:], false},
		{"Missing_401", c, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := request("GET", testPath, tc.token)
			err := tc.c.Authorize(context.Background(), r)
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff([]string{"pets/read"}, r.Authorizer.Scopes); diff != "" {
					t.Fatalf("scopes (-want +got):\n%s", diff)
				}
				return
			}
			wantGatewayError(t, err, gwresponse.Unauthorized, "Unauthorized")
		})
	}

	// With a resource policy, the Cognito caller needs its explicit Allow.
	tok := mint(cognito.MintOptions{})
	if err := mk(rpAllow, nil).Authorize(context.Background(), request("GET", testPath, tok)); err != nil {
		t.Fatalf("resource policy Allow: %v", err)
	}
	got, _ := effectOf(t, mk(rpNeither, nil).Authorize(context.Background(), request("GET", testPath, tok)))
	if got != implicit {
		t.Fatalf("resource policy Neither: %s, want ImplicitDeny", got)
	}
}

// TestCognito_KeysUnavailable_500 pins docs/behaviour.md#DEC-AUTHORIZER-FAILURE: a pool without keys is
// AUTHORIZER_FAILURE 500, not 401.
func TestCognito_KeysUnavailable_500(t *testing.T) {
	key, _ := testCognito(t, time.Now)
	v, err := cognito.New(context.Background(), cognito.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	api := chainAPI("")
	api.Authorizers["Pool"] = &apimodel.Authorizer{ID: "Pool", Type: apimodel.AuthorizerCognito, ProviderARNs: []string{poolARN}, IdentitySource: "method.request.header.Authorization"}
	c := compile(t, api, &apimodel.Method{HTTPMethod: "GET", AuthorizationType: apimodel.AuthCognito, AuthorizerID: "Pool"}, Options{Cognito: v, Now: time.Now})
	tok, err := cognito.Mint(key, cognito.MintOptions{PoolID: "us-east-1_Test", Sub: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	wantGatewayError(t, c.Authorize(context.Background(), request("GET", testPath, tok)), gwresponse.AuthorizerFailure, "null")
}

// TestDecode_SharedTierRoundTrip: the Redis tier's Decode hook tells a
// Cognito entry from a Lambda answer.
func TestDecode_SharedTierRoundTrip(t *testing.T) {
	v, err := Decode([]byte(cognitoRawPrefix + `{"claims":{"sub":"a"},"exp":"2027-01-15T08:00:00Z"}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := v.(*cognitoResult).Claims["sub"]; got != "a" {
		t.Fatalf("sub = %q", got)
	}
	if _, err := Decode(allowPolicy("a", "*")); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkChain_IAMWithResourcePolicy is the AWS_IAM path: signature,
// identity policies and resource policy.
func BenchmarkChain_IAMWithResourcePolicy(b *testing.B) {
	c := compile(b, chainAPI(rpAllow), &apimodel.Method{HTTPMethod: "GET", AuthorizationType: apimodel.AuthIAM},
		Options{Identities: []IAMIdentity{identity(b, "AKIDALICE", "arn:aws:iam::123456789012:user/alice", testAccount, idAllow)}})
	r := signed(b, "AKIDALICE", "secret-AKIDALICE", "", testNow)
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Authorize(context.Background(), r); err != nil {
			b.Fatal(err)
		}
	}
}
