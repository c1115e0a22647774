package server

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The templates in testdata/sam-inline and testdata/cfn-inline are written
// the way AWS's documentation and SAM's examples write them: a Lambda
// REQUEST authorizer and a proxy backend as inline code (InlineCode,
// Code.ZipFile), the authorizer's ARN through !GetAtt or !Sub ${Fn.Arn},
// and gateway responses that add headers. These tests serve each file
// unmodified and check what a client sees over HTTP.

// templateStep is one request against a served template and everything
// the client must see in reply. Steps run in order: the authorizer cache
// (TTL 300 s in both templates) carries over from one step to the next.
type templateStep struct {
	name   string
	method string // GET when empty
	path   string
	header map[string]string
	status int
	// body is the exact body; {requestId} stands for the response's own
	// x-amzn-RequestId. Empty with json set.
	body string
	// json is the backend's JSON body, compared as data; the per-call
	// requestContext.authorizer.integrationLatency is ignored.
	json string
	// headers must be present with these values; absent must not be.
	headers map[string]string
	absent  []string
	// invoked is how many times the authorizer runs for this request.
	invoked int
}

func runTemplateSteps(t *testing.T, s *e2eServer, steps []templateStep) {
	t.Helper()
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			before := s.invocations(t, "authorizer")
			method := st.method
			if method == "" {
				method = "GET"
			}
			r := s.do(t, method, st.path, st.header)
			if r.status != st.status {
				t.Fatalf("status = %d, want %d; body %s", r.status, st.status, r.body)
			}
			switch {
			case st.json != "":
				var want, got any
				if err := json.Unmarshal([]byte(st.json), &want); err != nil {
					t.Fatalf("want json: %v", err)
				}
				if err := json.Unmarshal([]byte(r.body), &got); err != nil {
					t.Fatalf("body is not JSON: %v: %s", err, r.body)
				}
				ignoreLatency := cmpopts.IgnoreMapEntries(func(k string, _ any) bool { return k == "integrationLatency" })
				if diff := cmp.Diff(want, got, ignoreLatency); diff != "" {
					t.Errorf("backend body (-want +got):\n%s", diff)
				}
			default:
				want := strings.ReplaceAll(st.body, "{requestId}", r.header.Get("x-amzn-RequestId"))
				if diff := cmp.Diff(want, r.body); diff != "" {
					t.Errorf("body (-want +got):\n%s", diff)
				}
			}
			for name, want := range st.headers {
				if got := r.header.Values(name); len(got) != 1 || got[0] != want {
					t.Errorf("header %s = %q, want [%q]", name, got, want)
				}
			}
			for _, name := range st.absent {
				if got := r.header.Values(name); len(got) != 0 {
					t.Errorf("header %s = %q, want none", name, got)
				}
			}
			if got := s.invocations(t, "authorizer") - before; got != st.invoked {
				t.Errorf("authorizer invoked %d times, want %d", got, st.invoked)
			}
		})
	}
}

// samCustomised is what ACCESS_DENIED and UNAUTHORIZED of the SAM template
// add to their responses.
var samCustomised = []string{"Access-Control-Allow-Origin", "X-Portcullis-Test"}

