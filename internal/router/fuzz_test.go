package router

import (
	"strings"
	"testing"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
)

// fuzzResources is a tree with every kind of segment side by side.
func fuzzResources() []*apimodel.Resource {
	var out []*apimodel.Resource
	for _, p := range []string{"/", "/admin", "/items/{id}", "/items/{id}/parts", "/items/mine", "/{proxy+}",
		"/files/{key+}", "/a/{b}/c/{d+}", "/a/x"} {
		out = append(out, &apimodel.Resource{ID: p, Path: p, Methods: map[string]*apimodel.Method{"GET": {HTTPMethod: "GET"}}})
	}
	return out
}

// FuzzMatch checks Match against the definition of a match: the resource it
// returns, with the parameters it returns substituted, spells the path; a
// greedy parameter is never empty; and "no match" means that no resource
// template could spell the path at all.
func FuzzMatch(f *testing.F) {
	for _, s := range []string{"/", "/admin", "/items/1", "/items/1/parts", "/a/b/c/d/e", "/x", "/files/a/b", "/a/x"} {
		f.Add(s)
	}
	res := fuzzResources()
	tree, err := New(res)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if !strings.HasPrefix(p, "/") || strings.Contains(p, "//") || (len(p) > 1 && strings.HasSuffix(p, "/")) {
			return // the router takes canonical paths only (reqctx.CanonicalPath)
		}
		r, _, params, found := tree.Match("GET", p, nil)
		if !found {
			for _, c := range res {
				if spells(c.Path, p) {
					t.Fatalf("%q: no match, but %s spells it", p, c.Path)
				}
			}
			return
		}
		got := r.Path
		for _, pr := range params {
			if pr.Value == "" {
				t.Fatalf("%q: empty parameter %s", p, pr.Name)
			}
			got = strings.Replace(got, "{"+pr.Name+"+}", pr.Value, 1)
			got = strings.Replace(got, "{"+pr.Name+"}", pr.Value, 1)
		}
		if got != p {
			t.Fatalf("%q matched %s with %v, which spells %q", p, r.Path, params, got)
		}
	})
}

// spells reports whether a resource template could match path at all,
// without API Gateway's precedence.
func spells(tmpl, path string) bool {
	ts := strings.Split(strings.Trim(tmpl, "/"), "/")
	ps := strings.Split(strings.Trim(path, "/"), "/")
	if tmpl == "/" || path == "/" {
		return tmpl == path
	}
	for i, s := range ts {
		if strings.HasSuffix(s, "+}") {
			return i < len(ps)
		}
		if i >= len(ps) || ps[i] == "" {
			return false
		}
		if !strings.HasPrefix(s, "{") && s != ps[i] {
			return false
		}
	}
	return len(ps) == len(ts)
}
