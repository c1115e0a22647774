// Package authcache is the Lambda authorizer result cache. It sits between
// the authorizer stage and the function invoker: the authorizer asks Get for
// the result belonging to a request's identity, and the cache either returns
// the stored result or runs the fill function (the actual invocation) once
// for every concurrent caller of that identity.
//
// It reproduces API Gateway's authorizer caching (docs/behaviour.md#CACHE-1, docs/behaviour.md#DEC-CACHE-WHAT and
// docs/behaviour.md#DEC-CACHE-SCOPE): entries are scoped to (API, stage, authorizer, identity-source values)
// and live for the authorizer's authorizerResultTtlInSeconds; a TTL of 0
// disables caching. The cache stores the authorizer's whole parsed result,
// never an allow/deny decision, because API Gateway evaluates the cached
// policy against every later request's own methodArn: a policy that names
// only the first request's resource denies the next path until the entry
// expires or the stage's cache is flushed (FlushStageAuthorizersCache).
// Allow and Deny results are cached alike; fill errors (401 Unauthorized,
// 500 failures) are never cached.
//
// Memory is the in-process default. Redis shares entries, flushes and fills
// between the gateway instances of one deployment (its namespace) and keeps
// a Memory tier in front of Redis; when Redis is unreachable it stops
// caching and invokes the authorizer for every request, so no request is
// ever allowed without an authorizer decision and no flush is missed (see
// redis.go and docs/security-model.md).
package authcache
