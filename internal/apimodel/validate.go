package apimodel

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Validate checks the rules API Gateway enforces when it deploys an API and
// that hold whatever file format the API was written in: authorizers and
// their identity sources, gateway response types, the resource tree, stage
// names, method authorization, Lambda invocation URIs and custom domains'
// base path mappings. It is the single
// home of these rules; loaders translate their format into a Model and call
// Validate once at the end, and nothing downstream re-checks them.
//
// Every problem is returned, positioned at the Pos of the model node it
// belongs to, sorted by position. A nil result means the model is valid.
func Validate(m *Model) Errors {
	return validate(m, true)
}

// ValidateRules is Validate without the cross-reference checks (a method's
// authorizer exists, an integration's or authorizer's function is known).
// A loader that already reported errors uses it: a reference it could not
// read would otherwise be reported a second time as missing.
func ValidateRules(m *Model) Errors {
	return validate(m, false)
}

func validate(m *Model, refs bool) Errors {
	v := &validator{refs: refs, functions: m.Functions}
	for _, api := range m.APIs {
		v.api(api, m)
	}
	v.domains(m)
	if len(v.errs) == 0 {
		return nil
	}
	slices.SortStableFunc(v.errs, func(a, b Diagnostic) int {
		return cmp.Or(cmp.Compare(a.Pos.File, b.Pos.File), cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Col, b.Pos.Col))
	})
	return Errors(slices.CompactFunc(v.errs, func(a, b Diagnostic) bool { return a == b }))
}

type validator struct {
	refs      bool // check cross-references too
	functions map[string]*Function
	errs      []Diagnostic
}

func (v *validator) errorf(pos Pos, api *API, path, format string, args ...any) {
	v.errs = append(v.errs, Diagnostic{Pos: pos, LogicalID: api.LogicalID, Path: path, Message: fmt.Sprintf(format, args...)})
}

// stageNameRE is API Gateway's stage name rule: "Stage names can only
// contain alphanumeric characters, hyphens, and underscores. Maximum length
// is 128 characters." (https://docs.aws.amazon.com/apigateway/latest/api/API_Stage.html, stageName).
var stageNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

func (v *validator) api(api *API, m *Model) {
	for _, st := range api.Stages {
		if !stageNameRE.MatchString(st.Name) {
			v.errorf(cmp.Or(st.Pos, api.Pos), api, "stage "+st.Name, "stage name %q may only contain a-zA-Z0-9, - and _ (at most 128 characters)", st.Name)
		}
	}
	for _, id := range sortedKeys(api.Authorizers) {
		v.authorizer(api, api.Authorizers[id])
	}
	for _, typ := range sortedKeys(api.GatewayResponses) {
		g := api.GatewayResponses[typ]
		if !IsGatewayResponseType(typ) {
			v.errorf(cmp.Or(g.Pos, api.Pos), api, "gateway response "+typ, "unknown gateway response type %q", typ)
		}
		if g.StatusCode != 0 && (g.StatusCode < 100 || g.StatusCode > 599) {
			v.errorf(cmp.Or(g.Pos, api.Pos), api, "gateway response "+typ, "status code %d is not an HTTP status code", g.StatusCode)
		}
	}
	v.resources(api)
	for _, r := range api.Resources {
		for _, verb := range sortedKeys(r.Methods) {
			v.method(api, r, verb, r.Methods[verb], m)
		}
	}
}

