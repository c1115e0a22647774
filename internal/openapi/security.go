package openapi

import (
	"regexp"
	"slices"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"go.yaml.in/yaml/v3"
)

// Security schemes map onto API Gateway method authorization like this
// (x-amazon-apigateway-authorizer object, x-amazon-apigateway-authtype
// property, API key source pages of the API Gateway Developer Guide):
//
//   - a scheme with x-amazon-apigateway-authorizer of type token or request
//     is a Lambda authorizer: methods using it are CUSTOM;
//   - type cognito_user_pools is a Cognito authorizer: COGNITO_USER_POOLS,
//     with the requirement's scopes as the method's authorization scopes;
//   - x-amazon-apigateway-authtype awsSigv4 (no authorizer) is AWS_IAM;
//   - an apiKey scheme named x-api-key in the header, without extensions,
//     is the API key: methods using it require an API key;
//   - anything else cannot be enforced by API Gateway, so a method using it
//     is refused rather than served open.
//
// A method takes one authorizer. OpenAPI lists alternatives, but API
// Gateway's importer merges them: every scheme listed applies, so two
// different authorizing schemes on one method are an error.

type schemeKind int

const (
	schemeUnsupported schemeKind = iota
	schemeAuthorizer
	schemeIAM
	schemeAPIKey
)

type scheme struct {
	name    string
	kind    schemeKind
	authz   *apimodel.Authorizer // schemeAuthorizer
	problem string               // schemeUnsupported: why
	node    *yaml.Node
	path    string
}

func (b *builder) securitySchemes(n *yaml.Node, path string) {
	ps, _ := b.fields(n, path)
	for _, p := range ps {
		spath := join(path, p.key)
		sn, rp, ok := b.resolveRef(p.val, spath)
		if !ok {
			continue
		}
		if _, ok := b.fields(sn, rp); !ok {
			continue
		}
		s := &scheme{name: p.key, node: p.keyNode, path: spath}
		b.schemes[p.key] = s
		typ, _ := b.str(child(sn, "type"), join(rp, "type"))
		in, _ := b.str(child(sn, "in"), join(rp, "in"))
		name, _ := b.str(child(sn, "name"), join(rp, "name"))
		authtype := ""
		if at := child(sn, "x-amazon-apigateway-authtype"); !isNull(at) {
			authtype, _ = b.str(at, join(rp, "x-amazon-apigateway-authtype"))
		}
		az := child(sn, "x-amazon-apigateway-authorizer")
		switch {
		case !isNull(az):
			if strings.EqualFold(authtype, "awsSigv4") {
				b.errorf(az, join(rp, "x-amazon-apigateway-authorizer"), "a scheme with x-amazon-apigateway-authtype awsSigv4 is IAM authorization and takes no authorizer")
				continue
			}
			var header string
			if typ == "apiKey" && in == "header" {
				header = name
			}
			a := b.authorizer(p.key, az, join(rp, "x-amazon-apigateway-authorizer"), header, in)
			if a == nil {
				// Reported; keep the scheme so its methods are not also
				// reported as using an unsupported scheme.
				s.kind = schemeAuthorizer
				continue
			}
			s.kind, s.authz = schemeAuthorizer, a
			b.api.Authorizers[a.ID] = a
		case strings.EqualFold(authtype, "awsSigv4"):
			s.kind = schemeIAM
		case typ == "apiKey" && in == "header" && strings.EqualFold(name, "x-api-key") && authtype == "":
			s.kind = schemeAPIKey
		case authtype != "":
			s.problem = "security scheme " + p.key + " has x-amazon-apigateway-authtype " + authtype + " but no x-amazon-apigateway-authorizer"
		default:
			s.problem = "security scheme " + p.key + " has no x-amazon-apigateway-authorizer or x-amazon-apigateway-authtype awsSigv4, so API Gateway cannot enforce it"
		}
	}
}

// requirement is what a security requirement list makes of a method.
type requirement struct {
	authType     string
	authorizerID string
	scopes       []string
	apiKey       bool
}

func (r *requirement) apply(m *apimodel.Method) {
	m.AuthorizationType = r.authType
	m.AuthorizerID = r.authorizerID
	m.AuthorizationScopes = slices.Clone(r.scopes)
	m.APIKeyRequired = r.apiKey
}

