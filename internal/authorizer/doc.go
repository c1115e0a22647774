// Package authorizer is the authorization stage of the pipeline: Lambda
// TOKEN and REQUEST authorizers (spec §2–§6), with the result cache,
// strict response parsing and IAM policy evaluation against each request's
// own method ARN.
//
// What API Gateway does, this package does in the same order: read the
// identity sources (a missing one is 401 without invoking the function,
// except for REQUEST authorizers with caching off, D3), consult the cache
// keyed by identity values only, invoke the function on a miss, parse its
// answer strictly (anything unexpected is 500 AuthorizerConfigurationError,
// D6), and evaluate the — possibly cached — policy against this request's
// methodArn. Every decision is explained in the execution log: cache hit or
// miss, the request that filled the entry and its age, and the statement
// that decided; a cached policy that denies a request it would have allowed
// for the filling request gets a warning naming both paths and the fixes.
package authorizer