// authorizer checks one authorizer (docs/behaviour.md#ID-1, docs/behaviour.md#ID-2; CreateAuthorizer:
// https://docs.aws.amazon.com/apigateway/latest/api/API_CreateAuthorizer.html).
func (v *validator) authorizer(api *API, a *Authorizer) {
	pos, path := cmp.Or(a.Pos, api.Pos), "authorizer "+a.ID
	switch a.Type {
	case AuthorizerToken, AuthorizerRequest, AuthorizerCognito:
	default:
		v.errorf(pos, api, path, "type must be TOKEN, REQUEST or COGNITO_USER_POOLS, not %q", a.Type)
		return
	}
	if a.ResultTTL < 0 || a.ResultTTL > MaxResultTTL {
		v.errorf(pos, api, path, "authorizerResultTtlInSeconds must be between 0 and %d, not %d", MaxResultTTL, a.ResultTTL)
	}
	switch a.Type {
	case AuthorizerToken, AuthorizerCognito:
		if _, err := TokenHeader(a.IdentitySource); err != nil {
			v.errorf(pos, api, path, "a %s authorizer reads its token from one header: %v", a.Type, err)
		}
		if a.IdentityValidationExpression != "" {
			if _, err := regexp.Compile(a.IdentityValidationExpression); err != nil {
				v.errorf(pos, api, path, "identityValidationExpression %q is not a regular expression Portcullis can evaluate: %v", a.IdentityValidationExpression, err)
			}
		}
	case AuthorizerRequest:
		srcs, err := ParseIdentitySources(a.IdentitySource)
		switch {
		case err != nil:
			v.errorf(pos, api, path, "%v", err)
		case len(srcs) == 0 && a.ResultTTL > 0:
			v.errorf(pos, api, path, "a REQUEST authorizer with caching on (TTL %ds) needs an identity source: the identity sources are the cache key", a.ResultTTL)
		}
	}
	switch {
	case a.Type == AuthorizerCognito:
		if len(a.ProviderARNs) == 0 {
			v.errorf(pos, api, path, "a COGNITO_USER_POOLS authorizer needs providerARNs")
		}
	case v.refs:
		if a.Function == "" && a.FunctionARN == "" {
			v.errorf(pos, api, path, "a %s authorizer needs a Lambda function (authorizerUri)", a.Type)
		} else if a.Function != "" && v.functions != nil && v.functions[a.Function] == nil {
			v.errorf(pos, api, path, "the authorizer invokes function %s, which the model does not define", a.Function)
		}
	}
}

// resources checks the resource tree: every path well formed, and at most
// one variable path part under any parent. API Gateway refuses the second
// with "A sibling ({id}) of this resource already has a variable path part
// -- only one is allowed" (CreateResource), whichever format declared it.
func (v *validator) resources(api *API) {
	type sibling struct {
		part string
		r    *Resource
	}
	variables := map[string][]sibling{}
	for _, r := range api.Resources {
		if err := CheckPath(r.Path); err != nil {
			v.errorf(cmp.Or(r.Pos, api.Pos), api, "resource "+r.Path, "%v", err)
			continue
		}
		if part := lastPart(r.Path); IsVariablePart(part) {
			parent := parentPath(r.Path)
			variables[parent] = append(variables[parent], sibling{part, r})
		}
	}
	for _, parent := range sortedKeys(variables) {
		sibs := variables[parent]
		if len(sibs) < 2 {
			continue
		}
		// The first declared keeps its place; the others are the error.
		slices.SortStableFunc(sibs, func(a, b sibling) int {
			return cmp.Or(cmp.Compare(a.r.Pos.File, b.r.Pos.File), cmp.Compare(a.r.Pos.Line, b.r.Pos.Line), cmp.Compare(a.r.Pos.Col, b.r.Pos.Col))
		})
		for _, s := range sibs[1:] {
			v.errorf(cmp.Or(s.r.Pos, api.Pos), api, "resource "+s.r.Path,
				"a sibling (%s) of this resource already has a variable path part -- only one is allowed (%s under %s)", sibs[0].part, s.part, parent)
		}
	}
}

func (v *validator) method(api *API, r *Resource, verb string, me *Method, m *Model) {
	pos, path := cmp.Or(me.Pos, r.Pos, api.Pos), verb+" "+r.Path
	switch me.AuthorizationType {
	case AuthNone, AuthIAM:
	case AuthCustom, AuthCognito:
		a := api.Authorizers[me.AuthorizerID]
		switch {
		case a == nil && !v.refs:
		case a == nil:
			v.errorf(pos, api, path, "the method uses authorizer %q, which the API does not define", me.AuthorizerID)
		case (a.Type == AuthorizerCognito) != (me.AuthorizationType == AuthCognito):
			v.errorf(pos, api, path, "authorization type %s cannot use authorizer %s of type %s", me.AuthorizationType, a.ID, a.Type)
		}
	default:
		v.errorf(pos, api, path, "authorization type %q is not NONE, AWS_IAM, CUSTOM or COGNITO_USER_POOLS", me.AuthorizationType)
	}
	in := me.Integration
	if in == nil {
		return
	}
	if v.refs && in.Type == IntegrationAWSProxy && in.Function == "" {
		if _, ok := ParseLambdaURI(in.URI); !ok && !strings.Contains(in.URI, "${stageVariables.") {
			v.errorf(cmp.Or(in.Pos, pos), api, path, "%q is not a Lambda invocation URI (arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations)", in.URI)
		}
	}
	if v.refs && in.Function != "" && m.Functions != nil && m.Functions[in.Function] == nil {
		v.errorf(cmp.Or(in.Pos, pos), api, path, "the integration invokes function %s, which the model does not define", in.Function)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
