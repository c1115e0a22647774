package apimodel

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// validAPI is a small API every case below breaks in one way.
func validAPI() *Model {
	fnURI := LambdaURI("aws", "us-east-1", "arn:aws:lambda:us-east-1:123456789012:function:Fn")
	return &Model{
		Functions: map[string]*Function{"Fn": {LogicalID: "Fn"}},
		APIs: []*API{{
			LogicalID: "Api",
			Pos:       Pos{File: "t.yaml", Line: 1, Col: 1},
			Stages:    []*Stage{{Name: "prod", Pos: Pos{File: "t.yaml", Line: 2, Col: 3}}},
			Authorizers: map[string]*Authorizer{
				"Tok": {ID: "Tok", Type: AuthorizerToken, Function: "Fn", IdentitySource: "method.request.header.Authorization", ResultTTL: 300, Pos: Pos{File: "t.yaml", Line: 10, Col: 5}},
				"Req": {ID: "Req", Type: AuthorizerRequest, Function: "Fn", IdentitySource: "method.request.header.A, method.request.querystring.q, stageVariables.s, context.sourceIp", ResultTTL: 60, Pos: Pos{File: "t.yaml", Line: 20, Col: 5}},
			},
			GatewayResponses: map[string]*GatewayResponse{"UNAUTHORIZED": {Type: "UNAUTHORIZED", StatusCode: 401, Pos: Pos{File: "t.yaml", Line: 30, Col: 5}}},
			Resources: []*Resource{
				{Path: "/", Methods: map[string]*Method{}},
				{Path: "/users", Methods: map[string]*Method{}, Pos: Pos{File: "t.yaml", Line: 40, Col: 5}},
				{Path: "/users/{id}", Pos: Pos{File: "t.yaml", Line: 41, Col: 5}, Methods: map[string]*Method{
					"GET": {HTTPMethod: "GET", AuthorizationType: AuthCustom, AuthorizerID: "Tok", Pos: Pos{File: "t.yaml", Line: 42, Col: 7},
						Integration: &Integration{Type: IntegrationAWSProxy, URI: fnURI}},
				}},
			},
		}},
	}
}

