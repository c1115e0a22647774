package apimodel

import (
	"cmp"
	"strings"
)

// Domain is a custom domain name (AWS::ApiGateway::DomainName, the domain
// SAM creates for an API's Domain property) with the base path mappings
// that route its requests to API stages.
type Domain struct {
	// Name is the domain name ("api.example.com").
	Name string
	// LogicalID is the template resource that declares the domain.
	LogicalID string
	Mappings  []*BasePathMapping
	Pos       Pos
}

// BasePathMapping maps the first segments of a request path on a custom
// domain to a stage of an API (AWS::ApiGateway::BasePathMapping).
type BasePathMapping struct {
	// BasePath is the mapped path without slashes at its ends ("orders",
	// "v1/orders"); "" is the (none) mapping of the domain's root.
	BasePath string
	// API is the LogicalID of the mapped API.
	API string
	// Stage is the mapped stage; "" lets the segment after the base path
	// name the stage, as API Gateway does for a mapping without a stage.
	Stage     string
	LogicalID string
	Pos       Pos
}

// NoneBasePath is how API Gateway writes the empty base path.
const NoneBasePath = "(none)"

// NormalizeBasePath turns a BasePath property into the model's form:
// surrounding slashes dropped, "(none)" and "/" the root "".
func NormalizeBasePath(p string) string {
	if p == NoneBasePath {
		return ""
	}
	return strings.Trim(p, "/")
}

// validBasePathChar is the character set of a base path: "a base path may
// only contain letters, numbers, and one of $-_.+!*'()" (CreateBasePathMapping),
// with '/' between the segments of a multi-level mapping.
func validBasePathChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("$-_.+!*'()/", c) >= 0
}

// domains checks the custom domains: a name, unique base paths, mappings
// to an API and stage the model deploys, and the base path grammar.
func (v *validator) domains(m *Model) {
	apis := map[string]*API{}
	for _, a := range m.APIs {
		apis[a.LogicalID] = a
	}
	names := map[string]*Domain{}
	for _, d := range m.Domains {
		at := &API{LogicalID: d.LogicalID}
		if d.Name == "" {
			v.errorf(d.Pos, at, "domain", "a custom domain needs a DomainName")
		} else if prev := names[strings.ToLower(d.Name)]; prev != nil {
			v.errorf(d.Pos, at, "domain "+d.Name, "the domain name is declared twice (also by %s at %s)", prev.LogicalID, prev.Pos)
		} else {
			names[strings.ToLower(d.Name)] = d
		}
		seen := map[string]*BasePathMapping{}
		for _, bp := range d.Mappings {
			pos := cmp.Or(bp.Pos, d.Pos)
			mat := &API{LogicalID: cmp.Or(bp.LogicalID, d.LogicalID)}
			label := "base path " + cmp.Or(bp.BasePath, NoneBasePath)
			for i := 0; i < len(bp.BasePath); i++ {
				if !validBasePathChar(bp.BasePath[i]) || bp.BasePath[i] == '/' && (i+1 < len(bp.BasePath) && bp.BasePath[i+1] == '/') {
					v.errorf(pos, mat, label, "a base path may only contain letters, numbers and $-_.+!*'(), with / between segments")
					break
				}
			}
			if prev := seen[bp.BasePath]; prev != nil {
				v.errorf(pos, mat, label, "domain %s maps this base path twice (also at %s)", d.Name, prev.Pos)
			}
			seen[bp.BasePath] = bp
			if !v.refs {
				continue
			}
			a := apis[bp.API]
			if a == nil {
				v.errorf(pos, mat, label, "the mapping names API %q, which the model does not deploy", bp.API)
				continue
			}
			if bp.Stage == "" {
				continue
			}
			found := false
			for _, st := range a.Stages {
				found = found || st.Name == bp.Stage
			}
			if !found {
				v.errorf(pos, mat, label, "the mapping names stage %q, which API %s does not have", bp.Stage, a.LogicalID)
			}
		}
	}
}
