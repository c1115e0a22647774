package template

// HTTP APIs (API Gateway v2): SAM's AWS::Serverless::HttpApi with the
// functions' HttpApi events (and the implicit ServerlessHttpApi), and
// CloudFormation's AWS::ApiGatewayV2::{Api,Stage,Route,Integration,
// Authorizer}, including the quick-create Target. Both fill
// apimodel.HTTPAPI; internal/httpapi compiles it.
//
// Followed pages: "AWS::Serverless::HttpApi", "HttpApi" (event source),
// "HttpApiAuth", "LambdaAuthorizer", "OAuth2Authorizer",
// "HttpApiCorsConfiguration" of the SAM Developer Guide, and the
// AWS::ApiGatewayV2::* resource references of the CloudFormation User
// Guide.

import (
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/yamlnode"
)

// ImplicitHTTPAPI is the HTTP API SAM creates for HttpApi events without
// ApiId.
const ImplicitHTTPAPI = "ServerlessHttpApi"

// samDefaultIdentity is the identity source SAM and the console give a
// JWT authorizer that names none.
const samDefaultIdentity = "$request.header.Authorization"

func (l *loader) newHTTPAPI(id string, n *yaml.Node) *apimodel.HTTPAPI {
	return &apimodel.HTTPAPI{
		ID: l.apiID(id), LogicalID: id, Name: id, Region: l.opts.Region, AccountID: l.opts.AccountID,
		Kind: apimodel.KindHTTP, Integrations: map[string]*apimodel.HTTPIntegration{},
		Authorizers: map[string]*apimodel.HTTPAuthorizer{}, Pos: l.pos(n),
	}
}

// httpAPIDefaults is what an HttpApi's Auth says for events that do not.
type httpAPIDefaults struct {
	defaultAuthorizer string
	iam               bool
}

// samHTTPAPIs builds every AWS::Serverless::HttpApi, the implicit
// ServerlessHttpApi, and the routes of the functions' HttpApi events.
func (l *loader) samHTTPAPIs() {
	apis := map[string]*apimodel.HTTPAPI{}
	defs := map[string]*httpAPIDefaults{}
	var order []string
	for _, r := range l.active() {
		if r.Type != "AWS::Serverless::HttpApi" {
			continue
		}
		a, d := l.samHTTPAPI(r)
		apis[r.ID], defs[r.ID] = a, d
		order = append(order, r.ID)
	}
	for _, r := range l.active() {
		if r.Type != "AWS::Serverless::Function" {
			continue
		}
		evs := get(r.Props, "Events")
		if evs == nil || isErr(evs) || evs.Kind != yaml.MappingNode {
			continue
		}
		for _, kv := range pairs(evs) {
			if t := get(kv[1], "Type"); t == nil || t.Value != "HttpApi" {
				continue
			}
			rep := reporter{l: l, id: r.ID, pfx: "Properties.Events." + kv[0].Value}
			apiID := ImplicitHTTPAPI
			p := get(kv[1], "Properties")
			if p != nil && !isErr(p) && p.Kind == yaml.MappingNode {
				if v := get(p, "ApiId"); v != nil {
					s, found := l.sym[v]
					if !found || apis[s.LogicalID] == nil {
						rep.errorf(v, "Properties.ApiId", "must be a Ref to an AWS::Serverless::HttpApi of this template")
						continue
					}
					apiID = s.LogicalID
				}
			}
			if apis[apiID] == nil {
				// SAM builds the implicit API from Globals.HttpApi alone
				// (its Auth, CORS and stage apply to it as to any HttpApi).
				props := mapNode(kv[0].Line, kv[0].Column)
				if g := l.globalsHTTPAPI; g != nil && g.Kind == yaml.MappingNode {
					props = g
				}
				a, d := l.samHTTPAPI(&resource{ID: apiID, Type: "AWS::Serverless::HttpApi", Node: kv[0], Props: props})
				a.Name = l.opts.StackName
				apis[apiID], defs[apiID] = a, d
				order = append(order, apiID)
			}
			l.httpAPIEvent(r, kv[0].Value, kv[1], rep, apis[apiID], defs[apiID])
		}
	}
	for _, id := range order {
		a := apis[id]
		sort.SliceStable(a.Routes, func(i, j int) bool { return a.Routes[i].Pos.Line < a.Routes[j].Pos.Line })
		l.model.HTTPAPIs = append(l.model.HTTPAPIs, a)
	}
}

