// Command fastproxy is the floor of Portcullis's HTTP stack for
// bench/run.sh: a fasthttp server that hands every request to a pooled
// fasthttp client for one backend and returns the answer, configured as
// Portcullis's listener and upstream client are, with nothing else on the
// path (no routing, authorization, request context, logging or metrics).
// What Portcullis spends above this row is its own per-request cost.
package main

import (
	"flag"
	"log"
	"time"

	"github.com/valyala/fasthttp"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:18130", "address to serve on")
	backend := flag.String("backend", "127.0.0.1:18080", "backend host:port")
	flag.Parse()
	upstream := &fasthttp.HostClient{
		Addr:                          *backend,
		NoDefaultUserAgentHeader:      true,
		DisableHeaderNamesNormalizing: true,
		DisablePathNormalizing:        true,
		MaxConns:                      1024,
		MaxIdleConnDuration:           90 * time.Second,
		MaxResponseBodySize:           10 << 20,
		ReadBufferSize:                16 << 10,
	}
	srv := &fasthttp.Server{
		Handler: func(ctx *fasthttp.RequestCtx) {
			ctx.Request.Header.Del("Connection")
			if err := upstream.DoTimeout(&ctx.Request, &ctx.Response, 29*time.Second); err != nil {
				ctx.Error("Internal server error", fasthttp.StatusInternalServerError)
			}
		},
		NoDefaultServerHeader:         true,
		NoDefaultContentType:          true,
		DisableHeaderNamesNormalizing: true,
		ReadBufferSize:                16 << 10,
		IdleTimeout:                   2 * time.Minute,
	}
	log.Fatal(srv.ListenAndServe(*listen))
}
