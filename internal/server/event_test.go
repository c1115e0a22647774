package server

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/authorizer"
	"github.com/portcullis-gateway/portcullis/internal/function"
	"github.com/portcullis-gateway/portcullis/internal/gateway"
	"github.com/portcullis-gateway/portcullis/internal/integration"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// captureCompiler wires a REQUEST authorizer and an AWS_PROXY integration
// to one function that records every event it receives.
type captureCompiler struct {
	mu     sync.Mutex
	events map[string][]byte // by "type" of event: REQUEST or proxy
}

func (c *captureCompiler) Invoke(_ context.Context, _ *apimodel.Function, payload []byte) (function.Result, error) {
	var probe struct{ Type string }
	_ = json.Unmarshal(payload, &probe)
	c.mu.Lock()
	defer c.mu.Unlock()
	if probe.Type == "REQUEST" {
		c.events["REQUEST"] = payload
		return function.Result{Payload: []byte(`{"principalId":"p","policyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}}`)}, nil
	}
	c.events["proxy"] = payload
	return function.Result{Payload: []byte(`{"statusCode":200,"body":"ok"}`)}, nil
}

func (c *captureCompiler) Authorizer(api *apimodel.API, m *apimodel.Method) (gateway.Authorizer, error) {
	a, err := authorizer.NewAPI(api, authorizer.Options{Invoker: c, Functions: func(string, string) *apimodel.Function { return &apimodel.Function{Name: "Fn"} }})
	if err != nil {
		return nil, err
	}
	ch, err := a.Method(m, "ANY /users/{id}")
	if ch == nil || err != nil {
		return nil, err
	}
	return ch, nil
}

func (c *captureCompiler) LambdaProxy(api *apimodel.API, _ *apimodel.Resource, m *apimodel.Method) (integration.Integration, error) {
	return integration.NewLambdaProxy(api, m.Integration, &apimodel.Function{Name: "Fn"}, c)
}

// shape lists every member path of a JSON document with its JSON type,
// so that two events compare by shape, not by their per-request values.
func shape(t *testing.T, raw []byte) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			out = append(out, path+": object")
			for k, e := range x {
				if strings.HasPrefix(path, ".headers") || strings.HasPrefix(path, ".multiValueHeaders") {
					continue // the two clients send different headers
				}
				walk(path+"."+k, e)
			}
		case []any:
			out = append(out, path+": array")
		case nil:
			out = append(out, path+": null")
		case string:
			out = append(out, path+": string")
		case float64:
			out = append(out, path+": number")
		case bool:
			out = append(out, path+": bool")
		}
	}
	walk("", v)
	sort.Strings(out)
	return out
}

