package router_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/router"
)

func tree(t testing.TB, spec map[string][]string) *router.Tree {
	t.Helper()
	var rs []*apimodel.Resource
	for path, verbs := range spec {
		r := &apimodel.Resource{Path: path, Methods: map[string]*apimodel.Method{}}
		for _, v := range verbs {
			r.Methods[v] = &apimodel.Method{HTTPMethod: v}
		}
		rs = append(rs, r)
	}
	tr, err := router.New(rs)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestMatch pins API Gateway's REST routing rules (docs/behaviour.md#ROUTE-1).
func TestMatch(t *testing.T) {
	tr := tree(t, map[string][]string{
		"/":                       {"GET"},
		"/pets":                   {"GET", "POST"},
		"/pets/{id}":              {"GET", "ANY"},
		"/pets/mine":              {"GET"},
		"/pets/{id}/toys":         {"GET"},
		"/{proxy+}":               {"ANY"},
		"/files/{path+}":          {"GET"},
		"/users":                  nil,
		"/users/{userId}/info":    {"GET"},
		"/a/{b}":                  {"GET"},
		"/{a}/b":                  {"GET"},
		"/only/{x}/deep/static":   {"GET"},
		"/only/{x}/deep/{y}/more": {"GET"},
	})
	tests := []struct {
		name       string
		verb, path string
		wantRes    string
		wantVerb   string // "" = resource found but no method
		wantParams []router.Param
		notFound   bool
	}{
		{name: "stage root", verb: "GET", path: "/", wantRes: "/", wantVerb: "GET"},
		{name: "static", verb: "GET", path: "/pets", wantRes: "/pets", wantVerb: "GET"},
		{name: "trailing slash ignored", verb: "GET", path: "/pets/", wantRes: "/pets", wantVerb: "GET"},
		{name: "static beats param", verb: "GET", path: "/pets/mine", wantRes: "/pets/mine", wantVerb: "GET"},
		{name: "param", verb: "GET", path: "/pets/42", wantRes: "/pets/{id}", wantVerb: "GET", wantParams: []router.Param{{"id", "42"}}},
		{name: "explicit verb beats ANY", verb: "GET", path: "/pets/7", wantRes: "/pets/{id}", wantVerb: "GET", wantParams: []router.Param{{"id", "7"}}},
		{name: "ANY covers other verbs", verb: "DELETE", path: "/pets/7", wantRes: "/pets/{id}", wantVerb: "ANY", wantParams: []router.Param{{"id", "7"}}},
		{name: "param taken as decoded", verb: "GET", path: "/pets/a b", wantRes: "/pets/{id}", wantVerb: "GET", wantParams: []router.Param{{"id", "a b"}}},
		{name: "a literal percent is not decoded again", verb: "GET", path: "/pets/a%2F", wantRes: "/pets/{id}", wantVerb: "GET", wantParams: []router.Param{{"id", "a%2F"}}},
		{name: "nested param", verb: "GET", path: "/pets/9/toys", wantRes: "/pets/{id}/toys", wantVerb: "GET", wantParams: []router.Param{{"id", "9"}}},
		{name: "static resource without the verb is no method", verb: "POST", path: "/pets/mine", wantRes: "/pets/mine"},
		{name: "greedy catches the rest", verb: "GET", path: "/anything/at/all", wantRes: "/{proxy+}", wantVerb: "ANY", wantParams: []router.Param{{"proxy", "anything/at/all"}}},
		{name: "greedy below static prefix", verb: "GET", path: "/files/a/b.txt", wantRes: "/files/{path+}", wantVerb: "GET", wantParams: []router.Param{{"path", "a/b.txt"}}},
		{name: "greedy needs one segment", verb: "GET", path: "/files", wantRes: "/{proxy+}", wantVerb: "ANY", wantParams: []router.Param{{"proxy", "files"}}},
		{name: "dead end backtracks to greedy", verb: "GET", path: "/pets/9/toys/extra", wantRes: "/{proxy+}", wantVerb: "ANY", wantParams: []router.Param{{"proxy", "pets/9/toys/extra"}}},
		{name: "resource without methods", verb: "GET", path: "/users", wantRes: "/users"},
		{name: "users info", verb: "GET", path: "/users/43/info", wantRes: "/users/{userId}/info", wantVerb: "GET", wantParams: []router.Param{{"userId", "43"}}},
		{name: "static a then param", verb: "GET", path: "/a/x", wantRes: "/a/{b}", wantVerb: "GET", wantParams: []router.Param{{"b", "x"}}},
		{name: "backtrack from static a to param a", verb: "GET", path: "/a/b", wantRes: "/a/{b}", wantVerb: "GET", wantParams: []router.Param{{"b", "b"}}},
		{name: "param a then static b", verb: "GET", path: "/z/b", wantRes: "/{a}/b", wantVerb: "GET", wantParams: []router.Param{{"a", "z"}}},
		{name: "deep backtrack drops params of failed branch", verb: "GET", path: "/only/1/deep/2/more", wantRes: "/only/{x}/deep/{y}/more", wantVerb: "GET", wantParams: []router.Param{{"x", "1"}, {"y", "2"}}},
		{name: "HEAD is not served by GET", verb: "HEAD", path: "/pets", wantRes: "/pets"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, m, params, found := tr.Match(tc.verb, tc.path, nil)
			if found == tc.notFound {
				t.Fatalf("found = %v, want %v", found, !tc.notFound)
			}
			if !found {
				return
			}
			if res.Path != tc.wantRes {
				t.Errorf("resource = %s, want %s", res.Path, tc.wantRes)
			}
			gotVerb := ""
			if m != nil {
				gotVerb = m.HTTPMethod
			}
			if gotVerb != tc.wantVerb {
				t.Errorf("method = %q, want %q", gotVerb, tc.wantVerb)
			}
			if diff := cmp.Diff(tc.wantParams, params, cmp.Comparer(func(a, b []router.Param) bool {
				return len(a) == 0 && len(b) == 0 || cmp.Equal([]router.Param(a), []router.Param(b))
			})); len(tc.wantParams)+len(params) > 0 && diff != "" {
				t.Errorf("params (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMatch_NoGreedy_NotFound(t *testing.T) {
	tr := tree(t, map[string][]string{"/": {"GET"}, "/pets": {"GET"}, "/pets/{id}": {"GET"}})
	for _, p := range []string{"/cats", "/pets/1/2", "/petsx"} {
		if res, _, _, found := tr.Match("GET", p, nil); found {
			t.Errorf("%s matched %s, want no resource", p, res.Path)
		}
	}
}

func TestNew_RejectsInvalidTrees(t *testing.T) {
	tests := []struct {
		name  string
		paths []string
	}{
		{"greedy not last", []string{"/{proxy+}/child"}},
		{"conflicting param names", []string{"/pets/{id}", "/pets/{petId}/x"}},
		{"malformed segment", []string{"/pets/{id"}},
		{"empty param", []string{"/pets/{}"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var rs []*apimodel.Resource
			for _, p := range tc.paths {
				rs = append(rs, &apimodel.Resource{Path: p})
			}
			if _, err := router.New(rs); err == nil {
				t.Fatal("New accepted an invalid tree")
			}
		})
	}
}

func BenchmarkMatch(b *testing.B) {
	tr := tree(b, map[string][]string{
		"/": {"GET"}, "/pets": {"GET"}, "/pets/{id}": {"GET"}, "/pets/{id}/toys": {"GET"},
		"/users/{userId}/info": {"GET"}, "/{proxy+}": {"ANY"},
	})
	params := make([]router.Param, 0, 4)
	b.Run("static", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _, params, _ = tr.Match("GET", "/pets", params)
		}
	})
	b.Run("param", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _, params, _ = tr.Match("GET", "/users/43/info", params)
		}
	})
	b.Run("greedy", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _, params, _ = tr.Match("GET", "/a/b/c/d", params)
		}
	})
}
