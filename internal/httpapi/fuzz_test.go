package httpapi

import (
	"context"
	"net/netip"
	"strings"
	"testing"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// FuzzHandle_FailsClosed: whatever the method, path, query and headers,
// the pipeline answers without panicking, and with no function runtime a
// guarded route can never answer 2xx other than the gateway's own
// preflight 204.
func FuzzHandle_FailsClosed(f *testing.F) {
	model := petsAPI()
	fns := map[string]*apimodel.Function{}
	for _, id := range []string{"Auth", "RouteAuth", "Backend", "PyAuth", "PyAuth2", "PyBackend"} {
		fns[id] = &apimodel.Function{LogicalID: id, Runtime: "nodejs20.x", Handler: "x.handler"}
	}
	api, err := Compile(model, Options{Functions: fns})
	if err != nil {
		f.Fatal(err)
	}
	f.Add("GET", "/pets/1", "", "Authorization", "allow")
	f.Add("OPTIONS", "/dev/pets/%2F..", "a=1&a=2", "Origin", "https://app.example")
	f.Add("GET", "/dev", "", "Cookie", "a=b; c")
	f.Fuzz(func(t *testing.T, method, target, query, hname, hvalue string) {
		in := reqctx.Incoming{Method: method, Target: target, Query: query, Peer: netip.MustParseAddr("127.0.0.1"),
			Protocol: "HTTP/1.1", Headers: []reqctx.Header{{Name: hname, Value: hvalue},
				{Name: "Access-Control-Request-Method", Value: "GET"}}}
		r := api.Handle(context.Background(), in)
		if r.Status >= 200 && r.Status < 300 && r.Status != 204 {
			t.Fatalf("%s %s?%s with %s: %s answered %d %s", method, target, query, hname, hvalue, r.Status, r.Body)
		}
		if r.Status == 204 && (method != "OPTIONS" || !strings.EqualFold(hname, "Origin")) {
			t.Fatalf("204 for a non-preflight request %s %s", method, target)
		}
	})
}