func (l *loader) samHTTPAPI(r *resource) (*apimodel.HTTPAPI, *httpAPIDefaults) {
	rep := reporter{l: l, id: r.ID, pfx: "Properties"}
	p := r.Props
	rep.check(p, propSpec{
		handled: []string{"StageName", "StageVariables", "Auth", "CorsConfiguration", "DisableExecuteApiEndpoint",
			"DefaultRouteSettings", "Name"},
		inert: []string{"Tags", "Description", "AccessLogSettings", "FailOnWarnings", "PropagateTags", "Domain",
			"RouteSettings"},
		deny: map[string]string{
			"DefinitionBody": "an HttpApi's OpenAPI DefinitionBody is not read yet; its routes and authorizers would be missing",
			"DefinitionUri":  "an HttpApi's OpenAPI DefinitionUri is not read yet; its routes and authorizers would be missing",
		},
	})
	a := l.newHTTPAPI(r.ID, r.Node)
	if n, ok := rep.str(p, "Name"); ok {
		a.Name = n
	}
	stage := apimodel.DefaultStage
	if s, ok := rep.str(p, "StageName"); ok && s != "" {
		stage = s
	}
	st := &apimodel.HTTPStage{Name: stage, Variables: rep.strMap(p, "StageVariables"), Pos: l.pos(or(get(p, "StageName"), r.Node))}
	if drs := rep.mapping(p, "DefaultRouteSettings"); drs != nil {
		drep := rep.at("DefaultRouteSettings")
		st.ThrottlingRateLimit, _ = drep.float(drs, "ThrottlingRateLimit")
		st.ThrottlingBurstLimit, _ = drep.integer(drs, "ThrottlingBurstLimit")
	}
	a.Stages = []*apimodel.HTTPStage{st}
	a.DisableExecuteAPIEndpoint, _ = rep.boolean(p, "DisableExecuteApiEndpoint")
	a.CORS = l.samHTTPCors(get(p, "CorsConfiguration"), rep.at("CorsConfiguration"))
	d := &httpAPIDefaults{}
	if auth := rep.mapping(p, "Auth"); auth != nil {
		arep := rep.at("Auth")
		arep.check(auth, propSpec{handled: []string{"Authorizers", "DefaultAuthorizer", "EnableIamAuthorizer"}})
		d.iam, _ = arep.boolean(auth, "EnableIamAuthorizer")
		if as := arep.mapping(auth, "Authorizers"); as != nil {
			for _, kv := range pairs(as) {
				if au := l.samHTTPAuthorizer(kv[0].Value, kv[1], arep.at("Authorizers."+kv[0].Value)); au != nil {
					a.Authorizers[au.Name] = au
				}
			}
		}
		if def, ok := arep.str(auth, "DefaultAuthorizer"); ok {
			if def != apimodel.HTTPAuthIAM && a.Authorizers[def] == nil {
				arep.errorf(get(auth, "DefaultAuthorizer"), "DefaultAuthorizer", "Unable to set DefaultAuthorizer because '%s' was not defined in 'Authorizers'.", def)
			}
			if def == apimodel.HTTPAuthIAM && !d.iam {
				arep.errorf(get(auth, "DefaultAuthorizer"), "DefaultAuthorizer", "AWS_IAM as DefaultAuthorizer needs EnableIamAuthorizer: true")
			}
			d.defaultAuthorizer = def
		}
	}
	return a, d
}

// samHTTPCors reads CorsConfiguration: true (every origin, header and
// method) or an HttpApiCorsConfiguration.
func (l *loader) samHTTPCors(n *yaml.Node, rep reporter) *apimodel.CORSConfig {
	if n == nil || isNull(n) || isErr(n) {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		on, err := yamlnode.Bool(n)
		if err != nil {
			rep.errorf(n, "", "must be true or a map: %v", err)
			return nil
		}
		if !on {
			return nil
		}
		return &apimodel.CORSConfig{AllowOrigins: []string{"*"}, AllowHeaders: []string{"*"}, AllowMethods: []string{"*"}, MaxAge: -1, Pos: l.pos(n)}
	}
	return l.corsConfig(n, rep, map[string]string{
		"origins": "AllowOrigins", "headers": "AllowHeaders", "methods": "AllowMethods", "expose": "ExposeHeaders",
		"credentials": "AllowCredentials", "maxAge": "MaxAge",
	})
}

