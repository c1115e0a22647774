// Package throttle enforces request rates and quotas: the token buckets of
// stage and method throttling (MethodSettings ThrottlingRateLimit and
// ThrottlingBurstLimit) and of usage plans (rate, burst, and a request quota
// per DAY, WEEK or MONTH).
//
// The gateway consults it after route resolution and before authorization
// (docs/behaviour.md#DEC-THROTTLE-ORDER) and answers 429 {"message":"Too Many Requests"} (THROTTLED)
// when Allow refuses, or 429 {"message":"Limit Exceeded"} (QUOTA_EXCEEDED)
// when Consume does (docs/behaviour.md#THROTTLE-1).
//
// Local keeps buckets and counters in process, the default. Redis shares
// them between gateway instances with an atomic Lua script that runs on
// Redis's clock, so instances agree on one limit; when Redis fails it falls
// back to a Local and keeps serving rather than failing requests.
package throttle
