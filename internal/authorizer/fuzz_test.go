package authorizer

import (
	"testing"

	"github.com/portcullis-gateway/portcullis/internal/policy"
)

// FuzzParseResult: an authorizer's answer is user input. Parsing never
// panics, and whatever it accepts has a policy that evaluates (a parsed
// Result is cached and evaluated for every later request).
func FuzzParseResult(f *testing.F) {
	for _, s := range []string{
		`{"principalId":"a","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"}]}}`,
		`{"principalId":"a","policyDocument":{"Version":"2012-10-17","Statement":[]},"context":{"n":1,"b":true,"s":"x","z":null}}`,
		`{"principalId":1}`, `null`, `[]`, `{"extra":1}`, `{"principalId":"a","policyDocument":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		res, err := ParseResult(raw)
		if err != nil {
			return
		}
		if res == nil || res.Policy == nil {
			t.Fatalf("accepted %q without a policy", raw)
		}
		_ = res.Policy.Evaluate(&policy.Request{Action: policy.ActionInvoke, Resource: "arn:aws:execute-api:us-east-1:123456789012:abcde12345/prod/GET/x"})
	})
}
