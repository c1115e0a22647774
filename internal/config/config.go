package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/policy"
)

// File is a parsed configuration file.
type File struct {
	// Path is the file's path; relative paths inside it are relative to
	// its directory.
	Path       string
	Identities []Identity
	Cognito    Cognito
	APIKeys    []APIKey
	// Mocks are the named mock identities that can stand in for Lambda
	// authorizer invocations; server compiles them with the authorizer's
	// own parser (authorizer.NewMocks).
	Mocks Mocks
}

// Mocks is the mockIdentities section.
type Mocks struct {
	Identities []MockIdentity
	// Header names the request header that picks an identity per request.
	Header string
}

// MockIdentity is one named stand-in for an authorizer's answer.
type MockIdentity struct {
	Name        string
	PrincipalID string
	Context     map[string]any
	// Policy is the policy document as JSON; AllowAll stands for a policy
	// allowing every method.
	Policy   json.RawMessage
	AllowAll bool
}

// Identity is one access key of an AWS_IAM caller.
type Identity struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	ARN             string
	AccountID       string
	UserID          string
	Policies        []Policy
	Pos             apimodel.Pos
}

// Policy is an identity policy: an inline document or a template role.
type Policy struct {
	// Role is the logical id of an AWS::IAM::Role of the template.
	Role string
	// Document is an inline policy as JSON, already checked by
	// policy.Parse.
	Document json.RawMessage
	Pos      apimodel.Pos
}

// Cognito configures the key sources of user pools.
type Cognito struct {
	// LocalKeyFile is the key "portcullis token" signs with; "" means
	// the cognito package's default path.
	LocalKeyFile string
	UserPools    []UserPool
}

// UserPool is the key source of one user pool: exactly one of JWKSFile,
// JWKSURL and Local is set. Its fields are those of cognito.PoolConfig,
// which server converts it to.
type UserPool struct {
	// ARN is arn:aws:cognito-idp:REGION:ACCOUNT:userpool/POOL_ID.
	ARN string
	// JWKSFile is a JWKS document on disk, relative paths resolved
	// against the configuration file's directory.
	JWKSFile string
	// JWKSURL is fetched and refreshed periodically.
	JWKSURL string
	// Local trusts the key "portcullis token" signs with.
	Local bool
}

// APIKey is an API key from the file. Its fields are those of
// authorizer.APIKey, which server converts it to.
type APIKey struct {
	ID         string
	Name       string
	Value      string
	Enabled    bool
	UsagePlans []string
}

// ResolvedIdentity is an Identity with its policies parsed and role
// references replaced by the role's inline policies. Server turns it into
// an authorizer.IAMIdentity.
type ResolvedIdentity struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	ARN             string
	AccountID       string
	UserID          string
	Policies        []NamedPolicy
}

// NamedPolicy is one parsed identity policy and the name the execution
// log gives it.
type NamedPolicy struct {
	Name     string
	Document *policy.Document
}

// raw* mirror the YAML layout; decoding them with KnownFields rejects
// unknown fields.
type rawFile struct {
	Identities []rawIdentity `yaml:"identities"`
	Cognito    *rawCognito   `yaml:"cognito"`
	APIKeys    []rawAPIKey   `yaml:"apiKeys"`
	Mocks      *rawMocks     `yaml:"mockIdentities"`
}

type rawMocks struct {
	Header     string    `yaml:"header"`
	Identities []rawMock `yaml:"identities"`
}

type rawMock struct {
	Name        string         `yaml:"name"`
	PrincipalID string         `yaml:"principalId"`
	Context     map[string]any `yaml:"context"`
	Policy      yaml.Node      `yaml:"policy"`
	AllowAll    bool           `yaml:"allowAll"`
}

type rawIdentity struct {
	AccessKeyID     string      `yaml:"accessKeyId"`
	SecretAccessKey string      `yaml:"secretAccessKey"`
	SessionToken    string      `yaml:"sessionToken"`
	ARN             string      `yaml:"arn"`
	AccountID       string      `yaml:"accountId"`
	UserID          string      `yaml:"userId"`
	Policies        []yaml.Node `yaml:"policies"`
}

type rawCognito struct {
	LocalKeyFile string        `yaml:"localKeyFile"`
	UserPools    []rawUserPool `yaml:"userPools"`
}

type rawUserPool struct {
	ARN      string `yaml:"arn"`
	JWKSFile string `yaml:"jwksFile"`
	JWKSURL  string `yaml:"jwksUrl"`
	Local    bool   `yaml:"local"`
}

type rawAPIKey struct {
	ID         string   `yaml:"id"`
	Name       string   `yaml:"name"`
	Value      string   `yaml:"value"`
	Enabled    *bool    `yaml:"enabled"`
	UsagePlans []string `yaml:"usagePlans"`
}

// Load reads and checks the configuration file at path.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(path, data)
}

