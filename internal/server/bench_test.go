package server

import (
	"context"
	"github.com/portcullis-gateway/portcullis/internal/testenv"
	"log/slog"
	"testing"

	"github.com/valyala/fasthttp"
)

// BenchmarkHandler_CachedAuthorizer is one request through the whole
// pipeline — stage, router, a TOKEN authorizer answered from its cache
// (policy evaluated against the request's own method ARN), a MOCK
// integration — without the network. The first request fills the cache by
// invoking the real Node.js authorizer.
func BenchmarkHandler_CachedAuthorizer(b *testing.B) { benchCachedAuthorizer(b, 0) }

// BenchmarkHandler_CachedAuthorizer_DecisionsOn is the same request with
// the decision view on: each request is recorded into the ring.
func BenchmarkHandler_CachedAuthorizer_DecisionsOn(b *testing.B) { benchCachedAuthorizer(b, 500) }

func benchCachedAuthorizer(b *testing.B, decisions int) {
	testenv.Require(b, "node")
	srv, err := New(context.Background(), Config{
		DefinitionPath: "testdata/bench/template.yaml", AdminAddr: "127.0.0.1:0",
		Logger: slog.New(slog.DiscardHandler), Decisions: decisions,
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
