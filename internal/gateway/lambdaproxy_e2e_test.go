package gateway

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptrace"
	"os/exec"
	"testing"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/function"
	"github.com/portcullis-gateway/portcullis/internal/integration"
)

// proxyFnSource answers /echo with the proxy response given as the request
// body and throws on /throw.
const proxyFnSource = `exports.handler = async (event) => {
  if (event.path === '/throw') throw new Error('boom');
  return JSON.parse(event.body);
};`

// localLambda compiles every AWS_PROXY method to one inline Node.js function
// on the local runtime.
type localLambda struct {
	rt *function.Local
	fn *apimodel.Function
}

func (localLambda) Authorizer(*apimodel.API, *apimodel.Method) (Authorizer, error) { return nil, nil }
func (c localLambda) LambdaProxy(api *apimodel.API, _ *apimodel.Resource, m *apimodel.Method) (integration.Integration, error) {
	return integration.NewLambdaProxy(api, m.Integration, c.fn, c.rt)
}

// startLambdaGateway serves an API whose /{proxy+} runs proxyFnSource, with
// a customised INTEGRATION_FAILURE response.
func startLambdaGateway(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	rt, err := function.NewLocal(function.LocalOptions{CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	fn := &apimodel.Function{LogicalID: "EchoFn", Runtime: "nodejs20.x", Handler: "index.handler", InlineCode: proxyFnSource, TimeoutSeconds: 3}
	proxy := &apimodel.Resource{ID: "prx001", Path: "/{proxy+}", Methods: map[string]*apimodel.Method{
		"ANY": {HTTPMethod: "ANY", AuthorizationType: "NONE", Integration: &apimodel.Integration{
			Type: apimodel.IntegrationAWSProxy, Function: "EchoFn"}},
	}}
	api := &apimodel.API{
		ID: "abcde12345", LogicalID: "TestApi", Region: "us-east-1", AccountID: "123456789012",
		Stages:    []*apimodel.Stage{{Name: "prod"}},
		Resources: []*apimodel.Resource{{ID: "root01", Path: "/", Methods: map[string]*apimodel.Method{}}, proxy},
		GatewayResponses: map[string]*apimodel.GatewayResponse{
			"INTEGRATION_FAILURE": {Type: "INTEGRATION_FAILURE",
				ResponseParameters: map[string]string{"gatewayresponse.header.X-Failure": "'integration'"},
				ResponseTemplates:  map[string]string{"application/json": `{"error":"$context.error.responseType","message":$context.error.messageString}`}},
		},
	}
	return startGateway(t, &apimodel.Model{APIs: []*apimodel.API{api}}, Options{Compiler: localLambda{rt: rt, fn: fn}})
}

// TestLambdaProxy_FunctionConnectionClose_ClientConnectionKept: a function
// answering "Connection: close" (or any Connection value) does not close
// the client's connection; the client sees it as
// x-amzn-Remapped-Connection, as from API Gateway, and its next request
// reuses the connection.
func TestLambdaProxy_FunctionConnectionClose_ClientConnectionKept(t *testing.T) {
	base := startLambdaGateway(t)
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	payload := `{"statusCode":200,"headers":{"Connection":"close","Content-Length":"999"},"body":"ok"}`
	var reused []bool
	for range 2 {
		req, _ := http.NewRequest("POST", base+"/prod/echo", bytes.NewBufferString(payload))
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
			GotConn: func(i httptrace.GotConnInfo) { reused = append(reused, i.Reused) },
		}))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != "ok" {
			t.Fatalf("got %d %q", resp.StatusCode, body)
		}
		if resp.Close || resp.Header.Get("Connection") != "" {
			t.Errorf("the function's Connection: close reached the client (Close=%v, Connection=%q)", resp.Close, resp.Header.Get("Connection"))
		}
		if got := resp.Header.Get("x-amzn-Remapped-Connection"); got != "close" {
			t.Errorf("x-amzn-Remapped-Connection = %q", got)
		}
		if got := resp.Header.Get("x-amzn-Remapped-Content-Length"); got != "999" || resp.ContentLength != 2 {
			t.Errorf("x-amzn-Remapped-Content-Length = %q, Content-Length %d", got, resp.ContentLength)
		}
	}
	if len(reused) != 2 || !reused[1] {
		t.Errorf("connection reused = %v, want the second request on the first connection", reused)
	}
}

// TestLambdaProxy_FunctionError_CustomisedIntegrationFailure: a function
// error is rendered through the customised INTEGRATION_FAILURE response
// (the type API Gateway's access logs name for it, DataBiosphere/azul#6624),
// keeping status 502 since the customisation sets none.
func TestLambdaProxy_FunctionError_CustomisedIntegrationFailure(t *testing.T) {
	base := startLambdaGateway(t)
	resp, err := http.Post(base+"/prod/throw", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 502 || string(body) != `{"error":"INTEGRATION_FAILURE","message":"Internal server error"}` {
		t.Errorf("got %d %s", resp.StatusCode, body)
	}
	if resp.Header.Get("X-Failure") != "integration" || resp.Header.Get("x-amzn-ErrorType") != "InternalServerErrorException" {
		t.Errorf("headers = %v", resp.Header)
	}
}

// TestLambdaProxy_HeaderInjection_502: a header value or name that would add
// a line to the client response is a malformed proxy response: the client
// gets 502 and none of the function's headers.
func TestLambdaProxy_HeaderInjection_502(t *testing.T) {
	base := startLambdaGateway(t)
	for name, payload := range map[string]string{
		"Value": `{"headers":{"X-A":"a\r\nSet-Cookie: session=stolen"},"body":"ok"}`,
		"Name":  `{"headers":{"Set-Cookie: session=stolen\r\nX-A":"a"},"body":"ok"}`,
	} {
		t.Run(name, func(t *testing.T) {
			resp, err := http.Post(base+"/prod/echo", "application/json", bytes.NewBufferString(payload))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 502 || string(body) != `{"message":"Internal server error"}` {
				t.Errorf("got %d %s", resp.StatusCode, body)
			}
			if c := resp.Header.Values("Set-Cookie"); len(c) != 0 || resp.Header.Get("X-A") != "" {
				t.Errorf("injected headers reached the client: %v", resp.Header)
			}
		})
	}
}
