package openapi

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"go.yaml.in/yaml/v3"
)

func parseYAML(t *testing.T, doc string) *yaml.Node {
	t.Helper()
	n, errs := Parse([]byte(doc), "doc.yaml")
	if errs != nil {
		t.Fatalf("Parse: %v", errs)
	}
	return n
}

func errorStrings(errs apimodel.Errors) []string {
	var out []string
	for _, d := range errs {
		out = append(out, d.String())
	}
	return out
}

const templateBody = `
openapi: 3.0.1
info: {title: ignored-for-templates}
paths:
  /items:
    get:
      security: [{Auth: []}]
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:stack-ItemsFn-1A2B3C/invocations
    post:
      x-amazon-apigateway-integration:
        type: aws_proxy
        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:999999999999:function:shared-fn/invocations
components:
  securitySchemes:
    Auth:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authorizer:
        type: token
        authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:stack-AuthFn-9Z8Y7X/invocations
`

// A SAM DefinitionBody names the template's functions by the ARNs the
// intrinsic evaluator produced; ResolveFunction maps them back to logical
// ids, and only the function outside the template is remote.
func TestBuildAPI_DefinitionBody_TemplateFunctionsResolveToLogicalIDs(t *testing.T) {
	local := map[string]string{"stack-ItemsFn-1A2B3C": "ItemsFn", "stack-AuthFn-9Z8Y7X": "AuthFn"}
	resolve := func(uri string) (string, bool) {
		arn, ok := apimodel.ParseLambdaURI(uri)
		if !ok {
			return "", false
		}
		id, ok := local[arn[strings.LastIndex(arn, ":")+1:]]
		return id, ok
	}
	opts := Options{LogicalID: "MyApi", APIID: "abcdefghij", StageName: "Prod", ResolveFunction: resolve}
	api, warns, errs := BuildAPI(parseYAML(t, templateBody), opts)
	if errs != nil || len(warns) != 0 {
		t.Fatalf("BuildAPI: errors %v, warnings %v", errs, warns)
	}
	res := api.Resources[1]
	got := map[string]string{
		"api id":              api.ID,
		"api logical id":      api.LogicalID,
		"stage":               api.Stages[0].Name,
		"resource":            res.Path,
		"GET function":        res.Methods["GET"].Integration.Function,
		"POST function":       res.Methods["POST"].Integration.Function,
		"authorizer function": api.Authorizers["Auth"].Function,
		"authorizer ARN":      api.Authorizers["Auth"].FunctionARN,
	}
	want := map[string]string{
		"api id":              "abcdefghij",
		"api logical id":      "MyApi",
		"stage":               "Prod",
		"resource":            "/items",
		"GET function":        "ItemsFn",
		"POST function":       "shared-fn",
		"authorizer function": "AuthFn",
		"authorizer ARN":      "",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	remote := RemoteFunctions(api, nil, resolve)
	wantRemote := map[string]*apimodel.Function{"shared-fn": {
		LogicalID: "shared-fn", Name: "shared-fn", Remote: true,
		ARN: "arn:aws:lambda:us-east-1:999999999999:function:shared-fn",
	}}
	if diff := cmp.Diff(wantRemote, remote, cmpopts.IgnoreTypes(apimodel.Pos{})); diff != "" {
		t.Errorf("RemoteFunctions (-want +got):\n%s", diff)
	}
}

// Diagnostics of an inline document name the template resource and the
// property path inside it, so `validate` points into the template.
func TestBuildAPI_DefinitionBody_DiagnosticsCarryLogicalIDAndPropertyPath(t *testing.T) {
	doc := "swagger: '2.0'\ninfo: {title: t}\npaths:\n  /a:\n    get:\n      x-amazon-apigateway-integration: {type: bogus}\n"
	_, _, errs := BuildAPI(parseYAML(t, doc), Options{File: "template.yaml", LogicalID: "MyApi", PathPrefix: "Properties.DefinitionBody"})
	want := []string{`template.yaml:6:47: MyApi: Properties.DefinitionBody.paths./a.get.x-amazon-apigateway-integration.type: unknown integration type "bogus" (http, http_proxy, aws, aws_proxy, mock)`}
	if diff := cmp.Diff(want, errorStrings(errs)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// authorizerResultTtlInSeconds: unset means 300, 0 disables caching, 3600 is
// the hard limit (docs/behaviour.md#CACHE-1; "x-amazon-apigateway-authorizer object").
func TestAuthorizerResultTTL_DefaultsAndLimits(t *testing.T) {
	tests := []struct {
		name    string
		ttl     string // the property line, "" to leave it out
		want    int
		wantErr string
	}{
		{name: "unset_is_300", want: 300},
		{name: "null_is_300", ttl: "authorizerResultTtlInSeconds: null", want: 300},
		{name: "zero_disables_caching", ttl: "authorizerResultTtlInSeconds: 0", want: 0},
		{name: "maximum_3600", ttl: "authorizerResultTtlInSeconds: 3600", want: 3600},
		{name: "string_of_digits", ttl: `authorizerResultTtlInSeconds: "60"`, want: 60},
		{name: "above_3600_refused", ttl: "authorizerResultTtlInSeconds: 3601", wantErr: "must be between 0 and 3600, not 3601"},
		{name: "negative_refused", ttl: "authorizerResultTtlInSeconds: -1", wantErr: "must be between 0 and 3600, not -1"},
		{name: "fraction_refused", ttl: "authorizerResultTtlInSeconds: 1.5", wantErr: `must be a whole number, not "1.5"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := `swagger: "2.0"
info: {title: ttl}
paths: {}
securityDefinitions:
  Auth:
    type: apiKey
    name: Authorization
    in: header
    x-amazon-apigateway-authorizer:
      type: token
      authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations
      ` + tt.ttl + "\n"
			api, _, errs := BuildAPI(parseYAML(t, doc), Options{})
			if errs == nil {
				// The range is the model's rule, checked once on the
				// loaded model.
				errs = apimodel.Validate(&apimodel.Model{APIs: []*apimodel.API{api}})
			}
			if tt.wantErr != "" {
				if len(errs) != 1 || !strings.Contains(errs[0].Message, tt.wantErr) {
					t.Fatalf("errors = %v, want one containing %q", errs, tt.wantErr)
				}
				return
			}
			if errs != nil {
				t.Fatalf("BuildAPI: %v", errs)
			}
			if got := api.Authorizers["Auth"].ResultTTL; got != tt.want {
				t.Errorf("ResultTTL = %d, want %d", got, tt.want)
			}
		})
	}
}

// Gateway response header values are static strings or request values
// (docs/behaviour.md#GWR-4, docs/behaviour.md#DEC-RESPONSE-PARAMETER-SOURCES); CR and LF would split the response and are
// refused at load.
func TestGatewayResponseParameters_Values(t *testing.T) {
	tests := []struct {
		value   string
		wantErr string
	}{
		{value: `"'*'"`},
		{value: `method.request.header.Origin`},
		{value: `method.request.querystring.callback`},
		{value: `method.request.path.id`},
		{value: `stageVariables.origin`},
		{value: `context.requestId`},
		{value: `"'a\nb'"`, wantErr: "must not contain CR or LF"},
		{value: `"'a\rb'"`, wantErr: "must not contain CR or LF"},
		{value: `"*"`, wantErr: "is not a valid header value"},
		{value: `integration.response.header.X`, wantErr: "is not a valid header value"},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			doc := "openapi: 3.0.0\ninfo: {title: g}\npaths: {}\nx-amazon-apigateway-gateway-responses:\n  DEFAULT_4XX:\n    responseParameters:\n      gatewayresponse.header.X: " + tt.value + "\n"
			api, _, errs := BuildAPI(parseYAML(t, doc), Options{})
			if tt.wantErr != "" {
				if len(errs) != 1 || !strings.Contains(errs[0].Message, tt.wantErr) {
					t.Fatalf("errors = %v, want one containing %q", errs, tt.wantErr)
				}
				return
			}
			if errs != nil {
				t.Fatalf("BuildAPI: %v", errs)
			}
			if got := api.GatewayResponses["DEFAULT_4XX"].ResponseParameters["gatewayresponse.header.X"]; got == "" {
				t.Errorf("header mapping dropped")
			}
		})
	}
}

// JSON is read by a JSON reader (yaml.v3 refuses the "\/" escape JSON
// allows) into the same tree, so both spellings of a document deploy the
// same API.
func TestLoad_JSONAndYAMLSpellingsDeployTheSameAPI(t *testing.T) {
	jsonDoc := "{\n\t\"swagger\": \"2.0\",\n\t\"info\": {\"title\": \"same\"},\n\t\"paths\": {\n\t\t\"\\/a\\/{id}\": {\"get\": {\n\t\t\t\"parameters\": [{\"name\": \"id\", \"in\": \"path\", \"required\": true}],\n\t\t\t\"x-amazon-apigateway-integration\": {\"type\": \"http_proxy\", \"httpMethod\": \"GET\", \"uri\": \"https:\\/\\/example.com\\/{id}\", \"timeoutInMillis\": 1000}\n\t\t}}\n\t}\n}\n"
	yamlDoc := "swagger: '2.0'\ninfo:\n  title: same\npaths:\n  /a/{id}:\n    get:\n      parameters:\n        - {name: id, in: path, required: true}\n      x-amazon-apigateway-integration:\n        type: http_proxy\n        httpMethod: GET\n        uri: https://example.com/{id}\n        timeoutInMillis: 1000\n"
	dir := t.TempDir()
	var models []*apimodel.Model
	for name, doc := range map[string]string{"api.json": jsonDoc, "api.yaml": yamlDoc} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		m, err := Load(path, Options{})
		if err != nil {
			t.Fatalf("Load(%s): %v", name, err)
		}
		models = append(models, m)
	}
	if diff := cmp.Diff(models[0], models[1], cmpopts.IgnoreTypes(apimodel.Pos{})); diff != "" {
		t.Errorf("JSON and YAML models differ (-one +other):\n%s", diff)
	}
}

// IDs are derived, not random, so method ARNs in users' policies survive a
// restart: the API id from the logical id, each resource id from the API id
// and the resource path.
func TestResourceTree_EveryPrefixIsAResourceWithDerivedIDs(t *testing.T) {
	doc := "openapi: 3.0.0\ninfo: {title: Tree}\npaths:\n  /a/{b}/c:\n    get:\n      x-amazon-apigateway-integration: {type: mock}\n"
	api, _, errs := BuildAPI(parseYAML(t, doc), Options{})
	if errs != nil {
		t.Fatal(errs)
	}
	type row struct{ Path, ID string }
	var got []row
	for _, r := range api.Resources {
		got = append(got, row{r.Path, r.ID})
	}
	apiID := apimodel.DeriveID("Tree", 10)
	var want []row
	for _, p := range []string{"/", "/a", "/a/{b}", "/a/{b}/c"} {
		want = append(want, row{p, apimodel.DeriveID(apiID+p, 6)})
	}
	if api.ID != apiID {
		t.Errorf("API ID = %s, want %s", api.ID, apiID)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("resources (-want +got):\n%s", diff)
	}
}

// Real documents share one integration through YAML anchors and merge keys.
func TestLoad_YAMLAnchorsAndMergeKeys(t *testing.T) {
	doc := `openapi: 3.0.0
info: {title: anchors}
x-common: &proxy
  type: http_proxy
  httpMethod: ANY
  uri: https://backend.example.com/
paths:
  /a:
    get:
      x-amazon-apigateway-integration: *proxy
  /b:
    get:
      x-amazon-apigateway-integration:
        <<: *proxy
        uri: https://other.example.com/
`
	api, _, errs := BuildAPI(parseYAML(t, doc), Options{})
	if errs != nil {
		t.Fatal(errs)
	}
	got := []string{api.Resources[1].Methods["GET"].Integration.URI, api.Resources[2].Methods["GET"].Integration.URI,
		api.Resources[2].Methods["GET"].Integration.Type}
	want := []string{"https://backend.example.com/", "https://other.example.com/", apimodel.IntegrationHTTPProxy}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestLoad_RefusedDocuments(t *testing.T) {
	tests := []struct {
		name, doc string
		want      []string
	}{
		{"empty", "", []string{"x.yaml: the document is empty"}},
		{"not_openapi", "foo: bar\n", []string{`x.yaml:1:1: not an OpenAPI document: it has neither swagger: "2.0" nor openapi: 3.x`}},
		{"swagger_1_2", "swagger: '1.2'\n", []string{`x.yaml:1:10: swagger: unsupported Swagger version "1.2": only 2.0 exists`}},
		{"top_level_list", "- a\n", []string{"x.yaml:1:1: must be an object, not a list"}},
		{"duplicate_path", "openapi: 3.0.0\npaths:\n  /a: {}\n  /a: {}\n", []string{`x.yaml:4:3: paths./a: duplicate key "/a"`}},
		{"undefined_stage_variable", "openapi: 3.0.0\npaths:\n  /a:\n    get:\n      x-amazon-apigateway-integration:\n        type: aws_proxy\n        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:${stageVariables.fn}/invocations\n",
			[]string{`x.yaml:7:14: paths./a.get.x-amazon-apigateway-integration.uri: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:${stageVariables.fn}/invocations" refers to a stage variable that is not defined (or is unterminated)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.yaml")
			if err := os.WriteFile(path, []byte(tt.doc), 0o600); err != nil {
				t.Fatal(err)
			}
			m, err := Load(path, Options{File: "x.yaml"})
			var errs apimodel.Errors
			if !errors.As(err, &errs) {
				t.Fatalf("Load = %v, %v; want apimodel.Errors", m, err)
			}
			if diff := cmp.Diff(tt.want, errorStrings(errs)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// security: [] opens an operation; security: null is not written at all,
// so the document's top-level requirement still protects it.
func TestSecurity_NullInheritsTopLevel_EmptyListOpens(t *testing.T) {
	doc := `openapi: 3.0.0
info: {title: s}
security: [{sigv4: []}]
components:
  securitySchemes:
    sigv4: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}
paths:
  /inherited:
    get: {x-amazon-apigateway-integration: {type: mock}}
  /null:
    get: {security: null, x-amazon-apigateway-integration: {type: mock}}
  /open:
    get: {security: [], x-amazon-apigateway-integration: {type: mock}}
`
	api, _, errs := BuildAPI(parseYAML(t, doc), Options{})
	if errs != nil {
		t.Fatal(errs)
	}
	got := map[string]string{}
	for _, r := range api.Resources[1:] {
		got[r.Path] = r.Methods["GET"].AuthorizationType
	}
	want := map[string]string{"/inherited": apimodel.AuthIAM, "/null": apimodel.AuthIAM, "/open": apimodel.AuthNone}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
