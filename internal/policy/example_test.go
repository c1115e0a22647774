package policy_test

import (
	"fmt"

	"github.com/portcullis-gateway/portcullis/internal/policy"
)

// A Lambda authorizer's policy scoped to the request's own method ARN,
// evaluated again for the next path while it is cached
// (docs/behaviour.md#CACHE-2): the first path is allowed, the second
// implicitly denied.
func ExampleDocument_Evaluate() {
	doc, err := policy.Parse([]byte(`{
		"Version": "2012-10-17",
		"Statement": [{
			"Effect": "Allow",
			"Action": "execute-api:Invoke",
			"Resource": "arn:aws:execute-api:us-east-1:123456789012:abcde12345/prod/GET/users/43/info"
		}]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, path := range []string{"/users/43/info", "/users/44/info"} {
		dec := doc.Evaluate(&policy.Request{
			Action:   policy.ActionInvoke,
			Resource: "arn:aws:execute-api:us-east-1:123456789012:abcde12345/prod/GET" + path,
		})
		fmt.Printf("GET %s: %s\n", path, dec.Effect)
	}
	// Output:
	// GET /users/43/info: Allow
	// GET /users/44/info: ImplicitDeny
}

// An explicit Deny beats an Allow (docs/behaviour.md#POLICY-1); the
// decision names the statement that decided.
func ExampleEvaluate() {
	allowAll, _ := policy.Parse([]byte(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"execute-api:*","Resource":"*"}}`))
	denyAdmin, _ := policy.Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Sid":"NoAdmin","Effect":"Deny","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:*/*/*/admin/*"}]}`))
	dec := policy.Evaluate([]*policy.Document{allowAll, denyAdmin}, &policy.Request{
		Action:   policy.ActionInvoke,
		Resource: "arn:aws:execute-api:us-east-1:123456789012:abcde12345/prod/DELETE/admin/users",
	})
	fmt.Println(dec.Effect, dec.Sid)
	// Output: ExplicitDeny NoAdmin
}
