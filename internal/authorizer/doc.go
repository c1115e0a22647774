// Package authorizer is the authorization stage of the pipeline: for every
// method, in API Gateway's order (docs/behaviour.md#PIPE-1), the resource policy
// pre-check, the method's authorizer (NONE, AWS_IAM, CUSTOM Lambda TOKEN
// and REQUEST, COGNITO_USER_POOLS), the combination of its decision with
// the resource policy (docs/behaviour.md#RP-2, Tables A and B) and the API key and usage
// plan check (docs/behaviour.md#KEY-1). NewAPI compiles what the methods of an API share
// and Method returns a method's Chain, which the gateway runs after routing
// and before the integration.
//
// Lambda authorizers (docs/behaviour.md#LAMBDA to docs/behaviour.md#CACHE-1) work as API Gateway's do: read the
// identity sources (a missing one is 401 without invoking the function,
// except for REQUEST authorizers with caching off, docs/behaviour.md#DEC-REQUEST-TTL0-SOURCES), consult the cache
// keyed by identity values only, invoke the function on a miss, parse its
// answer strictly (anything unexpected is 500 AuthorizerConfigurationError,
// docs/behaviour.md#DEC-STRICT-AUTHORIZER-RESULT), and evaluate the — possibly cached — policy against this request's
// methodArn. A cached policy that denies a request it would have allowed
// for the filling request gets a warning naming both paths and the fixes.
//
// AWS_IAM methods verify SigV4 with package sigv4 against the configured
// identities and evaluate their identity policies (docs/behaviour.md#IAM-1); Cognito
// methods verify the token with package cognito and cache the result by
// token for the authorizer's TTL (docs/behaviour.md#COGNITO-1). Every decision is explained
// in the execution log: which document and statement decided, cache hits
// and misses, and why a request was denied.
package authorizer
