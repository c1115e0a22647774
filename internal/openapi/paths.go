package openapi

import (
	"regexp"
	"slices"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"go.yaml.in/yaml/v3"
)

// The resource tree is built the way API Gateway's importer builds it: every
// prefix of every path is a resource ("/a/{id}/b" creates "/", "/a",
// "/a/{id}" and "/a/{id}/b"), a level may hold any number of static parts
// but only one variable part ({id} or {proxy+}), and a greedy {name+} part
// ends its path (docs/behaviour.md#ROUTE-1).

var verbs = map[string]string{
	"get":                            "GET",
	"put":                            "PUT",
	"post":                           "POST",
	"delete":                         "DELETE",
	"options":                        "OPTIONS",
	"head":                           "HEAD",
	"patch":                          "PATCH",
	"x-amazon-apigateway-any-method": apimodel.AnyMethod,
}

type resourceNode struct {
	res *apimodel.Resource
}

// param is a method request parameter declaration.
type param struct {
	in, name string
	required bool
}

func (b *builder) paths(n *yaml.Node) {
	b.resourceByKey = map[string]*resourceNode{}
	b.resource("/", b.root)
	ps, _ := b.fields(n, "paths")
	for _, p := range ps {
		path := join("paths", p.key)
		if strings.HasPrefix(p.key, "x-") {
			if strings.HasPrefix(p.key, "x-amazon-apigateway-") {
				b.warnf(p.keyNode, path, "ignored: %s is not supported on paths", p.key)
			}
			continue
		}
		res, ok := b.resourcePath(p.key, p.keyNode, path)
		if !ok {
			continue
		}
		b.pathItem(res, p.val, path)
	}
	for _, key := range sortedKeys(b.resourceByKey) {
		b.api.Resources = append(b.api.Resources, b.resourceByKey[key].res)
	}
}

func (b *builder) resource(path string, at *yaml.Node) *resourceNode {
	if rn := b.resourceByKey[path]; rn != nil {
		return rn
	}
	rn := &resourceNode{res: &apimodel.Resource{
		ID:      apimodel.DeriveID(b.api.ID+path, 6),
		Path:    path,
		Methods: map[string]*apimodel.Method{},
		Pos:     b.pos(at),
	}}
	b.resourceByKey[path] = rn
	return rn
}

// resourcePath checks a path template and creates the resources for it and
// all its prefixes.
func (b *builder) resourcePath(key string, at *yaml.Node, path string) (*apimodel.Resource, bool) {
	if key == "/" {
		rn := b.resource("/", at)
		rn.res.Pos = b.pos(at)
		return rn.res, true
	}
	// API Gateway's importer drops a trailing slash: SAM copies an event
	// Path of "/bar/" into the definition as is, and the deployed
	// resource is /bar (aws/serverless-application-model#665, whose fix
	// #763 strips the slash from the permission's SourceArn to match).
	if len(key) > 1 && strings.HasSuffix(key, "/") && !strings.HasSuffix(key, "//") {
		key = strings.TrimSuffix(key, "/")
	}
	// The path grammar and the one-variable-per-parent rule are the
	// model's (apimodel.CheckPath, apimodel.Validate).
	if err := apimodel.CheckPath(key); err != nil {
		b.errorf(at, path, "%v", err)
		return nil, false
	}
	parts := strings.Split(key[1:], "/")
	parent := "/"
	var rn *resourceNode
	for _, part := range parts {
		b.resource(parent, at)
		parent = strings.TrimSuffix(parent, "/") + "/" + part
		rn = b.resource(parent, at)
	}
	// A longer path may have created this resource as its prefix; the
	// resource is where it is declared.
	rn.res.Pos = b.pos(at)
	return rn.res, true
}

func (b *builder) pathItem(res *apimodel.Resource, n *yaml.Node, path string) {
	ps, ok := b.fields(n, path)
	if !ok {
		return
	}
	shared := b.parameters(child(n, "parameters"), join(path, "parameters"), nil)
	for _, p := range ps {
		verb, isVerb := verbs[strings.ToLower(p.key)]
		switch {
		case isVerb:
			b.operation(res, verb, p.val, join(path, p.key), shared)
		case p.key == "parameters", p.key == "summary", p.key == "description", p.key == "servers":
		case p.key == "$ref":
			b.errorf(p.val, join(path, p.key), "path item references are not supported; write the operations inline")
		case strings.EqualFold(p.key, "trace"):
			b.warnf(p.keyNode, join(path, p.key), "ignored: API Gateway REST APIs have no TRACE method")
		case strings.HasPrefix(p.key, "x-amazon-apigateway-"):
			b.warnf(p.keyNode, join(path, p.key), "ignored: %s is not supported on a path item", p.key)
		case strings.HasPrefix(p.key, "x-"):
		default:
			b.warnf(p.keyNode, join(path, p.key), "ignored: unknown path item property %q", p.key)
		}
	}
}

