// Package admin is the admin listener (127.0.0.1:3001 by default, never
// public unless asked): the subset of API Gateway's management API that
// AWS SDKs and the CLI can call with --endpoint-url, starting with
// FlushStageAuthorizersCache (DELETE
// /restapis/{restapi_id}/stages/{stage_name}/cache/authorizers, 202), plus
// /healthz and /readyz. Wire formats — paths, status codes, error shapes
// with x-amzn-ErrorType — are API Gateway's.
package admin