// security reads a security requirement list. An empty list means no
// authorization. It returns nil when the list is unusable; the problem has
// been reported, so the load fails and the method is never served.
func (b *builder) security(n *yaml.Node, path string) *requirement {
	r := &requirement{authType: apimodel.AuthNone}
	its, ok := b.items(n, path)
	if !ok {
		return nil
	}
	authorizing := "" // the scheme that set authType
	for i, it := range its {
		ipath := index(path, i)
		ps, ok := b.fields(it, ipath)
		if !ok {
			return nil
		}
		for _, p := range ps {
			ppath := join(ipath, p.key)
			s := b.schemes[p.key]
			if s == nil && p.key == "NONE" {
				// SAM writes {NONE: []} for a method whose Auth.Authorizer
				// is NONE under a DefaultAuthorizer and never declares the
				// scheme; API Gateway imports it as no authorizer
				// (aws/serverless-application-model
				// tests/translator/output/api_with_auth_all_maximum.json,
				// "/any/noauth": security [{NONE: []}, {api_key: []}]).
				continue
			}
			if s == nil {
				b.errorf(p.keyNode, ppath, "security scheme %q is not defined", p.key)
				return nil
			}
			b.usedSchemes[p.key] = true
			scopes := b.stringList(p.val, ppath)
			switch s.kind {
			case schemeUnsupported:
				b.errorf(p.keyNode, ppath, "%s", s.problem)
				return nil
			case schemeAPIKey:
				r.apiKey = true
				continue
			case schemeAuthorizer:
				if s.authz == nil {
					return nil // its definition was reported
				}
			}
			if authorizing != "" && authorizing != p.key {
				b.errorf(p.keyNode, ppath, "API Gateway methods take one authorizer, but this requirement lists both %s and %s", authorizing, p.key)
				return nil
			}
			authorizing = p.key
			if s.kind == schemeIAM {
				r.authType = apimodel.AuthIAM
			} else if s.authz.Type == apimodel.AuthorizerCognito {
				r.authType, r.authorizerID = apimodel.AuthCognito, s.authz.ID
				for _, sc := range scopes {
					if !slices.Contains(r.scopes, sc) {
						r.scopes = append(r.scopes, sc)
					}
				}
				continue
			} else {
				r.authType, r.authorizerID = apimodel.AuthCustom, s.authz.ID
			}
			if len(scopes) > 0 {
				b.warnf(p.val, ppath, "ignored: scopes apply only to COGNITO_USER_POOLS authorizers")
			}
		}
	}
	return r
}

// iamAuth reads x-amazon-apigateway-auth, which sets a method's
// authorization type directly.
func (b *builder) iamAuth(n *yaml.Node, path string, m *apimodel.Method) {
	if _, ok := b.fields(n, path); !ok {
		return
	}
	t, ok := b.str(child(n, "type"), join(path, "type"))
	if !ok {
		b.errorf(n, path, "type is required (AWS_IAM or NONE)")
		return
	}
	t = strings.ToUpper(t)
	if t != apimodel.AuthIAM && t != apimodel.AuthNone {
		b.errorf(child(n, "type"), join(path, "type"), "unsupported authorization type %q (AWS_IAM or NONE)", t)
		return
	}
	// Two sources that disagree on who may call the method are refused
	// rather than resolved in favour of either.
	if m.AuthorizationType != apimodel.AuthNone && m.AuthorizationType != t {
		by := m.AuthorizationType
		if m.AuthorizerID != "" {
			by += " (" + m.AuthorizerID + ")"
		}
		b.errorf(n, path, "x-amazon-apigateway-auth %s contradicts the method's security, which makes it %s; use one of them", t, by)
		return
	}
	m.AuthorizationType = t
}

var userPoolARNRE = regexp.MustCompile(`^arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:[0-9]{12}:userpool/[\w-]+_[0-9a-zA-Z]+$`)

