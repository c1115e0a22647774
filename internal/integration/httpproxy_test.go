package integration

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

func proxyFor(t testing.TB, uri string, params map[string]string) *HTTPProxy {
	t.Helper()
	h, err := NewHTTPProxy(&apimodel.Integration{Type: apimodel.IntegrationHTTPProxy, URI: uri, RequestParameters: params}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// The backend URL of an HTTP_PROXY integration: only integration.request.path
// mappings fill the URI's placeholders (an unmapped one is AWS's "Illegal
// character in path" 500, AWS Knowledge Center
// api-gateway-proxy-path-character-error); values are escaped the canonical
// way, a greedy value keeps its separators, nothing else can add a segment.
func TestHTTPProxy_TargetURL(t *testing.T) {
	greedy := map[string]string{"integration.request.path.proxy": "method.request.path.proxy"}
	tests := []struct {
		name    string
		uri     string
		params  map[string]string
		path    map[string]string
		hdr     []reqctx.Header
		query   string
		want    string
		wantErr error
	}{
		{name: "greedy keeps its slashes", uri: "http://b/{proxy}", params: greedy, path: map[string]string{"proxy": "users/43/info"}, want: "http://b/users/43/info"},
		{name: "greedy segments escaped", uri: "http://b/{proxy}", params: greedy, path: map[string]string{"proxy": "a b/c?d/%"}, want: "http://b/a%20b/c%3Fd/%25"},
		{name: "query carried", uri: "http://b/{proxy}", params: greedy, path: map[string]string{"proxy": "x"}, query: "a=1&b=2", want: "http://b/x?a=1&b=2"},
		{name: "query appended to the URI's", uri: "http://b/x?k=v", query: "a=1", want: "http://b/x?k=v&a=1"},
		{name: "unmapped placeholder", uri: "http://b/{proxy}", path: map[string]string{"proxy": "x"}, wantErr: errIllegalPath},
		{name: "header mapped into the path is one segment", uri: "http://b/u/{id}",
			params: map[string]string{"integration.request.path.id": "method.request.header.x-id"},
			hdr:    []reqctx.Header{{Name: "X-Id", Value: "../admin"}}, want: "http://b/u/..%2Fadmin"},
		{name: "header mapped into the path cannot be a dot segment", uri: "http://b/u/{id}",
			params: map[string]string{"integration.request.path.id": "method.request.header.x-id"},
			hdr:    []reqctx.Header{{Name: "X-Id", Value: ".."}}, wantErr: errIllegalPath},
		{name: "static value", uri: "http://b/{v}", params: map[string]string{"integration.request.path.v": "'v1'"}, want: "http://b/v1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := proxyFor(t, tc.uri, tc.params)
			r := &reqctx.Request{PathParams: tc.path, Headers: tc.hdr, RawQuery: tc.query}
			got, err := h.targetURL(r)
			if !errors.Is(err, tc.wantErr) || got != tc.want {
				t.Fatalf("targetURL = %q, %v; want %q, %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

// FuzzTargetURL: for any canonical path the router could hand over, the
// backend URL parses, decodes back to exactly that path, and has no dot or
// empty segment the path did not have.
func FuzzTargetURL(f *testing.F) {
	for _, s := range []string{"/a/b", "/caf%C3%A9/%2F", "/x%3Fy%23z/%25", "/a%20b"} {
		f.Add(s)
	}
	h := proxyFor(f, "http://backend.invalid/base/{proxy}", map[string]string{"integration.request.path.proxy": "method.request.path.proxy"})
	f.Fuzz(func(t *testing.T, raw string) {
		decoded, _, _, err := reqctx.CanonicalPath(raw)
		if err != nil || decoded == "/" {
			return
		}
		r := &reqctx.Request{PathParams: map[string]string{"proxy": decoded[1:]}}
		got, err := h.targetURL(r)
		if err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("%q: backend URL %q does not parse: %v", raw, got, err)
		}
		if u.Path != "/base"+decoded || u.RawQuery != "" || u.Fragment != "" {
			t.Fatalf("%q: backend URL %q is path %q query %q, want /base%s", raw, got, u.Path, u.RawQuery, decoded)
		}
		for _, seg := range strings.Split(u.EscapedPath()[1:], "/") {
			if seg == "" || seg == "." || seg == ".." {
				t.Fatalf("%q: backend URL %q has segment %q", raw, got, seg)
			}
		}
	})
}
