package gateway

import (
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/function"
)

// A request's X-Amzn-Trace-Id is one trace from end to end: the Lambda
// event's header, the function's _X_AMZN_TRACE_ID (which Lambda sets from
// the Runtime API's Lambda-Runtime-Trace-Id) and the response's header name
// the same Root ("Set up Lambda proxy integrations", input format; Lambda
// developer guide, "Using Lambda environment variables": _X_AMZN_TRACE_ID).
func TestLambdaProxy_TraceIDFromRequestToFunctionToResponse(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	rt, err := function.NewLocal(function.LocalOptions{CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	fn := &apimodel.Function{LogicalID: "TraceFn", Runtime: "nodejs20.x", Handler: "index.handler", TimeoutSeconds: 3,
		InlineCode: `exports.handler = async (event) => ({statusCode: 200,
  body: JSON.stringify({env: process.env._X_AMZN_TRACE_ID, header: event.headers['X-Amzn-Trace-Id']})});`}
	api := &apimodel.API{ID: "abcde12345", LogicalID: "TestApi", Region: "us-east-1", AccountID: "123456789012",
		Stages: []*apimodel.Stage{{Name: "prod"}},
		Resources: []*apimodel.Resource{{ID: "root01", Path: "/", Methods: map[string]*apimodel.Method{}},
			{ID: "prx001", Path: "/{proxy+}", Methods: map[string]*apimodel.Method{"ANY": {HTTPMethod: "ANY", AuthorizationType: "NONE",
				Integration: &apimodel.Integration{Type: apimodel.IntegrationAWSProxy, Function: "TraceFn"}}}}}}
	base := startGateway(t, &apimodel.Model{APIs: []*apimodel.API{api}}, Options{Compiler: localLambda{rt: rt, fn: fn}})
	for _, sent := range []string{"", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"} {
		req, _ := http.NewRequest("GET", base+"/prod/x", nil)
		if sent != "" {
			req.Header.Set("X-Amzn-Trace-Id", sent)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var got struct{ Env, Header string }
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("%s: %s", err, body)
		}
		trace := resp.Header.Get("X-Amzn-Trace-Id")
		root, _, _ := strings.Cut(trace, ";")
		if !strings.HasPrefix(root, "Root=1-") || got.Header != trace || !strings.HasPrefix(got.Env, root+";") && got.Env != root {
			t.Errorf("sent %q: response trace %q, event header %q, function env %q", sent, trace, got.Header, got.Env)
		}
		if sent != "" && trace != sent {
			t.Errorf("the client's trace %q was replaced by %q", sent, trace)
		}
	}
}