// TestE2E_SAMInlineRequestAuthorizer_GatewayResponsesAddHeaders serves a
// SAM template whose REQUEST authorizer (Identity.Headers x-api-user,
// Identity.QueryStrings tenant) and Lambda proxy backend are InlineCode,
// with customised UNAUTHORIZED and ACCESS_DENIED responses.
//
// Pinned from AWS documentation: "Use API Gateway Lambda authorizers" (a
// missing identity source is 401 without calling the function; the Lambda
// signals 401 by failing with "Unauthorized"); "Output from an Amazon API
// Gateway Lambda authorizer" (context values reach the backend as strings
// beside principalId); "Gateway response types" and "Gateway responses in
// API Gateway" (a customised type answers with its own headers and
// template; an uncustomised type keeps the default
// {"message":$context.error.messageString} and adds nothing).
func TestE2E_SAMInlineRequestAuthorizer_GatewayResponsesAddHeaders(t *testing.T) {
	s := startE2E(t, "testdata/sam-inline/template.yaml", nil)
	const denyBody = `{"message":"User is not authorized to access this resource with an explicit deny","principal":"mallory","requestId":"{requestId}"}`
	runTemplateSteps(t, s, []templateStep{
		{
			name:   "allow: the backend sees principalId and the stringified context",
			path:   "/prod/orders/7?tenant=acme",
			header: map[string]string{"x-api-user": "alice"},
			status: 200,
			json: `{"resource":"/orders/{orderId}","path":"/orders/7","orderId":"7","authorizer":{
				"principalId":"alice","tenant":"acme","realm":"orders-prod","quota":"5","admin":"false"}}`,
			headers: map[string]string{"Content-Type": "application/json"},
			absent:  samCustomised,
			invoked: 1,
		},
		{
			name:    "a stage-wide policy is reused from the cache for another path",
			path:    "/prod/orders/8?tenant=acme",
			header:  map[string]string{"x-api-user": "alice"},
			status:  200,
			json:    `{"resource":"/orders/{orderId}","path":"/orders/8","orderId":"8","authorizer":{"principalId":"alice","tenant":"acme","realm":"orders-prod","quota":"5","admin":"false"}}`,
			invoked: 0,
		},
		{
			name:    "another query-string identity is a cache miss",
			path:    "/prod/orders/8?tenant=globex",
			header:  map[string]string{"x-api-user": "alice"},
			status:  200,
			json:    `{"resource":"/orders/{orderId}","path":"/orders/8","orderId":"8","authorizer":{"principalId":"alice","tenant":"globex","realm":"orders-prod","quota":"5","admin":"false"}}`,
			invoked: 1,
		},
		{
			name:    "missing identity header: customised 401 without invoking the authorizer",
			path:    "/prod/orders/7?tenant=acme",
			status:  401,
			body:    `{"message":"Unauthorized","principal":"","requestId":"{requestId}"}`,
			headers: map[string]string{"Access-Control-Allow-Origin": "*", "X-Portcullis-Test": "sam-inline", "x-amzn-ErrorType": "UnauthorizedException", "Content-Type": "application/json"},
			invoked: 0,
		},
		{
			name:    "missing identity query string: customised 401 without invoking the authorizer",
			path:    "/prod/orders/7",
			header:  map[string]string{"x-api-user": "alice"},
			status:  401,
			body:    `{"message":"Unauthorized","principal":"","requestId":"{requestId}"}`,
			headers: map[string]string{"Access-Control-Allow-Origin": "*", "X-Portcullis-Test": "sam-inline"},
			invoked: 0,
		},
		{
			name:    "function raises Exception('Unauthorized'): customised 401",
			path:    "/prod/orders/7?tenant=acme",
			header:  map[string]string{"x-api-user": "expired"},
			status:  401,
			body:    `{"message":"Unauthorized","principal":"","requestId":"{requestId}"}`,
			headers: map[string]string{"Access-Control-Allow-Origin": "*", "X-Portcullis-Test": "sam-inline", "x-amzn-ErrorType": "UnauthorizedException"},
			invoked: 1,
		},
		{
			// $context.authorizer.* in a gateway response template carries
			// what a denying authorizer returned (docs/behaviour.md#GWR-5).
			name:    "explicit deny: customised 403 naming the denied principal",
			path:    "/prod/orders/7?tenant=acme",
			header:  map[string]string{"x-api-user": "mallory"},
			status:  403,
			body:    denyBody,
			headers: map[string]string{"Access-Control-Allow-Origin": "*", "X-Portcullis-Test": "sam-inline", "x-amzn-ErrorType": "AccessDeniedException"},
			invoked: 1,
		},
		{
			name:    "a cached explicit deny answers the same without invoking",
			path:    "/prod/orders/9?tenant=acme",
			header:  map[string]string{"x-api-user": "mallory"},
			status:  403,
			body:    denyBody,
			headers: map[string]string{"X-Portcullis-Test": "sam-inline"},
			invoked: 0,
		},
		{
			name:    "authorizer error: DEFAULT_5XX is not customised, so no added headers",
			path:    "/prod/orders/7?tenant=acme",
			header:  map[string]string{"x-api-user": "crash"},
			status:  500,
			body:    `{"message":null}`,
			headers: map[string]string{"x-amzn-ErrorType": "AuthorizerConfigurationException", "Content-Type": "application/json"},
			absent:  samCustomised,
			invoked: 1,
		},
		{
			name:    "unknown route: MISSING_AUTHENTICATION_TOKEN is not customised either",
			path:    "/prod/customers",
			header:  map[string]string{"x-api-user": "alice"},
			status:  403,
			body:    `{"message":"Missing Authentication Token"}`,
			headers: map[string]string{"x-amzn-ErrorType": "MissingAuthenticationTokenException"},
			absent:  samCustomised,
			invoked: 0,
		},
	})
}

