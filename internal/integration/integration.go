package integration

import (
	"context"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// Response is what an integration answers.
type Response struct {
	Status  int
	Headers []reqctx.Header
	Body    []byte
}

// Integration is one compiled integration.
type Integration interface {
	// Invoke runs the integration. Errors are *gwresponse.Error.
	Invoke(ctx context.Context, r *reqctx.Request) (*Response, error)
}

// hopByHop headers are not forwarded in either direction (RFC 9110 §7.6.1),
// plus Host, which the upstream request sets from the integration URI.
func hopByHop(name string) bool {
	// Switch on length first so that the common headers cost one compare,
	// and compare case-insensitively without allocating a lower-case copy.
	switch len(name) {
	case 2:
		return strings.EqualFold(name, "te")
	case 4:
		return strings.EqualFold(name, "host")
	case 7:
		return strings.EqualFold(name, "trailer") || strings.EqualFold(name, "upgrade")
	case 10:
		return strings.EqualFold(name, "connection") || strings.EqualFold(name, "keep-alive")
	case 14:
		return strings.EqualFold(name, "content-length")
	case 16:
		return strings.EqualFold(name, "proxy-connection")
	case 17:
		return strings.EqualFold(name, "transfer-encoding")
	case 18:
		return strings.EqualFold(name, "proxy-authenticate")
	case 19:
		return strings.EqualFold(name, "proxy-authorization")
	}
	return false
}

// paramSource resolves a request-parameter mapping expression
// (method.request.header.X, method.request.querystring.X,
// method.request.path.X, stageVariables.X, context.authorizer.X,
// context.X or 'static') against a request.
func paramSource(r *reqctx.Request, expr string) (string, bool) {
	if len(expr) >= 2 && expr[0] == '\'' && expr[len(expr)-1] == '\'' {
		return expr[1 : len(expr)-1], true
	}
	if strings.HasPrefix(expr, "method.request.") {
		return r.MethodRequestParam(expr)
	}
	switch {
	case strings.HasPrefix(expr, "stageVariables."):
		v, ok := r.StageVariables[expr[len("stageVariables."):]]
		return v, ok
	case strings.HasPrefix(expr, "context.authorizer."):
		a := r.Authorizer
		if a == nil {
			return "", false
		}
		key := expr[len("context.authorizer."):]
		if key == "principalId" {
			return a.PrincipalID, true
		}
		if c, ok := strings.CutPrefix(key, "claims."); ok {
			v, ok := a.Claims[c]
			return v, ok
		}
		if v, ok := a.Context[key]; ok && v != nil {
			return *v, true
		}
		return "", false
	case expr == "context.requestId":
		return r.ID, true
	case expr == "context.stage":
		return r.Stage, true
	case expr == "context.identity.sourceIp":
		return r.SourceIP, true
	case expr == "context.httpMethod":
		return r.Method, true
	case expr == "context.resourcePath":
		return r.ResourcePath, true
	}
	return "", false
}
