package authorizer

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// sourceKind is where an identity source reads from (spec §3.2).
type sourceKind uint8

const (
	srcHeader sourceKind = iota
	srcQuery
	srcStageVariable
	srcContext
)

// identitySource is one compiled identity-source expression.
type identitySource struct {
	kind sourceKind
	name string
	expr string
}

// parseIdentitySources parses API Gateway's comma-separated identitySource.
func parseIdentitySources(s string) ([]identitySource, error) {
	var out []identitySource
	for _, part := range strings.Split(s, ",") {
		e := strings.TrimSpace(part)
		if e == "" {
			continue
		}
		var src identitySource
		switch {
		case strings.HasPrefix(e, "method.request.header."):
			src = identitySource{srcHeader, e[len("method.request.header."):], e}
		case strings.HasPrefix(e, "method.request.querystring."):
			src = identitySource{srcQuery, e[len("method.request.querystring."):], e}
		case strings.HasPrefix(e, "stageVariables."):
			src = identitySource{srcStageVariable, e[len("stageVariables."):], e}
		case strings.HasPrefix(e, "context."):
			src = identitySource{srcContext, e[len("context."):], e}
		default:
			return nil, fmt.Errorf("identity source %q: want method.request.header.X, method.request.querystring.X, stageVariables.X or context.X", e)
		}
		if src.name == "" {
			return nil, fmt.Errorf("identity source %q names nothing", e)
		}
		out = append(out, src)
	}
	return out, nil
}

// value reads one identity source; header names compare case-insensitively,
// query-string names case-sensitively (spec §3.2).
func (s identitySource) value(r *reqctx.Request) string {
	switch s.kind {
	case srcHeader:
		v, _ := r.HeaderValue(s.name)
		return v
	case srcQuery:
		v, _ := r.QueryValue(s.name)
		return v
	case srcStageVariable:
		return r.StageVariables[s.name]
	case srcContext:
		return contextValue(r, s.name)
	}
	return ""
}

func contextValue(r *reqctx.Request, name string) string {
	switch name {
	case "httpMethod":
		return r.Method
	case "path":
		return "/" + r.Stage + r.Path
	case "resourcePath":
		return r.ResourcePath
	case "resourceId":
		return r.ResourceID
	case "stage":
		return r.Stage
	case "requestId":
		return r.ID
	case "identity.sourceIp":
		return r.SourceIP
	case "identity.userAgent":
		v, _ := r.HeaderValue("User-Agent")
		return v
	case "protocol":
		return r.Protocol
	case "domainName":
		return r.Host
	}
	return ""
}

// cacheIdentity joins identity values length-prefixed, so that no two
// different value lists produce the same key.
func cacheIdentity(values []string) string {
	if len(values) == 1 {
		return values[0]
	}
	var b strings.Builder
	for _, v := range values {
		b.WriteString(strconv.Itoa(len(v)))
		b.WriteByte(':')
		b.WriteString(v)
	}
	return b.String()
}

// mask hides all but the last six characters, as API Gateway's execution
// log does for identities ("********aaaaaa").
func mask(s string) string {
	if len(s) <= 6 {
		return strings.Repeat("*", len(s))
	}
	return "********" + s[len(s)-6:]
}
