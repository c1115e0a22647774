package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/portcullis-gateway/portcullis/internal/testenv"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// mgmtServer is a running Portcullis serving testdata/management from a
// private copy, with its admin listener on a free port.
type mgmtServer struct {
	srv   *Server
	base  string // http://host:port of the API
	admin string // http://host:port of the admin listener
	apiID string
}

func startManagement(t *testing.T) *mgmtServer {
	t.Helper()
	testenv.Require(t, "node")
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("testdata/management")); err != nil {
		t.Fatal(err)
	}
	srv := runServer(t, Config{
		DefinitionPath: filepath.Join(dir, "template.yaml"), Port: 0, AdminAddr: "127.0.0.1:0",
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	s := &mgmtServer{srv: srv, base: "http://" + srv.Addrs()[0], admin: "http://" + srv.AdminAddr(), apiID: srv.Gateway().APIs()[0].ID}
	// /readyz answers once Run serves the admin listener.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if st, _ := s.get(t, s.admin+"/readyz", nil); st == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the admin listener never became ready")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return s
}

func (s *mgmtServer) get(t *testing.T, url string, header map[string]string) (int, string) {
	t.Helper()
	return s.send(t, http.MethodGet, url, header, "")
}

func (s *mgmtServer) send(t *testing.T, method, url string, header map[string]string, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// sdkCall is one call's outcome as test/js/management.mjs reports it.
type sdkCall struct {
	OK      bool            `json:"ok"`
	Out     json.RawMessage `json:"out"`
	Name    string          `json:"name"`
	Status  int             `json:"status"`
	Message string          `json:"message"`
}

func (c sdkCall) decode(t *testing.T, v any) {
	t.Helper()
	if !c.OK {
		t.Fatalf("the SDK call failed: %s (HTTP %d): %s", c.Name, c.Status, c.Message)
	}
	if err := json.Unmarshal(c.Out, v); err != nil {
		t.Fatalf("decoding %s: %v", c.Out, err)
	}
}

// sdkError is what the SDK made of an error answer.
type sdkError struct {
	Name   string
	Status int
}

func (c sdkCall) err() sdkError { return sdkError{c.Name, c.Status} }

// TestManagementAPI_AWSSDKv3Clients drives the admin listener with
// @aws-sdk/client-api-gateway and @aws-sdk/client-lambda (test/js): every
// answer must decode in the real clients, so field names, collection
// shapes, status codes and error types are AWS's ("Amazon API Gateway REST
// API Reference": GetRestApis, GetResources, GetAuthorizers, GetStages,
// GetGatewayResponses, FlushStageAuthorizersCache, TestInvokeAuthorizer,
// TestInvokeMethod; "AWS Lambda API Reference": Invoke, ListFunctions).
func TestManagementAPI_AWSSDKv3Clients(t *testing.T) {
	testenv.Require(t, "js-sdk")
	js, err := filepath.Abs("../../test/js")
	if err != nil {
		t.Fatal(err)
	}
	s := startManagement(t)
	api := s.srv.Gateway().APIs()[0]
	fns := s.srv.Model().Functions

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "management.mjs", s.admin)
	cmd.Dir = js
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("node management.mjs: %v\n%s", err, stderr.String())
	}
	var got map[string]sdkCall
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("decoding the script's output: %v\n%s", err, raw)
	}
	call := func(t *testing.T, name string) sdkCall {
		t.Helper()
		c, ok := got[name]
		if !ok {
			t.Fatalf("the script reported no %s (output %s)", name, raw)
		}
		return c
	}
	rootID := ""
	for _, r := range api.Resources {
		if r.Path == "/" {
			rootID = r.ID
		}
	}

	t.Run("GetRestApis_ListsTheServedAPI", func(t *testing.T) {
		var out struct {
			Items []struct {
				ID, Name, RootResourceID, APIKeySource string
				EndpointConfiguration                  struct{ Types []string }
			}
		}
		call(t, "getRestApis").decode(t, &out)
		want := []struct {
			ID, Name, RootResourceID, APIKeySource string
			EndpointConfiguration                  struct{ Types []string }
		}{{ID: api.ID, Name: api.Name, RootResourceID: rootID, APIKeySource: "HEADER", EndpointConfiguration: struct{ Types []string }{[]string{"EDGE"}}}}
		if d := cmp.Diff(want, out.Items); d != "" {
			t.Errorf("items (-want +got):\n%s", d)
		}
	})
	t.Run("GetRestApi_UnknownID_404_NotFoundException", func(t *testing.T) {
		if d := cmp.Diff(sdkError{"NotFoundException", 404}, call(t, "getRestApiMissing").err()); d != "" {
			t.Error(d)
		}
	})
	t.Run("GetResources_EmbedMethods_ShowsAuthorizerAndIntegration", func(t *testing.T) {
		type integration struct{ Type, HTTPMethod, URI string }
		type method struct {
			HTTPMethod, AuthorizationType, AuthorizerID string
			MethodIntegration                           integration
		}
		var out struct {
			Items []struct {
				ID, ParentID, PathPart, Path string
				ResourceMethods              map[string]method
			}
		}
		call(t, "getResources").decode(t, &out)
		type row struct{ Path, PathPart, Parent string }
		var rows []row
		var itemMethods map[string]method
		for _, r := range out.Items {
			rows = append(rows, row{r.Path, r.PathPart, r.ParentID})
			if r.Path == "/items/{id}" {
				itemMethods = r.ResourceMethods
			}
		}
		sort.Slice(rows, func(i, j int) bool { return rows[i].Path < rows[j].Path })
		byPath := map[string]string{}
		for _, r := range api.Resources {
			byPath[r.Path] = r.ID
		}
		wantRows := []row{{"/", "", ""}, {"/items", "items", rootID}, {"/items/{id}", "{id}", byPath["/items"]}, {"/limited", "limited", rootID}}
		if byPath["/items"] == "" {
			// The loader may not create intermediate resources; the parent is
			// then the closest ancestor.
			wantRows = []row{{"/", "", ""}, {"/items/{id}", "{id}", rootID}, {"/limited", "limited", rootID}}
		}
		if d := cmp.Diff(wantRows, rows); d != "" {
			t.Errorf("resources (-want +got):\n%s", d)
		}
		want := map[string]method{"GET": {HTTPMethod: "GET", AuthorizationType: "CUSTOM", AuthorizerID: "TokenAuth",
			MethodIntegration: integration{Type: "AWS_PROXY", HTTPMethod: "POST",
				URI: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + fns["EchoFunction"].ARN + "/invocations"}}}
		if d := cmp.Diff(want, itemMethods); d != "" {
			t.Errorf("methods of /items/{id} (-want +got):\n%s", d)
		}
	})
	t.Run("GetResources_Limit_PagesWithPosition", func(t *testing.T) {
		var out struct {
			Items    []struct{ ID string }
			Position string
		}
		call(t, "getResourcesPage").decode(t, &out)
		if len(out.Items) != 1 || out.Position == "" {
			t.Errorf("limit=1 gave %d items and position %q; want 1 item and a position", len(out.Items), out.Position)
		}
	})
	t.Run("GetAuthorizers_TokenAuthorizerWithItsFunction", func(t *testing.T) {
		var out struct {
			Items []struct {
				ID, Name, Type, AuthType, AuthorizerURI, IdentitySource string
				AuthorizerResultTTLInSeconds                            int
			}
		}
		call(t, "getAuthorizers").decode(t, &out)
		want := []struct {
			ID, Name, Type, AuthType, AuthorizerURI, IdentitySource string
			AuthorizerResultTTLInSeconds                            int
		}{{ID: "TokenAuth", Name: "TokenAuth", Type: "TOKEN", AuthType: "custom",
			AuthorizerURI:  "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + fns["AuthFunction"].ARN + "/invocations",
			IdentitySource: "method.request.header.Authorization", AuthorizerResultTTLInSeconds: 300}}
		if d := cmp.Diff(want, out.Items); d != "" {
			t.Errorf("authorizers (-want +got):\n%s", d)
		}
	})
	t.Run("GetStages_VariablesAndThrottlingSettings", func(t *testing.T) {
		type setting struct {
			ThrottlingBurstLimit int
			ThrottlingRateLimit  float64
		}
		var out struct {
			Item []struct {
				StageName      string
				Variables      map[string]string
				MethodSettings map[string]setting
			}
		}
		call(t, "getStages").decode(t, &out)
		for _, st := range out.Item {
			if st.StageName != "prod" {
				continue
			}
			if d := cmp.Diff(map[string]string{"greeting": "hello"}, st.Variables); d != "" {
				t.Errorf("variables (-want +got):\n%s", d)
			}
			if d := cmp.Diff(setting{1, 0.01}, st.MethodSettings["~1limited/GET"]); d != "" {
				t.Errorf("methodSettings[~1limited/GET] (-want +got):\n%s\nall: %v", d, st.MethodSettings)
			}
			return
		}
		t.Errorf("no stage prod in %+v", out.Item)
	})
	t.Run("GetGatewayResponses_All21_CustomisedOnesNotDefault", func(t *testing.T) {
		type gr struct {
			ResponseType, StatusCode string
			ResponseParameters       map[string]string
			DefaultResponse          bool
		}
		var out struct{ Items []gr }
		call(t, "getGatewayResponses").decode(t, &out)
		if len(out.Items) != 21 {
			t.Fatalf("%d gateway responses, want the 21 types", len(out.Items))
		}
		got := map[string]gr{}
		for _, g := range out.Items {
			got[g.ResponseType] = g
		}
		want := map[string]gr{
			"UNAUTHORIZED":  {"UNAUTHORIZED", "401", map[string]string{"gatewayresponse.header.WWW-Authenticate": "'Bearer'"}, false},
			"ACCESS_DENIED": {"ACCESS_DENIED", "403", map[string]string{}, true},
			"DEFAULT_4XX":   {"DEFAULT_4XX", "", map[string]string{}, true},
		}
		for k, w := range want {
			if d := cmp.Diff(w, got[k]); d != "" {
				t.Errorf("%s (-want +got):\n%s", k, d)
			}
		}
	})
	t.Run("FlushStageAuthorizersCache_202_UnknownStage404", func(t *testing.T) {
		if c := call(t, "flush"); !c.OK {
			t.Errorf("flush failed: %s %d %s", c.Name, c.Status, c.Message)
		}
		if d := cmp.Diff(sdkError{"NotFoundException", 404}, call(t, "flushMissingStage").err()); d != "" {
			t.Error(d)
		}
	})
	t.Run("TestInvokeAuthorizer_InvokesTheFunctionAndEvaluatesItsPolicy", func(t *testing.T) {
		type result struct {
			ClientStatus  int
			PrincipalID   string
			Effect        string
			Authorization map[string][]string
		}
		cases := []struct {
			call string
			want result
		}{
			{"testInvokeAuthorizer_allow", result{200, "user-allow", "Allow", map[string][]string{"Authorization": {"allow"}}}},
			{"testInvokeAuthorizer_deny", result{403, "user-deny", "Deny", map[string][]string{"Authorization": {"deny"}}}},
			// An error whose message is exactly "Unauthorized" is a 401 (docs/behaviour.md#LAMBDA-4).
			{"testInvokeAuthorizer_garbage", result{401, "", "", map[string][]string{"Authorization": {"garbage"}}}},
		}
		for _, tc := range cases {
			t.Run(tc.call, func(t *testing.T) {
				var out struct {
					ClientStatus  int
					PrincipalID   string
					Policy        string
					Log           string
					Authorization map[string][]string
				}
				call(t, tc.call).decode(t, &out)
				got := result{ClientStatus: out.ClientStatus, PrincipalID: out.PrincipalID, Authorization: out.Authorization}
				if out.Policy != "" {
					var doc struct{ Statement []struct{ Effect string } }
					if err := json.Unmarshal([]byte(out.Policy), &doc); err != nil || len(doc.Statement) != 1 {
						t.Fatalf("policy %q is not the function's one-statement document", out.Policy)
					}
					got.Effect = doc.Statement[0].Effect
				}
				if d := cmp.Diff(tc.want, got); d != "" {
					t.Errorf("(-want +got):\n%s", d)
				}
				for _, line := range []string{"Starting authorizer: TokenAuth", "ESTestInvoke-stage/GET/items/42", "Authorizer result body before parsing"} {
					if !strings.Contains(out.Log, line) {
						t.Errorf("log lacks %q:\n%s", line, out.Log)
					}
				}
			})
		}
	})
	t.Run("TestInvokeMethod_RunsTheIntegrationWithoutAuthorization", func(t *testing.T) {
		var out struct {
			Status            int
			Body              string
			Headers           map[string]string
			MultiValueHeaders map[string][]string
			Log               string
		}
		call(t, "testInvokeMethod").decode(t, &out)
		if out.Status != 200 {
			t.Fatalf("status %d, body %s\nlog:\n%s", out.Status, out.Body, out.Log)
		}
		var body map[string]any
		if err := json.Unmarshal([]byte(out.Body), &body); err != nil {
			t.Fatalf("body %q: %v", out.Body, err)
		}
		// No authorizer ran: the event carries no principal.
		if a, _ := body["authorizer"].(map[string]any); a["principalId"] != nil {
			t.Errorf("the authorizer ran: requestContext.authorizer = %v", a)
		}
		delete(body, "authorizer")
		want := map[string]any{
			"id": "42", "stage": "test-invoke-stage", "sourceIp": "test-invoke-source-ip",
			"query": map[string]any{"color": "red"}, "greeting": "hi",
		}
		if d := cmp.Diff(want, body); d != "" {
			t.Errorf("what the function received (-want +got):\n%s", d)
		}
		if out.Headers["X-Echo"] != "1" || len(out.MultiValueHeaders["X-Echo"]) != 1 {
			t.Errorf("headers %v / %v lack the function's X-Echo", out.Headers, out.MultiValueHeaders)
		}
		if !strings.Contains(out.Log, "Method completed with status: 200") {
			t.Errorf("log lacks the completion line:\n%s", out.Log)
		}
	})
	t.Run("LambdaInvoke_Success_200_ExecutedVersionLatest", func(t *testing.T) {
		var out struct {
			StatusCode      int
			ExecutedVersion string
			FunctionError   string
			Payload         string
		}
		call(t, "invoke").decode(t, &out)
		want := struct {
			StatusCode      int
			ExecutedVersion string
			FunctionError   string
			Payload         string
		}{200, "$LATEST", "", `{"echoed":{"hello":"world"}}`}
		if d := cmp.Diff(want, out); d != "" {
			t.Errorf("(-want +got):\n%s", d)
		}
	})
	t.Run("LambdaInvoke_FunctionError_200_XAmzFunctionError", func(t *testing.T) {
		var out struct {
			StatusCode    int
			FunctionError string
			Payload       string
		}
		call(t, "invokeFail").decode(t, &out)
		var doc struct{ ErrorType, ErrorMessage string }
		_ = json.Unmarshal([]byte(out.Payload), &doc)
		if out.StatusCode != 200 || out.FunctionError != "Unhandled" || doc.ErrorMessage != "asked to fail" {
			t.Errorf("got status %d, FunctionError %q, payload %s; want 200, Unhandled, the error document", out.StatusCode, out.FunctionError, out.Payload)
		}
	})
	t.Run("LambdaInvoke_UnknownFunction_404_ResourceNotFoundException", func(t *testing.T) {
		if d := cmp.Diff(sdkError{"ResourceNotFoundException", 404}, call(t, "invokeMissing").err()); d != "" {
			t.Error(d)
		}
	})
	t.Run("LambdaListFunctions_TheTemplatesFunctions", func(t *testing.T) {
		var out struct {
			Functions []struct{ FunctionName, Runtime string }
		}
		call(t, "listFunctions").decode(t, &out)
		want := []struct{ FunctionName, Runtime string }{{"AuthFunction", "nodejs20.x"}, {"EchoFunction", "nodejs20.x"}}
		if d := cmp.Diff(want, out.Functions); d != "" {
			t.Errorf("(-want +got):\n%s", d)
		}
	})
}

