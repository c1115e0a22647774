package admin

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/function"
)

func testAPI() *apimodel.API {
	return &apimodel.API{
		ID: "abcdef1234", LogicalID: "Api", Name: "shop", Region: "us-east-1", AccountID: "123456789012",
		Stages: []*apimodel.Stage{{Name: "prod"}},
		Resources: []*apimodel.Resource{
			{ID: "root01", Path: "/"},
			{ID: "pets01", Path: "/pets", Methods: map[string]*apimodel.Method{"GET": {HTTPMethod: "GET",
				Integration: &apimodel.Integration{Type: apimodel.IntegrationMock}}}},
			{ID: "pet001", Path: "/pets/{id}"},
		},
		Authorizers: map[string]*apimodel.Authorizer{},
	}
}

// fakeFunctions is a function runtime whose answers the test sets.
type fakeFunctions struct {
	result function.Result
	err    error
	got    []byte
}

func (f *fakeFunctions) Function(name string) *apimodel.Function {
	if name == "Echo" || name == "arn:aws:lambda:us-east-1:123456789012:function:Echo" {
		return &apimodel.Function{LogicalID: "Echo", Name: "Echo", ARN: "arn:aws:lambda:us-east-1:123456789012:function:Echo"}
	}
	return nil
}

func (f *fakeFunctions) Functions() []*apimodel.Function {
	return []*apimodel.Function{f.Function("Echo")}
}

func (f *fakeFunctions) Invoke(_ context.Context, _ *apimodel.Function, payload []byte) (function.Result, error) {
	f.got = payload
	return f.result, f.err
}

type answer struct {
	Status    int
	ErrorType string
	Body      string
}

func do(t *testing.T, s *Server, method, target, body string, header map[string]string) answer {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Host = "127.0.0.1:3001" // httptest's example.com is a foreign Host
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Body)
	if rec.Header().Get("x-amzn-RequestId") == "" {
		t.Errorf("%s %s: no x-amzn-RequestId", method, target)
	}
	return answer{rec.Code, rec.Header().Get("x-amzn-ErrorType"), strings.TrimSpace(string(b))}
}

