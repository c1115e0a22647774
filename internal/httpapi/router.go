package httpapi

// The router. A route key is "VERB /path" or "$default"; a path segment is
// a literal, a {variable}, or — only as the last segment — a greedy
// {variable+} that takes one or more remaining segments. "Create routes
// for HTTP APIs" ranks candidates: a full match of path and method first,
// then a match through a greedy variable, then $default; ANY matches every
// method that has no route of its own. Within those tiers this router
// prefers, segment by segment from the left, a literal over a variable
// (GET /pets/dog/1 over GET /pets/dog/{id}), then the longer greedy prefix
// (GET /pets/{proxy+} over ANY /{proxy+}), then a route naming the method
// over ANY. The ranking is fixed when the API is compiled, so Match walks
// routes in order and returns the first that fits.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
)

type segment struct {
	literal string
	param   string // "" for a literal
	greedy  bool
}

type route struct {
	key    string
	method string // "ANY" matches all
	path   string
	segs   []segment
	greedy bool
	model  *apimodel.HTTPRoute
}

// Router matches decoded request paths to routes.
type Router struct {
	routes []*route // full-match tier then greedy tier, best first
	def    *route
}

// RouteError is a route key the router cannot serve.
type RouteError struct {
	Key    string
	Reason string
}

func (e *RouteError) Error() string { return fmt.Sprintf("route key %q: %s", e.Key, e.Reason) }

var routeMethods = []string{"ANY", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"}

// NewRouter compiles the routes of an API; every bad key is reported.
func NewRouter(routes []*apimodel.HTTPRoute) (*Router, error) {
	rt := &Router{}
	var errs []error
	seen := map[string]bool{}
	for _, m := range routes {
		r, err := parseRouteKey(m.RouteKey)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if seen[r.key] {
			errs = append(errs, &RouteError{m.RouteKey, "defined twice"})
			continue
		}
		seen[r.key] = true
		r.model = m
		if r.key == apimodel.DefaultRouteKey {
			rt.def = r
			continue
		}
		rt.routes = append(rt.routes, r)
	}
	slices.SortStableFunc(rt.routes, compareRoutes)
	if len(errs) > 0 {
		return nil, joinErrors(errs)
	}
	return rt, nil
}

func parseRouteKey(key string) (*route, error) {
	if key == apimodel.DefaultRouteKey {
		return &route{key: key}, nil
	}
	method, path, ok := strings.Cut(key, " ")
	if !ok || !slices.Contains(routeMethods, method) {
		return nil, &RouteError{key, "must be $default or METHOD /path with METHOD one of " + strings.Join(routeMethods, ", ")}
	}
	if !strings.HasPrefix(path, "/") {
		return nil, &RouteError{key, "the path must start with /"}
	}
	r := &route{key: key, method: method, path: path}
	if path == "/" {
		return r, nil
	}
	parts := strings.Split(path[1:], "/")
	for i, p := range parts {
		if p == "" {
			return nil, &RouteError{key, "the path has an empty segment"}
		}
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			name := p[1 : len(p)-1]
			greedy := strings.HasSuffix(name, "+")
			name = strings.TrimSuffix(name, "+")
			if name == "" || strings.ContainsAny(name, "{}+") {
				return nil, &RouteError{key, "bad path variable " + p}
			}
			if greedy && i != len(parts)-1 {
				return nil, &RouteError{key, "a greedy path variable must be the last segment"}
			}
			r.segs = append(r.segs, segment{param: name, greedy: greedy})
			r.greedy = r.greedy || greedy
			continue
		}
		if strings.ContainsAny(p, "{}") {
			return nil, &RouteError{key, "bad path segment " + p}
		}
		r.segs = append(r.segs, segment{literal: p})
	}
	return r, nil
}

// compareRoutes orders routes best first (see the file comment).
func compareRoutes(a, b *route) int {
	if a.greedy != b.greedy {
		if !a.greedy {
			return -1
		}
		return 1
	}
	if a.greedy && len(a.segs) != len(b.segs) {
		return len(b.segs) - len(a.segs) // longer greedy prefix first
	}
	for i := 0; i < len(a.segs) && i < len(b.segs); i++ {
		al, bl := a.segs[i].param == "", b.segs[i].param == ""
		if al != bl {
			if al {
				return -1
			}
			return 1
		}
	}
	if (a.method == "ANY") != (b.method == "ANY") {
		if a.method != "ANY" {
			return -1
		}
		return 1
	}
	return strings.Compare(a.key, b.key)
}

// Match is a matched route and its path parameters (decoded values).
type Match struct {
	Route  *apimodel.HTTPRoute
	Key    string
	Params map[string]string
}

// Match finds the route for method and a decoded canonical path ("/" or
// "/a/b", no empty segments). ok is false when no route, not even
// $default, matches.
func (rt *Router) Match(method, path string) (Match, bool) {
	var segs []string
	if path != "/" && path != "" {
		segs = strings.Split(strings.TrimPrefix(path, "/"), "/")
	}
	for _, r := range rt.routes {
		if r.method != "ANY" && r.method != method {
			continue
		}
		if params, ok := r.match(segs); ok {
			return Match{Route: r.model, Key: r.key, Params: params}, true
		}
	}
	if rt.def != nil {
		return Match{Route: rt.def.model, Key: rt.def.key}, true
	}
	return Match{}, false
}

func (r *route) match(segs []string) (map[string]string, bool) {
	if r.greedy {
		if len(segs) < len(r.segs) {
			return nil, false
		}
	} else if len(segs) != len(r.segs) {
		return nil, false
	}
	var params map[string]string
	for i, s := range r.segs {
		switch {
		case s.param == "":
			if segs[i] != s.literal {
				return nil, false
			}
		case s.greedy:
			if params == nil {
				params = map[string]string{}
			}
			params[s.param] = strings.Join(segs[i:], "/")
		default:
			if params == nil {
				params = map[string]string{}
			}
			params[s.param] = segs[i]
		}
	}
	return params, true
}

// Keys lists the route keys in match order, $default last.
func (rt *Router) Keys() []string {
	out := make([]string, 0, len(rt.routes)+1)
	for _, r := range rt.routes {
		out = append(out, r.key)
	}
	if rt.def != nil {
		out = append(out, rt.def.key)
	}
	return out
}
