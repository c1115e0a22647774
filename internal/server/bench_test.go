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
	do := cachedAuthorizerRequest(b, decisions)
	b.ReportAllocs()
	for b.Loop() {
		do()
	}
}

// Issue 15: with the decision view on, a request answered from the
// authorizer cache costs at most two allocations more than with it off.
func TestCachedAuthorizer_ViewCostsAtMostTwoAllocations(t *testing.T) {
	allocs := func(decisions int) float64 {
		do := cachedAuthorizerRequest(t, decisions)
		for range 20 { // past the ring's size: its storage is recycled
			do()
		}
		return testing.AllocsPerRun(200, do)
	}
	off, on := allocs(0), allocs(10)
	if on > off+2 {
		t.Errorf("view on: %v allocations a request, off: %v; want at most 2 more", on, off)
	}
}

// cachedAuthorizerRequest starts the benchmark's server and returns one
// request through it, after a first that fills the authorizer cache.
func cachedAuthorizerRequest(tb testing.TB, decisions int) func() {
	testenv.Require(tb, "node")
	srv, err := New(context.Background(), Config{
		DefinitionPath: "testdata/bench/template.yaml", AdminAddr: "127.0.0.1:0",
		Logger: slog.New(slog.DiscardHandler), Decisions: decisions,
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { srv.Close() })
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
			tb.Fatalf("status %d: %s", ctx.Response.StatusCode(), ctx.Response.Body())
		}
	}
	do()
	return do
}
