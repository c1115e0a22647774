package gateway_test

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/gateway"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
	"github.com/valyala/fasthttp"
)

// echoUpstream answers every HTTP_PROXY call with the method and URL it
// was asked for: the backend as data, no network.
type echoUpstream struct{}

func (echoUpstream) DoTimeout(req *fasthttp.Request, resp *fasthttp.Response, _ time.Duration) error {
	resp.SetStatusCode(200)
	resp.SetBodyString(string(req.Header.Method()) + " " + string(req.URI().PathOriginal()))
	return nil
}

// The pipeline as a black box: a request value in, an answer value out, no
// listener and no TCP.
func TestHandle_BlackBox(t *testing.T) {
	api := &apimodel.API{ID: "blackbox01", LogicalID: "Api", Region: "us-east-1", AccountID: "123456789012",
		Stages: []*apimodel.Stage{{Name: "prod"}},
		Resources: []*apimodel.Resource{
			{ID: "r0", Path: "/", Methods: map[string]*apimodel.Method{}},
			{ID: "r1", Path: "/{proxy+}", Methods: map[string]*apimodel.Method{"ANY": {HTTPMethod: "ANY", AuthorizationType: apimodel.AuthNone,
				Integration: &apimodel.Integration{Type: apimodel.IntegrationHTTPProxy, URI: "http://backend.invalid/{proxy}",
					RequestParameters: map[string]string{"integration.request.path.proxy": "method.request.path.proxy"}}}}},
		}}
	g, err := gateway.New(&apimodel.Model{APIs: []*apimodel.API{api}}, gateway.Options{Upstream: echoUpstream{}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		method, target string
		status         int
		body           string
	}{
		{"GET", "/prod/users/43/info", 200, "GET /users/43/info"},
		{"PUT", "/prod//us%65rs/43/", 200, "PUT /users/43"},
		{"GET", "/prod/a%2Fb", 200, "GET /a/b"},
		{"get", "/prod/users", 403, `{"message":"Missing Authentication Token"}`},
		{"GET", "/prod/a/../b", 400, `{"message":"Bad Request"}`},
		{"GET", "/nostage/x", 403, `{"message":"Forbidden"}`},
		{"GET", "/prod", 403, `{"message":"Missing Authentication Token"}`},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.target, func(t *testing.T) {
			resp := g.Handle(context.Background(), 0, reqctx.Incoming{Method: tc.method, Target: tc.target,
				Peer: netip.MustParseAddr("192.0.2.1"), Protocol: "HTTP/1.1", Time: time.Now()})
			if resp.Status != tc.status || strings.TrimSpace(string(resp.Body)) != tc.body {
				t.Errorf("got %d %q, want %d %q", resp.Status, resp.Body, tc.status, tc.body)
			}
		})
	}
}
