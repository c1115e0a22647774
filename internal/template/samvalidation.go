package template

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// SAM's request models and validators, as its translator writes them into
// the API's document (samtranslator swagger.py add_models,
// add_request_model_to_method, add_request_validator_to_method): an Api's
// Models become definitions (components.schemas for OpenAPI 3) under
// lower-cased names; an event's RequestModel adds a body parameter naming
// the model and, when ValidateBody or ValidateParameters is set, a request
// validator ("body-and-params", "body-only", "params-only" or
// "no-validation"). "RequestModel" in the AWS SAM developer guide:
// https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-requestmodel.html

func (l *loader) addSamModels(a *samAPI) {
	models := get(a.props, "Models")
	if models == nil || isErr(models) || a.doc == nil {
		return
	}
	if models.Kind != yaml.MappingNode {
		a.rep.errorf(models, "Models", "Models must be a map of model names to JSON schemas")
		return
	}
	var target *yaml.Node
	if a.openapi3() {
		comps := get(a.doc, "components")
		if comps == nil {
			comps = mapNode(models.Line, models.Column)
			setField(a.doc, "components", comps)
		}
		target = get(comps, "schemas")
		if target == nil {
			target = mapNode(models.Line, models.Column)
			setField(comps, "schemas", target)
		}
	} else {
		target = get(a.doc, "definitions")
		if target == nil {
			target = mapNode(models.Line, models.Column)
			setField(a.doc, "definitions", target)
		}
	}
	for _, kv := range pairs(models) {
		if kv[1].Kind != yaml.MappingNode {
			a.rep.errorf(kv[1], "Models."+kv[0].Value, "a model must be a JSON schema object")
			continue
		}
		setField(target, strings.ToLower(kv[0].Value), l.deepCopy(kv[1]))
	}
}

func (l *loader) addRequestModel(a *samAPI, op, rm *yaml.Node, method, path string, rep reporter) {
	if rm.Kind != yaml.MappingNode {
		rep.errorf(rm, "", "RequestModel must be a map with Model")
		return
	}
	rep.check(rm, propSpec{handled: []string{"Model", "Required", "ValidateBody", "ValidateParameters"}})
	name, ok := rep.str(rm, "Model")
	if !ok {
		if !failed(rm, "Model") {
			rep.errorf(rm, "Model", "Missing required property 'Model'.")
		}
		return
	}
	models := get(a.props, "Models")
	if models == nil || models.Kind != yaml.MappingNode {
		rep.errorf(get(rm, "Model"), "Model", "Unable to set RequestModel [%s] on API method [%s] for path [%s] because the related API does not define any Models.", name, method, path)
		return
	}
	if get(models, name) == nil {
		rep.errorf(get(rm, "Model"), "Model", "Unable to set RequestModel [%s] on API method [%s] for path [%s] because it wasn't defined in the API's Models.", name, method, path)
		return
	}
	required, _ := rep.boolean(rm, "Required")
	line, col := rm.Line, rm.Column
	lower := strings.ToLower(name)
	if a.openapi3() {
		setField(op, "requestBody", mapNode(line, col, "required", required, "content",
			mapNode(line, col, "application/json", mapNode(line, col, "schema",
				mapNode(line, col, "$ref", "#/components/schemas/"+lower)))))
	} else {
		params := get(op, "parameters")
		if params == nil {
			params = seqNode(line, col)
			setField(op, "parameters", params)
		}
		params.Content = append(params.Content, mapNode(line, col, "in", "body", "name", lower, "required", required,
			"schema", mapNode(line, col, "$ref", "#/definitions/"+lower)))
	}
	vb, vp := get(rm, "ValidateBody"), get(rm, "ValidateParameters")
	if vb == nil && vp == nil {
		return
	}
	body, _ := rep.boolean(rm, "ValidateBody")
	params, _ := rep.boolean(rm, "ValidateParameters")
	vname := "no-validation"
	switch {
	case body && params:
		vname = "body-and-params"
	case body:
		vname = "body-only"
	case params:
		vname = "params-only"
	}
	validators := get(a.doc, "x-amazon-apigateway-request-validators")
	if validators == nil {
		validators = mapNode(line, col)
		setField(a.doc, "x-amazon-apigateway-request-validators", validators)
	}
	setField(validators, vname, mapNode(line, col, "validateRequestBody", body, "validateRequestParameters", params))
	setField(op, "x-amazon-apigateway-request-validator", str(vname, line, col))
}
