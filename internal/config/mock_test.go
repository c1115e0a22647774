package config

import (
	"strings"
	"testing"
)

const mockSample = `mockIdentities:
  header: X-Mock-Identity
  identities:
    - name: admin
      principalId: root
      allowAll: true
      context: {role: admin, level: 3, beta: true}
    - name: alice
      principalId: alice
      policy:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: execute-api:Invoke
            Resource: arn:aws:execute-api:us-east-1:123456789012:*/prod/GET/users/*
    - name: json
      principalId: j
      policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"*"}]}'
`

func TestParse_MockIdentities(t *testing.T) {
	f, err := Parse("portcullis.yaml", []byte(mockSample))
	if err != nil {
		t.Fatal(err)
	}
	m := f.Mocks
	if m.Header != "X-Mock-Identity" || len(m.Identities) != 3 {
		t.Fatalf("mocks = %+v", m)
	}
	if a := m.Identities[0]; a.Name != "admin" || !a.AllowAll || a.Context["level"] != 3 {
		t.Errorf("admin = %+v", a)
	}
	if p := string(m.Identities[1].Policy); !strings.Contains(p, `"Resource":"arn:aws:execute-api:us-east-1:123456789012:*/prod/GET/users/*"`) {
		t.Errorf("alice's policy = %s", p)
	}
	if p := string(m.Identities[2].Policy); !strings.Contains(p, `"Effect":"Deny"`) {
		t.Errorf("json policy = %s", p)
	}
}

func TestParse_MockIdentities_Errors(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"role instead of a document", "mockIdentities:\n  identities:\n    - {name: a, principalId: p, policy: {role: R}}\n", "portcullis.yaml:3:41: mockIdentities.identities[0].policy: a mock identity's policy is an authorizer's answer"},
		{"both", "mockIdentities:\n  identities:\n    - {name: a, principalId: p, allowAll: true, policy: '{\"Version\":\"2012-10-17\",\"Statement\":[]}'}\n", "exactly one of policy and allowAll"},
		{"unknown field", "mockIdentities:\n  identities:\n    - {name: a, principal: p}\n", "field principal not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("portcullis.yaml", []byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