// corsConfig reads a CORS configuration map whose keys are named by keys
// (SAM and CloudFormation spell them the same; OpenAPI does not).
func (l *loader) corsConfig(n *yaml.Node, rep reporter, keys map[string]string) *apimodel.CORSConfig {
	if n.Kind != yaml.MappingNode {
		rep.errorf(n, "", "must be true or a map, not %s", kindName(n))
		return nil
	}
	var handled []string
	for _, k := range keys {
		handled = append(handled, k)
	}
	rep.check(n, propSpec{handled: handled})
	c := &apimodel.CORSConfig{MaxAge: -1, Pos: l.pos(n)}
	c.AllowOrigins = rep.strList(n, keys["origins"], false)
	c.AllowHeaders = rep.strList(n, keys["headers"], false)
	c.AllowMethods = rep.strList(n, keys["methods"], false)
	c.ExposeHeaders = rep.strList(n, keys["expose"], false)
	c.AllowCredentials, _ = rep.boolean(n, keys["credentials"])
	if m, ok := rep.integer(n, keys["maxAge"]); ok {
		if m < 0 || m > 86400 {
			rep.errorf(get(n, keys["maxAge"]), keys["maxAge"], "must be between 0 and 86400 seconds, not %d", m)
		} else {
			c.MaxAge = m
		}
	}
	if c.AllowCredentials && contains(c.AllowOrigins, "*") {
		// "Configuring CORS for an HTTP API": API Gateway refuses a
		// wildcard origin with credentials.
		rep.errorf(n, keys["credentials"], "AllowCredentials cannot be true when AllowOrigins contains *")
	}
	return c
}

// samHTTPAuthorizer reads one entry of an HttpApi's Auth.Authorizers: an
// OAuth2Authorizer (JwtConfiguration) or a LambdaAuthorizer (FunctionArn).
func (l *loader) samHTTPAuthorizer(name string, n *yaml.Node, rep reporter) *apimodel.HTTPAuthorizer {
	if isErr(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		rep.errorf(n, "", "must be a map")
		return nil
	}
	au := &apimodel.HTTPAuthorizer{Name: name, Pos: l.pos(n)}
	switch {
	case get(n, "JwtConfiguration") != nil:
		rep.check(n, propSpec{handled: []string{"JwtConfiguration", "IdentitySource", "AuthorizationScopes"}})
		au.Type = apimodel.HTTPAuthorizerJWT
		jc := rep.mapping(n, "JwtConfiguration")
		if jc == nil {
			return nil
		}
		jrep := rep.at("JwtConfiguration")
		jrep.check(jc, propSpec{handled: []string{"issuer", "audience"}})
		au.Issuer, _ = jrep.str(jc, "issuer")
		au.Audience = jrep.strList(jc, "audience", true)
		if au.Issuer == "" {
			jrep.errorf(jc, "issuer", "a JWT authorizer needs an issuer")
			return nil
		}
		src := samDefaultIdentity
		if s, ok := rep.str(n, "IdentitySource"); ok && s != "" {
			src = s
		}
		au.IdentitySource = []string{src}
	case get(n, "FunctionArn") != nil:
		rep.check(n, propSpec{
			handled: []string{"FunctionArn", "AuthorizerPayloadFormatVersion", "EnableSimpleResponses", "Identity"},
			inert:   []string{"FunctionInvokeRole", "EnableFunctionDefaultPermissions"},
		})
		au.Type = apimodel.HTTPAuthorizerRequest
		key, _, ok := l.funcOf(get(n, "FunctionArn"), rep, "FunctionArn")
		if !ok {
			return nil
		}
		au.Function = key
		v, ok := rep.str(n, "AuthorizerPayloadFormatVersion")
		if !ok || (v != apimodel.PayloadFormat1 && v != apimodel.PayloadFormat2) {
			// SAM: "Required for HTTP API Lambda authorizers."
			rep.errorf(or(get(n, "AuthorizerPayloadFormatVersion"), n), "AuthorizerPayloadFormatVersion", "%s Lambda Authorizer must define 'AuthorizerPayloadFormatVersion' as 1.0 or 2.0.", name)
			return nil
		}
		au.PayloadFormatVersion = v
		au.EnableSimpleResponses, _ = rep.boolean(n, "EnableSimpleResponses")
		if au.EnableSimpleResponses && v != apimodel.PayloadFormat2 {
			rep.errorf(get(n, "EnableSimpleResponses"), "EnableSimpleResponses", "simple responses need AuthorizerPayloadFormatVersion 2.0")
			return nil
		}
		if id := rep.mapping(n, "Identity"); id != nil {
			irep := rep.at("Identity")
			irep.check(id, propSpec{handled: []string{"Headers", "QueryStrings", "Context", "StageVariables", "ReauthorizeEvery"}})
			for _, h := range irep.strList(id, "Headers", false) {
				au.IdentitySource = append(au.IdentitySource, "$request.header."+h)
			}
			for _, q := range irep.strList(id, "QueryStrings", false) {
				au.IdentitySource = append(au.IdentitySource, "$request.querystring."+q)
			}
			for _, c := range irep.strList(id, "Context", false) {
				au.IdentitySource = append(au.IdentitySource, "$context."+c)
			}
			for _, s := range irep.strList(id, "StageVariables", false) {
				au.IdentitySource = append(au.IdentitySource, "$stageVariables."+s)
			}
			if ttl, ok := irep.integer(id, "ReauthorizeEvery"); ok {
				if ttl < 0 || ttl > apimodel.MaxResultTTL {
					irep.errorf(get(id, "ReauthorizeEvery"), "ReauthorizeEvery", "must be between 0 and %d seconds, not %d", apimodel.MaxResultTTL, ttl)
					return nil
				}
				au.ResultTTLSeconds = ttl
			}
		}
		if au.ResultTTLSeconds > 0 && len(au.IdentitySource) == 0 {
			rep.errorf(n, "Identity", "caching (ReauthorizeEvery > 0) needs at least one identity source")
			return nil
		}
	default:
		rep.errorf(n, "", "%s Authorizer must define 'FunctionArn' (a Lambda authorizer) or 'JwtConfiguration' (a JWT authorizer)", name)
		return nil
	}
	return au
}

