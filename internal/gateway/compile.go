package gateway

import (
	"fmt"
	"sort"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/integration"
	"github.com/portcullis-gateway/portcullis/internal/router"
	"github.com/portcullis-gateway/portcullis/internal/validation"
)

// compiledAPI is the serving form of one API.
type compiledAPI struct {
	api       *apimodel.API
	tree      *router.Tree
	responses *gwresponse.Set
	stages    map[string]*stage
	methods   map[*apimodel.Method]*method
}

type stage struct {
	name      string
	variables map[string]string
	throttle  []throttleRule
	// limits is each method's throttle rule in this stage with its limiter
	// key, chosen at compile time (the most specific MethodSetting).
	limits map[*apimodel.Method]methodLimit
}

// methodLimit is a method's throttle rule and the key of its bucket.
type methodLimit struct {
	rule throttleRule
	key  string
}

// method is everything the pipeline needs for one method, precomputed.
type method struct {
	m           *apimodel.Method
	resource    *apimodel.Resource
	authorize   Authorizer // nil for NONE
	integration integration.Integration
	// label is "VERB /path" for logs and metrics.
	label string
	// authLabel is the method's authorization as the decision view
	// shows it, computed once.
	authLabel string
}

// Compiler builds the authorization step and the AWS_PROXY integration of a
// method; the gateway itself knows only the pipeline order.
type Compiler interface {
	// Authorizer returns the authorization step of a method: the resource
	// policy, the method's authorizer and its API key check. It returns nil
	// when the method has nothing to check.
	Authorizer(api *apimodel.API, m *apimodel.Method) (Authorizer, error)
	// LambdaProxy returns the Lambda integration of a method: AWS_PROXY,
	// or AWS (non-proxy, with mapping templates).
	LambdaProxy(api *apimodel.API, r *apimodel.Resource, m *apimodel.Method) (integration.Integration, error)
}

func (g *Gateway) compileAPI(a *apimodel.API, comp Compiler) (*compiledAPI, error) {
	tree, err := router.New(a.Resources)
	if err != nil {
		return nil, fmt.Errorf("API %s: %w", a.LogicalID, err)
	}
	set, err := gwresponse.Compile(a)
	if err != nil {
		return nil, fmt.Errorf("API %s: %w", a.LogicalID, err)
	}
	c := &compiledAPI{api: a, tree: tree, responses: set, stages: map[string]*stage{}, methods: map[*apimodel.Method]*method{}}
	if len(a.Stages) == 0 {
		return nil, fmt.Errorf("API %s has no stage", a.LogicalID)
	}
	for _, s := range a.Stages {
		st := &stage{name: s.Name, variables: s.Variables}
		st.throttle = compileThrottle(s)
		c.stages[s.Name] = st
	}
	for _, r := range a.Resources {
		verbs := make([]string, 0, len(r.Methods))
		for v := range r.Methods {
			verbs = append(verbs, v)
		}
		sort.Strings(verbs)
		for _, v := range verbs {
			m := r.Methods[v]
			cm := &method{m: m, resource: r, label: v + " " + r.Path}
			cm.authLabel = authorizationLabel(cm)
			// Every method goes through the compiler: resource policies and
			// API keys apply to NONE methods too. A method that needs
			// authorization the gateway cannot enforce is refused, never
			// served open.
			needsAuth := m.AuthorizationType != "" && m.AuthorizationType != apimodel.AuthNone
			if comp != nil {
				az, err := comp.Authorizer(a, m)
				if err != nil {
					return nil, fmt.Errorf("API %s: %s: %w", a.LogicalID, cm.label, err)
				}
				cm.authorize = az
			}
			if needsAuth && cm.authorize == nil {
				return nil, fmt.Errorf("API %s: %s: authorization %s cannot be enforced", a.LogicalID, cm.label, m.AuthorizationType)
			}
			in := m.Integration
			if in == nil {
				return nil, fmt.Errorf("API %s: %s has no integration", a.LogicalID, cm.label)
			}
			cm.integration, err = CompileIntegration(a, r, m, comp, g.upstream)
			if err != nil {
				return nil, fmt.Errorf("API %s: %s: %w", a.LogicalID, cm.label, err)
			}
			c.methods[m] = cm
			for _, st := range c.stages {
				if rule, ok := st.rule(r.Path, m.HTTPMethod); ok {
					if st.limits == nil {
						st.limits = map[*apimodel.Method]methodLimit{}
					}
					st.limits[m] = methodLimit{rule, a.ID + "/" + st.name + "/" + rule.httpMethod + " " + rule.resourcePath}
				}
			}
		}
	}
	return c, nil
}

// CompileIntegration builds the integration of method m of resource r, and
// wraps it in the method's request validation: the one place an
// integration type is chosen, used by the gateway and by the definition
// check that validate runs, so that the two cannot disagree.
func CompileIntegration(a *apimodel.API, r *apimodel.Resource, m *apimodel.Method, comp Compiler, upstream integration.Upstream) (integration.Integration, error) {
	in := m.Integration
	if in == nil {
		return nil, fmt.Errorf("the method has no integration")
	}
	var (
		out integration.Integration
		err error
	)
	switch in.Type {
	case apimodel.IntegrationHTTPProxy:
		out, err = integration.NewHTTPProxy(in, upstream)
	case apimodel.IntegrationMock:
		out, err = integration.NewMock(in, integration.RouteOf(a, r))
	case apimodel.IntegrationHTTP:
		out, err = integration.NewHTTP(in, integration.RouteOf(a, r), upstream)
	case apimodel.IntegrationAWSProxy, apimodel.IntegrationAWS:
		// The compiler builds both Lambda integrations: proxy and
		// non-proxy (AWS type with a function).
		if comp == nil {
			return nil, fmt.Errorf("%s integrations need a function runtime", in.Type)
		}
		out, err = comp.LambdaProxy(a, r, m)
	default:
		return nil, fmt.Errorf("integration type %q is not supported", in.Type)
	}
	if err != nil {
		return nil, err
	}
	// Request validation runs between authorization and the integration,
	// as on API Gateway.
	v, err := validation.New(a, m)
	if err != nil {
		return nil, fmt.Errorf("request validation: %w", err)
	}
	if v != nil {
		out = validation.Wrap(v, out)
	}
	return out, nil
}