// authorizer reads an x-amazon-apigateway-authorizer object. header is the
// header the enclosing apiKey scheme names, the TOKEN and Cognito identity
// source when the object does not give one.
func (b *builder) authorizer(name string, n *yaml.Node, path, header, in string) *apimodel.Authorizer {
	ps, ok := b.fields(n, path)
	if !ok {
		return nil
	}
	errs := len(b.errs)
	a := &apimodel.Authorizer{ID: name, Name: name, ResultTTL: apimodel.DefaultResultTTL, Pos: b.pos(n)}
	var uri, identitySource, validation string
	var uriNode, validationNode *yaml.Node
	var providers []stringItem
	var providersNode *yaml.Node
	for _, p := range ps {
		ppath := join(path, p.key)
		switch p.key {
		case "type":
			t, ok := b.str(p.val, ppath)
			if !ok {
				continue
			}
			switch strings.ToLower(t) {
			case "token":
				a.Type = apimodel.AuthorizerToken
			case "request":
				a.Type = apimodel.AuthorizerRequest
			case "cognito_user_pools":
				a.Type = apimodel.AuthorizerCognito
			case "jwt":
				b.errorf(p.val, ppath, "jwt authorizers exist only in HTTP APIs; a REST API uses cognito_user_pools or a Lambda authorizer")
			default:
				b.errorf(p.val, ppath, "unknown authorizer type %q (token, request, cognito_user_pools)", t)
			}
		case "authorizerUri":
			uri, _ = b.str(p.val, ppath)
			uriNode = p.val
		case "authorizerCredentials":
			a.Credentials, _ = b.str(p.val, ppath)
		case "identitySource":
			identitySource, _ = b.str(p.val, ppath)
		case "identityValidationExpression":
			validation, _ = b.str(p.val, ppath)
			validationNode = p.val
		case "authorizerResultTtlInSeconds":
			if isNull(p.val) {
				continue
			}
			ttl, ok := b.integer(p.val, ppath)
			if !ok {
				continue
			}
			a.ResultTTL = ttl
		case "providerARNs":
			providers = b.stringItems(p.val, ppath)
			providersNode = p.val
		case "authorizerPayloadFormatVersion", "enableSimpleResponses", "jwtConfiguration":
			b.warnf(p.keyNode, ppath, "ignored: %s applies only to HTTP APIs", p.key)
		default:
			b.warnf(p.keyNode, ppath, "ignored: unknown authorizer property %q", p.key)
		}
	}
	if a.Type == "" {
		if child(n, "type") == nil {
			b.errorf(n, path, "type is required (token, request or cognito_user_pools)")
		}
		return nil
	}

	identitySource = strings.TrimSpace(identitySource)
	switch a.Type {
	case apimodel.AuthorizerToken, apimodel.AuthorizerRequest:
		if uri == "" {
			b.errorf(n, path, "authorizerUri is required for a %s authorizer", a.Type)
		} else if key, arn, ok := b.function(uri, uriNode, join(path, "authorizerUri")); ok {
			a.Function, a.FunctionARN = key, arn
		}
		if len(providers) > 0 {
			b.warnf(providersNode, join(path, "providerARNs"), "ignored: providerARNs apply only to cognito_user_pools authorizers")
		}
	case apimodel.AuthorizerCognito:
		if len(providers) == 0 {
			b.errorf(n, path, "providerARNs is required for a cognito_user_pools authorizer")
		}
		for _, arn := range providers {
			if !userPoolARNRE.MatchString(arn.value) {
				b.errorf(arn.node, arn.path, "%q is not a Cognito user pool ARN (arn:aws:cognito-idp:REGION:ACCOUNT:userpool/POOL_ID)", arn.value)
			}
			a.ProviderARNs = append(a.ProviderARNs, arn.value)
		}
		if uri != "" {
			b.warnf(uriNode, join(path, "authorizerUri"), "ignored: a cognito_user_pools authorizer invokes no function")
		}
	}

	switch a.Type {
	case apimodel.AuthorizerToken, apimodel.AuthorizerCognito:
		// The token comes from exactly one header (docs/behaviour.md#ID-1).
		if identitySource == "" {
			if header == "" {
				where := "the security scheme is not an apiKey in the header"
				if in != "" && in != "header" {
					where = "the security scheme's token is in the " + in + ", and only a header can carry it"
				}
				b.errorf(n, path, "a %s authorizer needs a token header: set identitySource to method.request.header.NAME (%s)", a.Type, where)
				break
			}
			identitySource = "method.request.header." + header
		}
		// The identity-source grammar, the TTL range and the validation
		// expression are the model's rules (apimodel.Validate).
		a.IdentitySource = identitySource
		a.IdentityValidationExpression = validation
	case apimodel.AuthorizerRequest:
		a.IdentitySource = identitySource
		if validation != "" {
			b.warnf(validationNode, join(path, "identityValidationExpression"), "ignored: identityValidationExpression applies only to TOKEN and Cognito authorizers")
		}
	}
	if len(b.errs) > errs {
		return nil
	}
	return a
}