// parameters reads a parameters list; entries override those of base with
// the same name and location, as operation parameters override path-item
// parameters in OpenAPI.
func (b *builder) parameters(n *yaml.Node, path string, base []param) []param {
	out := slices.Clone(base)
	its, _ := b.items(n, path)
	for i, it := range its {
		ipath := index(path, i)
		it, ipath, ok := b.resolveRef(it, ipath)
		if !ok {
			continue
		}
		if _, ok := b.fields(it, ipath); !ok {
			continue
		}
		in, okIn := b.str(child(it, "in"), join(ipath, "in"))
		name, okName := b.str(child(it, "name"), join(ipath, "name"))
		if !okIn || !okName {
			if child(it, "in") == nil || child(it, "name") == nil {
				b.errorf(it, ipath, "a parameter needs both name and in")
			}
			continue
		}
		required := false
		if r := child(it, "required"); !isNull(r) {
			required, _ = b.boolean(r, join(ipath, "required"))
		}
		switch in {
		case "header", "query", "path":
		case "body", "formData":
			continue
		case "cookie":
			b.warnf(it, ipath, "ignored: API Gateway REST APIs have no cookie parameters")
			continue
		default:
			b.errorf(child(it, "in"), join(ipath, "in"), "unknown parameter location %q (header, query, path)", in)
			continue
		}
		if in == "path" {
			required = true
		}
		np := param{in: in, name: name, required: required}
		if j := slices.IndexFunc(out, func(q param) bool { return q.in == in && q.name == name }); j >= 0 {
			out[j] = np
		} else {
			out = append(out, np)
		}
	}
	return out
}

func requestParameterName(p param) string {
	loc := p.in
	if loc == "query" {
		loc = "querystring"
	}
	return "method.request." + loc + "." + p.name
}

func (b *builder) operation(res *apimodel.Resource, verb string, n *yaml.Node, path string, shared []param) {
	ps, ok := b.fields(n, path)
	if !ok {
		return
	}
	if res.Methods[verb] != nil {
		b.errorf(n, path, "%s is defined twice on %s", verb, res.Path)
		return
	}
	m := &apimodel.Method{
		HTTPMethod:        verb,
		AuthorizationType: apimodel.AuthNone,
		Pos:               b.pos(n),
	}
	params := b.parameters(child(n, "parameters"), join(path, "parameters"), shared)
	if len(params) > 0 {
		m.RequestParameters = make(map[string]bool, len(params))
		for _, p := range params {
			m.RequestParameters[requestParameterName(p)] = p.required
		}
	}

	req := b.topSecurity
	ownValidator := false
	var integration, auth *yaml.Node
	var responses map[string]map[string]bool
	for _, p := range ps {
		ppath := join(path, p.key)
		switch p.key {
		case "operationId":
			m.OperationName, _ = b.str(p.val, ppath)
		case "security":
			// null is "not written", so the top-level requirement still
			// applies; only an explicit [] opens a method.
			if !isNull(p.val) {
				req = b.security(p.val, ppath)
			}
		case "responses":
			responses = b.methodResponses(p.val, ppath)
		case "x-amazon-apigateway-integration":
			integration = p.val
		case "x-amazon-apigateway-auth":
			auth = p.val
		case "x-amazon-apigateway-request-validator":
			if name, ok := b.str(p.val, ppath); ok {
				v := b.validators[name]
				if v == nil {
					b.errorf(p.val, ppath, "request validator %q is not defined in x-amazon-apigateway-request-validators", name)
				}
				m.RequestValidator = v
				ownValidator = true
			}
		case "parameters", "summary", "description", "tags", "consumes", "produces",
			"schemes", "deprecated", "externalDocs", "requestBody", "callbacks", "servers":
		default:
			if strings.HasPrefix(p.key, "x-amazon-apigateway-") {
				b.warnf(p.keyNode, ppath, "ignored: %s is not supported on an operation", p.key)
			}
		}
	}
	if !ownValidator {
		m.RequestValidator = b.defaultValidator
	}
	b.operationBody(m, res, verb, n, path)
	if req != nil {
		req.apply(m)
	}
	if auth != nil {
		b.iamAuth(auth, join(path, "x-amazon-apigateway-auth"), m)
	}
	if isNull(integration) {
		b.errorf(n, path, "%s %s has no x-amazon-apigateway-integration: API Gateway cannot deploy a method without an integration", verb, res.Path)
	} else {
		m.Integration = b.integration(integration, join(path, "x-amazon-apigateway-integration"), m, responses)
	}
	res.Methods[verb] = m
}

// methodResponses reads an operation's responses: status code to the
// headers the method response declares.
func (b *builder) methodResponses(n *yaml.Node, path string) map[string]map[string]bool {
	ps, ok := b.fields(n, path)
	if !ok {
		return nil
	}
	out := make(map[string]map[string]bool, len(ps))
	for _, p := range ps {
		rpath := join(path, p.key)
		if p.key == "default" || strings.HasPrefix(p.key, "x-") {
			if p.key == "default" {
				b.warnf(p.keyNode, rpath, "ignored: API Gateway method responses are declared per status code")
			}
			continue
		}
		if !statusCodeRE.MatchString(p.key) {
			b.errorf(p.keyNode, rpath, "method response status code %q must be a 3-digit status code", p.key)
			continue
		}
		r, rp, ok := b.resolveRef(p.val, rpath)
		if !ok {
			continue
		}
		if _, ok := b.fields(r, rp); !ok {
			continue
		}
		headers := map[string]bool{}
		hs, _ := b.fields(child(r, "headers"), join(rp, "headers"))
		for _, h := range hs {
			headers[h.key] = true
		}
		out[p.key] = headers
	}
	return out
}

var statusCodeRE = regexp.MustCompile(`^[1-5][0-9][0-9]$`)
