// Package redisconn turns the --cache URL into a go-redis UniversalClient,
// so that the authorizer cache and the rate limiters reach a single server,
// a Redis Cluster or a Sentinel-managed primary through the same URL forms,
// with the short timeouts that an accelerator on the request path needs.
// Valkey speaks the same protocol and works with every form.
//
// It is not a pipeline stage: the stages that share state through Redis
// (authcache, throttle) call it when they are built, and nothing on the
// request path does.
package redisconn
