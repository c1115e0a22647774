package openapi

import (
	"regexp"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"go.yaml.in/yaml/v3"
)

var integrationVerbs = map[string]bool{
	"GET": true, "POST": true, "PUT": true, "DELETE": true, "PATCH": true,
	"HEAD": true, "OPTIONS": true, "ANY": true,
}

var (
	integrationRequestKeyRE = regexp.MustCompile(`^integration\.request\.(header|querystring|path|multivalueheader|multivaluequerystring)\.\S+$`)
	methodRequestRefRE      = regexp.MustCompile(`^method\.request\.(header|querystring|path|multivalueheader|multivaluequerystring)\.(\S+)$`)
	methodResponseKeyRE     = regexp.MustCompile(`^method\.response\.header\.(\S+)$`)
	// serviceURIRE is an AWS service integration URI:
	// arn:aws:apigateway:{region}:{subdomain.}{service}:{action|path}/{rest}.
	serviceURIRE = regexp.MustCompile(`^arn:aws[a-z-]*:apigateway:[a-z0-9-]+:(?:[A-Za-z0-9.-]+\.)?[a-z0-9-]+:(?:action|path)/.+$`)
)

// integration reads x-amazon-apigateway-integration. Only the integration
// types the gateway runs are accepted: an integration it would have to
// skip or guess at is an error, never a silently different route.
func (b *builder) integration(n *yaml.Node, path string, m *apimodel.Method, methodResponses map[string]map[string]bool) *apimodel.Integration {
	ps, ok := b.fields(n, path)
	if !ok {
		return nil
	}
	in := &apimodel.Integration{
		TimeoutMillis:   apimodel.DefaultIntegrationTimeoutMillis,
		MethodResponses: methodResponses,
		Pos:             b.pos(n),
	}
	var uriNode, verbNode *yaml.Node
	var responses *yaml.Node
	for _, p := range ps {
		ppath := join(path, p.key)
		switch p.key {
		case "type":
			t, ok := b.str(p.val, ppath)
			if !ok {
				continue
			}
			switch strings.ToLower(t) {
			case "http_proxy":
				in.Type = apimodel.IntegrationHTTPProxy
			case "aws_proxy":
				in.Type = apimodel.IntegrationAWSProxy
			case "mock":
				in.Type = apimodel.IntegrationMock
			case "http":
				in.Type = apimodel.IntegrationHTTP
			case "aws":
				in.Type = apimodel.IntegrationAWS
			default:
				b.errorf(p.val, ppath, "unknown integration type %q (http, http_proxy, aws, aws_proxy, mock)", t)
			}
		case "uri":
			in.URI, _ = b.str(p.val, ppath)
			uriNode = p.val
		case "httpMethod":
			if v, ok := b.str(p.val, ppath); ok {
				in.HTTPMethod = strings.ToUpper(v)
				verbNode = p.val
				if !integrationVerbs[in.HTTPMethod] {
					b.errorf(p.val, ppath, "unknown integration httpMethod %q", v)
				}
			}
		case "timeoutInMillis":
			if t, ok := b.integer(p.val, ppath); ok {
				if t < 50 || t > apimodel.DefaultIntegrationTimeoutMillis {
					b.errorf(p.val, ppath, "timeoutInMillis must be between 50 and %d, not %d", apimodel.DefaultIntegrationTimeoutMillis, t)
				} else {
					in.TimeoutMillis = t
				}
			}
		case "credentials":
			in.Credentials, _ = b.str(p.val, ppath)
		case "requestParameters":
			in.RequestParameters = b.integrationRequestParameters(p.val, ppath, m)
		case "requestTemplates":
			in.RequestTemplates = b.stringMap(p.val, ppath)
			b.checkTemplates(p.val, ppath)
		case "responses":
			responses = p.val
		case "passthroughBehavior":
			if v, ok := b.str(p.val, ppath); ok {
				switch u := strings.ToUpper(v); u {
				case apimodel.PassthroughWhenNoMatch, apimodel.PassthroughWhenNoTemplates, apimodel.PassthroughNever:
					in.PassthroughBehavior = u
				default:
					b.errorf(p.val, ppath, "passthroughBehavior must be when_no_match, when_no_templates or never, not %q", v)
				}
			}
		case "connectionType":
			if v, ok := b.str(p.val, ppath); ok && !strings.EqualFold(v, "INTERNET") {
				b.errorf(p.val, ppath, "connectionType %s is not supported: Portcullis reaches integrations over the network directly (INTERNET)", v)
			}
		case "connectionId":
		case "contentHandling":
			in.ContentHandling = b.contentHandling(p.val, ppath)
		case "cacheKeyParameters", "cacheNamespace", "tlsConfig", "integrationTarget", "responseTransferMode":
			b.warnf(p.keyNode, ppath, "ignored: %s is not emulated", p.key)
		case "payloadFormatVersion", "integrationSubtype":
			b.warnf(p.keyNode, ppath, "ignored: %s applies only to HTTP APIs", p.key)
		default:
			b.warnf(p.keyNode, ppath, "ignored: unknown integration property %q", p.key)
		}
	}
	if responses != nil {
		in.IntegrationResponses = b.integrationResponses(responses, join(path, "responses"), methodResponses)
	}
	if in.ContentHandling != "" && (in.Type == apimodel.IntegrationHTTPProxy || in.Type == apimodel.IntegrationAWSProxy) {
		b.warnf(child(n, "contentHandling"), join(path, "contentHandling"), "ignored: contentHandling applies to non-proxy integrations; a proxy integration passes the payload as binaryMediaTypes say")
	}

	switch in.Type {
	case "":
		if child(n, "type") == nil {
			b.errorf(n, path, "type is required (http, http_proxy, aws, aws_proxy or mock)")
		}
		return nil
	case apimodel.IntegrationHTTPProxy, apimodel.IntegrationHTTP:
		kind := strings.ToLower(in.Type)
		switch {
		case in.URI == "":
			b.errorf(n, path, "uri is required for an %s integration", kind)
		case !isHTTPURL(in.URI):
			b.errorf(uriNode, join(path, "uri"), "%q is not an http:// or https:// URL", in.URI)
		}
		if in.HTTPMethod == "" {
			b.errorf(n, path, "httpMethod is required for an %s integration", kind)
		}
	case apimodel.IntegrationAWS:
		switch {
		case in.URI == "":
			b.errorf(n, path, "uri is required for an aws integration")
		case !strings.Contains(in.URI, ":lambda:path/"):
			// An AWS service integration.
			if !serviceURIRE.MatchString(in.URI) {
				b.errorf(uriNode, join(path, "uri"), "%q is not an AWS service integration URI (arn:aws:apigateway:REGION:SERVICE:action/ACTION or :path/PATH)", in.URI)
			}
			if in.HTTPMethod == "" {
				b.errorf(n, path, "httpMethod is required for an aws integration")
			}
		default:
			if key, _, ok := b.function(in.URI, uriNode, join(path, "uri")); ok {
				in.Function = key
			}
			if in.HTTPMethod != "" && in.HTTPMethod != "POST" {
				b.errorf(verbNode, join(path, "httpMethod"), "a Lambda integration calls Lambda's Invoke API, which takes POST, not %s", in.HTTPMethod)
			}
			in.HTTPMethod = "POST"
		}
	case apimodel.IntegrationAWSProxy:
		if in.URI == "" {
			b.errorf(n, path, "uri is required for an aws_proxy integration")
		} else if key, _, ok := b.function(in.URI, uriNode, join(path, "uri")); ok {
			in.Function = key
		}
		switch in.HTTPMethod {
		case "":
			in.HTTPMethod = "POST"
		case "POST":
		default:
			b.errorf(verbNode, join(path, "httpMethod"), "an aws_proxy integration calls Lambda's Invoke API, which takes POST, not %s", in.HTTPMethod)
		}
	}
	return in
}

func isHTTPURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") || strings.HasPrefix(s, "${stageVariables.")
}

// integrationRequestParameters reads requestParameters. As API Gateway does,
// a method.request.* source must be declared among the method's parameters.
func (b *builder) integrationRequestParameters(n *yaml.Node, path string, m *apimodel.Method) map[string]string {
	ps, ok := b.fields(n, path)
	if !ok || len(ps) == 0 {
		return nil
	}
	out := make(map[string]string, len(ps))
	for _, p := range ps {
		ppath := join(path, p.key)
		v, ok := b.str(p.val, ppath)
		if !ok {
			continue
		}
		if !integrationRequestKeyRE.MatchString(p.key) {
			b.errorf(p.keyNode, ppath, "%q is not an integration request parameter (integration.request.header|querystring|path.NAME)", p.key)
			continue
		}
		switch {
		case isStatic(v):
			if strings.ContainsAny(v, "\r\n") {
				b.errorf(p.val, ppath, "a parameter value must not contain CR or LF")
				continue
			}
		case strings.HasPrefix(v, "context.") || strings.HasPrefix(v, "stageVariables.") ||
			v == "method.request.body" || strings.HasPrefix(v, "method.request.body."):
		default:
			mr := methodRequestRefRE.FindStringSubmatch(v)
			if mr == nil {
				b.errorf(p.val, ppath, "%q is not a valid mapping expression ('static', method.request.header|querystring|path.NAME, context.NAME, stageVariables.NAME)", v)
				continue
			}
			loc := strings.TrimPrefix(mr[1], "multivalue")
			if _, declared := m.RequestParameters["method.request."+loc+"."+mr[2]]; !declared {
				b.errorf(p.val, ppath, "Invalid mapping expression parameter specified: %s is not a declared parameter of this method (declare it under parameters)", v)
				continue
			}
		}
		out[p.key] = v
	}
	return out
}