// Each rule of the model, broken once; the diagnostic names the node's
// position, the API and what is wrong.
func TestValidate_EachRuleBrokenOnce(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(m *Model)
		want   []string
	}{
		{"valid", func(*Model) {}, nil},
		// CreateAuthorizer's identitySource: header, querystring,
		// stageVariables and context only (drift: the CloudFormation
		// loader also took multivalueheader).
		{"request_multivalueheader_source", func(m *Model) {
			m.APIs[0].Authorizers["Req"].IdentitySource = "method.request.multivalueheader.X"
		}, []string{`t.yaml:20:5: Api: authorizer Req: identity source "method.request.multivalueheader.X": want method.request.header.NAME, method.request.querystring.NAME, stageVariables.NAME or context.NAME`}},
		{"request_path_source", func(m *Model) {
			m.APIs[0].Authorizers["Req"].IdentitySource = "method.request.path.id"
		}, []string{`t.yaml:20:5: Api: authorizer Req: identity source "method.request.path.id": path parameters cannot be identity sources`}},
		{"request_cached_without_source", func(m *Model) {
			m.APIs[0].Authorizers["Req"].IdentitySource = ""
		}, []string{`t.yaml:20:5: Api: authorizer Req: a REQUEST authorizer with caching on (TTL 60s) needs an identity source: the identity sources are the cache key`}},
		{"request_uncached_without_source_is_fine", func(m *Model) {
			a := m.APIs[0].Authorizers["Req"]
			a.IdentitySource, a.ResultTTL = "", 0
		}, nil},
		{"token_two_headers", func(m *Model) {
			m.APIs[0].Authorizers["Tok"].IdentitySource = "method.request.header.A,method.request.header.B"
		}, []string{`t.yaml:10:5: Api: authorizer Tok: a TOKEN authorizer reads its token from one header: the identity source must be exactly one header, method.request.header.NAME, not "method.request.header.A,method.request.header.B"`}},
		{"token_query_source", func(m *Model) {
			m.APIs[0].Authorizers["Tok"].IdentitySource = "method.request.querystring.token"
		}, []string{`t.yaml:10:5: Api: authorizer Tok: a TOKEN authorizer reads its token from one header: the identity source must be exactly one header, method.request.header.NAME, not "method.request.querystring.token"`}},
		{"ttl_above_3600", func(m *Model) { m.APIs[0].Authorizers["Tok"].ResultTTL = 3601 },
			[]string{`t.yaml:10:5: Api: authorizer Tok: authorizerResultTtlInSeconds must be between 0 and 3600, not 3601`}},
		{"validation_expression_go_cannot_compile", func(m *Model) {
			m.APIs[0].Authorizers["Tok"].IdentityValidationExpression = "^(?=Bearer ).+$"
		}, []string{"t.yaml:10:5: Api: authorizer Tok: identityValidationExpression \"^(?=Bearer ).+$\" is not a regular expression Portcullis can evaluate: error parsing regexp: invalid or unsupported Perl syntax: `(?=`"}},
		{"authorizer_without_function", func(m *Model) { m.APIs[0].Authorizers["Tok"].Function = "" },
			[]string{`t.yaml:10:5: Api: authorizer Tok: a TOKEN authorizer needs a Lambda function (authorizerUri)`}},
		{"cognito_without_pools", func(m *Model) {
			m.APIs[0].Authorizers["Tok"].Type = AuthorizerCognito
			m.APIs[0].Resources[2].Methods["GET"].AuthorizationType = AuthCognito
		}, []string{`t.yaml:10:5: Api: authorizer Tok: a COGNITO_USER_POOLS authorizer needs providerARNs`}},
		// Custom domains (CreateBasePathMapping, CreateDomainName):
		// docs/behaviour.md#DOMAIN-1.
		{"domain_valid_mappings", func(m *Model) {
			m.Domains = []*Domain{{Name: "api.example.com", LogicalID: "D", Pos: Pos{File: "t.yaml", Line: 60, Col: 5}, Mappings: []*BasePathMapping{
				{BasePath: "", API: "Api", Stage: "prod"}, {BasePath: "v1/orders", API: "Api"}, {BasePath: "a$-_.+!*'()", API: "Api", Stage: "prod"}}}}
		}, nil},
		{"domain_mapping_unknown_stage_api_and_bad_path", func(m *Model) {
			m.Domains = []*Domain{{Name: "api.example.com", LogicalID: "D", Pos: Pos{File: "t.yaml", Line: 60, Col: 5}, Mappings: []*BasePathMapping{
				{BasePath: "x", API: "Api", Stage: "staging", LogicalID: "M1", Pos: Pos{File: "t.yaml", Line: 61, Col: 5}},
				{BasePath: "y", API: "Other", Stage: "prod", LogicalID: "M2", Pos: Pos{File: "t.yaml", Line: 62, Col: 5}},
				{BasePath: "a b", API: "Api", Stage: "prod", LogicalID: "M3", Pos: Pos{File: "t.yaml", Line: 63, Col: 5}},
				{BasePath: "a//b", API: "Api", Stage: "prod", LogicalID: "M4", Pos: Pos{File: "t.yaml", Line: 64, Col: 5}},
				{BasePath: "x", API: "Api", Stage: "prod", LogicalID: "M5", Pos: Pos{File: "t.yaml", Line: 65, Col: 5}}}}}
		}, []string{
			`t.yaml:61:5: M1: base path x: the mapping names stage "staging", which API Api does not have`,
			`t.yaml:62:5: M2: base path y: the mapping names API "Other", which the model does not deploy`,
			`t.yaml:63:5: M3: base path a b: a base path may only contain letters, numbers and $-_.+!*'(), with / between segments`,
			`t.yaml:64:5: M4: base path a//b: a base path may only contain letters, numbers and $-_.+!*'(), with / between segments`,
			`t.yaml:65:5: M5: base path x: domain api.example.com maps this base path twice (also at t.yaml:61:5)`,
		}},
		{"domain_declared_twice_and_nameless", func(m *Model) {
			m.Domains = []*Domain{{Name: "api.example.com", LogicalID: "DomA", Pos: Pos{File: "t.yaml", Line: 60, Col: 5}},
				{Name: "API.example.com", LogicalID: "DomB", Pos: Pos{File: "t.yaml", Line: 70, Col: 5}},
				{LogicalID: "DomC", Pos: Pos{File: "t.yaml", Line: 80, Col: 5}}}
		}, []string{
			`t.yaml:70:5: DomB: domain API.example.com: the domain name is declared twice (also by DomA at t.yaml:60:5)`,
			`t.yaml:80:5: DomC: domain: a custom domain needs a DomainName`,
		}},
		{"unknown_gateway_response_type", func(m *Model) {
			m.APIs[0].GatewayResponses["NOPE"] = &GatewayResponse{Type: "NOPE", Pos: Pos{File: "t.yaml", Line: 31, Col: 5}}
		}, []string{`t.yaml:31:5: Api: gateway response NOPE: unknown gateway response type "NOPE"`}},
		{"gateway_response_status_out_of_range", func(m *Model) { m.APIs[0].GatewayResponses["UNAUTHORIZED"].StatusCode = 4010 },
			[]string{`t.yaml:30:5: Api: gateway response UNAUTHORIZED: status code 4010 is not an HTTP status code`}},
		// CreateResource: "A sibling ({id}) of this resource already has a
		// variable path part -- only one is allowed" (drift: only OpenAPI
		// and the router checked it).
		{"sibling_variables", func(m *Model) {
			m.APIs[0].Resources = append(m.APIs[0].Resources, &Resource{Path: "/users/{userId}", Methods: map[string]*Method{}, Pos: Pos{File: "t.yaml", Line: 50, Col: 5}})
		}, []string{`t.yaml:50:5: Api: resource /users/{userId}: a sibling ({id}) of this resource already has a variable path part -- only one is allowed ({userId} under /users)`}},
		{"greedy_beside_variable", func(m *Model) {
			m.APIs[0].Resources = append(m.APIs[0].Resources, &Resource{Path: "/users/{proxy+}", Methods: map[string]*Method{}, Pos: Pos{File: "t.yaml", Line: 50, Col: 5}})
		}, []string{`t.yaml:50:5: Api: resource /users/{proxy+}: a sibling ({id}) of this resource already has a variable path part -- only one is allowed ({proxy+} under /users)`}},
		{"greedy_not_last", func(m *Model) {
			m.APIs[0].Resources = append(m.APIs[0].Resources, &Resource{Path: "/a/{p+}/b", Methods: map[string]*Method{}, Pos: Pos{File: "t.yaml", Line: 60, Col: 5}})
		}, []string{`t.yaml:60:5: Api: resource /a/{p+}/b: greedy path part {p+} must be the last part of the path`}},
		{"trailing_slash", func(m *Model) {
			m.APIs[0].Resources = append(m.APIs[0].Resources, &Resource{Path: "/a/", Methods: map[string]*Method{}, Pos: Pos{File: "t.yaml", Line: 60, Col: 5}})
		}, []string{`t.yaml:60:5: Api: resource /a/: path "/a/" must not end with /`}},
		// Stage names: "alphanumeric characters, hyphens, and underscores.
		// Maximum length is 128" (API_Stage.html).
		{"stage_name_with_hyphen_is_fine", func(m *Model) { m.APIs[0].Stages[0].Name = "dev-eu_1" }, nil},
		{"stage_name_with_dot", func(m *Model) { m.APIs[0].Stages[0].Name = "v1.2" },
			[]string{`t.yaml:2:3: Api: stage v1.2: stage name "v1.2" may only contain a-zA-Z0-9, - and _ (at most 128 characters)`}},
		{"stage_name_too_long", func(m *Model) { m.APIs[0].Stages[0].Name = strings.Repeat("s", 129) },
			[]string{`t.yaml:2:3: Api: stage ` + strings.Repeat("s", 129) + `: stage name "` + strings.Repeat("s", 129) + `" may only contain a-zA-Z0-9, - and _ (at most 128 characters)`}},
		{"method_names_missing_authorizer", func(m *Model) { m.APIs[0].Resources[2].Methods["GET"].AuthorizerID = "Gone" },
			[]string{`t.yaml:42:7: Api: GET /users/{id}: the method uses authorizer "Gone", which the API does not define`}},
		{"cognito_method_with_lambda_authorizer", func(m *Model) { m.APIs[0].Resources[2].Methods["GET"].AuthorizationType = AuthCognito },
			[]string{`t.yaml:42:7: Api: GET /users/{id}: authorization type COGNITO_USER_POOLS cannot use authorizer Tok of type TOKEN`}},
		{"unknown_authorization_type", func(m *Model) { m.APIs[0].Resources[2].Methods["GET"].AuthorizationType = "OPEN" },
			[]string{`t.yaml:42:7: Api: GET /users/{id}: authorization type "OPEN" is not NONE, AWS_IAM, CUSTOM or COGNITO_USER_POOLS`}},
		{"lambda_proxy_with_function_arn_not_uri", func(m *Model) {
			m.APIs[0].Resources[2].Methods["GET"].Integration.URI = "arn:aws:lambda:us-east-1:123456789012:function:Fn"
		}, []string{`t.yaml:42:7: Api: GET /users/{id}: "arn:aws:lambda:us-east-1:123456789012:function:Fn" is not a Lambda invocation URI (arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations)`}},
		{"integration_names_missing_function", func(m *Model) { m.APIs[0].Resources[2].Methods["GET"].Integration.Function = "Gone" },
			[]string{`t.yaml:42:7: Api: GET /users/{id}: the integration invokes function Gone, which the model does not define`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := validAPI()
			tt.break_(m)
			var got []string
			for _, d := range Validate(m) {
				got = append(got, d.String())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Validate (-want +got):\n%s", diff)
			}
		})
	}
}

