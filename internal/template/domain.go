package template

import (
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
)

var (
	cfnDomainSpec = propSpec{
		handled: []string{"DomainName"},
		inert: []string{"CertificateArn", "RegionalCertificateArn", "EndpointConfiguration", "SecurityPolicy", "Tags",
			"OwnershipVerificationCertificateArn", "RoutingMode"},
		deny: map[string]string{
			"MutualTlsAuthentication": "not supported: mutual TLS client authentication is not emulated, and serving without it would admit clients API Gateway rejects",
		},
	}
	cfnBasePathMappingSpec = propSpec{handled: []string{"DomainName", "RestApiId", "Stage", "BasePath"}, inert: []string{"Id"}}
	cfnDomainV2Spec        = propSpec{
		handled: []string{"DomainName"},
		inert:   []string{"DomainNameConfigurations", "Tags", "RoutingMode"},
		deny: map[string]string{
			"MutualTlsAuthentication": "not supported: mutual TLS client authentication is not emulated, and serving without it would admit clients API Gateway rejects",
		},
	}
	cfnAPIMappingSpec = propSpec{handled: []string{"DomainName", "ApiId", "Stage", "ApiMappingKey"}}
	// samDomainSpec is SAM's DomainConfiguration; MutualTlsAuthentication
	// is refused before it is read.
	samDomainSpec = propSpec{
		handled: []string{"DomainName", "BasePath", "NormalizeBasePath", "MutualTlsAuthentication"},
		inert:   []string{"CertificateArn", "EndpointConfiguration", "Route53", "SecurityPolicy", "OwnershipVerificationCertificateArn", "Policy", "AccessAssociation"},
	}
)

// mappingKeys are the property names of a domain resource's mapping type:
// AWS::ApiGateway::BasePathMapping, or AWS::ApiGatewayV2::ApiMapping,
// which also maps REST APIs (the only way to a multi-level base path).
type mappingKeys struct {
	spec                 propSpec
	api, stage, basePath string
}

var (
	basePathMappingKeys = mappingKeys{cfnBasePathMappingSpec, "RestApiId", "Stage", "BasePath"}
	apiMappingKeys      = mappingKeys{cfnAPIMappingSpec, "ApiId", "Stage", "ApiMappingKey"}
)

// cfnDomains reads AWS::ApiGateway::DomainName and
// AWS::ApiGateway::BasePathMapping (and their v2 forms
// AWS::ApiGatewayV2::DomainName and ApiMapping, when the mapping names a
// REST API) into the model's custom domains, after
// the APIs and stages they map to. A mapping whose DomainName is not a
// DomainName of the template (a domain created outside the stack) still
// serves, on a domain of that name.
func (l *loader) cfnDomains() {
	byID := map[string]*apimodel.Domain{}
	for _, r := range l.active() {
		if !l.handled(r) {
			continue
		}
		spec := cfnDomainSpec
		switch r.Type {
		case "AWS::ApiGateway::DomainName":
		case "AWS::ApiGatewayV2::DomainName":
			spec = cfnDomainV2Spec
		default:
			continue
		}
		rep := reporter{l: l, id: r.ID, pfx: "Properties"}
		rep.check(r.Props, spec)
		// A missing name is apimodel.Validate's to report.
		name, _ := rep.str(r.Props, "DomainName")
		d := &apimodel.Domain{Name: name, LogicalID: r.ID, Pos: l.pos(r.Node)}
		byID[r.ID] = d
		l.model.Domains = append(l.model.Domains, d)
	}
	for _, r := range l.active() {
		if !l.handled(r) {
			continue
		}
		keys := basePathMappingKeys
		switch r.Type {
		case "AWS::ApiGateway::BasePathMapping":
		case "AWS::ApiGatewayV2::ApiMapping":
			keys = apiMappingKeys
		default:
			continue
		}
		rep := reporter{l: l, id: r.ID, pfx: "Properties"}
		p := r.Props
		rep.check(p, keys.spec)
		s := l.apiOfKey(p, rep, keys.api)
		dn := get(p, "DomainName")
		if dn == nil {
			rep.errorf(r.Node, "DomainName", "DomainName is required")
			continue
		}
		if s == nil || isErr(dn) {
			continue
		}
		var d *apimodel.Domain
		if sym, ok := l.sym[dn]; ok {
			d = byID[sym.LogicalID]
		}
		name, _ := rep.str(p, "DomainName")
		for _, c := range l.model.Domains {
			if d == nil && strings.EqualFold(c.Name, name) {
				d = c
			}
		}
		if d == nil {
			if name == "" {
				continue // reported by str
			}
			d = &apimodel.Domain{Name: name, LogicalID: r.ID, Pos: l.pos(dn)}
			l.model.Domains = append(l.model.Domains, d)
		}
		stage, _ := rep.str(p, keys.stage)
		base, _ := rep.str(p, keys.basePath)
		d.Mappings = append(d.Mappings, &apimodel.BasePathMapping{BasePath: apimodel.NormalizeBasePath(base),
			API: s.api.LogicalID, Stage: stage, LogicalID: r.ID, Pos: l.pos(r.Node)})
	}
}

