package template

import (
	"errors"
	"regexp"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/openapi"
	"github.com/portcullis-gateway/portcullis/internal/vtl"
	"go.yaml.in/yaml/v3"
)

// Request validation in CloudFormation: AWS::ApiGateway::RequestValidator
// and AWS::ApiGateway::Model resources, and a method's RequestValidatorId
// and RequestModels ("AWS::ApiGateway::RequestValidator",
// "AWS::ApiGateway::Model", "AWS::ApiGateway::Method").

// serviceURIRE is an AWS service integration URI:
// arn:aws:apigateway:{region}:{subdomain.}{service}:{action|path}/{rest}.
var serviceURIRE = regexp.MustCompile(`^arn:aws[a-z-]*:apigateway:[a-z0-9-]+:(?:[A-Za-z0-9.-]+\.)?[a-z0-9-]+:(?:action|path)/.+$`)

var (
	cfnRequestValidatorSpec = propSpec{handled: []string{"RestApiId", "Name", "ValidateRequestBody", "ValidateRequestParameters"}}
	cfnModelSpec            = propSpec{handled: []string{"RestApiId", "Name", "ContentType", "Schema"}, inert: []string{"Description"}}
)

func (l *loader) cfnRequestValidator(s *apiState, r *resource, rep reporter) {
	p := r.Props
	rep.check(p, cfnRequestValidatorSpec)
	v := &apimodel.RequestValidator{Name: r.ID}
	if n, ok := rep.str(p, "Name"); ok {
		v.Name = n
	}
	v.ValidateBody, _ = rep.boolean(p, "ValidateRequestBody")
	v.ValidateParameters, _ = rep.boolean(p, "ValidateRequestParameters")
	if s.validators == nil {
		s.validators = map[string]*apimodel.RequestValidator{}
	}
	s.validators[r.ID] = v
}

func (l *loader) cfnModel(s *apiState, r *resource, rep reporter) {
	p := r.Props
	rep.check(p, cfnModelSpec)
	name := r.ID
	if n, ok := rep.str(p, "Name"); ok {
		name = n
	}
	ct := "application/json"
	if c, ok := rep.str(p, "ContentType"); ok {
		ct = c
	}
	schema := rep.jsonDoc(p, "Schema")
	if schema == nil {
		if get(p, "Schema") == nil {
			// A model without a schema accepts anything.
			schema = []byte("{}")
		} else {
			return
		}
	}
	if s.api.Models == nil {
		s.api.Models = map[string]*apimodel.DataModel{}
	}
	if s.api.Models[name] != nil {
		rep.errorf(r.Node, "Name", "the API already has a model named %s", name)
		return
	}
	s.api.Models[name] = &apimodel.DataModel{Name: name, ContentType: ct, Schema: schema, Pos: l.pos(r.Node)}
	if s.modelNames == nil {
		s.modelNames = map[string]string{}
	}
	s.modelNames[r.ID] = name
}

// cfnMethodValidation reads RequestValidatorId and RequestModels. A
// reference to a validator or model the API lacks is an error: the method
// would otherwise be served unvalidated.
func (l *loader) cfnMethodValidation(s *apiState, m *apimodel.Method, p *yaml.Node, rep reporter) {
	if vn := get(p, "RequestValidatorId"); vn != nil && !isErr(vn) {
		id := vn.Value
		if sr, ok := l.sym[vn]; ok {
			id = sr.LogicalID
		}
		if v := s.validators[id]; v != nil {
			m.RequestValidator = v
		} else {
			rep.errorf(vn, "RequestValidatorId", "does not refer to an AWS::ApiGateway::RequestValidator of this API")
		}
	}
	rm := rep.mapping(p, "RequestModels")
	if rm == nil {
		return
	}
	for _, kv := range pairs(rm) {
		ct, vn := kv[0].Value, kv[1]
		if isErr(vn) {
			continue
		}
		name := vn.Value
		if sr, ok := l.sym[vn]; ok {
			n, known := s.modelNames[sr.LogicalID]
			if !known {
				rep.errorf(vn, "RequestModels."+ct, "does not refer to an AWS::ApiGateway::Model of this API")
				continue
			}
			name = n
		}
		if s.api.Models[name] == nil {
			if schema, ok := builtinModels[name]; ok {
				if s.api.Models == nil {
					s.api.Models = map[string]*apimodel.DataModel{}
				}
				s.api.Models[name] = &apimodel.DataModel{Name: name, ContentType: "application/json", Schema: []byte(schema)}
			} else {
				rep.errorf(vn, "RequestModels."+ct, "model %q is not defined for this API", name)
				continue
			}
		}
		if m.RequestModels == nil {
			m.RequestModels = map[string]string{}
		}
		m.RequestModels[ct] = name
	}
}

// builtinModels are the models every REST API has ("Data models for REST
// APIs": Empty and Error).
var builtinModels = map[string]string{
	"Empty": `{"$schema":"http://json-schema.org/draft-04/schema#","title":"Empty Schema","type":"object"}`,
	"Error": `{"$schema":"http://json-schema.org/draft-04/schema#","title":"Error Schema","type":"object","properties":{"message":{"type":"string"}}}`,
}

// checkTemplates parses every mapping template of a RequestTemplates or
// ResponseTemplates map at load, reporting syntax errors at their file
// position.
func (r reporter) checkTemplates(m *yaml.Node, key string) {
	n := get(m, key)
	for _, kv := range pairs(n) {
		v := kv[1]
		if v.Kind != yaml.ScalarNode || isErr(v) {
			continue
		}
		if _, err := vtl.Parse(v.Value, openapi.TemplateBase(kv[0], v)); err != nil {
			if e := (*vtl.Error)(nil); errors.As(err, &e) {
				d := r.diag(v, key+"."+kv[0].Value, "mapping template: "+e.Msg)
				d.Pos.Line, d.Pos.Col = e.Pos.Line, e.Pos.Col
				r.l.errs = append(r.l.errs, d)
			}
		}
	}
}

// contentHandling reads ContentHandling: CONVERT_TO_TEXT or
// CONVERT_TO_BINARY.
func (r reporter) contentHandling(m *yaml.Node) string {
	v, ok := r.str(m, "ContentHandling")
	if !ok {
		return ""
	}
	if v != "CONVERT_TO_TEXT" && v != "CONVERT_TO_BINARY" {
		r.errorf(get(m, "ContentHandling"), "ContentHandling", "must be CONVERT_TO_TEXT or CONVERT_TO_BINARY, not %q", v)
		return ""
	}
	return v
}
