package openapi

import (
	"regexp"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"go.yaml.in/yaml/v3"
)

// Request validation: x-amazon-apigateway-request-validators (the named
// validators), x-amazon-apigateway-request-validator (the document's
// default, or an operation's own), models from definitions (OpenAPI 2) or
// components.schemas (OpenAPI 3), and each operation's body schema
// ("x-amazon-apigateway-request-validators object", "Request validation
// for REST APIs in API Gateway").

var localModelRefRE = regexp.MustCompile(`^#/(?:definitions|components/schemas)/([^/]+)$`)

// requestValidators reads the top-level validator extensions before the
// paths that name them.
func (b *builder) requestValidators(root *yaml.Node) {
	b.validators = map[string]*apimodel.RequestValidator{}
	const key = "x-amazon-apigateway-request-validators"
	if n := child(root, key); !isNull(n) {
		ps, _ := b.fields(n, key)
		for _, p := range ps {
			ppath := join(key, p.key)
			fs, ok := b.fields(p.val, ppath)
			if !ok {
				continue
			}
			v := &apimodel.RequestValidator{Name: p.key}
			for _, f := range fs {
				switch f.key {
				case "validateRequestBody":
					v.ValidateBody, _ = b.boolean(f.val, join(ppath, f.key))
				case "validateRequestParameters":
					v.ValidateParameters, _ = b.boolean(f.val, join(ppath, f.key))
				default:
					b.errorf(f.keyNode, join(ppath, f.key), "unknown request validator property %q (validateRequestBody, validateRequestParameters)", f.key)
				}
			}
			b.validators[p.key] = v
		}
	}
	const def = "x-amazon-apigateway-request-validator"
	if n := child(root, def); !isNull(n) {
		if name, ok := b.str(n, def); ok {
			if v := b.validators[name]; v != nil {
				b.defaultValidator = v
			} else {
				b.errorf(n, def, "request validator %q is not defined in x-amazon-apigateway-request-validators", name)
			}
		}
	}
}

// models reads the document's schemas as the API's models.
func (b *builder) models(root *yaml.Node) {
	path := "components.schemas"
	n := child(child(root, "components"), "schemas")
	if b.version == 2 {
		path, n = "definitions", child(root, "definitions")
	}
	if isNull(n) {
		return
	}
	ps, _ := b.fields(n, path)
	for _, p := range ps {
		b.addModel(p.key, p.val, join(path, p.key))
	}
}

func (b *builder) addModel(name string, n *yaml.Node, path string) {
	schema, err := NodeJSON(n)
	if err != nil {
		b.errorf(n, path, "schema: %v", err)
		return
	}
	if b.api.Models == nil {
		b.api.Models = map[string]*apimodel.DataModel{}
	}
	b.api.Models[name] = &apimodel.DataModel{Name: name, ContentType: "application/json", Schema: schema, Pos: b.pos(n)}
}

// bodyModel returns the model a body schema names, registering an inline
// schema as a model of its own.
func (b *builder) bodyModel(schema *yaml.Node, path, inlineName string) (string, bool) {
	schema = deref(schema)
	if isNull(schema) {
		return "", false
	}
	if schema.Kind == yaml.MappingNode && len(schema.Content) == 2 && schema.Content[0].Value == "$ref" {
		ref := schema.Content[1].Value
		m := localModelRefRE.FindStringSubmatch(ref)
		if m == nil {
			b.errorf(schema.Content[1], join(path, "$ref"), "%q is not a model of this document (#/definitions/NAME or #/components/schemas/NAME)", ref)
			return "", false
		}
		if b.api.Models[m[1]] == nil {
			b.errorf(schema.Content[1], join(path, "$ref"), "model %q is not defined", m[1])
			return "", false
		}
		return m[1], true
	}
	b.addModel(inlineName, schema, path)
	return inlineName, true
}

// operationBody reads an operation's body model: an OpenAPI 2 in: body
// parameter (for each type the operation consumes) or an OpenAPI 3
// requestBody's content.
func (b *builder) operationBody(m *apimodel.Method, res *apimodel.Resource, verb string, n *yaml.Node, path string) {
	inline := "Body" + verb + res.ID
	if b.version == 2 {
		its, _ := b.items(child(n, "parameters"), join(path, "parameters"))
		for i, it := range its {
			ipath := index(join(path, "parameters"), i)
			it, ipath, ok := b.resolveRef(it, ipath)
			if !ok || child(it, "in") == nil || child(it, "in").Value != "body" {
				continue
			}
			name, ok := b.bodyModel(child(it, "schema"), join(ipath, "schema"), inline)
			if !ok {
				continue
			}
			types := b.stringList(child(n, "consumes"), join(path, "consumes"))
			if len(types) == 0 {
				types = b.stringList(child(b.root, "consumes"), "consumes")
			}
			if len(types) == 0 {
				types = []string{"application/json"}
			}
			for _, t := range types {
				if m.RequestModels == nil {
					m.RequestModels = map[string]string{}
				}
				m.RequestModels[t] = name
			}
		}
		return
	}
	rb := child(n, "requestBody")
	if isNull(rb) {
		return
	}
	rb, rpath, ok := b.resolveRef(rb, join(path, "requestBody"))
	if !ok {
		return
	}
	content := child(rb, "content")
	ps, _ := b.fields(content, join(rpath, "content"))
	for _, p := range ps {
		sch := child(p.val, "schema")
		name, ok := b.bodyModel(sch, join(join(join(rpath, "content"), p.key), "schema"), inline+strings.NewReplacer("/", "", "+", "", ".", "", "*", "").Replace(p.key))
		if !ok {
			continue
		}
		if m.RequestModels == nil {
			m.RequestModels = map[string]string{}
		}
		m.RequestModels[p.key] = name
	}
}
