// Package authorizer is the authorization stage of the pipeline: for every
// method, in API Gateway's order (spec §1 steps 3–6), the resource policy
// pre-check, the method's authorizer (NONE, AWS_IAM, CUSTOM Lambda TOKEN
// and REQUEST, COGNITO_USER_POOLS), the combination of its decision with
// the resource policy (spec §8.1, Tables A and B) and the API key and usage
// plan check (spec §12.5). NewAPI compiles what the methods of an API share
// and Method returns a method's Chain, which the gateway runs after routing
// and before the integration.
//
// Lambda authorizers (spec §2–§6) work as API Gateway's do: read the
// identity sources (a missing one is 401 without invoking the function,
// except for REQUEST authorizers with caching off, D3), consult the cache
// keyed by identity values only, invoke the function on a miss, parse its
// answer strictly (anything unexpected is 500 AuthorizerConfigurationError,
// D6), and evaluate the — possibly cached — policy against this request's
// methodArn. A cached policy that denies a request it would have allowed
// for the filling request gets a warning naming both paths and the fixes.
//
// AWS_IAM methods verify SigV4 with package sigv4 against the configured
// identities and evaluate their identity policies (spec §9); Cognito
// methods verify the token with package cognito and cache the result by
// token for the authorizer's TTL (spec §10). Every decision is explained
// in the execution log: which document and statement decided, cache hits
// and misses, and why a request was denied.
package authorizer