// generate-event's REST events are the gateway's own: the same request
// sent to a running gateway reaches its REQUEST authorizer and its
// AWS_PROXY function as documents of exactly the shape generate-event
// prints, with the same routing results.
func TestGenerateEvent_SameShapeAsTheGatewaySends(t *testing.T) {
	cc := &captureCompiler{events: map[string][]byte{}}
	auth := &apimodel.Authorizer{ID: "ReqAuth", Type: apimodel.AuthorizerRequest, Function: "Fn", IdentitySource: "method.request.header.Authorization"}
	api, err := oneResourceAPI(EventOptions{APIID: "1234567890", AccountID: "123456789012", Region: "us-east-1", Stage: "prod"}, "/users/{id}")
	if err != nil {
		t.Fatal(err)
	}
	api.Authorizers = map[string]*apimodel.Authorizer{"ReqAuth": auth}
	for _, r := range api.Resources {
		if m := r.Methods["ANY"]; m != nil {
			m.AuthorizationType, m.AuthorizerID = apimodel.AuthCustom, "ReqAuth"
			m.Integration = &apimodel.Integration{Type: apimodel.IntegrationAWSProxy, Function: "Fn"}
		}
	}
	g, err := gateway.New(&apimodel.Model{APIs: []*apimodel.API{api}}, gateway.Options{Compiler: cc})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = g.Serve(ctx, 0, ln) }()
	req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/prod/users/43?x=1&x=2", strings.NewReader("hello"))
	req.Header.Set("Authorization", "tok")
	req.Header.Set("User-Agent", "test")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, kind := range []string{EventRequest, EventProxy} {
		got, err := GenerateEvent(EventOptions{Kind: kind, Method: "POST", Path: "/users/43?x=1&x=2", Resource: "/users/{id}",
			Headers: []reqctx.Header{{Name: "Authorization", Value: "tok"}, {Name: "User-Agent", Value: "test"}}, Body: []byte("hello"),
			PrincipalID: "p", Now: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		key := map[string]string{EventRequest: "REQUEST", EventProxy: "proxy"}[kind]
		sent := cc.events[key]
		if diff := cmp.Diff(shape(t, sent), shape(t, got)); diff != "" {
			t.Errorf("%s event shape (-gateway +generate-event):\n%s", kind, diff)
		}
		var a, b map[string]any
		_ = json.Unmarshal(sent, &a)
		_ = json.Unmarshal(got, &b)
		for _, k := range []string{"resource", "path", "httpMethod", "pathParameters", "queryStringParameters", "multiValueQueryStringParameters", "body", "methodArn"} {
			if diff := cmp.Diff(a[k], b[k]); diff != "" {
				t.Errorf("%s event %s (-gateway +generate-event):\n%s", kind, k, diff)
			}
		}
		ra, rb := a["requestContext"].(map[string]any), b["requestContext"].(map[string]any)
		for _, k := range []string{"resourcePath", "path", "stage", "httpMethod", "apiId", "accountId", "resourceId", "protocol"} {
			if diff := cmp.Diff(ra[k], rb[k]); diff != "" {
				t.Errorf("%s event requestContext.%s (-gateway +generate-event):\n%s", kind, k, diff)
			}
		}
	}
}

func TestGenerateEvent_TokenAndHTTPAPI(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	tok, err := GenerateEvent(EventOptions{Kind: EventToken, Path: "/a b", Headers: []reqctx.Header{{Name: "authorization", Value: "Bearer x"}}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"type\": \"TOKEN\",\n  \"authorizationToken\": \"Bearer x\",\n  \"methodArn\": \"arn:aws:execute-api:us-east-1:123456789012:1234567890/prod/GET/a%20b\"\n}\n"
	if diff := cmp.Diff(want, string(tok)); diff != "" {
		t.Errorf("TOKEN event (-want +got):\n%s", diff)
	}
	h, err := GenerateEvent(EventOptions{Kind: EventHTTP, Method: "post", Path: "/orders/7/items/9?a=1&a=2", Resource: "/orders/{id}/{rest+}",
		Headers: []reqctx.Header{{Name: "Cookie", Value: "a=1; b=2"}, {Name: "X-A", Value: "1"}, {Name: "x-a", Value: "2"}}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var ev struct {
		Version, RouteKey, RawPath, RawQueryString     string
		Cookies                                        []string
		Headers, QueryStringParameters, PathParameters map[string]string
	}
	if err := json.Unmarshal(h, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Version != "2.0" || ev.RouteKey != "POST /orders/{id}/{rest+}" || ev.RawPath != "/orders/7/items/9" || ev.RawQueryString != "a=1&a=2" ||
		!cmp.Equal(ev.Cookies, []string{"a=1", "b=2"}) || ev.Headers["x-a"] != "1,2" || ev.QueryStringParameters["a"] != "1,2" ||
		!cmp.Equal(ev.PathParameters, map[string]string{"id": "7", "rest": "items/9"}) {
		t.Errorf("HTTP API event: %s", h)
	}
	for _, tc := range []EventOptions{
		{Kind: "websocket"},
		{Kind: EventProxy, Path: "/a", Resource: "/b"},
		{Kind: EventHTTP, Path: "/a", Resource: "/b"},
		{Kind: EventProxy, SourceIP: "not-an-ip"},
	} {
		if _, err := GenerateEvent(tc); err == nil {
			t.Errorf("%+v: no error", tc)
		}
	}
}
