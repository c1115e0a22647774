package apimodel

import (
	"fmt"
	"strings"
)

// SourceKind is where an identity source reads from (docs/behaviour.md#ID-2).
type SourceKind uint8

const (
	SourceHeader SourceKind = iota
	SourceQuery
	SourceStageVariable
	SourceContext
)

// IdentitySource is one expression of an authorizer's identitySource.
type IdentitySource struct {
	Kind SourceKind
	Name string // the header, query-string, stage-variable or context name
	Expr string // the expression as written, trimmed
}

// identityPrefixes are the expressions a REST API identity source may use.
// API Gateway's CreateAuthorizer reference lists exactly these four
// (https://docs.aws.amazon.com/apigateway/latest/api/API_CreateAuthorizer.html,
// "identitySource"); the multi-value forms exist for integration request
// parameters only, and path parameters are refused.
var identityPrefixes = [...]struct {
	prefix string
	kind   SourceKind
}{
	{"method.request.header.", SourceHeader},
	{"method.request.querystring.", SourceQuery},
	{"stageVariables.", SourceStageVariable},
	{"context.", SourceContext},
}

// ParseIdentitySources parses API Gateway's comma-separated identitySource
// expression list. It is the one reading of the grammar: the loaders, the
// model's validation and the authorizer runtime all use it.
func ParseIdentitySources(s string) ([]IdentitySource, error) {
	var out []IdentitySource
	for _, part := range strings.Split(s, ",") {
		e := strings.TrimSpace(part)
		if e == "" {
			continue
		}
		src, err := parseIdentitySource(e)
		if err != nil {
			return nil, err
		}
		out = append(out, src)
	}
	return out, nil
}

func parseIdentitySource(e string) (IdentitySource, error) {
	for _, p := range identityPrefixes {
		name, ok := strings.CutPrefix(e, p.prefix)
		if !ok {
			continue
		}
		if name == "" || strings.ContainsAny(name, " \t\r\n") {
			return IdentitySource{}, fmt.Errorf("identity source %q names nothing usable", e)
		}
		return IdentitySource{Kind: p.kind, Name: name, Expr: e}, nil
	}
	if strings.HasPrefix(e, "method.request.path.") {
		return IdentitySource{}, fmt.Errorf("identity source %q: path parameters cannot be identity sources", e)
	}
	return IdentitySource{}, fmt.Errorf("identity source %q: want method.request.header.NAME, method.request.querystring.NAME, stageVariables.NAME or context.NAME", e)
}

// TokenHeader returns the header of a TOKEN or COGNITO_USER_POOLS
// authorizer's identity source, which must be exactly one header (docs/behaviour.md#ID-1).
func TokenHeader(identitySource string) (string, error) {
	if strings.TrimSpace(identitySource) == "" {
		return "", fmt.Errorf("the identity source is missing: want one header, method.request.header.NAME")
	}
	srcs, err := ParseIdentitySources(identitySource)
	if err != nil {
		return "", err
	}
	if len(srcs) != 1 || srcs[0].Kind != SourceHeader {
		return "", fmt.Errorf("the identity source must be exactly one header, method.request.header.NAME, not %q", identitySource)
	}
	return srcs[0].Name, nil
}
