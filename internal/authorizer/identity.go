package authorizer

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// identitySource is one compiled identity-source expression (docs/behaviour.md#ID-2),
// resolved by reqctx like every other request expression.
type identitySource struct {
	reqctx.Expr
}

// parseIdentitySources parses API Gateway's comma-separated identitySource.
func parseIdentitySources(s string) ([]identitySource, error) {
	var out []identitySource
	for _, part := range strings.Split(s, ",") {
		e := strings.TrimSpace(part)
		if e == "" {
			continue
		}
		x, err := reqctx.ParseExpr(e, false)
		if err != nil {
			return nil, fmt.Errorf("identity source %w", err)
		}
		if x.Kind == reqctx.ExprPath {
			return nil, fmt.Errorf("identity source %q: want method.request.header.X, method.request.querystring.X, stageVariables.X or context.X", e)
		}
		out = append(out, identitySource{x})
	}
	return out, nil
}

// isHeader reports whether the source is a single-value header.
func (s identitySource) isHeader() bool { return s.Kind == reqctx.ExprHeader }

// value reads one identity source; header names compare case-insensitively,
// query-string names case-sensitively (docs/behaviour.md#ID-2).
func (s identitySource) value(r *reqctx.Request) string {
	v, _ := s.Value(r)
	return v
}

// conflict reports a single-value header or query-string source sent
// several times with different values. The token, the cache key and the event's headers map
// all read the last line, but a backend may read the first: such a request
// is refused before the authorizer runs, so that no value reaches an
// integration that the authorizer did not see.
func (s identitySource) conflict(r *reqctx.Request) bool {
	switch s.Kind {
	case reqctx.ExprHeader:
		return r.HeaderConflict(s.Name)
	case reqctx.ExprQuery:
		return r.QueryConflict(s.Name)
	}
	return false
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