// samDomain reads a SAM API's Domain property: SAM creates a DomainName
// and one BasePathMapping per BasePath entry (none: the root) mapped to the
// API's stage (samtranslator/model/api/api_generator.py,
// _construct_api_domain). A SAM BasePath keeps only its letters and digits
// unless NormalizeBasePath is false, as SAM's translator does.
func (l *loader) samDomain(r *resource, d *yaml.Node, stage string, rep reporter) {
	rep.check(d, samDomainSpec)
	name, ok := rep.str(d, "DomainName")
	if !ok {
		if !failed(d, "DomainName") {
			rep.errorf(d, "DomainName", "Custom Domains only works if both DomainName and CertificateArn are provided.")
		}
		return
	}
	dom := &apimodel.Domain{Name: name, LogicalID: r.ID, Pos: l.pos(d)}
	normalize := true
	if b, ok := rep.boolean(d, "NormalizeBasePath"); ok {
		normalize = b
	}
	paths := rep.strList(d, "BasePath", true)
	if get(d, "BasePath") == nil {
		paths = []string{""}
	}
	at := get(d, "BasePath")
	if at == nil {
		at = d
	}
	for _, p := range paths {
		if normalize {
			p = strings.Map(func(c rune) rune {
				if c < 128 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
					return c
				}
				return -1
			}, p)
		}
		dom.Mappings = append(dom.Mappings, &apimodel.BasePathMapping{BasePath: apimodel.NormalizeBasePath(p),
			API: r.ID, Stage: stage, LogicalID: r.ID, Pos: l.pos(at)})
	}
	l.model.Domains = append(l.model.Domains, dom)
}

func isDomainType(t string) bool {
	switch t {
	case "AWS::ApiGateway::DomainName", "AWS::ApiGateway::BasePathMapping", "AWS::ApiGatewayV2::DomainName", "AWS::ApiGatewayV2::ApiMapping":
		return true
	}
	return false
}

// handled reports whether the loader reads r: an emulated type, and for a
// custom domain resource, one that serves a REST API of this template.
func (l *loader) handled(r *resource) bool {
	if isDomainType(r.Type) {
		return l.servedDomains[r.ID]
	}
	return handledType(r.Type)
}

// findServedDomains decides, before any property is evaluated, which custom
// domain resources serve an API of this template: a mapping whose API
// property refers (Ref, Fn::GetAtt) to a REST API of the template, and the
// domain names such a mapping refers to or names literally. A domain for
// an API deployed elsewhere (an API id given as a parameter) is then left
// unread, like any resource Portcullis does not emulate, and the parameters
// only it uses need no value.
func (l *loader) findServedDomains() {
	l.servedDomains = map[string]bool{}
	refID := func(n *yaml.Node) string {
		fn, arg, ok := intrinsicOf(n, false)
		switch {
		case !ok:
			return ""
		case fn == "Ref" && arg.Kind == yaml.ScalarNode:
			return arg.Value
		case fn == "Fn::GetAtt" && arg.Kind == yaml.ScalarNode:
			id, _, _ := strings.Cut(arg.Value, ".")
			return id
		case fn == "Fn::GetAtt" && arg.Kind == yaml.SequenceNode && len(arg.Content) > 0:
			return arg.Content[0].Value
		}
		return ""
	}
	literal := map[string]bool{}
	for _, r := range l.resources {
		key := ""
		switch r.Type {
		case "AWS::ApiGateway::BasePathMapping":
			key = "RestApiId"
		case "AWS::ApiGatewayV2::ApiMapping":
			key = "ApiId"
		default:
			continue
		}
		switch l.typeOf(refID(get(r.RawProps, key))) {
		case "AWS::ApiGateway::RestApi", "AWS::Serverless::Api":
		default:
			continue
		}
		l.servedDomains[r.ID] = true
		dn := get(r.RawProps, "DomainName")
		if id := refID(dn); id != "" {
			l.servedDomains[id] = true
		} else if dn != nil && dn.Kind == yaml.ScalarNode {
			literal[strings.ToLower(dn.Value)] = true
		}
	}
	for _, r := range l.resources {
		if r.Type == "AWS::ApiGateway::DomainName" || r.Type == "AWS::ApiGatewayV2::DomainName" {
			if dn := get(r.RawProps, "DomainName"); dn != nil && dn.Kind == yaml.ScalarNode && literal[strings.ToLower(dn.Value)] {
				l.servedDomains[r.ID] = true
			}
		}
	}
}
