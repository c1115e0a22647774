package openapi

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"go.yaml.in/yaml/v3"
)

// ignoredExtensions are top-level extensions Portcullis reads past, with the
// reason given in the warning.
var ignoredExtensions = map[string]string{
	"x-amazon-apigateway-cors":                         "x-amazon-apigateway-cors applies only to HTTP APIs; a REST API answers preflight with an OPTIONS method",
	"x-amazon-apigateway-importexport-version":         "x-amazon-apigateway-importexport-version applies only to HTTP APIs",
	"x-amazon-apigateway-minimum-compression-size":     "response compression is not emulated",
	"x-amazon-apigateway-endpoint-configuration":       "endpoint configuration (custom domains, VPC endpoints) is not emulated",
	"x-amazon-apigateway-documentation":                "documentation parts are not served",
	"x-amazon-apigateway-tag-value":                    "tags are not emulated",
	"x-amazon-apigateway-security-policy":              "TLS security policies are not emulated",
	"x-amazon-apigateway-endpoint-access-mode":         "endpoint access modes are not emulated",
	"x-amazon-apigateway-disable-execute-api-endpoint": "the default endpoint is always served locally",
}

var (
	gatewayHeaderKeyRE = regexp.MustCompile(`^gatewayresponse\.header\.([!#$%&'*+.^_` + "`" + `|~0-9A-Za-z-]+)$`)
	requestValueRE     = regexp.MustCompile(`^(method\.request\.(header|querystring|path|multivalueheader|multivaluequerystring)|stageVariables|context)\.\S+$`)
	mediaTypeRE        = regexp.MustCompile(`^[\w.+*-]+/[\w.+*-]+$`)
)

// maxPolicySize is API Gateway's resource policy size limit (docs/behaviour.md#RP-3).
const maxPolicySize = 8192

func (b *builder) topLevelExtension(p pair) {
	if !strings.HasPrefix(p.key, "x-amazon-apigateway-") {
		return
	}
	switch p.key {
	case "x-amazon-apigateway-request-validators", "x-amazon-apigateway-request-validator":
		// Read before the paths (requestValidators).
	case "x-amazon-apigateway-gateway-responses":
		b.gatewayResponses(p.val, p.key)
	case "x-amazon-apigateway-policy":
		b.policy(p.val, p.key)
	case "x-amazon-apigateway-api-key-source":
		if v, ok := b.str(p.val, p.key); ok {
			switch strings.ToUpper(v) {
			case "HEADER", "AUTHORIZER":
				b.api.APIKeySource = strings.ToUpper(v)
			default:
				b.errorf(p.val, p.key, "unknown API key source %q (HEADER or AUTHORIZER)", v)
			}
		}
	case "x-amazon-apigateway-binary-media-types":
		for _, t := range b.stringItems(p.val, p.key) {
			if !mediaTypeRE.MatchString(t.value) {
				b.errorf(t.node, t.path, "%q is not a media type (type/subtype, * allowed)", t.value)
				continue
			}
			b.api.BinaryMediaTypes = append(b.api.BinaryMediaTypes, t.value)
		}
	default:
		if why, ok := ignoredExtensions[p.key]; ok {
			b.warnf(p.keyNode, p.key, "ignored: %s", why)
		} else {
			b.warnf(p.keyNode, p.key, "ignored: unknown extension %s", p.key)
		}
	}
}

func (b *builder) gatewayResponses(n *yaml.Node, path string) {
	ps, _ := b.fields(n, path)
	for _, p := range ps {
		rpath := join(path, p.key)
		if !apimodel.IsGatewayResponseType(p.key) {
			b.errorf(p.keyNode, rpath, "unknown gateway response type %q", p.key)
			continue
		}
		fs, ok := b.fields(p.val, rpath)
		if !ok {
			continue
		}
		gr := &apimodel.GatewayResponse{Type: p.key, Pos: b.pos(p.keyNode)}
		for _, f := range fs {
			fpath := join(rpath, f.key)
			switch f.key {
			case "statusCode":
				if isNull(f.val) {
					continue
				}
				if code, ok := b.statusCode(f.val, fpath); ok {
					gr.StatusCode, _ = strconv.Atoi(code)
				}
			case "responseParameters":
				gr.ResponseParameters = b.gatewayResponseParameters(f.val, fpath)
			case "responseTemplates":
				gr.ResponseTemplates = b.stringMap(f.val, fpath)
			default:
				b.warnf(f.keyNode, fpath, "ignored: unknown gateway response property %q", f.key)
			}
		}
		b.api.GatewayResponses[p.key] = gr
	}
}

// gatewayResponseParameters reads response header mappings (docs/behaviour.md#GWR-4). A
// header value that could split the response (CR or LF) is refused here,
// so the gateway never has to decide what to do with one.
func (b *builder) gatewayResponseParameters(n *yaml.Node, path string) map[string]string {
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
		if !gatewayHeaderKeyRE.MatchString(p.key) {
			if strings.HasPrefix(p.key, "gatewayresponse.path.") || strings.HasPrefix(p.key, "gatewayresponse.querystring.") {
				b.warnf(p.keyNode, ppath, "ignored: only gatewayresponse.header.NAME parameters shape a response")
				continue
			}
			b.errorf(p.keyNode, ppath, "%q is not a gateway response header (gatewayresponse.header.NAME)", p.key)
			continue
		}
		switch {
		case isStatic(v):
			if strings.ContainsAny(v, "\r\n") {
				b.errorf(p.val, ppath, "a header value must not contain CR or LF")
				continue
			}
		case requestValueRE.MatchString(v):
		default:
			b.errorf(p.val, ppath, "%q is not a valid header value: a quoted static value ('*') or method.request.header|querystring|path.NAME, stageVariables.NAME, context.NAME", v)
			continue
		}
		out[p.key] = v
	}
	return out
}

// policy reads the resource policy, written as an object or as a string of
// JSON, and keeps it as compact JSON; package policy parses it.
func (b *builder) policy(n *yaml.Node, path string) {
	n = deref(n)
	if isNull(n) {
		return
	}
	var raw []byte
	switch n.Kind {
	case yaml.MappingNode:
		if _, ok := b.fields(n, path); !ok {
			return
		}
		out, err := NodeJSON(n)
		if err != nil {
			b.errorf(n, path, "cannot render the policy as JSON: %v", err)
			return
		}
		raw = out
	case yaml.ScalarNode:
		s, _ := b.str(n, path)
		var obj map[string]json.RawMessage
		if err := json.Unmarshal([]byte(s), &obj); err != nil {
			b.errorf(n, path, "the policy is not a JSON object: %v", err)
			return
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, []byte(s)); err != nil {
			b.errorf(n, path, "the policy is not valid JSON: %v", err)
			return
		}
		raw = buf.Bytes()
	default:
		b.errorf(n, path, "the policy must be a JSON object, not %s", kindName(n))
		return
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		b.errorf(n, path, "the policy is not a JSON object: %v", err)
		return
	}
	if _, ok := doc["Statement"]; !ok {
		b.errorf(n, path, "the policy has no Statement")
		return
	}
	if len(raw) > maxPolicySize {
		b.errorf(n, path, "the policy is %d characters; API Gateway's limit is %d", len(raw), maxPolicySize)
		return
	}
	b.api.ResourcePolicy = raw
}
