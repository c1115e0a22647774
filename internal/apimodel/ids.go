package apimodel

import (
	"crypto/sha256"
	"strings"
)

const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// DeriveID returns a stable lower-case alphanumeric id of n characters for
// seed, in the style of API Gateway's generated ids (10 for APIs, 6 for
// resources). The same seed always yields the same id, so method ARNs that
// users paste into policies keep working across restarts. Ids longer than
// one digest continue with the digest of the digest.
func DeriveID(seed string, n int) string {
	sum := sha256.Sum256([]byte(seed))
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 && i%len(sum) == 0 {
			sum = sha256.Sum256(sum[:])
		}
		b.WriteByte(idAlphabet[int(sum[i%len(sum)])%len(idAlphabet)])
	}
	return b.String()
}

// MethodARN builds the execute-api ARN of a request (docs/behaviour.md#PIPE-2): the
// request's own verb and concrete path, the stage root as a trailing slash.
func MethodARN(region, account, apiID, stage, verb, path string) string {
	path = strings.TrimPrefix(path, "/")
	var b strings.Builder
	b.Grow(len(region) + len(account) + len(apiID) + len(stage) + len(verb) + len(path) + 32)
	b.WriteString("arn:aws:execute-api:")
	b.WriteString(region)
	b.WriteByte(':')
	b.WriteString(account)
	b.WriteByte(':')
	b.WriteString(apiID)
	b.WriteByte('/')
	b.WriteString(stage)
	b.WriteByte('/')
	b.WriteString(verb)
	b.WriteByte('/')
	b.WriteString(path)
	return b.String()
}

// Deployment identifies one deployed definition, the unit that instances
// share state for (spec: a CloudFormation stack is deployed once per stack
// name, account and region, and each deployment gets APIs of its own).
type Deployment struct {
	StackName string
	AccountID string
	Region    string
}

// Namespace is the deployment's name in shared state (the Redis keys of
// the authorizer cache, throttle buckets and quotas): a 12-character id
// derived from stack name, account and region, so that it is safe inside a
// Redis Cluster hash tag whatever the stack name contains. Instances of one
// deployment compute the same namespace; the API logical ids (and so API
// ids) inside it keep the APIs of one definition apart.
func (d Deployment) Namespace() string {
	return DeriveID("deployment\x00"+d.StackName+"\x00"+d.AccountID+"\x00"+d.Region, 12)
}