// httpAPIEvent adds one HttpApi event's route and integration.
func (l *loader) httpAPIEvent(fn *resource, name string, ev *yaml.Node, rep reporter, a *apimodel.HTTPAPI, d *httpAPIDefaults) {
	p := get(ev, "Properties")
	prep := rep.at("Properties")
	if isErr(p) {
		return
	}
	if p == nil || isNull(p) {
		p = mapNode(ev.Line, ev.Column)
	}
	if p.Kind != yaml.MappingNode {
		rep.errorf(p, "Properties", "must be a map")
		return
	}
	prep.check(p, propSpec{
		handled: []string{"ApiId", "Path", "Method", "PayloadFormatVersion", "Auth", "TimeoutInMillis"},
		inert:   []string{"RouteSettings"},
	})
	path, hasPath := prep.str(p, "Path")
	method, hasMethod := prep.str(p, "Method")
	key := apimodel.DefaultRouteKey
	switch {
	case hasPath && hasMethod:
		m := strings.ToUpper(method)
		if m == "X-AMAZON-APIGATEWAY-ANY-METHOD" {
			m = apimodel.AnyMethod
		}
		key = m + " " + path
	case hasPath || hasMethod:
		// SAM: both or neither (the $default route).
		prep.errorf(p, "", "an HttpApi event needs both Path and Method, or neither for the $default route")
		return
	}
	if r := a.Route(key); r != nil {
		prep.errorf(or(get(p, "Path"), ev), "Path", "route %s is already defined at %s", key, r.Pos)
		return
	}
	in := &apimodel.HTTPIntegration{ID: fn.ID + name + "Integration", Type: apimodel.HTTPIntegrationLambda, Function: fn.ID,
		PayloadFormatVersion: apimodel.PayloadFormat2, Pos: l.pos(ev)}
	if v, ok := prep.str(p, "PayloadFormatVersion"); ok {
		if v != apimodel.PayloadFormat1 && v != apimodel.PayloadFormat2 {
			prep.errorf(get(p, "PayloadFormatVersion"), "PayloadFormatVersion", "must be 1.0 or 2.0, not %q", v)
			return
		}
		in.PayloadFormatVersion = v
	}
	if t, ok := prep.integer(p, "TimeoutInMillis"); ok {
		if t < 50 || t > 30000 {
			prep.errorf(get(p, "TimeoutInMillis"), "TimeoutInMillis", "must be between 50 and 30000, not %d", t)
			return
		}
		in.TimeoutMillis = t
	}
	route := &apimodel.HTTPRoute{RouteKey: key, Integration: in.ID, Pos: l.pos(ev)}
	authName := d.defaultAuthorizer
	if auth := prep.mapping(p, "Auth"); auth != nil {
		arep := prep.at("Auth")
		arep.check(auth, propSpec{handled: []string{"Authorizer", "AuthorizationScopes"}})
		if n, ok := arep.str(auth, "Authorizer"); ok {
			authName = n
		}
		route.AuthorizationScopes = arep.strList(auth, "AuthorizationScopes", false)
	}
	switch authName {
	case "", apimodel.HTTPAuthNone:
	case apimodel.HTTPAuthIAM:
		if !d.iam {
			prep.errorf(or(get(get(p, "Auth"), "Authorizer"), ev), "Auth.Authorizer", "AWS_IAM needs EnableIamAuthorizer: true in the API's Auth")
			return
		}
		route.AuthorizationType = apimodel.HTTPAuthIAM
	default:
		au := a.Authorizers[authName]
		if au == nil {
			prep.errorf(or(get(get(p, "Auth"), "Authorizer"), ev), "Auth.Authorizer", "Authorizer %s must be defined in the Auth.Authorizers of %s", authName, a.LogicalID)
			return
		}
		route.Authorizer = authName
		route.AuthorizationType = apimodel.HTTPAuthCustom
		if au.Type == apimodel.HTTPAuthorizerJWT {
			route.AuthorizationType = apimodel.HTTPAuthJWT
		}
	}
	a.Integrations[in.ID] = in
	a.Routes = append(a.Routes, route)
}

