package httpapi

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
)

func routes(keys ...string) []*apimodel.HTTPRoute {
	out := make([]*apimodel.HTTPRoute, len(keys))
	for i, k := range keys {
		out[i] = &apimodel.HTTPRoute{RouteKey: k}
	}
	return out
}

// The evaluation order of "Create routes for HTTP APIs in API Gateway"
// (Routing API requests): a full match of route and method, then a match
// through a greedy path variable, then $default; ANY matches methods
// without a route of their own; no match is {"message":"Not Found"}.
func TestRouter_Match(t *testing.T) {
	rt, err := NewRouter(routes(
		"$default",
		"ANY /{proxy+}",
		"GET /pets/{proxy+}",
		"GET /pets/dog/{id}",
		"GET /pets/dog/1",
		"ANY /pets/dog/{id}",
		"POST /pets",
		"GET /",
	))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		method, path string
		key          string
		params       map[string]string
	}{
		{"GET", "/pets/dog/1", "GET /pets/dog/1", nil},
		{"GET", "/pets/dog/2", "GET /pets/dog/{id}", map[string]string{"id": "2"}},
		{"PUT", "/pets/dog/2", "ANY /pets/dog/{id}", map[string]string{"id": "2"}},
		{"GET", "/pets/cat/1", "GET /pets/{proxy+}", map[string]string{"proxy": "cat/1"}},
		{"POST", "/pets/cat/1", "ANY /{proxy+}", map[string]string{"proxy": "pets/cat/1"}},
		{"POST", "/pets", "POST /pets", nil},
		{"GET", "/pets", "ANY /{proxy+}", map[string]string{"proxy": "pets"}},
		{"GET", "/", "GET /", nil},
		// A greedy variable takes at least one segment: the root falls to
		// $default.
		{"POST", "/", "$default", nil},
		{"GET", "/pets/dog/1/x", "GET /pets/{proxy+}", map[string]string{"proxy": "dog/1/x"}},
		// Literal segments compare exactly: paths are case-sensitive.
		{"GET", "/Pets/dog/1", "ANY /{proxy+}", map[string]string{"proxy": "Pets/dog/1"}},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			m, ok := rt.Match(tt.method, tt.path)
			if !ok {
				t.Fatal("no match")
			}
			if m.Key != tt.key {
				t.Errorf("route %q, want %q", m.Key, tt.key)
			}
			if diff := cmp.Diff(tt.params, m.Params); diff != "" {
				t.Errorf("params (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRouter_NoDefault_NotFound(t *testing.T) {
	rt, err := NewRouter(routes("GET /pets/{id}"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/pets", "/pets/1/2", "/", "/other"} {
		if m, ok := rt.Match("GET", p); ok {
			t.Errorf("%s matched %s", p, m.Key)
		}
	}
	if _, ok := rt.Match("POST", "/pets/1"); ok {
		t.Error("POST matched a GET route")
	}
}

func TestRouter_BadKeys_AllReported(t *testing.T) {
	_, err := NewRouter(routes("GET", "FETCH /x", "GET x", "GET /{proxy+}/x", "GET /a//b", "GET /{}", "GET /a", "GET /a", "GET /x{y}"))
	if err == nil {
		t.Fatal("no error")
	}
	var n int
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var re *RouteError
		if !errors.As(e, &re) {
			t.Errorf("not a RouteError: %v", e)
		}
		n++
	}
	if n != 8 {
		t.Errorf("%d errors, want 8:\n%v", n, err)
	}
}

func FuzzRouter(f *testing.F) {
	f.Add("GET /pets/{id}", "GET", "/pets/1")
	f.Add("ANY /{proxy+}", "POST", "/a/b/c")
	f.Add("$default", "GET", "/")
	f.Fuzz(func(t *testing.T, key, method, path string) {
		rt, err := NewRouter(routes(key))
		if err != nil {
			return
		}
		m, ok := rt.Match(method, path)
		if !ok {
			return
		}
		if m.Key != key {
			t.Fatalf("matched %q, not the only route %q", m.Key, key)
		}
		for _, v := range m.Params {
			if strings.HasPrefix(v, "/") {
				t.Fatalf("param %q", v)
			}
		}
	})
}

func BenchmarkRouter_Match(b *testing.B) {
	keys := []string{"$default", "ANY /{proxy+}", "GET /pets/{proxy+}"}
	for _, r := range []string{"pets", "toys", "users", "orders", "carts", "shops", "items", "tags"} {
		keys = append(keys, "GET /"+r, "GET /"+r+"/{id}", "POST /"+r, "DELETE /"+r+"/{id}")
	}
	rt, err := NewRouter(routes(keys...))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if m, ok := rt.Match("DELETE", "/tags/42"); !ok || m.Key != "DELETE /tags/{id}" {
			b.Fatal(m.Key)
		}
	}
}