// TestTestInvokeAuthorizer_WireFormat_ContextAndNoCache checks what the
// SDK model does not show: the raw field names and status of the answer,
// the authorizer's context, and that a test invocation neither reads nor
// fills the authorizer cache — two calls invoke the function twice.
func TestTestInvokeAuthorizer_WireFormat_ContextAndNoCache(t *testing.T) {
	s := startManagement(t)
	url := s.admin + "/restapis/" + s.apiID + "/authorizers/TokenAuth"
	hdr := map[string]string{"Content-Type": "application/json"}
	for i := range 2 {
		status, body := s.send(t, http.MethodPost, url, hdr, `{"headers":{"Authorization":"allow"},"pathWithQueryString":"/items/7"}`)
		if status != http.StatusOK {
			t.Fatalf("status %d: %s", status, body)
		}
		var out map[string]any
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatal(err)
		}
		keys := make([]string, 0, len(out))
		for k := range out {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if d := cmp.Diff([]string{"authorization", "clientStatus", "context", "latency", "log", "policy", "principalId"}, keys); d != "" {
			t.Errorf("call %d: fields (-want +got):\n%s", i, d)
		}
		if d := cmp.Diff(map[string]any{"tier": "gold", "quota": "7"}, out["context"]); d != "" {
			t.Errorf("call %d: context, stringified as the gateway passes it (-want +got):\n%s", i, d)
		}
	}
	if n := counterValue(t, scrape(t, s), "portcullis_authorizer_invocations_total", map[string]string{"authorizer": "TokenAuth"}); n != 2 {
		t.Errorf("authorizer invoked %v times for two test invocations, want 2 (no cache)", n)
	}
	if n := counterValue(t, scrape(t, s), "portcullis_authorizer_cache_hits_total", nil); n != 0 {
		t.Errorf("cache hits = %v after test invocations, want 0", n)
	}

	t.Run("UnknownAuthorizer_404", func(t *testing.T) {
		status, body := s.send(t, http.MethodPost, s.admin+"/restapis/"+s.apiID+"/authorizers/Nope", hdr, `{}`)
		if status != http.StatusNotFound || !strings.Contains(body, `"message":"Invalid Authorizer identifier specified Nope"`) {
			t.Errorf("got %d %s", status, body)
		}
	})
}