// cfnHTTPAPIs builds the AWS::ApiGatewayV2::Api resources of protocol HTTP
// and their stages, routes, integrations and authorizers.
func (l *loader) cfnHTTPAPIs() {
	byRef := map[string]*apimodel.HTTPAPI{} // by the Ref value (the API id)
	// other are the ids of v2 APIs that are not HTTP APIs (WebSocket):
	// their children are ignored with them.
	other := map[string]bool{}
	var order []*apimodel.HTTPAPI
	for _, r := range l.active() {
		if r.Type != "AWS::ApiGatewayV2::Api" {
			continue
		}
		if a := l.cfnHTTPAPI(r); a != nil {
			byRef[a.ID] = a
			order = append(order, a)
		} else {
			other[l.apiID(r.ID)] = true
		}
	}
	apiOf := func(r *resource, rep reporter) *apimodel.HTTPAPI {
		id, ok := rep.str(r.Props, "ApiId")
		if !ok {
			if !failed(r.Props, "ApiId") {
				rep.errorf(r.Node, "ApiId", "Missing required property 'ApiId'.")
			}
			return nil
		}
		a := byRef[id]
		if a == nil && other[id] {
			l.ignore(get(r.Node, "Type"), r.ID, "Type", "%s of an API that is not an HTTP API is not emulated", r.Type)
			return nil
		}
		if a == nil {
			rep.errorf(get(r.Props, "ApiId"), "ApiId", "%q is not an HTTP API (AWS::ApiGatewayV2::Api, ProtocolType HTTP) of this template", id)
		}
		return a
	}
	// Authorizers and integrations before the routes that name them.
	for _, typ := range []string{"AWS::ApiGatewayV2::Stage", "AWS::ApiGatewayV2::Authorizer", "AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::Route"} {
		for _, r := range l.active() {
			if r.Type != typ {
				continue
			}
			rep := reporter{l: l, id: r.ID, pfx: "Properties"}
			a := apiOf(r, rep)
			if a == nil {
				continue
			}
			switch typ {
			case "AWS::ApiGatewayV2::Stage":
				l.cfnHTTPStage(r, rep, a)
			case "AWS::ApiGatewayV2::Authorizer":
				l.cfnHTTPAuthorizer(r, rep, a)
			case "AWS::ApiGatewayV2::Integration":
				l.cfnHTTPIntegration(r, rep, a)
			case "AWS::ApiGatewayV2::Route":
				l.cfnHTTPRoute(r, rep, a)
			}
		}
	}
	for _, a := range order {
		if len(a.Stages) == 0 {
			l.warnf(l.byID[a.LogicalID].Node, a.LogicalID, "", "the HTTP API has no stage (no AWS::ApiGatewayV2::Stage and no quick-create Target), so no request can reach it")
			continue
		}
		l.model.HTTPAPIs = append(l.model.HTTPAPIs, a)
	}
}