// TestE2E_CloudFormationInlineRequestAuthorizer_GatewayResponsesAddHeaders
// serves a plain CloudFormation template: RestApi, a Resource tree, Methods
// with AuthorizationType CUSTOM and AuthorizerId !Ref, a REQUEST Authorizer
// whose AuthorizerUri is !Sub ...${AuthFn.Arn}..., a Node.js authorizer and
// a Python backend in Code.ZipFile, AWS_PROXY and MOCK integrations, a
// customised UNAUTHORIZED and a customised DEFAULT_4XX, a Deployment and a
// Stage.
//
// Pinned from AWS documentation: "Gateway response types" (ACCESS_DENIED
// and MISSING_AUTHENTICATION_TOKEN fall back to DEFAULT_4XX; a customised
// UNAUTHORIZED is used as written); "API Gateway mapping template and
// access logging variable reference" ($context.error.responseType is the
// original type, not DEFAULT_4XX); "Use API Gateway Lambda authorizers" (a
// cached policy is evaluated against each request's own method ARN).
func TestE2E_CloudFormationInlineRequestAuthorizer_GatewayResponsesAddHeaders(t *testing.T) {
	s := startE2E(t, "testdata/cfn-inline/template.yaml", nil)
	cfnCustomised := []string{"Access-Control-Allow-Origin", "X-Portcullis-Test", "WWW-Authenticate"}
	fourXX := map[string]string{"Access-Control-Allow-Origin": "*", "X-Portcullis-Test": "cfn-inline", "Content-Type": "application/json"}
	unauthorized := map[string]string{
		"Access-Control-Allow-Origin": "*", "X-Portcullis-Test": "cfn-inline",
		"WWW-Authenticate": `X-Api-User realm="inventory"`, "x-amzn-ErrorType": "UnauthorizedException",
	}
	runTemplateSteps(t, s, []templateStep{
		{
			name:    "allow: the Lambda proxy backend sees the authorizer's context",
			path:    "/v1/items/42",
			header:  map[string]string{"x-api-user": "alice"},
			status:  200,
			json:    `{"itemId":"42","stage":"v1","authorizer":{"principalId":"alice","warehouse":"north","resourcePath":"/items/{itemId}","verified":"true"}}`,
			absent:  cfnCustomised,
			invoked: 1,
		},
		{
			name:    "cached GET/* policy allows the MOCK method",
			path:    "/v1/items",
			header:  map[string]string{"x-api-user": "alice"},
			status:  200,
			body:    `{"items":[]}`,
			absent:  cfnCustomised,
			invoked: 0,
		},
		{
			name:    "cached GET/* policy does not allow POST: 403 through DEFAULT_4XX",
			method:  "POST",
			path:    "/v1/items",
			header:  map[string]string{"x-api-user": "alice"},
			status:  403,
			body:    `{"error":"User is not authorized to access this resource","type":"ACCESS_DENIED","stage":"v1"}`,
			headers: fourXX,
			absent:  []string{"WWW-Authenticate"},
			invoked: 0,
		},
		{
			name:    "missing identity header: customised 401 without invoking the authorizer",
			path:    "/v1/items/42",
			status:  401,
			body:    `{"message":"Unauthorized"}`,
			headers: unauthorized,
			invoked: 0,
		},
		{
			name:    "callback('Unauthorized'): customised 401",
			path:    "/v1/items/42",
			header:  map[string]string{"x-api-user": "expired"},
			status:  401,
			body:    `{"message":"Unauthorized"}`,
			headers: unauthorized,
			invoked: 1,
		},
		{
			name:    "explicit deny: 403 through DEFAULT_4XX",
			path:    "/v1/items/42",
			header:  map[string]string{"x-api-user": "mallory"},
			status:  403,
			body:    `{"error":"User is not authorized to access this resource with an explicit deny","type":"ACCESS_DENIED","stage":"v1"}`,
			headers: fourXX,
			invoked: 1,
		},
		{
			name:    "authorizer error: DEFAULT_5XX is not customised, so no added headers",
			path:    "/v1/items/42",
			header:  map[string]string{"x-api-user": "crash"},
			status:  500,
			body:    `{"message":null}`,
			headers: map[string]string{"x-amzn-ErrorType": "AuthorizerConfigurationException"},
			absent:  cfnCustomised,
			invoked: 1,
		},
		{
			name:    "unknown route: MISSING_AUTHENTICATION_TOKEN through DEFAULT_4XX",
			path:    "/v1/warehouses",
			status:  403,
			body:    `{"error":"Missing Authentication Token","type":"MISSING_AUTHENTICATION_TOKEN","stage":"v1"}`,
			headers: map[string]string{"Access-Control-Allow-Origin": "*", "X-Portcullis-Test": "cfn-inline", "x-amzn-ErrorType": "MissingAuthenticationTokenException"},
			invoked: 0,
		},
	})
}