// ValidateRules leaves out what a loader error may have caused: a
// reference to an authorizer or function that failed to load.
func TestValidateRules_SkipsReferences(t *testing.T) {
	m := validAPI()
	m.APIs[0].Resources[2].Methods["GET"].AuthorizerID = "Gone"
	m.APIs[0].Authorizers["Tok"].Function = ""
	if errs := ValidateRules(m); errs != nil {
		t.Errorf("ValidateRules = %v, want none", errs)
	}
	if errs := Validate(m); len(errs) != 2 {
		t.Errorf("Validate = %v, want the two reference errors", errs)
	}
}

func TestParseIdentitySources(t *testing.T) {
	tests := []struct {
		in      string
		want    []IdentitySource
		wantErr string
	}{
		{"", nil, ""},
		{"method.request.header.Authorization", []IdentitySource{{SourceHeader, "Authorization", "method.request.header.Authorization"}}, ""},
		{" method.request.header.A , method.request.querystring.q,stageVariables.s, context.identity.sourceIp ", []IdentitySource{
			{SourceHeader, "A", "method.request.header.A"}, {SourceQuery, "q", "method.request.querystring.q"},
			{SourceStageVariable, "s", "stageVariables.s"}, {SourceContext, "identity.sourceIp", "context.identity.sourceIp"},
		}, ""},
		{"method.request.header.", nil, "names nothing usable"},
		{"method.request.multivaluequerystring.q", nil, "want method.request.header.NAME"},
		{"method.request.path.id", nil, "path parameters cannot be identity sources"},
		{"$request.header.Authorization", nil, "want method.request.header.NAME"},
	}
	for _, tt := range tests {
		got, err := ParseIdentitySources(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseIdentitySources(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseIdentitySources(%q): %v", tt.in, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseIdentitySources(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func FuzzParseIdentitySources(f *testing.F) {
	for _, s := range []string{"method.request.header.A", "method.request.header.A,context.x", "stageVariables.", ",,", "method.request.path.p"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		srcs, err := ParseIdentitySources(s)
		if err != nil {
			return
		}
		for _, src := range srcs {
			if src.Name == "" || !strings.HasSuffix(src.Expr, src.Name) {
				t.Fatalf("ParseIdentitySources(%q) gave %+v", s, src)
			}
		}
	})
}

func FuzzCheckPath(f *testing.F) {
	for _, s := range []string{"/", "/a/{b}/{c+}", "/a//b", "a", "/{x+}/y", "/items:batch"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if CheckPath(s) != nil {
			return
		}
		// An accepted path has only valid parts, the greedy one last.
		if s == "/" {
			return
		}
		parts := strings.Split(s[1:], "/")
		for i, p := range parts {
			if !ValidPathPart(p) || (strings.HasSuffix(p, "+}") && i != len(parts)-1) {
				t.Fatalf("CheckPath(%q) accepted part %q", s, p)
			}
		}
	})
}