func (l *loader) cfnHTTPAPI(r *resource) *apimodel.HTTPAPI {
	rep := reporter{l: l, id: r.ID, pfx: "Properties"}
	p := r.Props
	if proto, _ := rep.str(p, "ProtocolType"); proto != "HTTP" {
		if proto == "" && !failed(p, "ProtocolType") {
			rep.errorf(r.Node, "ProtocolType", "Missing required property 'ProtocolType' (HTTP or WEBSOCKET).")
		} else if proto != "" {
			l.ignore(get(p, "ProtocolType"), r.ID, "Properties.ProtocolType", "%s APIs are not emulated", proto)
		}
		return nil
	}
	rep.check(p, propSpec{
		handled: []string{"Name", "ProtocolType", "Target", "RouteKey", "CorsConfiguration", "DisableExecuteApiEndpoint", "CredentialsArn"},
		inert:   []string{"Description", "Tags", "Version", "FailOnWarnings", "DisableSchemaValidation", "ApiKeySelectionExpression", "RouteSelectionExpression", "IpAddressType"},
		deny: map[string]string{
			"Body":           "an OpenAPI Body of an HTTP API is not read yet; its routes and authorizers would be missing",
			"BodyS3Location": "an OpenAPI Body of an HTTP API is not read yet; its routes and authorizers would be missing",
			"BasePath":       "BasePath applies to an imported OpenAPI Body, which is not read yet",
		},
	})
	a := l.newHTTPAPI(r.ID, r.Node)
	if n, ok := rep.str(p, "Name"); ok {
		a.Name = n
	}
	a.DisableExecuteAPIEndpoint, _ = rep.boolean(p, "DisableExecuteApiEndpoint")
	if c := get(p, "CorsConfiguration"); c != nil && !isNull(c) && !isErr(c) {
		a.CORS = l.corsConfig(c, rep.at("CorsConfiguration"), map[string]string{
			"origins": "AllowOrigins", "headers": "AllowHeaders", "methods": "AllowMethods", "expose": "ExposeHeaders",
			"credentials": "AllowCredentials", "maxAge": "MaxAge",
		})
	}
	if t := get(p, "Target"); t != nil && !isErr(t) {
		// Quick create: "Target ... API Gateway creates a default route, a
		// default stage ($default, auto-deployed) and an AWS_PROXY (payload
		// 2.0) or HTTP_PROXY integration" (AWS::ApiGatewayV2::Api).
		key := apimodel.DefaultRouteKey
		if k, ok := rep.str(p, "RouteKey"); ok && k != "" {
			key = k
		}
		in := &apimodel.HTTPIntegration{ID: r.ID + "QuickCreateIntegration", Pos: l.pos(t)}
		target, _ := rep.str(p, "Target")
		if strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") {
			in.Type, in.URI = apimodel.HTTPIntegrationHTTP, target
		} else {
			fn, _, ok := l.funcOf(t, rep, "Target")
			if !ok {
				return a
			}
			in.Type, in.Function, in.PayloadFormatVersion = apimodel.HTTPIntegrationLambda, fn, apimodel.PayloadFormat2
		}
		a.Integrations[in.ID] = in
		a.Routes = append(a.Routes, &apimodel.HTTPRoute{RouteKey: key, Integration: in.ID, Pos: l.pos(t)})
		a.Stages = append(a.Stages, &apimodel.HTTPStage{Name: apimodel.DefaultStage, Pos: l.pos(t)})
	} else if get(p, "RouteKey") != nil {
		rep.errorf(get(p, "RouteKey"), "RouteKey", "RouteKey is only used with a quick-create Target")
	}
	return a
}

func (l *loader) cfnHTTPStage(r *resource, rep reporter, a *apimodel.HTTPAPI) {
	p := r.Props
	rep.check(p, propSpec{
		handled: []string{"ApiId", "StageName", "StageVariables", "DefaultRouteSettings"},
		inert:   []string{"AutoDeploy", "DeploymentId", "Description", "Tags", "AccessLogSettings", "RouteSettings", "ClientCertificateId", "AccessPolicyId"},
	})
	name, ok := rep.str(p, "StageName")
	if !ok {
		if !failed(p, "StageName") {
			rep.errorf(r.Node, "StageName", "Missing required property 'StageName'.")
		}
		return
	}
	for _, s := range a.Stages {
		if s.Name == name {
			rep.errorf(get(p, "StageName"), "StageName", "stage %s of %s is already defined at %s", name, a.LogicalID, s.Pos)
			return
		}
	}
	st := &apimodel.HTTPStage{Name: name, Variables: rep.strMap(p, "StageVariables"), Pos: l.pos(get(p, "StageName"))}
	if drs := rep.mapping(p, "DefaultRouteSettings"); drs != nil {
		drep := rep.at("DefaultRouteSettings")
		st.ThrottlingRateLimit, _ = drep.float(drs, "ThrottlingRateLimit")
		st.ThrottlingBurstLimit, _ = drep.integer(drs, "ThrottlingBurstLimit")
	}
	a.Stages = append(a.Stages, st)
}

