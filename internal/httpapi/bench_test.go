package httpapi

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// benchAPI is petsAPI with an uncached copy of the simple authorizer.
func benchFixture(b *testing.B) *fixture {
	m := petsAPI()
	nc := *m.Authorizers["simple"]
	nc.Name, nc.ResultTTLSeconds = "uncached", 0
	m.Authorizers["uncached"] = &nc
	m.Routes = append(m.Routes, routes("GET /nocache/{id}")[0])
	m.Routes[len(m.Routes)-1].Integration, m.Routes[len(m.Routes)-1].AuthorizationType, m.Routes[len(m.Routes)-1].Authorizer = "node", "CUSTOM", "uncached"
	return newFixture(b, m)
}

func benchRequest(path string) reqctx.Incoming {
	return reqctx.Incoming{Method: "GET", Target: path, Peer: netip.MustParseAddr("127.0.0.1"), Port: 3000, Protocol: "HTTP/1.1",
		Headers: make([]reqctx.Header, 0, 3+reqctx.ExtraHeaders)}
}

// BenchmarkHandle_LambdaAuthorizer runs a whole request — a Node.js
// payload 2.0 simple authorizer in front of a Node.js backend — with the
// authorizer result cached (TTL 300) and not cached (TTL 0); the difference
// is the cost of one authorizer invocation.
func BenchmarkHandle_LambdaAuthorizer(b *testing.B) {
	f := benchFixture(b)
	for _, bc := range []struct{ name, path string }{{"cached", "/pets/1"}, {"uncached", "/nocache/1"}} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				in := benchRequest(bc.path)
				in.Headers = append(in.Headers, reqctx.Header{Name: "Host", Value: "127.0.0.1:3000"},
					reqctx.Header{Name: "Authorization", Value: "allow-bench"})
				in.Time = time.Now()
				if r := f.api.Handle(ctx, in); r.Status != 200 {
					b.Fatalf("%d %s", r.Status, r.Body)
				}
			}
		})
	}
}

// BenchmarkLambdaAuthorizer_CacheHit is the gateway's own cost of a cached
// authorizer decision: identity sources, cache key, lookup, simple result.
func BenchmarkLambdaAuthorizer_CacheHit(b *testing.B) {
	f := benchFixture(b)
	la := f.api.lambdaAuth["simple"]
	r := &reqctx.Request{Method: "GET", Stage: "$default", DecodedPath: "/pets/1", Path: "/pets/1", Time: time.Now(),
		Headers: []reqctx.Header{{Name: "Host", Value: "h"}, {Name: "Authorization", Value: "allow-hit"}}}
	const arn = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/$default/GET/pets/1"
	ctx := context.Background()
	if _, err := f.api.runLambdaAuthorizer(ctx, la, r, "GET /pets/{id}", arn); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.api.runLambdaAuthorizer(ctx, la, r, "GET /pets/{id}", arn); err != nil {
			b.Fatal(err)
		}
	}
}
