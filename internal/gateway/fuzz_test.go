package gateway

import (
	"bufio"
	"bytes"
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/integration"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
	"github.com/valyala/fasthttp"
)

// capturingUpstream stands in for the network behind HTTP_PROXY: it records
// the request the integration would send and answers 200.
type capturingUpstream struct {
	mu   sync.Mutex
	last *fasthttp.Request
}

func (u *capturingUpstream) DoTimeout(req *fasthttp.Request, resp *fasthttp.Response, _ time.Duration) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.last = &fasthttp.Request{}
	req.CopyTo(u.last)
	resp.SetStatusCode(200)
	return nil
}

// recordingCompiler allows everything and records what authorization saw.
type recordingCompiler struct {
	arn, token string
	called     bool
}

func (c *recordingCompiler) Authorizer(*apimodel.API, *apimodel.Method) (Authorizer, error) {
	return authorizeFunc(func(_ context.Context, r *reqctx.Request) error {
		c.called = true
		c.arn = r.MethodARN
		c.token, _ = r.HeaderValue("Authorization")
		return nil
	}), nil
}

func (c *recordingCompiler) LambdaProxy(*apimodel.API, *apimodel.Resource, *apimodel.Method) (integration.Integration, error) {
	return nil, nil
}

// FuzzPipeline_AuthorizedIsWhatRuns is the differential check of the
// canonical request: for generated request lines and header sets, either
// nothing reaches the backend, or the route's method ARN, the identity value
// the authorization step read and the request the backend receives all name
// the same verb, path and caller.
func FuzzPipeline_AuthorizedIsWhatRuns(f *testing.F) {
	for _, s := range []string{
		"GET /prod/users/43/info HTTP/1.1\r\nHost: h\r\nAuthorization: a\r\n\r\n",
		"get /prod/ad%6Din HTTP/1.1\r\nHost: h\r\n\r\n",
		"POST /prod//x/../y/ HTTP/1.1\r\nHost: h\r\nAuthorization: a\r\nauthorization: b\r\n\r\n",
		"PUT /prod/items/..%2fadmin HTTP/1.1\r\nHost: h\r\n\r\n",
		"DELETE /pr%6fd/caf%C3%A9/%2561 HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n",
		"PATCH /prod/a%2fb%2F HTTP/1.0\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	up := &capturingUpstream{}
	comp := &recordingCompiler{}
	g, err := New(bypassModel("http://backend.invalid"), Options{Compiler: comp, Upstream: up})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var ctx fasthttp.RequestCtx
		ctx.Request.Header.DisableNormalizing()
		if err := ctx.Request.Read(bufio.NewReader(bytes.NewReader(raw))); err != nil {
			return // fasthttp answers what it cannot parse with a 400 itself
		}
		up.last, comp.called, comp.arn, comp.token = nil, false, "", ""
		g.serve(0, &ctx)
		if up.last == nil {
			return
		}
		if !comp.called {
			t.Fatalf("backend reached without the authorization step: %q", raw)
		}
		verb := string(up.last.Header.Method())
		if _, ok := reqctx.Verb(verb); !ok {
			t.Fatalf("backend got verb %q from %q", verb, raw)
		}
		// The backend URL's path (http://backend.invalid/...), decoded once,
		// is the path the method ARN names, decoded once.
		bpath := string(up.last.URI().PathOriginal())
		if i := strings.IndexByte(bpath, '?'); i >= 0 {
			bpath = bpath[:i]
		}
		_, after, ok := strings.Cut(comp.arn, "/prod/"+verb+"/")
		if !ok {
			t.Fatalf("ARN %q does not name verb %s (%q)", comp.arn, verb, raw)
		}
		arnPath, err1 := url.PathUnescape("/" + after)
		backendPath, err2 := url.PathUnescape(bpath)
		if err1 != nil || err2 != nil || arnPath != backendPath {
			t.Fatalf("authorized %q, backend got %q (%q)", comp.arn, bpath, raw)
		}
		for _, seg := range strings.Split(backendPath, "/") {
			if seg == "." || seg == ".." {
				t.Fatalf("backend path %q has a dot segment (%q)", bpath, raw)
			}
		}
		// The identity the authorization step read is the one the backend
		// reads.
		var got []string
		for k, v := range up.last.Header.All() {
			if strings.EqualFold(string(k), "Authorization") {
				got = append(got, string(v))
			}
		}
		if comp.token != "" && (len(got) == 0 || got[len(got)-1] != comp.token) {
			t.Fatalf("authorized token %q, backend got %q (%q)", comp.token, got, raw)
		}
	})
}
