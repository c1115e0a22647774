package config

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/policy"
)

const sample = `identities:
  - accessKeyId: AKIDALICE
    secretAccessKey: alice-secret
    arn: arn:aws:iam::123456789012:user/alice
    policies:
      - Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: execute-api:Invoke
            Resource: arn:aws:execute-api:*:*:*/prod/*
      - '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"*"}]}'
      - role: ApiCaller
  - accessKeyId: ASIATEMP
    secretAccessKey: temp-secret
    sessionToken: session
    arn: arn:aws:sts::210987654321:assumed-role/Partner/bob
cognito:
  localKeyFile: keys/local.pem
  userPools:
    - arn: arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Local
      local: true
    - arn: arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_File
      jwksFile: jwks.json
apiKeys:
  - name: partner
    value: partner-key-00000000000001
    usagePlans: ["*"]
  - id: off
    value: disabled-key-0000000000001
    enabled: false
    usagePlans: [Basic]
`

func TestParse_Sample(t *testing.T) {
	f, err := Parse("/etc/portcullis/portcullis.yaml", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Identities) != 2 {
		t.Fatalf("identities = %d", len(f.Identities))
	}
	alice, bob := f.Identities[0], f.Identities[1]
	if alice.AccountID != "123456789012" || bob.AccountID != "210987654321" || bob.SessionToken != "session" {
		t.Fatalf("accounts/tokens: %+v %+v", alice, bob)
	}
	if len(alice.Policies) != 3 || alice.Policies[2].Role != "ApiCaller" || alice.Policies[0].Pos.Line != 6 {
		t.Fatalf("policies = %+v", alice.Policies)
	}
	var doc map[string]any
	if err := json.Unmarshal(alice.Policies[0].Document, &doc); err != nil || doc["Version"] != "2012-10-17" {
		t.Fatalf("YAML policy as JSON = %s (%v)", alice.Policies[0].Document, err)
	}
	wantPools := []UserPool{
		{ARN: "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Local", Local: true},
		{ARN: "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_File", JWKSFile: filepath.FromSlash("/etc/portcullis/jwks.json")},
	}
	if diff := cmp.Diff(wantPools, f.Cognito.UserPools); diff != "" {
		t.Fatalf("pools (-want +got):\n%s", diff)
	}
	if f.Cognito.LocalKeyFile != filepath.FromSlash("/etc/portcullis/keys/local.pem") {
		t.Fatalf("localKeyFile = %q", f.Cognito.LocalKeyFile)
	}
	wantKeys := []APIKey{
		{ID: "partner", Name: "partner", Value: "partner-key-00000000000001", Enabled: true, UsagePlans: []string{"*"}},
		{ID: "off", Value: "disabled-key-0000000000001", Enabled: false, UsagePlans: []string{"Basic"}},
	}
	if diff := cmp.Diff(wantKeys, f.APIKeys); diff != "" {
		t.Fatalf("API keys (-want +got):\n%s", diff)
	}
}

func TestParse_Errors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"UnknownField", "identities:\n  - accessKeyId: A\n    secretAccesKey: s\n", "line 3: field secretAccesKey not found"},
		{"UnknownTopLevel", "identity: []\n", "field identity not found"},
		{"MissingSecret", "identities:\n  - accessKeyId: A\n    arn: arn:aws:iam::123456789012:user/a\n", "c.yaml:2:5: identities[0]: secretAccessKey is required"},
		{"DuplicateKey", "identities:\n  - {accessKeyId: A, secretAccessKey: s, arn: 'arn:aws:iam::123456789012:user/a'}\n  - {accessKeyId: A, secretAccessKey: s, arn: 'arn:aws:iam::123456789012:user/b'}\n", "access key A is configured twice"},
		{"BadARN", "identities:\n  - {accessKeyId: A, secretAccessKey: s, arn: alice}\n", "is not an IAM user or role-session ARN"},
		{"BadPolicy", "identities:\n  - accessKeyId: A\n    secretAccessKey: s\n    arn: arn:aws:iam::123456789012:user/a\n    policies:\n      - {Version: '2012-10-17', Statement: [{Effect: Maybe, Action: '*', Resource: '*'}]}\n", "c.yaml:6:9: identities[0].policies[0]: policy:"},
		{"PoolWithTwoSources", "cognito:\n  userPools:\n    - {arn: x, local: true, jwksUrl: 'https://x'}\n", "give exactly one of jwksFile, jwksUrl and local: true"},
		{"KeyWithoutPlans", "apiKeys:\n  - {value: abc}\n", "usagePlans is required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("c.yaml", []byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestParse_Empty(t *testing.T) {
	f, err := Parse("c.yaml", nil)
	if err != nil || len(f.Identities) != 0 {
		t.Fatalf("f = %+v, err = %v", f, err)
	}
}

// TestResolve_Roles: role references take the template role's inline
// policies; managed policies cannot be known locally and are warned about.
func TestResolve_Roles(t *testing.T) {
	f, err := Parse("c.yaml", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	m := &apimodel.Model{Roles: map[string]*apimodel.Role{"ApiCaller": {
		LogicalID:         "ApiCaller",
		Policies:          []json.RawMessage{json.RawMessage(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"*"}]}`)},
		ManagedPolicyARNs: []string{"arn:aws:iam::aws:policy/AmazonAPIGatewayInvokeFullAccess"},
	}}}
	ids, warnings, err := f.Resolve(m)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range ids[0].Policies {
		names = append(names, p.Name)
	}
	want := []string{"inline policy 0 of arn:aws:iam::123456789012:user/alice", "inline policy 1 of arn:aws:iam::123456789012:user/alice", "role ApiCaller policy 0"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Fatalf("policy names (-want +got):\n%s", diff)
	}
	dec := ids[0].Policies[2].Document.Evaluate(&policy.Request{Action: policy.ActionInvoke, Resource: "arn:aws:execute-api:us-east-1:1:a/prod/GET/"})
	if dec.Effect != policy.ExplicitDeny {
		t.Fatalf("role policy decision = %s", dec.Effect)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "AmazonAPIGatewayInvokeFullAccess cannot be read locally") {
		t.Fatalf("warnings = %q", warnings)
	}
	if _, _, err := f.Resolve(&apimodel.Model{}); err == nil || !strings.Contains(err.Error(), "role ApiCaller is not an AWS::IAM::Role of the template") {
		t.Fatalf("missing role: err = %v", err)
	}
}
