package router

// The tree mirrors the API's resource tree: one node per path segment of a
// resource template. Matching walks the request path one segment at a time,
// trying the static child, then the {param} child, then the greedy {param+}
// child, and backtracks when a branch cannot consume the rest of the path —
// the "more specific wins, may backtrack" rule of net/http/routing_tree.go,
// with API Gateway's order of specificity.

import (
	"fmt"
	"sort"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
)

// Param is one path parameter of a match.
type Param struct {
	Name  string
	Value string
}

// Tree is a compiled resource tree.
type Tree struct {
	root *node
}

type node struct {
	static     map[string]*node
	param      *node
	paramName  string
	greedy     *node
	greedyName string
	resource   *apimodel.Resource
	methods    [numVerbs]*apimodel.Method
	any        *apimodel.Method
}

var verbs = [...]string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"}

const numVerbs = len(verbs)

func verbIndex(v string) int {
	switch v {
	case "GET":
		return 0
	case "POST":
		return 1
	case "PUT":
		return 2
	case "DELETE":
		return 3
	case "PATCH":
		return 4
	case "HEAD":
		return 5
	case "OPTIONS":
		return 6
	}
	return -1
}

// New compiles resources into a tree. It rejects trees API Gateway rejects:
// a greedy segment that is not last, two different parameter names at one
// level, malformed segments and unknown verbs.
func New(resources []*apimodel.Resource) (*Tree, error) {
	t := &Tree{root: &node{}}
	sorted := append([]*apimodel.Resource(nil), resources...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Path < sorted[j].Path })
	for _, r := range sorted {
		if err := t.add(r); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func (t *Tree) add(r *apimodel.Resource) error {
	if !strings.HasPrefix(r.Path, "/") {
		return fmt.Errorf("resource path %q must start with /", r.Path)
	}
	n := t.root
	segs := splitTemplate(r.Path)
	for i, seg := range segs {
		switch {
		case strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "+}"):
			name := seg[1 : len(seg)-2]
			if !validName(name) {
				return fmt.Errorf("resource %s: malformed greedy segment %q", r.Path, seg)
			}
			if i != len(segs)-1 {
				return fmt.Errorf("resource %s: greedy segment %q must be the last one", r.Path, seg)
			}
			if n.greedy == nil {
				n.greedy, n.greedyName = &node{}, name
			} else if n.greedyName != name {
				return fmt.Errorf("resource %s: greedy parameter {%s+} conflicts with {%s+} at the same level", r.Path, name, n.greedyName)
			}
			n = n.greedy
		case strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}"):
			name := seg[1 : len(seg)-1]
			if !validName(name) {
				return fmt.Errorf("resource %s: malformed parameter segment %q", r.Path, seg)
			}
			if n.param == nil {
				n.param, n.paramName = &node{}, name
			} else if n.paramName != name {
				return fmt.Errorf("resource %s: parameter {%s} conflicts with {%s} at the same level", r.Path, name, n.paramName)
			}
			n = n.param
		default:
			if seg == "" || strings.ContainsAny(seg, "{}") {
				return fmt.Errorf("resource %s: malformed path segment %q", r.Path, seg)
			}
			if n.static == nil {
				n.static = make(map[string]*node)
			}
			c := n.static[seg]
			if c == nil {
				c = &node{}
				n.static[seg] = c
			}
			n = c
		}
	}
	if n.resource != nil && n.resource != r {
		return fmt.Errorf("resource %s defined twice", r.Path)
	}
	n.resource = r
	for verb, m := range r.Methods {
		if verb == apimodel.AnyMethod {
			n.any = m
			continue
		}
		i := verbIndex(verb)
		if i < 0 {
			return fmt.Errorf("resource %s: unsupported HTTP method %q", r.Path, verb)
		}
		n.methods[i] = m
	}
	return nil
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c == '-' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func splitTemplate(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// Match finds the resource for path (the canonical decoded path of
// reqctx.CanonicalPath, starting with "/": no escapes, no empty or dot
// segments) and the method for verb. params receives the path parameters; pass a
// reused slice to keep Match allocation-free. found is false when no
// resource matches; method is nil when the resource has no method for verb.
func (t *Tree) Match(verb, path string, params []Param) (res *apimodel.Resource, method *apimodel.Method, out []Param, found bool) {
	path = strings.TrimRight(path, "/")
	out = params[:0]
	n, out := t.root.match(path, out)
	if n == nil {
		return nil, nil, out[:0], false
	}
	if i := verbIndex(verb); i >= 0 && n.methods[i] != nil {
		method = n.methods[i]
	} else {
		method = n.any
	}
	return n.resource, method, out, true
}

// match consumes path (no trailing slash; "" means "this node") and
// returns the resource node it ends on, with params appended.
func (n *node) match(path string, params []Param) (*node, []Param) {
	if path == "" {
		if n.resource == nil {
			return nil, params
		}
		return n, params
	}
	// path starts with "/"; cut the next segment.
	rest := path[1:]
	seg, tail := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		seg, tail = rest[:i], rest[i:]
	}
	if c := n.static[seg]; c != nil {
		if found, p := c.match(tail, params); found != nil {
			return found, p
		}
	}
	if n.param != nil && seg != "" {
		mark := len(params)
		if found, p := n.param.match(tail, append(params, Param{Name: n.paramName, Value: seg})); found != nil {
			return found, p
		}
		params = params[:mark]
	}
	if n.greedy != nil && n.greedy.resource != nil && strings.Trim(rest, "/") != "" {
		return n.greedy, append(params, Param{Name: n.greedyName, Value: strings.Trim(rest, "/")})
	}
	return nil, params
}