// TestMetrics_CountersMoveWithTraffic scrapes /metrics after real
// requests: requests by route and status, the authorizer's invocations
// and its cache hits and misses, throttled requests, function cold starts,
// invocation durations and live workers.
func TestMetrics_CountersMoveWithTraffic(t *testing.T) {
	s := startManagement(t)
	allow := map[string]string{"Authorization": "allow"}
	for _, step := range []struct {
		path   string
		header map[string]string
		want   int
	}{
		{"/prod/items/1", allow, 200}, // authorizer cache miss
		{"/prod/items/2", allow, 200}, // hit
		{"/prod/items/3", nil, 401},   // no token: no invocation
		{"/prod/limited", nil, 200},   // burst 1
		{"/prod/limited", nil, 429},   // throttled
	} {
		if status, body := s.get(t, s.base+step.path, step.header); status != step.want {
			t.Fatalf("GET %s = %d (%s), want %d", step.path, status, body, step.want)
		}
	}
	fams := scrape(t, s)
	item := map[string]string{"api": "Api", "stage": "prod", "route": "GET /items/{id}"}
	with := func(m map[string]string, k, v string) map[string]string {
		out := map[string]string{k: v}
		for a, b := range m {
			out[a] = b
		}
		return out
	}
	cases := []struct {
		name   string
		metric string
		labels map[string]string
		want   float64
	}{
		{"requests 200 on the item route", "portcullis_requests_total", with(item, "status", "200"), 2},
		{"requests 401 on the item route", "portcullis_requests_total", with(item, "status", "401"), 1},
		{"requests 429 on the limited route", "portcullis_requests_total", map[string]string{"route": "GET /limited", "status": "429"}, 1},
		{"latency observations on the item route", "portcullis_request_duration_seconds", item, 3},
		{"throttled requests", "portcullis_throttled_requests_total", map[string]string{"route": "GET /limited"}, 1},
		{"authorizer invocations", "portcullis_authorizer_invocations_total", map[string]string{"api": "Api", "authorizer": "TokenAuth"}, 1},
		{"authorizer errors", "portcullis_authorizer_errors_total", nil, 0},
		{"cache misses", "portcullis_authorizer_cache_misses_total", nil, 1},
		{"cache hits", "portcullis_authorizer_cache_hits_total", nil, 1},
		{"cold starts of the authorizer", "portcullis_function_cold_starts_total", map[string]string{"function": "AuthFunction"}, 1},
		{"cold starts of the backend", "portcullis_function_cold_starts_total", map[string]string{"function": "EchoFunction"}, 1},
		{"backend invocations timed", "portcullis_function_invocation_duration_seconds", map[string]string{"function": "EchoFunction"}, 3},
		{"backend workers alive", "portcullis_function_workers_alive", map[string]string{"function": "EchoFunction"}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := counterValue(t, fams, tc.metric, tc.labels); got != tc.want {
				t.Errorf("%s%v = %v, want %v", tc.metric, tc.labels, got, tc.want)
			}
		})
	}
	t.Run("runtime collectors", func(t *testing.T) {
		if _, ok := fams["process_resident_memory_bytes"]; !ok {
			t.Error("no process_resident_memory_bytes")
		}
	})
}

