package gateway

import (
	"strings"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// domainModel is testModel with a custom domain: "users" and the
// multi-level "v1/users" map to prod, "any" names no stage.
func domainModel() *apimodel.Model {
	m := testModel("http://127.0.0.1:1")
	m.Domains = []*apimodel.Domain{{Name: "api.example.com", Mappings: []*apimodel.BasePathMapping{
		{BasePath: "users", API: "TestApi", Stage: "prod"},
		{BasePath: "any", API: "TestApi"},
		{BasePath: "v1/users", API: "TestApi", Stage: "prod"},
	}}}
	return m
}

// TestDomainMatch pins base path selection: whole segments only, the
// longest mapping first, the base path alone as the stage root, and the
// encoded spelling cut at the same segment as the decoded one
// (docs/behaviour.md#DOMAIN-1).
func TestDomainMatch(t *testing.T) {
	g, err := New(domainModel(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := (*g.domains.Load())[0]
	for _, tc := range []struct {
		decoded, encoded string
		ok               bool
		base, dec, enc   string
	}{
		{"/users/43", "/users/43", true, "/users", "/43", "/43"},
		{"/users", "/users", true, "/users", "/", "/"},
		{"/v1/users/a b", "/v1/users/a%20b", true, "/v1/users", "/a b", "/a%20b"},
		{"/v1/other", "/v1/other", false, "", "", ""},
		{"/usersx/43", "/usersx/43", false, "", "", ""},
		{"/any/prod/x", "/any/prod/x", true, "/any", "/prod/x", "/prod/x"},
		{"/", "/", false, "", "", ""},
	} {
		mp, dec, enc, ok := d.match(tc.decoded, tc.encoded)
		if ok != tc.ok || ok && (mp.prefix != tc.base || dec != tc.dec || enc != tc.enc) {
			t.Errorf("match(%q) = %v %q %q %t, want %q %q %q %t", tc.decoded, mp, dec, enc, ok, tc.base, tc.dec, tc.enc, tc.ok)
		}
	}
}

// TestNew_RefusesMappingToUnknownStage: a mapping the model's Validate
// would refuse is refused by the compile too, never served elsewhere.
func TestNew_RefusesMappingToUnknownStage(t *testing.T) {
	m := domainModel()
	m.Domains[0].Mappings[0].Stage = "staging"
	if _, err := New(m, Options{}); err == nil {
		t.Fatal("New served a base path mapping to a stage the API lacks")
	}
}

// BenchmarkHandler_Mock_CustomDomain is BenchmarkHandler_Mock through a
// custom domain's base path: the mapping adds no allocation.
func BenchmarkHandler_Mock_CustomDomain(b *testing.B) {
	g, err := New(domainModel(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	h := g.DomainServer(0).Handler
	var ctx fasthttp.RequestCtx
	b.ReportAllocs()
	for b.Loop() {
		ctx.Request.Reset()
		ctx.Response.Reset()
		ctx.Request.Header.SetMethod("OPTIONS")
		ctx.Request.SetRequestURI("/v1/users/43")
		ctx.Request.Header.Set("Origin", "https://example.com")
		h(&ctx)
		if ctx.Response.StatusCode() != 200 {
			b.Fatal(ctx.Response.StatusCode())
		}
	}
}

// FuzzDomainMatch: for any request path the edge accepts, the mapping cuts
// the decoded and the encoded spelling at the same segment (the rest has
// as many segments in both), and what remains is a path ("/..."), so the
// router, the method ARN and the event can never disagree about the path
// below a base path.
func FuzzDomainMatch(f *testing.F) {
	for _, s := range []string{"/users/43", "/v1/users/a%20b", "/users", "/any/prod/x", "/v1/users%2Fx/y", "/", "/usersx"} {
		f.Add(s)
	}
	g, err := New(domainModel(), Options{})
	if err != nil {
		f.Fatal(err)
	}
	d := (*g.domains.Load())[0]
	f.Fuzz(func(t *testing.T, wire string) {
		decoded, encoded, _, err := reqctx.CanonicalPath(wire)
		if err != nil {
			return
		}
		_, dec, enc, ok := d.match(decoded, encoded)
		if !ok {
			return
		}
		if !strings.HasPrefix(dec, "/") || !strings.HasPrefix(enc, "/") {
			t.Fatalf("match(%q, %q) = %q, %q: not paths", decoded, encoded, dec, enc)
		}
		if strings.Count(dec, "/") != strings.Count(enc, "/") && dec != "/" {
			t.Fatalf("match(%q, %q) = %q, %q: segments differ", decoded, encoded, dec, enc)
		}
	})
}

// TestReload_SwapsDomainMappings: a reload swaps a domain's base paths
// with the APIs they point at; a reload that changes how many domains
// there are is refused (each has its own listener) and the old ones keep
// serving.
func TestReload_SwapsDomainMappings(t *testing.T) {
	g, err := New(domainModel(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	status := func(path string) int {
		var ctx fasthttp.RequestCtx
		ctx.Request.Header.SetMethod("OPTIONS")
		ctx.Request.SetRequestURI(path)
		g.DomainServer(0).Handler(&ctx)
		return ctx.Response.StatusCode()
	}
	if s := status("/users/43"); s != 200 {
		t.Fatalf("before reload: %d", s)
	}
	m := domainModel()
	m.Domains[0].Mappings[0].BasePath = "people"
	if err := g.Reload(m, nil); err != nil {
		t.Fatal(err)
	}
	if a, b := status("/users/43"), status("/people/43"); a != 403 || b != 200 {
		t.Fatalf("after reload: /users %d (want 403), /people %d (want 200)", a, b)
	}
	m = domainModel()
	m.Domains = append(m.Domains, &apimodel.Domain{Name: "b.example.com"})
	if err := g.Reload(m, nil); err == nil || !strings.Contains(err.Error(), "custom domains") {
		t.Fatalf("Reload with another domain = %v, want a refusal", err)
	}
	if s := status("/people/43"); s != 200 {
		t.Fatalf("after the refused reload: %d", s)
	}
}