func isStatic(v string) bool {
	return len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\''
}

// integrationResponses reads the responses of an integration, keyed by
// selection pattern ("default" is the response with none), in document
// order. As API Gateway does, every header they set must be declared by a
// method response of the same status code.
func (b *builder) integrationResponses(n *yaml.Node, path string, methodResponses map[string]map[string]bool) []apimodel.IntegrationResponse {
	ps, ok := b.fields(n, path)
	if !ok {
		return nil
	}
	var out []apimodel.IntegrationResponse
	for _, p := range ps {
		rpath := join(path, p.key)
		rs, ok := b.fields(p.val, rpath)
		if !ok {
			continue
		}
		ir := apimodel.IntegrationResponse{}
		if p.key != "default" {
			if _, err := regexp.Compile(p.key); err != nil {
				b.errorf(p.keyNode, rpath, "selection pattern %q is not a regular expression Portcullis can evaluate: %v", p.key, err)
				continue
			}
			ir.SelectionPattern = p.key
		}
		var paramsNode *yaml.Node
		for _, r := range rs {
			fpath := join(rpath, r.key)
			switch r.key {
			case "statusCode":
				if code, ok := b.statusCode(r.val, fpath); ok {
					ir.StatusCode = code
				}
			case "responseParameters":
				paramsNode = r.val
			case "responseTemplates":
				ir.ResponseTemplates = b.stringMap(r.val, fpath)
				b.checkTemplates(r.val, fpath)
			case "contentHandling":
				ir.ContentHandling = b.contentHandling(r.val, fpath)
			default:
				b.warnf(r.keyNode, fpath, "ignored: unknown integration response property %q", r.key)
			}
		}
		if ir.StatusCode == "" {
			if child(p.val, "statusCode") == nil {
				b.errorf(p.val, rpath, "statusCode is required")
			}
			continue
		}
		declared, hasResponse := methodResponses[ir.StatusCode]
		if !hasResponse {
			b.errorf(p.val, rpath, "status code %s has no method response: declare it under the operation's responses", ir.StatusCode)
			continue
		}
		if paramsNode != nil {
			ir.ResponseParameters = b.integrationResponseParameters(paramsNode, join(rpath, "responseParameters"), declared)
		}
		out = append(out, ir)
	}
	return out
}

func (b *builder) integrationResponseParameters(n *yaml.Node, path string, declared map[string]bool) map[string]string {
	ps, ok := b.fields(n, path)
	if !ok || len(ps) == 0 {
		return nil
	}
	out := make(map[string]string, len(ps))
	for _, p := range ps {
		ppath := join(path, p.key)
		v, ok := b.str(p.val, ppath)
		if !ok {
			continue
		}
		mk := methodResponseKeyRE.FindStringSubmatch(p.key)
		if mk == nil {
			b.errorf(p.keyNode, ppath, "%q is not a method response header (method.response.header.NAME)", p.key)
			continue
		}
		if !declaredHeader(declared, mk[1]) {
			b.errorf(p.keyNode, ppath, "Invalid mapping expression specified: header %s is not declared by the method response", mk[1])
			continue
		}
		switch {
		case isStatic(v):
			if strings.ContainsAny(v, "\r\n") {
				b.errorf(p.val, ppath, "a header value must not contain CR or LF")
				continue
			}
		case strings.HasPrefix(v, "integration.response.") || strings.HasPrefix(v, "context.") ||
			strings.HasPrefix(v, "stageVariables.") || strings.HasPrefix(v, "method.request."):
		default:
			b.errorf(p.val, ppath, "%q is not a valid mapping expression ('static', integration.response.header.NAME, context.NAME, stageVariables.NAME)", v)
			continue
		}
		out[p.key] = v
	}
	return out
}

// declaredHeader matches header names case-insensitively, as HTTP does.
func declaredHeader(declared map[string]bool, name string) bool {
	for h := range declared {
		if strings.EqualFold(h, name) {
			return true
		}
	}
	return false
}

// statusCode reads a status code written as a string or a number.
func (b *builder) statusCode(n *yaml.Node, path string) (string, bool) {
	s, ok := b.str(n, path)
	if !ok {
		return "", false
	}
	if !statusCodeRE.MatchString(s) {
		b.errorf(n, path, "%q is not an HTTP status code", s)
		return "", false
	}
	return s, true
}

// contentHandling reads CONVERT_TO_TEXT or CONVERT_TO_BINARY.
func (b *builder) contentHandling(n *yaml.Node, path string) string {
	v, ok := b.str(n, path)
	if !ok {
		return ""
	}
	switch u := strings.ToUpper(v); u {
	case "CONVERT_TO_TEXT", "CONVERT_TO_BINARY":
		return u
	}
	b.errorf(n, path, "contentHandling must be CONVERT_TO_TEXT or CONVERT_TO_BINARY, not %q", v)
	return ""
}