// Error answers of the management API: status, x-amzn-ErrorType and
// {"message": ...} ("Amazon API Gateway REST API Reference", Common
// Errors: BadRequestException 400, NotFoundException 404).
func TestManagementAPI_Errors(t *testing.T) {
	s := New(Options{APIs: func() []*apimodel.API { return []*apimodel.API{testAPI()} }})
	cases := []struct {
		name, method, target string
		want                 answer
	}{
		{"UnknownAPI_404", "GET", "/restapis/nope/resources", answer{404, "NotFoundException", `{"message":"Invalid API identifier specified nope"}`}},
		{"UnknownResource_404", "GET", "/restapis/abcdef1234/resources/zzz", answer{404, "NotFoundException", `{"message":"Invalid Resource identifier specified zzz"}`}},
		{"UnknownMethod_404", "GET", "/restapis/abcdef1234/resources/pets01/methods/DELETE", answer{404, "NotFoundException", `{"message":"Invalid Method identifier specified DELETE"}`}},
		{"UnknownStage_404", "GET", "/restapis/abcdef1234/stages/dev", answer{404, "NotFoundException", `{"message":"Invalid Stage identifier specified dev"}`}},
		{"UnknownAuthorizer_404", "GET", "/restapis/abcdef1234/authorizers/x", answer{404, "NotFoundException", `{"message":"Invalid Authorizer identifier specified x"}`}},
		{"LimitOver500_400", "GET", "/restapis?limit=501", answer{400, "BadRequestException", `{"message":"Invalid limit specified: 501 (it must be between 1 and 500)"}`}},
		{"UnknownPosition_400", "GET", "/restapis/abcdef1234/resources?position=zzz", answer{400, "BadRequestException", `{"message":"Invalid position specified: zzz"}`}},
		{"UnknownResponseType_400", "GET", "/restapis/abcdef1234/gatewayresponses/NOPE", answer{400, "BadRequestException", `{"message":"Invalid response type specified: NOPE"}`}},
		{"UnknownOperation_404", "PATCH", "/restapis/abcdef1234", answer{404, "UnknownOperationException", `{"message":"Unknown operation PATCH /restapis/abcdef1234"}`}},
		// Without a tester the test-invoke operations do not exist.
		{"TestInvokeWithoutTester_404", "POST", "/restapis/abcdef1234/resources/pets01/methods/GET", answer{404, "UnknownOperationException", `{"message":"Unknown operation POST /restapis/abcdef1234/resources/pets01/methods/GET"}`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, do(t, s, tc.method, tc.target, "", nil)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

// GetResources pages with limit and position, and lists methods as empty
// objects unless embed=methods ("Amazon API Gateway REST API Reference",
// GetResources).
func TestGetResources_PaginationAndEmbed(t *testing.T) {
	s := New(Options{APIs: func() []*apimodel.API { return []*apimodel.API{testAPI()} }, Now: func() time.Time { return time.Unix(1700000000, 0) }})
	type page struct {
		Item     []json.RawMessage `json:"item"`
		Position string            `json:"position"`
	}
	var paths []string
	pos := ""
	for range 4 {
		a := do(t, s, "GET", "/restapis/abcdef1234/resources?limit=2&position="+pos, "", nil)
		var p page
		if err := json.Unmarshal([]byte(a.Body), &p); err != nil {
			t.Fatal(err)
		}
		for _, it := range p.Item {
			var r struct{ Path string }
			_ = json.Unmarshal(it, &r)
			paths = append(paths, r.Path)
		}
		if pos = p.Position; pos == "" {
			break
		}
	}
	if d := cmp.Diff([]string{"/", "/pets", "/pets/{id}"}, paths); d != "" {
		t.Errorf("paths over the pages (-want +got):\n%s", d)
	}

	got := do(t, s, "GET", "/restapis/abcdef1234/resources/pets01", "", nil).Body
	want := `{"id":"pets01","parentId":"root01","pathPart":"pets","path":"/pets","resourceMethods":{"GET":{}}}`
	if got != want {
		t.Errorf("without embed:\n got %s\nwant %s", got, want)
	}
	got = do(t, s, "GET", "/restapis/abcdef1234/resources/pets01?embed=methods", "", nil).Body
	want = `{"id":"pets01","parentId":"root01","pathPart":"pets","path":"/pets","resourceMethods":{"GET":{"httpMethod":"GET","authorizationType":"NONE","apiKeyRequired":false,"methodIntegration":{"type":"MOCK","connectionType":"INTERNET","passthroughBehavior":"WHEN_NO_MATCH","timeoutInMillis":29000,"cacheNamespace":"pets01","cacheKeyParameters":[]}}}}`
	if got != want {
		t.Errorf("with embed=methods:\n got %s\nwant %s", got, want)
	}
	got = do(t, s, "GET", "/restapis/abcdef1234", "", nil).Body
	want = `{"id":"abcdef1234","name":"shop","createdDate":1700000000,"apiKeySource":"HEADER","endpointConfiguration":{"types":["EDGE"]},"rootResourceId":"root01","disableExecuteApiEndpoint":false}`
	if got != want {
		t.Errorf("GetRestApi:\n got %s\nwant %s", got, want)
	}
}

// The Lambda Invoke API as sam local start-lambda offers it ("AWS Lambda
// API Reference", Invoke: 200 with X-Amz-Function-Error for function
// errors, ResourceNotFoundException 404, InvalidRequestContentException
// 400, DryRun 204).
func TestLambdaInvoke(t *testing.T) {
	type result struct {
		Status        int
		ErrorType     string
		FunctionError string
		Executed      string
		Body          string
	}
	cases := []struct {
		name     string
		fn       fakeFunctions
		target   string
		header   map[string]string
		body     string
		want     result
		wantSent string
	}{
		{name: "Success_PayloadBothWays", fn: fakeFunctions{result: function.Result{Payload: []byte(`{"ok":true}`)}},
			target: "/2015-03-31/functions/Echo/invocations", body: `{"a":1}`,
			want: result{Status: 200, Executed: "$LATEST", Body: `{"ok":true}`}, wantSent: `{"a":1}`},
		{name: "ByARN_EmptyPayloadIsEmptyObject", fn: fakeFunctions{result: function.Result{Payload: []byte(`null`)}},
			target: "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3AEcho/invocations",
			want:   result{Status: 200, Executed: "$LATEST", Body: `null`}, wantSent: `{}`},
		{name: "FunctionError_200_Unhandled", fn: fakeFunctions{result: function.Result{FunctionError: "Unhandled", Payload: []byte(`{"errorMessage":"boom"}`)}},
			target: "/2015-03-31/functions/Echo/invocations", body: `{}`,
			want: result{Status: 200, FunctionError: "Unhandled", Executed: "$LATEST", Body: `{"errorMessage":"boom"}`}, wantSent: `{}`},
		{name: "Timeout_200_Unhandled_WithLambdasMessage", fn: fakeFunctions{err: &function.InvokeError{Kind: function.KindTimeout, Function: "Echo",
			Payload: []byte(`{"errorMessage":"Task timed out after 3.00 seconds"}`)}},
			target: "/2015-03-31/functions/Echo/invocations", body: `{}`,
			want: result{Status: 200, FunctionError: "Unhandled", Executed: "$LATEST", Body: `{"errorMessage":"Task timed out after 3.00 seconds"}`}, wantSent: `{}`},
		{name: "Throttled_429", fn: fakeFunctions{err: &function.InvokeError{Kind: function.KindThrottled, Function: "Echo"}},
			target: "/2015-03-31/functions/Echo/invocations", body: `{}`,
			want: result{Status: 429, ErrorType: "TooManyRequestsException", Body: `{"Message":"Rate Exceeded.","Type":"User"}`}, wantSent: `{}`},
		{name: "UnknownFunction_404", target: "/2015-03-31/functions/Nope/invocations", body: `{}`,
			want: result{Status: 404, ErrorType: "ResourceNotFoundException", Body: `{"Message":"Function not found: Nope","Type":"User"}`}},
		{name: "UnknownQualifier_404", target: "/2015-03-31/functions/Echo/invocations?Qualifier=prod", body: `{}`,
			want: result{Status: 404, ErrorType: "ResourceNotFoundException", Body: `{"Message":"Function not found: Echo:prod","Type":"User"}`}},
		{name: "InvalidJSON_400", target: "/2015-03-31/functions/Echo/invocations", body: `{nope`,
			want: result{Status: 400, ErrorType: "InvalidRequestContentException", Body: `{"Message":"Could not parse request body into json","Type":"User"}`}},
		{name: "DryRun_204_WithoutInvoking", target: "/2015-03-31/functions/Echo/invocations", header: map[string]string{"X-Amz-Invocation-Type": "DryRun"},
			want: result{Status: 204, Executed: "$LATEST"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fn := tc.fn
			s := New(Options{Functions: &fn})
			req := httptest.NewRequest("POST", tc.target, strings.NewReader(tc.body))
			req.Host = "localhost:3001"
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			got := result{rec.Code, rec.Header().Get("x-amzn-ErrorType"), rec.Header().Get("X-Amz-Function-Error"),
				rec.Header().Get("X-Amz-Executed-Version"), strings.TrimSpace(rec.Body.String())}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			if string(fn.got) != tc.wantSent {
				t.Errorf("function received %q, want %q", fn.got, tc.wantSent)
			}
		})
	}
}

type fakeMethods struct{ err error }

func (f fakeMethods) TestInvokeMethod(context.Context, *apimodel.API, *apimodel.Resource, string, TestInvokeRequest) (TestInvokeMethodResult, error) {
	return TestInvokeMethodResult{Status: 200, Body: "hi", Log: "log\n"}, f.err
}

// TestInvokeMethod's answer always carries headers and multiValueHeaders
// objects; a tester's ErrBadRequest is 400 BadRequestException.
func TestTestInvokeMethod_Envelope(t *testing.T) {
	api := func() []*apimodel.API { return []*apimodel.API{testAPI()} }
	s := New(Options{APIs: api, Methods: fakeMethods{}, Now: func() time.Time { return time.Unix(0, 0) }})
	got := do(t, s, "POST", "/restapis/abcdef1234/resources/pets01/methods/get", `{"pathWithQueryString":"/pets"}`, nil)
	want := answer{200, "", `{"status":200,"body":"hi","headers":{},"multiValueHeaders":{},"log":"log\n","latency":0}`}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	s = New(Options{APIs: api, Methods: fakeMethods{err: errors.Join(ErrBadRequest, errors.New("the path does not match"))}})
	got = do(t, s, "POST", "/restapis/abcdef1234/resources/pets01/methods/GET", `{}`, nil)
	if got.Status != 400 || got.ErrorType != "BadRequestException" {
		t.Errorf("got %+v, want 400 BadRequestException", got)
	}
	got = do(t, s, "POST", "/restapis/abcdef1234/resources/pets01/methods/GET", `{"headers":`, nil)
	if got.Status != 400 || got.ErrorType != "BadRequestException" {
		t.Errorf("malformed body: got %+v, want 400 BadRequestException", got)
	}
}

func TestTestInvokeRequest_HeaderList_MultiValueWins(t *testing.T) {
	req := TestInvokeRequest{
		Headers:           map[string]string{"B": "1", "A": "x"},
		MultiValueHeaders: map[string][]string{"A": {"y", "z"}},
	}
	got := req.HeaderList()
	want := []struct{ Name, Value string }{{"A", "y"}, {"A", "z"}, {"B", "1"}}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i].Name != want[i].Name || got[i].Value != want[i].Value {
			t.Errorf("header %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestReadyz(t *testing.T) {
	notReady := errors.New("listeners are not open")
	s := New(Options{Ready: func() error { return notReady }})
	if got := do(t, s, "GET", "/readyz", "", nil); got.Status != http.StatusServiceUnavailable {
		t.Errorf("not ready: %+v, want 503", got)
	}
	s = New(Options{Ready: func() error { return nil }})
	if got := do(t, s, "GET", "/readyz", "", nil); got.Status != http.StatusOK {
		t.Errorf("ready: %+v, want 200", got)
	}
}
