package openapi

import (
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"go.yaml.in/yaml/v3"
)

// RemoteFunctions returns the functions api refers to by ARN that
// resolve did not recognise (nil resolve recognises none), keyed as the
// API's Integration.Function and Authorizer.Function refer to them. A
// template loader merges them into Model.Functions without replacing its
// own entries; Load does so for standalone documents.
func RemoteFunctions(api *apimodel.API, stageVariables map[string]string, resolve func(uri string) (string, bool)) map[string]*apimodel.Function {
	out := make(map[string]*apimodel.Function)
	add := func(arn string, pos apimodel.Pos) {
		key, ok := apimodel.FunctionKey(arn)
		if !ok || out[key] != nil {
			return
		}
		name, _, _ := strings.Cut(key, ":")
		out[key] = &apimodel.Function{LogicalID: key, Name: name, ARN: arn, Remote: true, Pos: pos}
	}
	for _, r := range api.Resources {
		for _, verb := range sortedKeys(r.Methods) {
			in := r.Methods[verb].Integration
			if in == nil || in.Type != apimodel.IntegrationAWSProxy {
				continue
			}
			uri, ok := substituteStageVariables(in.URI, stageVariables)
			if !ok {
				continue
			}
			if resolve != nil {
				if _, ok := resolve(uri); ok {
					continue
				}
			}
			if arn, ok := apimodel.ParseLambdaURI(uri); ok {
				add(arn, in.Pos)
			}
		}
	}
	for _, id := range sortedKeys(api.Authorizers) {
		if a := api.Authorizers[id]; a.FunctionARN != "" {
			add(a.FunctionARN, a.Pos)
		}
	}
	return out
}

// substituteStageVariables replaces ${stageVariables.name} references, which
// API Gateway allows in the function name of a Lambda URI.
func substituteStageVariables(s string, vars map[string]string) (string, bool) {
	const open = "${stageVariables."
	if !strings.Contains(s, open) {
		return s, true
	}
	var sb strings.Builder
	for {
		i := strings.Index(s, open)
		if i < 0 {
			sb.WriteString(s)
			return sb.String(), true
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return "", false
		}
		v, ok := vars[s[i+len(open):i+j]]
		if !ok {
			return "", false
		}
		sb.WriteString(s[:i])
		sb.WriteString(v)
		s = s[i+j+1:]
	}
}

// function resolves the Lambda URI of an integration or authorizer to the
// key of the function it invokes, and its ARN when the function is not one
// of the template's own.
func (b *builder) function(uri string, n *yaml.Node, path string) (key, remoteARN string, ok bool) {
	resolved, ok := substituteStageVariables(uri, b.opts.StageVariables)
	if !ok {
		b.errorf(n, path, "%q refers to a stage variable that is not defined (or is unterminated)", uri)
		return "", "", false
	}
	if b.opts.ResolveFunction != nil {
		if id, ok := b.opts.ResolveFunction(resolved); ok {
			return id, "", true
		}
	}
	arn, ok := apimodel.ParseLambdaURI(resolved)
	if !ok {
		b.errorf(n, path, "%q is not a Lambda invocation URI (arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations)", uri)
		return "", "", false
	}
	key, _ = apimodel.FunctionKey(arn)
	return key, arn, true
}