func (l *loader) cfnHTTPAuthorizer(r *resource, rep reporter, a *apimodel.HTTPAPI) {
	p := r.Props
	rep.check(p, propSpec{
		handled: []string{"ApiId", "AuthorizerType", "Name", "AuthorizerUri", "AuthorizerPayloadFormatVersion", "EnableSimpleResponses",
			"IdentitySource", "AuthorizerResultTtlInSeconds", "JwtConfiguration"},
		inert: []string{"AuthorizerCredentialsArn", "IdentityValidationExpression"},
	})
	au := &apimodel.HTTPAuthorizer{Pos: l.pos(r.Node)}
	au.Name, _ = rep.str(p, "Name")
	typ, _ := rep.str(p, "AuthorizerType")
	au.IdentitySource = rep.strList(p, "IdentitySource", true)
	switch typ {
	case apimodel.HTTPAuthorizerJWT:
		au.Type = typ
		jc := rep.mapping(p, "JwtConfiguration")
		if jc == nil {
			rep.errorf(r.Node, "JwtConfiguration", "a JWT authorizer needs JwtConfiguration with an Issuer")
			return
		}
		jrep := rep.at("JwtConfiguration")
		jrep.check(jc, propSpec{handled: []string{"Issuer", "Audience"}})
		au.Issuer, _ = jrep.str(jc, "Issuer")
		au.Audience = jrep.strList(jc, "Audience", true)
		if au.Issuer == "" {
			jrep.errorf(jc, "Issuer", "a JWT authorizer needs an Issuer")
			return
		}
		if len(au.IdentitySource) != 1 {
			rep.errorf(or(get(p, "IdentitySource"), r.Node), "IdentitySource", "a JWT authorizer has exactly one identity source")
			return
		}
	case apimodel.HTTPAuthorizerRequest:
		au.Type = typ
		uri, ok := rep.str(p, "AuthorizerUri")
		if !ok {
			rep.errorf(r.Node, "AuthorizerUri", "a REQUEST authorizer needs an AuthorizerUri")
			return
		}
		fn, _, ok := l.uriFunction(uri, get(p, "AuthorizerUri"), rep, "AuthorizerUri")
		if !ok {
			return
		}
		au.Function = fn
		v, _ := rep.str(p, "AuthorizerPayloadFormatVersion")
		if v != apimodel.PayloadFormat1 && v != apimodel.PayloadFormat2 {
			rep.errorf(or(get(p, "AuthorizerPayloadFormatVersion"), r.Node), "AuthorizerPayloadFormatVersion", "a REQUEST authorizer of an HTTP API needs AuthorizerPayloadFormatVersion 1.0 or 2.0")
			return
		}
		au.PayloadFormatVersion = v
		au.EnableSimpleResponses, _ = rep.boolean(p, "EnableSimpleResponses")
		if au.EnableSimpleResponses && v != apimodel.PayloadFormat2 {
			rep.errorf(get(p, "EnableSimpleResponses"), "EnableSimpleResponses", "simple responses need AuthorizerPayloadFormatVersion 2.0")
			return
		}
		if ttl, ok := rep.integer(p, "AuthorizerResultTtlInSeconds"); ok {
			if ttl < 0 || ttl > apimodel.MaxResultTTL {
				rep.errorf(get(p, "AuthorizerResultTtlInSeconds"), "AuthorizerResultTtlInSeconds", "must be between 0 and %d, not %d", apimodel.MaxResultTTL, ttl)
				return
			}
			au.ResultTTLSeconds = ttl
		}
		if au.ResultTTLSeconds > 0 && len(au.IdentitySource) == 0 {
			rep.errorf(r.Node, "IdentitySource", "caching (AuthorizerResultTtlInSeconds > 0) needs at least one identity source")
			return
		}
	default:
		if !failed(p, "AuthorizerType") {
			rep.errorf(or(get(p, "AuthorizerType"), r.Node), "AuthorizerType", "must be REQUEST or JWT, not %q", typ)
		}
		return
	}
	// Routes name an authorizer by its Ref, the logical id.
	if au.Name == "" {
		au.Name = r.ID
	}
	a.Authorizers[r.ID] = au
}

