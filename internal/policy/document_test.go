package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// stmt wraps statement JSON into a document.
func stmt(s string) []byte {
	return []byte(`{"Version":"2012-10-17","Statement":[` + s + `]}`)
}

func invoke(resource string) *Request {
	return &Request{Action: ActionInvoke, Resource: resource}
}

// Shapes from "Output from an Amazon API Gateway Lambda authorizer" (docs/behaviour.md#LAMBDA-3: Statement, Action and Resource as a single value or an array) and
// from IAM User Guide "IAM JSON policy element reference".
func TestParse_AcceptedShapes_EvaluateAsWritten(t *testing.T) {
	tests := []struct {
		name     string
		doc      string
		resource string
		want     Effect
		ctx      MapContext
	}{
		{"StatementArray_StringActionResource",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"` + petsARN + `"}]}`,
			petsARN, Allow, nil},
		{"StatementObject",
			`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"` + petsARN + `"}}`,
			petsARN, Allow, nil},
		{"ActionAndResourceArrays",
			`{"Statement":[{"Effect":"Allow","Action":["s3:GetObject","execute-api:Invoke"],"Resource":["arn:aws:s3:::b/*","` + petsARN + `"]}]}`,
			petsARN, Allow, nil},
		{"VersionAbsent",
			`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
			petsARN, Allow, nil},
		{"Version2008AndId",
			`{"Version":"2008-10-17","Id":"p1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
			petsARN, Allow, nil},
		{"SidAndDeny",
			`{"Statement":[{"Sid":"DenyAll","Effect":"Deny","Action":"execute-api:*","Resource":"*"}]}`,
			petsARN, ExplicitDeny, nil},
		{"EmptyStatementArray_ImplicitDeny",
			`{"Statement":[]}`,
			petsARN, ImplicitDeny, nil},
		{"NotAction",
			`{"Statement":[{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}]}`,
			petsARN, Allow, nil},
		{"NotResource",
			`{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","NotResource":"arn:aws:execute-api:*:*:*/admin/*"}]}`,
			petsARN, Allow, nil},
		{"ConditionNumberAndBoolValues_Stringified",
			`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericEquals":{"n":[1,2.5]},"StringEquals":{"s":[7,false]},"Bool":{"b":true}}}]}`,
			petsARN, Allow, ctx("n", "2.5", "s", "false", "b", "true")},
		{"ConditionNumberValue_ComparedAsWritten",
			`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"s":7}}}]}`,
			petsARN, Allow, ctx("s", "7")},
		{"PrincipalStar",
			`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`,
			petsARN, Allow, nil},
		{"PrincipalAWSStar",
			`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"*","Resource":"*"}]}`,
			petsARN, Allow, nil},
		{"PrincipalServiceOnly_NeverAnExecuteAPICaller",
			`{"Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"*","Resource":"*"}]}`,
			petsARN, ImplicitDeny, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse([]byte(tt.doc))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			req := invoke(tt.resource)
			if tt.ctx != nil {
				req.Context = tt.ctx
			}
			if got := d.Evaluate(req).Effect; got != tt.want {
				t.Errorf("Evaluate = %v, want %v", got, tt.want)
			}
		})
	}
}

// Strict parsing fails closed (docs/behaviour.md#DEC-STRICT-AUTHORIZER-RESULT, docs/behaviour.md#LAMBDA-3): the authorizer
// turns every one of these into 500 AuthorizerConfigurationException.
func TestParse_Malformed_ErrorsNamingTheElement(t *testing.T) {
	const allow = `"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"`
	tests := []struct {
		name, doc, want string
	}{
		{"Empty", ``, "policy: empty document"},
		{"NotJSON", `Allow`, "policy: invalid JSON: invalid character 'A' looking for beginning of value"},
		{"Truncated", `{"Statement":[{"Effect":"Allow"`, "policy: invalid JSON: unexpected end of input"},
		{"TrailingData", `{"Statement":[]} {}`, "policy: invalid JSON: unexpected data after the document"},
		{"Null", `null`, "policy: document must be a JSON object, got null"},
		{"Array", `[]`, "policy: document must be a JSON object, got an array"},
		{"MissingStatement", `{"Version":"2012-10-17"}`, "policy: missing Statement"},
		{"StatementString", `{"Statement":"Allow"}`, "policy: Statement must be an object or an array, got a string"},
		{"StatementNull", `{"Statement":null}`, "policy: Statement must be an object or an array, got null"},
		{"UnknownTopLevel", `{"Statement":[],"statement":[]}`, `policy: unknown element "statement" (element names are case-sensitive)`},
		{"DuplicateTopLevel", `{"Statement":[],"Statement":[]}`, `policy: duplicate element "Statement"`},
		{"BadVersion", `{"Version":"2024-01-01","Statement":[]}`, `policy: Version must be "2012-10-17" or "2008-10-17", got "2024-01-01"`},
		{"VersionNumber", `{"Version":2012,"Statement":[]}`, `policy: Version must be a string, got a number`},
		{"StatementNotObject", `{"Statement":["x"]}`, `policy: Statement[0]: statement must be an object, got a string`},
		{"EffectLowerCase", `{"Statement":[{"Effect":"allow","Action":"*","Resource":"*"}]}`, `policy: Statement[0].Effect: must be exactly "Allow" or "Deny", got "allow"`},
		{"EffectBool", `{"Statement":{"Effect":true,"Action":"*","Resource":"*"}}`, `policy: Statement.Effect: must be exactly "Allow" or "Deny", got a boolean`},
		{"MissingEffect", `{"Statement":[{"Action":"*","Resource":"*"}]}`, `policy: Statement[0]: missing Effect`},
		{"MissingAction", `{"Statement":[{"Effect":"Allow","Resource":"*"}]}`, `policy: Statement[0]: missing Action or NotAction`},
		{"MissingResource", `{"Statement":[{"Effect":"Allow","Action":"*"}]}`, `policy: Statement[0]: missing Resource or NotResource`},
		{"ActionAndNotAction", `{"Statement":[{` + allow + `,"NotAction":"s3:*"}]}`, `policy: Statement[0].NotAction: a statement has either Action or NotAction, not both`},
		{"ResourceAndNotResource", `{"Statement":[{` + allow + `,"NotResource":"*"}]}`, `policy: Statement[0].NotResource: a statement has either Resource or NotResource, not both`},
		{"DuplicateEffect", `{"Statement":[{"Effect":"Deny",` + allow + `}]}`, `policy: duplicate element "Effect"`},
		{"UnknownStatementElement", `{"Statement":[{` + allow + `,"Actions":"*"}]}`, `policy: Statement[0]: unknown element "Actions" (element names are case-sensitive)`},
		{"LowerCaseElement", `{"Statement":[{"effect":"Allow","Action":"*","Resource":"*"}]}`, `policy: Statement[0]: unknown element "effect" (element names are case-sensitive)`},
		{"ActionEmptyArray", `{"Statement":[{"Effect":"Allow","Action":[],"Resource":"*"}]}`, `policy: Statement[0].Action: must not be an empty array`},
		{"ActionNumber", `{"Statement":[{"Effect":"Allow","Action":1,"Resource":"*"}]}`, `policy: Statement[0].Action: must be a string or an array of strings, got a number`},
		{"ActionArrayOfNumber", `{"Statement":[{"Effect":"Allow","Action":["*",1],"Resource":"*"}]}`, `policy: Statement[0].Action: array element 1 must be a string, got a number`},
		{"ActionWithoutService", `{"Statement":[{"Effect":"Allow","Action":"Invoke","Resource":"*"}]}`, `policy: Statement[0].Action: "Invoke" is not "*" or service:action`},
		{"ActionEmpty", `{"Statement":[{"Effect":"Allow","Action":"","Resource":"*"}]}`, `policy: Statement[0].Action: "" is not "*" or service:action`},
		{"ResourceNotARN", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"prod/GET/pets"}]}`, `policy: Statement[0].Resource: "prod/GET/pets" is not "*" or an ARN`},
		{"ResourceNull", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":null}]}`, `policy: Statement[0].Resource: must be a string or an array of strings, got null`},
		{"AbbreviatedResourceOutsideResourcePolicy", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"execute-api:/*"}]}`, `policy: Statement[0].Resource: "execute-api:/*": abbreviated execute-api resources are only valid in resource policies`},
		{"PrincipalAndNotPrincipal", `{"Statement":[{` + allow + `,"Principal":"*","NotPrincipal":"*"}]}`, `policy: Statement[0].NotPrincipal: a statement has either Principal or NotPrincipal, not both`},
		{"PrincipalStringNotStar", `{"Statement":[{` + allow + `,"Principal":"123456789012"}]}`, `policy: Statement[0].Principal: a string principal must be "*", got "123456789012" (use {"AWS": …})`},
		{"PrincipalEmptyObject", `{"Statement":[{` + allow + `,"Principal":{}}]}`, `policy: Statement[0].Principal: must not be empty`},
		{"PrincipalUnknownType", `{"Statement":[{` + allow + `,"Principal":{"Users":"*"}}]}`, `policy: Statement[0].Principal: unknown principal type "Users"`},
		{"PrincipalBadAccount", `{"Statement":[{` + allow + `,"Principal":{"AWS":"12345"}}]}`, `policy: Statement[0].Principal: AWS: "12345" is not "*", a 12-digit account id or an ARN`},
		{"PrincipalBadARN", `{"Statement":[{` + allow + `,"Principal":{"AWS":"arn:aws:iam::root"}}]}`, `policy: Statement[0].Principal: AWS: "arn:aws:iam::root" is not a valid IAM principal ARN`},
		{"ConditionArray", `{"Statement":[{` + allow + `,"Condition":[]}]}`, `policy: Statement[0].Condition: must be an object, got an array`},
		{"ConditionOperatorString", `{"Statement":[{` + allow + `,"Condition":{"StringEquals":"x"}}]}`, `policy: Statement[0].Condition.StringEquals: must be a non-empty object of key: values`},
		{"ConditionOperatorEmpty", `{"Statement":[{` + allow + `,"Condition":{"StringEquals":{}}}]}`, `policy: Statement[0].Condition.StringEquals: must be a non-empty object of key: values`},
		{"ConditionEmptyKey", `{"Statement":[{` + allow + `,"Condition":{"StringEquals":{"":"x"}}}]}`, `policy: Statement[0].Condition.StringEquals: empty condition key`},
		{"ConditionValueObject", `{"Statement":[{` + allow + `,"Condition":{"StringEquals":{"k":{"a":"b"}}}}]}`, `policy: Statement[0].Condition.StringEquals.k: must be a string, number, boolean or an array of them, got an object`},
		{"ConditionValueNull", `{"Statement":[{` + allow + `,"Condition":{"StringEquals":{"k":null}}}]}`, `policy: Statement[0].Condition.StringEquals.k: must be a string, number, boolean or an array of them, got null`},
		{"ConditionValueNestedArray", `{"Statement":[{` + allow + `,"Condition":{"StringEquals":{"k":[["a"]]}}}]}`, `policy: Statement[0].Condition.StringEquals.k: array element 0 must be a string, number or boolean, got an array`},
		{"ConditionValueEmptyArray", `{"Statement":[{` + allow + `,"Condition":{"StringEquals":{"k":[]}}}]}`, `policy: Statement[0].Condition.StringEquals.k: must not be an empty array`},
		{"DuplicateConditionKey", `{"Statement":[{` + allow + `,"Condition":{"StringEquals":{"k":"a","k":"b"}}}]}`, `policy: duplicate element "k"`},
		{"BadNumber", `{"Statement":[{` + allow + `,"Condition":{"NumericLessThan":{"n":"ten"}}}]}`, `policy: Statement[0].Condition.NumericLessThan.n: "ten" is not a number`},
		{"BadDate", `{"Statement":[{` + allow + `,"Condition":{"DateLessThan":{"aws:CurrentTime":"tomorrow"}}}]}`, `policy: Statement[0].Condition.DateLessThan.aws:CurrentTime: "tomorrow" is not an ISO 8601 date or epoch seconds`},
		{"BadCIDR", `{"Statement":[{` + allow + `,"Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/33"}}}]}`, `policy: Statement[0].Condition.IpAddress.aws:SourceIp: "10.0.0.0/33" is not an IP address or CIDR block`},
		{"BadBool", `{"Statement":[{` + allow + `,"Condition":{"Bool":{"aws:SecureTransport":"yes"}}}]}`, `policy: Statement[0].Condition.Bool.aws:SecureTransport: "yes" is not true or false`},
		{"BadNull", `{"Statement":[{` + allow + `,"Condition":{"Null":{"k":1}}}]}`, `policy: Statement[0].Condition.Null.k: "1" is not true or false`},
		{"TooDeep", `{"Statement":[{` + allow + `,"Condition":{"StringEquals":{"k":[[[[[["a"]]]]]]}}}]}`, `policy: nested too deeply`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse([]byte(tt.doc))
			if err == nil {
				t.Fatalf("Parse succeeded, want error %q", tt.want)
			}
			if d != nil {
				t.Errorf("Parse returned a document with its error")
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

// An unknown operator is not a parse error: the statement fails closed
// and validate can print why.
func TestParse_UnknownConditionOperator_WarnsAndFailsClosed(t *testing.T) {
	d, err := Parse(stmt(
		`{"Effect":"Allow","Action":"*","Resource":"*"},` +
			`{"Sid":"Office","Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddressish":{"aws:SourceIp":"10.0.0.0/8"}}}`))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := []string{`statement 1 (Sid "Office"): unsupported condition operator "IpAddressish"; the statement denies every request it applies to`}
	if diff := cmp.Diff(want, d.Warnings()); diff != "" {
		t.Errorf("Warnings (-want +got):\n%s", diff)
	}
	got := d.Evaluate(invoke(petsARN))
	wantDec := Decision{Effect: ExplicitDeny, Document: 0, Statement: 1, Sid: "Office", Unsupported: "IpAddressish"}
	if diff := cmp.Diff(wantDec, got); diff != "" {
		t.Errorf("Evaluate (-want +got):\n%s", diff)
	}
}

// docs/behaviour.md#RP-3: execute-api:/… resources are expanded to the API's ARNs, and
// resource policy statements name their principals.
func TestParseResourcePolicy_ExpandsAbbreviatedResources(t *testing.T) {
	tests := []struct {
		name, resource, method string
		want                   Effect
	}{
		{"AllOfAPI", "execute-api:/*", petsARN, Allow},
		{"StageVerbPath", "execute-api:/prod/GET/pets", petsARN, Allow},
		{"StageVerbPath_OtherPath", "execute-api:/prod/GET/pets", petsARN + "/1", ImplicitDeny},
		{"AnyStage", "execute-api:/*/GET/*", petsARN, Allow},
		{"OtherAPIsARN_Untouched", "arn:aws:execute-api:us-east-1:123456789012:zzzzzzzzzz/*", petsARN, ImplicitDeny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseResourcePolicy(stmt(`{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"`+tt.resource+`"}`),
				"us-east-1", "123456789012", "abcdef1234")
			if err != nil {
				t.Fatalf("ParseResourcePolicy: %v", err)
			}
			if got := d.Evaluate(invoke(tt.method)).Effect; got != tt.want {
				t.Errorf("Evaluate = %v, want %v", got, tt.want)
			}
		})
	}
	if got, want := ExpandResource("execute-api:/prod/GET/pets", "eu-west-1", "210987654321", "a1b2c3d4e5"),
		"arn:aws:execute-api:eu-west-1:210987654321:a1b2c3d4e5/prod/GET/pets"; got != want {
		t.Errorf("ExpandResource = %q, want %q", got, want)
	}
}

func TestParseResourcePolicy_StatementWithoutPrincipal_Error(t *testing.T) {
	_, err := ParseResourcePolicy(stmt(`{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"execute-api:/*"}`),
		"us-east-1", "123456789012", "abcdef1234")
	want := "policy: Statement[0]: a resource policy statement must name a Principal or NotPrincipal"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

// The documents in testdata are the shapes users write: AWS's own
// blueprint output and resource policies from "API Gateway resource
// policy examples".
func TestParse_TestdataDocuments(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata documents: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var d *Document
			if strings.HasPrefix(filepath.Base(f), "resource-") {
				d, err = ParseResourcePolicy(data, "us-east-1", "123456789012", "abcdef1234")
			} else {
				d, err = Parse(data)
			}
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if len(d.Warnings()) != 0 {
				t.Errorf("unexpected warnings: %q", d.Warnings())
			}
		})
	}
}
