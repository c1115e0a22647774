package authorizer

import (
	"fmt"
	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"strconv"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// identitySource is one compiled identity-source expression (docs/behaviour.md#ID-2),
// resolved by reqctx like every other request expression.
type identitySource struct {
	reqctx.Expr
}

// parseIdentitySources reads API Gateway's comma-separated identitySource
// with the model's grammar (apimodel.ParseIdentitySources, the one home of
// what an identity source may be) and compiles each into the request
// expression that resolves it (reqctx.Expr, the one resolver).
func parseIdentitySources(s string) ([]identitySource, error) {
	srcs, err := apimodel.ParseIdentitySources(s)
	if err != nil {
		return nil, err
	}
	out := make([]identitySource, 0, len(srcs))
	for _, src := range srcs {
		x, err := reqctx.ParseExpr(src.Expr, false)
		if err != nil {
			return nil, fmt.Errorf("identity source %w", err)
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
