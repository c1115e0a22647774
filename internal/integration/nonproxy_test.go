package integration

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/function"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// petBackend is the PetStore HTTP backend of "Tutorial: Create a REST API
// with an HTTP non-proxy integration": GET /petstore/pets/{id} answers the
// pet, or 404; it echoes what it received so that the test sees the
// integration request.
func petBackend(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Backend-Seen", r.Method+" "+r.URL.RequestURI()+" tenant="+r.Header.Get("x-tenant")+" ct="+r.Header.Get("Content-Type")+" body="+string(body))
		if r.URL.Path == "/petstore/pets/404" {
			w.WriteHeader(404)
			io.WriteString(w, `{"error": "no such pet"}`)
			return
		}
		io.WriteString(w, `{"id": 1, "type": "dog", "price": 249.99}`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestHTTP_NonProxy(t *testing.T) {
	backend := petBackend(t)
	in := &apimodel.Integration{
		Type: apimodel.IntegrationHTTP, HTTPMethod: "POST", URI: backend.URL + "/petstore/pets/{petId}",
		RequestParameters: map[string]string{
			"integration.request.path.petId":       "method.request.path.id",
			"integration.request.querystring.type": "method.request.querystring.kind",
			"integration.request.header.x-tenant":  "'acme'",
		},
		RequestTemplates: map[string]string{"application/json": `{"petId": "$input.params('id')", "note": $input.json('$.note')}`},
		IntegrationResponses: []apimodel.IntegrationResponse{
			{StatusCode: "200", ResponseParameters: map[string]string{"method.response.header.X-Seen": "integration.response.header.X-Backend-Seen"},
				ResponseTemplates: map[string]string{"application/json": `#set($p = $input.path('$'))
{"description": "Item $p.id is a $p.type.", "askingPrice": $p.price}`}},
			{StatusCode: "404", SelectionPattern: "404", ResponseTemplates: map[string]string{"application/json": `{"message": $input.json('$.error')}`}},
		},
	}
	h, err := NewHTTP(in, testRoute, NewUpstream())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, id, body string
		wantStatus     int
		wantBody       string
		wantSeen       string
	}{
		{"200 through the default response", "7", `{"note": "hi"}`, 200, `{"description": "Item 1 is a dog.", "askingPrice": 249.99}`,
			`POST /petstore/pets/7?type=cat tenant=acme ct=application/json body={"petId": "7", "note": "hi"}`},
		{"backend 404 selected by its status code", "404", `{}`, 404, `{"message": "no such pet"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &reqctx.Request{Method: "GET", PathParams: map[string]string{"id": tt.id}, Query: reqctx.ParseQuery("kind=cat"),
				Headers: []reqctx.Header{{Name: "Content-Type", Value: "application/json"}, {Name: "X-Not-Forwarded", Value: "x"}}, Body: []byte(tt.body)}
			got, err := h.Invoke(context.Background(), r)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tt.wantStatus || string(got.Body) != tt.wantBody {
				t.Errorf("got %d %s, want %d %s", got.Status, got.Body, tt.wantStatus, tt.wantBody)
			}
			if tt.wantSeen != "" {
				seen := ""
				for _, hd := range got.Headers {
					if hd.Name == "X-Seen" {
						seen = hd.Value
					}
				}
				if diff := cmp.Diff(tt.wantSeen, seen); diff != "" {
					t.Errorf("backend saw (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// TestHTTP_NonProxy_UnmappedPathParameter: a {name} in the URI without an
// integration.request.path.name mapping cannot be filled; refuse at load.
func TestHTTP_NonProxy_UnmappedPathParameter(t *testing.T) {
	_, err := NewHTTP(&apimodel.Integration{Type: apimodel.IntegrationHTTP, HTTPMethod: "GET", URI: "http://example.com/pets/{id}"}, testRoute, NewUpstream())
	if err == nil {
		t.Fatal("compiled")
	}
}

type invokerFunc func(ctx context.Context, fn *apimodel.Function, payload []byte) (function.Result, error)

func (f invokerFunc) Invoke(ctx context.Context, fn *apimodel.Function, payload []byte) (function.Result, error) {
	return f(ctx, fn, payload)
}

// TestLambda_NonProxy: the function gets the request template's output;
// its result goes through the default response, a function error through
// the response whose selectionPattern matches errorMessage ("Handle Lambda
// errors in API Gateway": the pattern is matched against errorMessage).
func TestLambda_NonProxy(t *testing.T) {
	in := &apimodel.Integration{
		Type: apimodel.IntegrationAWS,
		RequestTemplates: map[string]string{"application/json": `#set($inputRoot = $input.path('$'))
{"city": "$input.params('city')", "name": "$inputRoot.callerName"}`},
		IntegrationResponses: []apimodel.IntegrationResponse{
			{StatusCode: "200"},
			{StatusCode: "400", SelectionPattern: ".*Missing.*", ResponseTemplates: map[string]string{"application/json": `{"error": "$input.path('$.errorMessage')"}`}},
		},
	}
	var sent string
	inv := invokerFunc(func(_ context.Context, _ *apimodel.Function, payload []byte) (function.Result, error) {
		sent = string(payload)
		if string(payload) == `{"city": "", "name": "John"}` {
			return function.Result{FunctionError: "Unhandled", Payload: []byte(`{"errorMessage": "Missing city", "errorType": "Error"}`)}, nil
		}
		return function.Result{Payload: []byte(`{"greeting": "Good day, John of Seattle."}`)}, nil
	})
	l, err := NewLambda(in, testRoute, &apimodel.Function{LogicalID: "Greeter"}, inv)
	if err != nil {
		t.Fatal(err)
	}
	r := &reqctx.Request{Method: "POST", Query: reqctx.ParseQuery("city=Seattle"), Body: []byte(`{"callerName": "John"}`)}
	got, err := l.Invoke(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	if sent != `{"city": "Seattle", "name": "John"}` || got.Status != 200 || string(got.Body) != `{"greeting": "Good day, John of Seattle."}` {
		t.Errorf("sent %s, got %d %s", sent, got.Status, got.Body)
	}
	r.Query = nil
	got, err = l.Invoke(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != 400 || string(got.Body) != `{"error": "Missing city"}` {
		t.Errorf("error mapping: got %d %s", got.Status, got.Body)
	}
}

// TestLambda_NonProxy_ErrorWithoutPattern_Default: a function error no
// pattern matches takes the default response, with the error as its body —
// API Gateway's documented behaviour, and a common surprise (200 with
// {"errorMessage": ...}).
func TestLambda_NonProxy_ErrorWithoutPattern_Default(t *testing.T) {
	l, err := NewLambda(&apimodel.Integration{Type: apimodel.IntegrationAWS,
		IntegrationResponses: []apimodel.IntegrationResponse{{StatusCode: "200"}}}, testRoute, &apimodel.Function{LogicalID: "F"},
		invokerFunc(func(context.Context, *apimodel.Function, []byte) (function.Result, error) {
			return function.Result{FunctionError: "Unhandled", Payload: []byte(`{"errorMessage": "boom"}`)}, nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	got, err := l.Invoke(context.Background(), &reqctx.Request{Method: "POST"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != 200 || string(got.Body) != `{"errorMessage": "boom"}` {
		t.Errorf("got %d %s", got.Status, got.Body)
	}
}

// TestLambda_NonProxy_Timeout: the integration timeout is 504.
func TestLambda_NonProxy_Timeout(t *testing.T) {
	l, err := NewLambda(&apimodel.Integration{Type: apimodel.IntegrationAWS, TimeoutMillis: 50,
		IntegrationResponses: []apimodel.IntegrationResponse{{StatusCode: "200"}}}, testRoute, &apimodel.Function{LogicalID: "F"},
		invokerFunc(func(ctx context.Context, _ *apimodel.Function, _ []byte) (function.Result, error) {
			<-ctx.Done()
			return function.Result{}, ctx.Err()
		}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.Invoke(context.Background(), &reqctx.Request{Method: "POST"})
	var ge *gwresponse.Error
	if !errors.As(err, &ge) || ge.Type != gwresponse.IntegrationTimeout {
		t.Fatalf("err = %v", err)
	}
}

// TestHTTP_NonProxy_ContentHandling: CONVERT_TO_TEXT sends a binary
// request body base64-encoded; CONVERT_TO_BINARY on the integration
// response decodes the backend's base64 text for the client ("Content type
// conversions in API Gateway").
func TestHTTP_NonProxy_ContentHandling(t *testing.T) {
	var received string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		received = string(b)
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "iVBORw0K") // base64 of the PNG signature's first bytes
	}))
	defer srv.Close()
	in := &apimodel.Integration{Type: apimodel.IntegrationHTTP, HTTPMethod: "POST", URI: srv.URL + "/upload",
		ContentHandling:      ConvertToText,
		IntegrationResponses: []apimodel.IntegrationResponse{{StatusCode: "200", ContentHandling: ConvertToBinary}}}
	route := testRoute
	route.BinaryMediaTypes = []string{"image/png"}
	h, err := NewHTTP(in, route, NewUpstream())
	if err != nil {
		t.Fatal(err)
	}
	r := &reqctx.Request{Method: "POST", Headers: []reqctx.Header{{Name: "Content-Type", Value: "image/png"}}, Body: []byte{0x89, 'P', 'N', 'G'}}
	got, err := h.Invoke(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	if received != "iVBORw==" {
		t.Errorf("backend received %q, want the body base64-encoded", received)
	}
	if want := []byte{0x89, 'P', 'N', 'G', 0x0d, 0x0a}; string(got.Body) != string(want) {
		t.Errorf("client body %x, want %x", got.Body, want)
	}
}

// A header mapped into a greedy {key+} placeholder of a non-proxy HTTP URI
// is one segment, its slashes escaped, and a bare ".." is refused: only a
// path parameter's own canonical segments may spell several segments, so a
// mapped value can never climb the backend's tree.
func TestHTTP_NonProxy_MappedValueIsOneSegment(t *testing.T) {
	var seen []string
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.RequestURI)
	}))
	defer backend.Close()
	in := &apimodel.Integration{Type: apimodel.IntegrationHTTP, HTTPMethod: "GET", URI: backend.URL + "/files/{key+}",
		RequestParameters:    map[string]string{"integration.request.path.key": "method.request.header.x-key"},
		IntegrationResponses: []apimodel.IntegrationResponse{{StatusCode: "200"}}}
	h, err := NewHTTP(in, testRoute, NewUpstream())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ header, want string }{{"../admin", "/files/..%2Fadmin"}, {"a b", "/files/a%20b"}} {
		seen = nil
		r := &reqctx.Request{Method: "GET", Headers: []reqctx.Header{{Name: "X-Key", Value: tc.header}}}
		if _, err := h.Invoke(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		if len(seen) != 1 || seen[0] != tc.want {
			t.Errorf("X-Key %q: backend got %v, want %s", tc.header, seen, tc.want)
		}
	}
	seen = nil
	_, err = h.Invoke(context.Background(), &reqctx.Request{Method: "GET", Headers: []reqctx.Header{{Name: "X-Key", Value: ".."}}})
	if err == nil || len(seen) != 0 {
		t.Errorf("a bare .. reached the backend: %v %v", err, seen)
	}
}