// Parse checks a configuration file's contents; path names it in errors
// and anchors its relative paths.
func Parse(path string, data []byte) (*File, error) {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var raw rawFile
	if root.Kind != 0 {
		// The node keeps positions; the strict decode rejects unknown
		// fields with their line numbers.
		strict := yaml.NewDecoder(bytes.NewReader(data))
		strict.KnownFields(true)
		if err := strict.Decode(&raw); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	f := &File{Path: path}
	var errs apimodel.Errors
	fail := func(pos apimodel.Pos, where, format string, args ...any) {
		errs = append(errs, apimodel.Diagnostic{Pos: pos, Path: where, Message: fmt.Sprintf(format, args...)})
	}
	items := sequenceItems(&root, "identities")
	seen := map[string]bool{}
	for i, ri := range raw.Identities {
		where := fmt.Sprintf("identities[%d]", i)
		pos := apimodel.Pos{File: path}
		if i < len(items) {
			pos.Line, pos.Col = items[i].Line, items[i].Column
		}
		id := Identity{AccessKeyID: ri.AccessKeyID, SecretAccessKey: ri.SecretAccessKey, SessionToken: ri.SessionToken,
			ARN: ri.ARN, AccountID: ri.AccountID, UserID: ri.UserID, Pos: pos}
		switch {
		case id.AccessKeyID == "":
			fail(pos, where, "accessKeyId is required")
		case seen[id.AccessKeyID]:
			fail(pos, where, "access key %s is configured twice", id.AccessKeyID)
		}
		seen[id.AccessKeyID] = true
		if id.SecretAccessKey == "" {
			fail(pos, where, "secretAccessKey is required")
		}
		acct, err := callerAccount(id.ARN)
		if err != nil {
			fail(pos, where+".arn", "%v", err)
		}
		if id.AccountID == "" {
			id.AccountID = acct
		} else if !isAccountID(id.AccountID) {
			fail(pos, where+".accountId", "%q is not a 12-digit account id", id.AccountID)
		}
		for j := range ri.Policies {
			n := &ri.Policies[j]
			pw := fmt.Sprintf("%s.policies[%d]", where, j)
			pp := apimodel.Pos{File: path, Line: n.Line, Col: n.Column}
			p, err := readPolicy(n)
			if err != nil {
				fail(pp, pw, "%v", err)
				continue
			}
			p.Pos = pp
			id.Policies = append(id.Policies, p)
		}
		f.Identities = append(f.Identities, id)
	}
	if c := raw.Cognito; c != nil {
		f.Cognito.LocalKeyFile = relative(path, c.LocalKeyFile)
		for i, p := range c.UserPools {
			where := fmt.Sprintf("cognito.userPools[%d]", i)
			sources := 0
			for _, set := range []bool{p.JWKSFile != "", p.JWKSURL != "", p.Local} {
				if set {
					sources++
				}
			}
			if p.ARN == "" {
				fail(apimodel.Pos{File: path}, where, "arn is required")
			}
			if sources != 1 {
				fail(apimodel.Pos{File: path}, where, "give exactly one of jwksFile, jwksUrl and local: true")
			}
			f.Cognito.UserPools = append(f.Cognito.UserPools, UserPool{ARN: p.ARN, JWKSFile: relative(path, p.JWKSFile), JWKSURL: p.JWKSURL, Local: p.Local})
		}
	}
	values := map[string]bool{}
	for i, k := range raw.APIKeys {
		where := fmt.Sprintf("apiKeys[%d]", i)
		if k.Value == "" {
			fail(apimodel.Pos{File: path}, where, "value is required")
		} else if values[k.Value] {
			fail(apimodel.Pos{File: path}, where, "two API keys have the same value")
		}
		values[k.Value] = true
		key := APIKey{ID: k.ID, Name: k.Name, Value: k.Value, Enabled: k.Enabled == nil || *k.Enabled, UsagePlans: k.UsagePlans}
		if key.ID == "" {
			key.ID = key.Name
		}
		if key.ID == "" {
			key.ID = fmt.Sprintf("configkey%d", i)
		}
		if len(key.UsagePlans) == 0 {
			fail(apimodel.Pos{File: path}, where, "usagePlans is required: name the usage plan ids the key belongs to, or \"*\" for all")
		}
		f.APIKeys = append(f.APIKeys, key)
	}
	if m := raw.Mocks; m != nil {
		f.Mocks.Header = m.Header
		for i, rm := range m.Identities {
			where := fmt.Sprintf("mockIdentities.identities[%d]", i)
			id := MockIdentity{Name: rm.Name, PrincipalID: rm.PrincipalID, Context: rm.Context, AllowAll: rm.AllowAll}
			if rm.Policy.Kind != 0 {
				pp := apimodel.Pos{File: path, Line: rm.Policy.Line, Col: rm.Policy.Column}
				p, err := readPolicy(&rm.Policy)
				switch {
				case err != nil:
					fail(pp, where+".policy", "%v", err)
				case p.Role != "":
					fail(pp, where+".policy", "a mock identity's policy is an authorizer's answer: give the document, not a role")
				default:
					id.Policy = p.Document
				}
			}
			if (len(id.Policy) > 0) == id.AllowAll {
				fail(apimodel.Pos{File: path}, where, "give exactly one of policy and allowAll")
			}
			f.Mocks.Identities = append(f.Mocks.Identities, id)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return f, nil
}

// sequenceItems returns the items of the top-level sequence key, for
// positions.
func sequenceItems(root *yaml.Node, key string) []*yaml.Node {
	doc := root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	if doc.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if doc.Content[i].Value == key && doc.Content[i+1].Kind == yaml.SequenceNode {
			return doc.Content[i+1].Content
		}
	}
	return nil
}

// readPolicy reads one policies entry: {role: LogicalId}, a policy
// document as YAML, or a policy document as a JSON string.
func readPolicy(n *yaml.Node) (Policy, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		doc := json.RawMessage(n.Value)
		if _, err := policy.Parse(doc); err != nil {
			return Policy{}, err
		}
		return Policy{Document: doc}, nil
	case yaml.MappingNode:
		if len(n.Content) == 2 && n.Content[0].Value == "role" {
			if n.Content[1].Kind != yaml.ScalarNode || n.Content[1].Value == "" {
				return Policy{}, errors.New("role must name an AWS::IAM::Role of the template by logical id")
			}
			return Policy{Role: n.Content[1].Value}, nil
		}
		var v any
		if err := n.Decode(&v); err != nil {
			return Policy{}, err
		}
		doc, err := json.Marshal(v)
		if err != nil {
			return Policy{}, fmt.Errorf("policy document: %v", err)
		}
		if _, err := policy.Parse(doc); err != nil {
			return Policy{}, err
		}
		return Policy{Document: doc}, nil
	}
	return Policy{}, errors.New("a policy is {role: LogicalId}, a policy document, or a policy document as a JSON string")
}

// callerAccount checks a caller ARN and returns its account.
func callerAccount(arn string) (string, error) {
	f := strings.SplitN(arn, ":", 6)
	if len(f) != 6 || f[0] != "arn" || f[1] == "" || (f[2] != "iam" && f[2] != "sts") || f[5] == "" {
		return "", fmt.Errorf("%q is not an IAM user or role-session ARN (arn:aws:iam::ACCOUNT:user/NAME, arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION)", arn)
	}
	if !isAccountID(f[4]) {
		return "", fmt.Errorf("%q: %q is not a 12-digit account id", arn, f[4])
	}
	return f[4], nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func relative(file, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(file), p)
}

// Resolve returns the IAM identities of the file for model m, with role
// references replaced by the inline policies of the template's roles.
// Warnings name what cannot be honoured locally (managed policy ARNs).
func (f *File) Resolve(m *apimodel.Model) (ids []ResolvedIdentity, warnings []string, err error) {
	var errs apimodel.Errors
	for _, id := range f.Identities {
		out := ResolvedIdentity{AccessKeyID: id.AccessKeyID, SecretAccessKey: id.SecretAccessKey, SessionToken: id.SessionToken,
			ARN: id.ARN, AccountID: id.AccountID, UserID: id.UserID}
		inline := 0
		for _, p := range id.Policies {
			if p.Role == "" {
				doc, err := policy.Parse(p.Document)
				if err != nil {
					errs = append(errs, apimodel.Diagnostic{Pos: p.Pos, Message: err.Error()})
					continue
				}
				out.Policies = append(out.Policies, NamedPolicy{Name: fmt.Sprintf("inline policy %d of %s", inline, id.ARN), Document: doc})
				inline++
				continue
			}
			role := m.Roles[p.Role]
			if role == nil {
				errs = append(errs, apimodel.Diagnostic{Pos: p.Pos, Message: fmt.Sprintf("role %s is not an AWS::IAM::Role of the template", p.Role)})
				continue
			}
			for i, raw := range role.Policies {
				doc, err := policy.Parse(raw)
				if err != nil {
					errs = append(errs, apimodel.Diagnostic{Pos: role.Pos, LogicalID: role.LogicalID, Message: fmt.Sprintf("policy %d: %v", i, err)})
					continue
				}
				out.Policies = append(out.Policies, NamedPolicy{Name: fmt.Sprintf("role %s policy %d", role.LogicalID, i), Document: doc})
			}
			for _, arn := range role.ManagedPolicyARNs {
				warnings = append(warnings, fmt.Sprintf("%s:%d:%d: identity %s: role %s: managed policy %s cannot be read locally; its permissions are not granted (copy the statements you need into an inline policy)",
					p.Pos.File, p.Pos.Line, p.Pos.Col, id.AccessKeyID, role.LogicalID, arn))
			}
		}
		ids = append(ids, out)
	}
	if len(errs) > 0 {
		return nil, warnings, errs
	}
	return ids, warnings, nil
}