func scrape(t *testing.T, s *mgmtServer) map[string]*dto.MetricFamily {
	t.Helper()
	status, body := s.get(t, s.admin+"/metrics", nil)
	if status != http.StatusOK {
		t.Fatalf("GET /metrics = %d: %s", status, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}
	return fams
}

// counterValue sums the series of a family whose labels include labels:
// counter and gauge values, histogram observation counts.
func counterValue(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	t.Helper()
	f, ok := fams[name]
	if !ok {
		return 0
	}
	var sum float64
	for _, m := range f.GetMetric() {
		match := 0
		for _, lp := range m.GetLabel() {
			if v, ok := labels[lp.GetName()]; ok && v == lp.GetValue() {
				match++
			}
		}
		if match != len(labels) {
			continue
		}
		switch {
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		case m.Histogram != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return sum
}

// TestInvokeMethod with a path that is not one of the resource's is the
// caller's error, 400 BadRequestException; /healthz answers while serving.
func TestTestInvokeMethod_PathNotOfTheResource_400(t *testing.T) {
	s := startManagement(t)
	var itemID string
	for _, r := range s.srv.Gateway().APIs()[0].Resources {
		if r.Path == "/items/{id}" {
			itemID = r.ID
		}
	}
	url := s.admin + "/restapis/" + s.apiID + "/resources/" + itemID + "/methods/GET"
	status, body := s.send(t, http.MethodPost, url, nil, `{"pathWithQueryString":"/limited"}`)
	if status != http.StatusBadRequest || !strings.Contains(body, "is not a path of /items/{id}") {
		t.Errorf("got %d %s, want 400 naming the resource", status, body)
	}
	if status, body := s.get(t, s.admin+"/healthz", nil); status != http.StatusOK {
		t.Errorf("/healthz = %d %s", status, body)
	}
}
