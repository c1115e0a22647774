package server

import (
	"context"
	"log/slog"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/portcullis-gateway/portcullis/internal/testenv"
)

// BenchmarkHandler_CachedAuthorizer is one request through the whole
// pipeline — stage, router, a TOKEN authorizer answered from its cache
// (policy evaluated against the request's own method ARN), a MOCK
// integration — without the network. The first request fills the cache by
// invoking the real Node.js authorizer.
func BenchmarkHandler_CachedAuthorizer(b *testing.B) {
	testenv.Require(b, "node")
	srv, err := New(context.Background(), Config{
		DefinitionPath: "testdata/bench/template.yaml", AdminAddr: "-",
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	h := srv.Gateway().Server(0).Handler
	var ctx fasthttp.RequestCtx
	do := func() {
		ctx.Request.Reset()
		ctx.Response.Reset()
		ctx.Request.Header.SetMethod("GET")
		ctx.Request.SetRequestURI("/prod/users/43")
		ctx.Request.Header.Set("Authorization", "allow-bench")
		h(&ctx)
		if ctx.Response.StatusCode() != 200 {
			b.Fatalf("status %d: %s", ctx.Response.StatusCode(), ctx.Response.Body())
		}
	}
	do()
	b.ReportAllocs()
	for b.Loop() {
		do()
	}
}
