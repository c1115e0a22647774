// Package httpapi is the data plane of HTTP APIs (API Gateway v2): one
// compiled API answers one request in the order AWS documents,
//
//	stage → route → CORS preflight → authorizer (Lambda REQUEST, JWT, IAM)
//	→ integration (Lambda proxy payload 1.0/2.0, HTTP proxy) → CORS headers
//
// on the canonical request of internal/reqctx. It follows these pages of
// the API Gateway Developer Guide:
//
//   - "Create routes for HTTP APIs in API Gateway" (route keys, stage
//     selection, exact > greedy > $default, {"message":"Not Found"});
//   - "Control access to HTTP APIs with AWS Lambda authorizers" (payload 1.0
//     and 2.0, simple and IAM policy responses, identity sources, caching);
//   - "Control access to HTTP APIs with JWT authorizers" (through the
//     JWTVerifier interface);
//   - "Control access to HTTP APIs with IAM authorization" (SigV4);
//   - "Create AWS Lambda proxy integrations for HTTP APIs" (payload formats);
//   - "Configure CORS for HTTP APIs in API Gateway".
//
// HTTP APIs have no gateway responses to customise: every refusal is a
// fixed {"message": ...} body, rendered in one place (render.go).
package httpapi
