package integration

import (
	"sort"
	"strconv"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/reqctx"
	"github.com/portcullis-gateway/portcullis/internal/vtl"
)

// mappingContext is the evaluation environment of one request's mapping
// templates: $input, $context, $stageVariables and $util ("API Gateway
// mapping template and access logging variable reference"). The request
// and response templates of one request share it, so that
// $context.requestOverride and $context.responseOverride set in one reach
// the gateway.
type mappingContext struct {
	r     *reqctx.Request
	route Route
	input *vtl.Input
	// requestOverride and responseOverride are created on first use.
	requestOverride  *vtl.Map
	responseOverride *vtl.Map
}

var (
	_ vtl.Env    = (*mappingContext)(nil)
	_ vtl.Object = contextVar{}
)

func newMappingContext(r *reqctx.Request, route Route) *mappingContext {
	mc := &mappingContext{r: r, route: route}
	mc.input = mc.newInput(r, r.Body)
	return mc
}

// newInput is $input over a payload with the method request's parameters.
func (mc *mappingContext) newInput(r *reqctx.Request, body []byte) *vtl.Input {
	in := &vtl.Input{Body: body}
	if len(r.PathParams) > 0 {
		keys := make([]string, 0, len(r.PathParams))
		for k := range r.PathParams {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		in.Path = make([]vtl.Param, len(keys))
		for i, k := range keys {
			in.Path[i] = vtl.Param{Name: k, Value: r.PathParams[k]}
		}
	}
	// One value per name: the last line, as every single-value reading of
	// the request (reqctx.Request.HeaderValue, QueryValue).
	for _, p := range r.Query {
		replaced := false
		for i := range in.Query {
			if in.Query[i].Name == p.Name {
				in.Query[i].Value = p.Value
				replaced = true
			}
		}
		if !replaced {
			in.Query = append(in.Query, vtl.Param{Name: p.Name, Value: p.Value})
		}
	}
	for _, h := range r.Headers {
		dup := false
		for i := range in.Header {
			if strings.EqualFold(in.Header[i].Name, h.Name) {
				in.Header[i].Value = h.Value
				dup = true
				break
			}
		}
		if !dup {
			in.Header = append(in.Header, vtl.Param{Name: h.Name, Value: h.Value})
		}
	}
	return in
}

// Var implements vtl.Env.
func (mc *mappingContext) Var(name string) (any, bool) {
	switch name {
	case "input":
		return mc.input, true
	case "context":
		return contextVar{mc}, true
	case "util":
		return vtl.Util{}, true
	case "stageVariables":
		return stringsObject(mc.r.StageVariables), true
	}
	return nil, false
}

// stringsObject is a map of strings seen from a template.
type stringsObject map[string]string

func (m stringsObject) Property(name string) (any, bool) {
	v, ok := m[name]
	return v, ok
}

func (m stringsObject) Method(name string, args []any) (any, error) {
	switch {
	case name == "get" && len(args) == 1:
		k, _ := args[0].(string)
		if v, ok := m[k]; ok {
			return v, nil
		}
		return nil, nil
	case name == "containsKey" && len(args) == 1:
		k, _ := args[0].(string)
		_, ok := m[k]
		return ok, nil
	case name == "keySet" && len(args) == 0:
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		l := &vtl.List{Items: make([]any, len(keys))}
		for i, k := range keys {
			l.Items[i] = k
		}
		return l, nil
	case name == "size" && len(args) == 0:
		return int64(len(m)), nil
	}
	return nil, errNoMethod(name)
}

type errNoMethod string

func (e errNoMethod) Error() string { return "no method " + string(e) }

// contextVar is $context.
type contextVar struct{ mc *mappingContext }

func (c contextVar) Method(name string, args []any) (any, error) {
	if name == "get" && len(args) == 1 {
		k, _ := args[0].(string)
		v, _ := c.Property(k)
		return v, nil
	}
	return nil, errNoMethod(name)
}

// Property reads $context.name. The string variables a request carries
// come from the request's one resolver (reqctx.Request.ContextVar), as
// identity sources and mappings read them; only the structured variables
// and the ones a template can write live here.
func (c contextVar) Property(name string) (any, bool) {
	r := c.mc.r
	switch name {
	case "accountId":
		if r.AccountID == "" {
			return c.mc.route.AccountID, true
		}
	case "apiId":
		if r.APIID == "" {
			return c.mc.route.APIID, true
		}
	case "resourceId":
		if r.ResourceID == "" {
			return c.mc.route.ResourceID, true
		}
	case "authorizer":
		if r.Authorizer == nil {
			return nil, false
		}
		return authorizerVar{r.Authorizer}, true
	case "awsEndpointRequestId":
		return r.ID, true
	case "deploymentId":
		return "", true
	case "error":
		return stringsObject{}, true
	case "identity":
		return identityVar{r}, true
	case "isCanaryRequest":
		return false, true
	case "requestOverride":
		if c.mc.requestOverride == nil {
			c.mc.requestOverride = overrideMap(false)
		}
		return c.mc.requestOverride, true
	case "responseOverride":
		if c.mc.responseOverride == nil {
			c.mc.responseOverride = overrideMap(true)
		}
		return c.mc.responseOverride, true
	case "requestTimeEpoch":
		return r.Time.UnixMilli(), true // a number in templates
	}
	if v, ok := r.ContextVar(name); ok {
		return v, true
	}
	return nil, false
}

// overrideMap is $context.requestOverride (header, querystring, path) or
// $context.responseOverride (header; status is set by the template).
func overrideMap(response bool) *vtl.Map {
	m := vtl.NewMap(3)
	m.Put("header", vtl.NewMap(2))
	if !response {
		m.Put("querystring", vtl.NewMap(2))
		m.Put("path", vtl.NewMap(2))
	}
	return m
}

// applyResponseOverride applies $context.responseOverride.status and
// .header.X to the method response.
func (mc *mappingContext) applyResponseOverride(out *Response) {
	o := mc.responseOverride
	if o == nil {
		return
	}
	if v, ok := o.Get("status"); ok {
		var st int
		switch x := v.(type) {
		case int64:
			st = int(x)
		case float64:
			st = int(x)
		case string:
			st, _ = strconv.Atoi(strings.TrimSpace(x))
		}
		if st >= 100 && st <= 599 {
			out.Status = st
		}
	}
	if h, ok := o.Get("header"); ok {
		if hm, ok := h.(*vtl.Map); ok {
			for _, k := range hm.Keys() {
				v, _ := hm.Get(k)
				s := vtl.JSON(v)
				if str, ok := v.(string); ok {
					s = str
				}
				if strings.ContainsAny(s, "\r\n") || strings.ContainsAny(k, "\r\n: ") {
					continue
				}
				out.Headers = setHeader(out.Headers, k, s)
			}
		}
	}
}

// requestOverrides returns the headers, query parameters and path
// parameters a request template set on $context.requestOverride.
func (mc *mappingContext) requestOverrides() (headers, query, path map[string]string) {
	o := mc.requestOverride
	if o == nil {
		return nil, nil, nil
	}
	get := func(k string) map[string]string {
		v, _ := o.Get(k)
		m, ok := v.(*vtl.Map)
		if !ok || m.Len() == 0 {
			return nil
		}
		out := make(map[string]string, m.Len())
		for _, key := range m.Keys() {
			val, _ := m.Get(key)
			if s, ok := val.(string); ok {
				out[key] = s
			} else {
				out[key] = vtl.JSON(val)
			}
		}
		return out
	}
	return get("header"), get("querystring"), get("path")
}

// authorizerVar is $context.authorizer: principalId, claims and the
// context values of a Lambda authorizer.
type authorizerVar struct{ a *reqctx.AuthorizerContext }

func (v authorizerVar) Property(name string) (any, bool) {
	switch name {
	case "principalId":
		return v.a.PrincipalID, true
	case "claims":
		return stringsObject(v.a.Claims), true
	case "integrationLatency":
		return v.a.IntegrationLatency, true
	}
	if s, ok := v.a.Context[name]; ok && s != nil {
		return *s, true
	}
	return nil, false
}

func (v authorizerVar) Method(name string, args []any) (any, error) {
	if name == "get" && len(args) == 1 {
		k, _ := args[0].(string)
		r, _ := v.Property(k)
		return r, nil
	}
	return nil, errNoMethod(name)
}

// identityVar is $context.identity.
type identityVar struct{ r *reqctx.Request }

func (v identityVar) Property(name string) (any, bool) {
	switch name {
	case "cognitoAuthenticationProvider", "cognitoAuthenticationType", "cognitoIdentityId",
		"cognitoIdentityPoolId", "principalOrgId", "vpcId", "vpceId":
		return "", true
	case "clientCert":
		return nil, false
	}
	if s, ok := v.r.ContextVar("identity." + name); ok {
		return s, true
	}
	return nil, false
}

func (v identityVar) Method(name string, args []any) (any, error) { return nil, errNoMethod(name) }