func (l *loader) cfnHTTPIntegration(r *resource, rep reporter, a *apimodel.HTTPAPI) {
	p := r.Props
	rep.check(p, propSpec{
		handled: []string{"ApiId", "IntegrationType", "IntegrationUri", "IntegrationMethod", "PayloadFormatVersion", "TimeoutInMillis"},
		inert:   []string{"Description", "CredentialsArn", "ConnectionType"},
		deny: map[string]string{
			"RequestParameters":  "parameter mapping of HTTP API integrations is not emulated",
			"ResponseParameters": "parameter mapping of HTTP API integrations is not emulated",
			"IntegrationSubtype": "AWS service integrations of HTTP APIs are not emulated",
		},
	})
	in := &apimodel.HTTPIntegration{ID: r.ID, Pos: l.pos(r.Node)}
	in.Type, _ = rep.str(p, "IntegrationType")
	uri, _ := rep.str(p, "IntegrationUri")
	in.Method, _ = rep.str(p, "IntegrationMethod")
	switch in.Type {
	case apimodel.HTTPIntegrationLambda:
		n := get(p, "IntegrationUri")
		var fn string
		var ok bool
		if _, isURI := apimodel.ParseLambdaURI(uri); isURI {
			fn, _, ok = l.uriFunction(uri, n, rep, "IntegrationUri")
		} else {
			// HTTP APIs also take the function's ARN itself.
			fn, _, ok = l.funcOf(n, rep, "IntegrationUri")
		}
		if !ok {
			return
		}
		in.Function = fn
		v, _ := rep.str(p, "PayloadFormatVersion")
		if v != apimodel.PayloadFormat1 && v != apimodel.PayloadFormat2 {
			rep.errorf(or(get(p, "PayloadFormatVersion"), r.Node), "PayloadFormatVersion", "an AWS_PROXY integration needs PayloadFormatVersion 1.0 or 2.0")
			return
		}
		in.PayloadFormatVersion = v
	case apimodel.HTTPIntegrationHTTP:
		if uri == "" {
			rep.errorf(r.Node, "IntegrationUri", "an HTTP_PROXY integration needs an IntegrationUri")
			return
		}
		in.URI = uri
	default:
		if !failed(p, "IntegrationType") {
			rep.errorf(or(get(p, "IntegrationType"), r.Node), "IntegrationType", "%q is not emulated for HTTP APIs (AWS_PROXY, HTTP_PROXY)", in.Type)
		}
		return
	}
	if t, ok := rep.integer(p, "TimeoutInMillis"); ok {
		if t < 50 || t > 30000 {
			rep.errorf(get(p, "TimeoutInMillis"), "TimeoutInMillis", "must be between 50 and 30000, not %d", t)
			return
		}
		in.TimeoutMillis = t
	}
	a.Integrations[in.ID] = in
}

func (l *loader) cfnHTTPRoute(r *resource, rep reporter, a *apimodel.HTTPAPI) {
	p := r.Props
	rep.check(p, propSpec{
		handled: []string{"ApiId", "RouteKey", "Target", "AuthorizationType", "AuthorizerId", "AuthorizationScopes"},
		inert:   []string{"OperationName", "RouteResponseSelectionExpression", "ModelSelectionExpression", "RequestModels", "ApiKeyRequired"},
		deny:    map[string]string{"RequestParameters": "route request parameters are not emulated"},
	})
	key, ok := rep.str(p, "RouteKey")
	if !ok {
		if !failed(p, "RouteKey") {
			rep.errorf(r.Node, "RouteKey", "Missing required property 'RouteKey'.")
		}
		return
	}
	if prev := a.Route(key); prev != nil {
		rep.errorf(get(p, "RouteKey"), "RouteKey", "route %s is already defined at %s", key, prev.Pos)
		return
	}
	route := &apimodel.HTTPRoute{RouteKey: key, Pos: l.pos(get(p, "RouteKey"))}
	target, ok := rep.str(p, "Target")
	in, hasPrefix := strings.CutPrefix(target, "integrations/")
	if !ok || !hasPrefix || a.Integrations[in] == nil {
		// A route without a target answers nothing useful on AWS either;
		// serving it would need an integration to run.
		rep.errorf(or(get(p, "Target"), r.Node), "Target", "must be integrations/<an AWS::ApiGatewayV2::Integration of %s>, not %q", a.LogicalID, target)
		return
	}
	route.Integration = in
	route.AuthorizationType, _ = rep.str(p, "AuthorizationType")
	route.AuthorizationScopes = rep.strList(p, "AuthorizationScopes", false)
	if failed(p, "AuthorizationType") || failed(p, "AuthorizerId") {
		return // fail closed: the route's guard is unknown
	}
	switch route.AuthorizationType {
	case "", apimodel.HTTPAuthNone, apimodel.HTTPAuthIAM:
	case apimodel.HTTPAuthCustom, apimodel.HTTPAuthJWT:
		id, _ := rep.str(p, "AuthorizerId")
		au := a.Authorizers[id]
		want := apimodel.HTTPAuthorizerRequest
		if route.AuthorizationType == apimodel.HTTPAuthJWT {
			want = apimodel.HTTPAuthorizerJWT
		}
		if au == nil || au.Type != want {
			rep.errorf(or(get(p, "AuthorizerId"), r.Node), "AuthorizerId", "a %s route needs the Ref of a %s AWS::ApiGatewayV2::Authorizer of %s", route.AuthorizationType, want, a.LogicalID)
			return
		}
		route.Authorizer = id
	default:
		rep.errorf(get(p, "AuthorizationType"), "AuthorizationType", "must be NONE, AWS_IAM, CUSTOM or JWT, not %q", route.AuthorizationType)
		return
	}
	a.Routes = append(a.Routes, route)
}
