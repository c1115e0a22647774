package integration

import (
	"fmt"
	"sort"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// requestParams are an integration's integration.request.{path,header,
// querystring}.NAME mappings, parsed once at compile time with the request's
// one expression grammar (reqctx.ParseExpr). HTTP_PROXY, non-proxy HTTP and
// AWS service integrations all read them through here.
type requestParams struct {
	path, header, query []mapping
}

// mapping is one integration request parameter: a target name and the
// request expression that fills it.
type mapping struct {
	name string
	src  reqctx.Expr
}

// compileRequestParams parses the mappings in name order, so that two
// mappings of one header apply the same way every time.
func compileRequestParams(ps map[string]string) (requestParams, error) {
	var out requestParams
	names := make([]string, 0, len(ps))
	for k := range ps {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		rest, _ := strings.CutPrefix(k, "integration.request.")
		loc, name, ok := strings.Cut(rest, ".")
		if !strings.HasPrefix(k, "integration.request.") || !ok || name == "" {
			return requestParams{}, fmt.Errorf("request parameter %s: want integration.request.{path,header,querystring}.NAME", k)
		}
		src, err := reqctx.ParseExpr(ps[k], true)
		if err != nil {
			return requestParams{}, fmt.Errorf("request parameter %s: %w", k, err)
		}
		m := mapping{name, src}
		switch loc {
		case "path":
			out.path = append(out.path, m)
		case "header":
			out.header = append(out.header, m)
		case "querystring":
			out.query = append(out.query, m)
		default:
			return requestParams{}, fmt.Errorf("request parameter %s: want integration.request.{path,header,querystring}.NAME", k)
		}
	}
	return out, nil
}

// escapedPaths resolves the path mappings against r and escapes each value
// for the integration URI the canonical way: a path parameter's value is
// made of canonical segments (a greedy one keeps its separators); any other
// source is one opaque segment, so it can never add a segment, and a bare
// dot segment is refused with API Gateway's configuration error, since it
// would climb the backend's tree.
func (p requestParams) escapedPaths(r *reqctx.Request) (map[string]string, error) {
	if len(p.path) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(p.path))
	for _, m := range p.path {
		v, ok := m.src.Value(r)
		if !ok {
			continue
		}
		e, err := escapePathValue(v, m.src.Kind == reqctx.ExprPath)
		if err != nil {
			return nil, err
		}
		out[m.name] = e
	}
	return out, nil
}

// escapePathValue escapes one value for a URI path placeholder (see
// escapedPaths); segments says whether it holds canonical path segments.
func escapePathValue(v string, segments bool) (string, error) {
	switch {
	case segments:
		return reqctx.EscapePath(v), nil
	case v == "." || v == "..":
		return "", errIllegalPath
	}
	return reqctx.EscapeSegment(v), nil
}

// paths resolves the path mappings against r unescaped; nil when there are
// none.
func (p requestParams) paths(r *reqctx.Request) map[string]string {
	if len(p.path) == 0 {
		return nil
	}
	out := make(map[string]string, len(p.path))
	for _, m := range p.path {
		if v, ok := m.src.Value(r); ok {
			out[m.name] = v
		}
	}
	return out
}

// pairs resolves header or query mappings against r, in name order.
func pairs(ms []mapping, r *reqctx.Request) [][2]string {
	var out [][2]string
	for _, m := range ms {
		if v, ok := m.src.Value(r); ok {
			out = append(out, [2]string{m.name, v})
		}
	}
	return out
}
