package gateway

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
)

// compiledDomain is the serving form of one custom domain: its base path
// mappings, most segments first, so that the first match is the longest.
type compiledDomain struct {
	name     string
	domain   *apimodel.Domain
	mappings []domainMapping
	// unmapped answers what no mapping matches: API Gateway's default
	// responses, since no API was reached.
	unmapped *compiledAPI
}

// domainMapping is one base path mapping resolved to its compiled API.
type domainMapping struct {
	// prefix is "/" + the base path ("" for the (none) mapping); segs the
	// number of path segments it covers.
	prefix string
	segs   int
	api    *compiledAPI
	// stage is nil for a mapping without a stage: the next segment names
	// it, as on the API's own endpoint.
	stage *stage
}

// compileDomains resolves the model's custom domains against apis,
// compiled from the same model. apimodel.Validate has checked the mappings;
// a mapping that still names an unknown API or stage is refused here
// rather than served to the wrong place.
func compileDomains(m *apimodel.Model, apis []*compiledAPI) ([]*compiledDomain, error) {
	byID := map[string]*compiledAPI{}
	for _, c := range apis {
		byID[c.api.LogicalID] = c
	}
	defaults, err := gwresponse.Compile(&apimodel.API{})
	if err != nil {
		return nil, err
	}
	out := make([]*compiledDomain, 0, len(m.Domains))
	for _, d := range m.Domains {
		cd := &compiledDomain{name: d.Name, domain: d,
			unmapped: &compiledAPI{api: &apimodel.API{LogicalID: d.Name}, responses: defaults, stages: map[string]*stage{}}}
		for _, bp := range d.Mappings {
			c := byID[bp.API]
			if c == nil {
				return nil, fmt.Errorf("domain %s: base path %q maps to API %s, which is not served", d.Name, bp.BasePath, bp.API)
			}
			dm := domainMapping{api: c}
			if bp.BasePath != "" {
				dm.prefix = "/" + bp.BasePath
				dm.segs = strings.Count(bp.BasePath, "/") + 1
			}
			if bp.Stage != "" {
				if dm.stage = c.stages[bp.Stage]; dm.stage == nil {
					return nil, fmt.Errorf("domain %s: base path %q maps to stage %s, which API %s does not have", d.Name, bp.BasePath, bp.Stage, bp.API)
				}
			}
			cd.mappings = append(cd.mappings, dm)
		}
		slices.SortStableFunc(cd.mappings, func(a, b domainMapping) int { return cmp.Compare(b.segs, a.segs) })
		out = append(out, cd)
	}
	return out, nil
}

// match finds the mapping of a canonical path (both spellings, which have
// the same segments) and returns the path below the base path in both
// spellings: "/orders/items" under "orders" is "/items", and "/orders"
// itself is the stage's root "/", as API Gateway serves
// https://api.example.com/orders. It allocates nothing.
func (d *compiledDomain) match(decoded, encoded string) (m *domainMapping, dec, enc string, ok bool) {
	for i := range d.mappings {
		mp := &d.mappings[i]
		if mp.prefix == "" {
			return mp, decoded, encoded, true
		}
		rest, found := strings.CutPrefix(decoded, mp.prefix)
		if !found || rest != "" && rest[0] != '/' {
			continue
		}
		enc = cutSegments(encoded, mp.segs)
		if rest == "" {
			return mp, "/", "/", true
		}
		return mp, rest, enc, true
	}
	return nil, "", "", false
}

// cutSegments drops the first n segments of a canonical path, keeping the
// slash before the rest ("/a/b/c" less 1 is "/b/c").
func cutSegments(p string, n int) string {
	for ; n > 0 && p != ""; n-- {
		i := strings.IndexByte(p[1:], '/')
		if i < 0 {
			return ""
		}
		p = p[1+i:]
	}
	return p
}

// Domains returns the custom domains being served, in listener order.
func (g *Gateway) Domains() []*apimodel.Domain {
	ds := *g.domains.Load()
	out := make([]*apimodel.Domain, len(ds))
	for i, d := range ds {
		out[i] = d.domain
	}
	return out
}
