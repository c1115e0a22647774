package lambdaevent_test

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/portcullis-gateway/portcullis/internal/lambdaevent"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// The proxy event of a request the edge built, from outside the package:
// it decodes into aws-lambda-go's type with nothing unknown, carries the
// canonical encoded path, the last line of a repeated header in headers
// and every line in multiValueHeaders, and the X-Forwarded-* headers the
// edge added ("Set up Lambda proxy integrations", input format).
func TestProxyRequest_BlackBox(t *testing.T) {
	r, err := (&reqctx.Edge{}).New(reqctx.Incoming{Method: "POST", Target: "/prod/caf%c3%a9", Query: "a=1&a=2",
		Headers: []reqctx.Header{{Name: "x-trace", Value: "one"}, {Name: "X-Trace", Value: "two"}, {Name: "Connection", Value: "keep-alive"}},
		Body:    []byte(`{"k":1}`), Peer: netip.MustParseAddr("192.0.2.7"), Port: 3000, Protocol: "HTTP/1.1", Time: time.Unix(1_800_000_000, 0)})
	if err != nil {
		t.Fatal(err)
	}
	r.Stage, r.Path, r.DecodedPath, r.ResourcePath, r.ResourceID = "prod", "/caf%C3%A9", "/café", "/{proxy+}", "abc123"
	r.PathParams = map[string]string{"proxy": "café"}
	b, err := lambdaevent.ProxyRequest(r, lambdaevent.Context{APIID: "abcde12345", AccountID: "123456789012"})
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayProxyRequest
	d := json.NewDecoder(bytes.NewReader(b))
	if err := d.Decode(&ev); err != nil {
		t.Fatal(err)
	}
	if ev.Path != "/caf%C3%A9" || ev.RequestContext.Path != "/prod/caf%C3%A9" || ev.PathParameters["proxy"] != "café" {
		t.Errorf("path %q, requestContext.path %q, pathParameters %v", ev.Path, ev.RequestContext.Path, ev.PathParameters)
	}
	if ev.Headers["x-trace"] != "two" || len(ev.MultiValueHeaders["x-trace"]) != 2 {
		t.Errorf("headers %v, multiValueHeaders %v", ev.Headers, ev.MultiValueHeaders)
	}
	if _, ok := ev.Headers["Connection"]; ok {
		t.Error("a hop-by-hop header reached the function")
	}
	if ev.Headers["X-Forwarded-For"] != "192.0.2.7" || ev.Headers["X-Forwarded-Port"] != "3000" || ev.Headers["X-Amzn-Trace-Id"] == "" {
		t.Errorf("forwarding headers %v", ev.Headers)
	}
	if ev.RequestContext.Identity.SourceIP != "192.0.2.7" || ev.MultiValueQueryStringParameters["a"][1] != "2" {
		t.Errorf("sourceIp %q, query %v", ev.RequestContext.Identity.SourceIP, ev.MultiValueQueryStringParameters)
	}
}
