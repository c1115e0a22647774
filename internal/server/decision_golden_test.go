package server

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"log/slog"
	"os"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/portcullis-gateway/portcullis/internal/testenv"
	"github.com/valyala/fasthttp"
)

var updateDecisions = flag.Bool("update-decisions", false, "rewrite testdata/decisions/quickstart.json")

// volatile matches what differs from run to run in a record: request,
// trace and extended ids, timestamps, latencies, entry ages and the
// authorizer's stack trace paths. Each is
// replaced by a placeholder before the records are compared.
var volatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`), "<uuid>"},
	{regexp.MustCompile(`Root=1-[0-9a-f]{8}-[0-9a-f]{24}`), "<trace>"},
	{regexp.MustCompile(`x-amz-apigw-id: [^\\]*`), "x-amz-apigw-id: <id>"},
	{regexp.MustCompile(`/tmp/portcullis-runtime-[^/]*/`), "<runtime>/"},
	{regexp.MustCompile(`/[^"\\ (]*/examples/quickstart/`), "<repo>/examples/quickstart/"},
	{regexp.MustCompile(`"time":"[^"]*"`), `"time":"<time>"`},
	{regexp.MustCompile(`"latencyMs":[0-9.e-]+`), `"latencyMs":0`},
	{regexp.MustCompile(`"seq":[0-9]+`), `"seq":0`},
	{regexp.MustCompile(`[0-9.]+(ns|µs|ms|s) (ago|old)`), "<d> $2"},
	{regexp.MustCompile(`("label":"(age|latency)","value":)"[^"]*"`), `$1"<d>"`},
}

// TestDecisionRecords_Golden pins what the decision view shows for the
// quickstart's requests — a cache miss and a hit, the methodArn caching
// pitfall, an explicit Deny, a missing token, an unknown stage, the
// authorizer's Unauthorized and its failure — as the records' JSON, the
// view's wire format. The records are built from raw values on the request
// path and formatted when read; this file is what they must read as.
func TestDecisionRecords_Golden(t *testing.T) {
	needPython(t)
	testenv.Require(t, "node")
	srv, err := New(context.Background(), Config{
		DefinitionPath: "../../examples/quickstart/template.yaml", AdminAddr: "127.0.0.1:0",
		Decisions: 20, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	h := srv.Gateway().Server(0).Handler
	for _, rq := range []struct{ uri, auth string }{
		{"/prod/users/1", "allow-alice"},
		{"/prod/users/1", "allow-alice"},
		{"/prod/users/2", "allow-alice"},
		{"/prod/users/1", "deny-bob"},
		{"/prod/users/1", ""},
		{"/nostage/x", "allow-alice"},
		{"/prod/users/1", "expired"},
		{"/prod/users/1", "boom-"},
	} {
		var ctx fasthttp.RequestCtx
		ctx.Request.Header.SetMethod("GET")
		ctx.Request.SetRequestURI(rq.uri)
		if rq.auth != "" {
			ctx.Request.Header.Set("Authorization", rq.auth)
		}
		h(&ctx)
	}
	enc, err := json.Marshal(srv.ring.Records())
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range volatile {
		enc = v.re.ReplaceAll(enc, []byte(v.with))
	}
	var b bytes.Buffer
	if err := json.Indent(&b, enc, "", "  "); err != nil {
		t.Fatal(err)
	}
	got := append(b.Bytes(), '\n')
	const golden = "testdata/decisions/quickstart.json"
	if *updateDecisions {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("records (-want +got):\n%s", cmp.Diff(string(want), string(got)))
	}
}
