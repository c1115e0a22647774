package template

// The SAM transform, as SAM itself performs it: an AWS::Serverless::Api is an
// OpenAPI document (the user's DefinitionBody, or a skeleton SAM generates)
// that SAM edits in a fixed order before API Gateway imports it:
//
//  1. every function's Api events add their path, method, Lambda proxy
//     integration and method-level Auth (only to documents SAM generated,
//     or with MergeDefinitions);
//  2. Cors adds an OPTIONS MOCK method to every path that has none;
//  3. Auth adds the authorizers' security schemes, applies DefaultAuthorizer
//     and ApiKeyRequired to every method (OPTIONS included unless the
//     *ToCorsPreflight switches say otherwise) and writes ResourcePolicy
//     statements for every path;
//  4. GatewayResponses and BinaryMediaTypes are written.
//
// The functions below reproduce samtranslator's SwaggerEditor and
// ApiGenerator on yaml.Node documents, with SAM's own error texts, and the
// result goes through package openapi like any imported document. The
// property names and defaults are those of SAM's documentation (docs/behaviour.md#CACHE-1 SAM
// table, docs/behaviour.md#INTEG-3).

import (
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
)

const anyMethodKey = "x-amazon-apigateway-any-method"

var (
	pathVarRE    = regexp.MustCompile(`\{([a-zA-Z0-9._-]+|[a-zA-Z0-9._-]+\+|proxy\+)\}`)
	statusCodeRE = regexp.MustCompile(`^[0-9]{1,3}$`)
)

var samFunctionSpec = propSpec{
	handled: []string{"Handler", "Runtime", "CodeUri", "InlineCode", "Environment", "Timeout", "MemorySize", "FunctionName", "Events", "Layers"},
	inert: []string{"Description", "Policies", "Role", "Tags", "Architectures", "Tracing", "VpcConfig", "DeadLetterQueue",
		"ReservedConcurrentExecutions", "ProvisionedConcurrencyConfig", "AutoPublishAlias", "AutoPublishAliasAllProperties",
		"AutoPublishCodeSha256", "DeploymentPreference", "KmsKeyArn", "PermissionsBoundary", "AssumeRolePolicyDocument",
		"EventInvokeConfig", "FileSystemConfigs", "LoggingConfig", "RecursiveLoop", "SnapStart", "RuntimeManagementConfig",
		"PropagateTags", "CodeSigningConfigArn", "EphemeralStorage", "VersionDescription", "VersionDeletionPolicy", "RolePath"},
	warn: map[string]string{
		"PackageType":       "container image functions are not run",
		"ImageUri":          "container image functions are not run",
		"ImageConfig":       "container image functions are not run",
		"FunctionUrlConfig": "function URLs are not served",
	},
}

var samAPISpec = propSpec{
	handled: []string{"Name", "StageName", "DefinitionBody", "DefinitionUri", "MergeDefinitions", "Auth", "Cors",
		"GatewayResponses", "Variables", "MethodSettings", "BinaryMediaTypes", "ApiKeySourceType", "OpenApiVersion", "Models"},
	inert: []string{"Description", "EndpointConfiguration", "Tags", "TracingEnabled", "AccessLogSetting", "CacheClusterSize",
		"Domain", "FailOnWarnings", "DisableExecuteApiEndpoint", "Mode", "AlwaysDeploy", "PropagateTags"},
	warn: map[string]string{
		"CacheClusterEnabled":    "the API cache is not emulated; every request reaches the integration",
		"CanarySetting":          "canary deployments are not emulated",
		"MinimumCompressionSize": "responses are not compressed",
	},
}

// samAPI is an AWS::Serverless::Api (or the implicit ServerlessRestApi)
// while SAM edits its document.
type samAPI struct {
	r        *resource
	props    *yaml.Node
	rep      reporter
	doc      *yaml.Node // nil when the definition could not be read
	docFile  string
	docPath  string // property path of the document, for diagnostics
	userBody bool   // DefinitionBody written by the user
	managed  bool   // SAM generated the document: events are added
	merge    bool
	stage    string
	policy   []*yaml.Node // x-amazon-apigateway-policy statements
	// Auth properties, read once.
	auth        *yaml.Node
	authorizers *yaml.Node // Auth.Authorizers
	defaultAuth string
	// failedAuth are the Authorizers entries whose error was reported, so
	// that no scheme was written for them.
	failedAuth map[string]bool
	// origins are the parts of the document SAM wrote from a user's
	// property, longest first when searched.
	origins []origin
}

// origin records that SAM wrote part of an API's document from a user's
// property: what package openapi reports at gen (a path in the document),
// or below it unless exact, is about that property, and is reported there.
type origin struct {
	gen      string
	id, path string
	exact    bool
}

func (a *samAPI) from(gen, id, path string, exact bool) {
	a.origins = append(a.origins, origin{gen: gen, id: id, path: path, exact: exact})
}

var securityRequirementRE = regexp.MustCompile(`(?:^|\.)security\[\d+\]\.([^.\[]+)$`)

// fixDiag maps a diagnostic package openapi reports on the document back to
// the user's property SAM generated that part from, and drops the ones
// that only repeat an error reported already: a security requirement naming
// an authorizer whose definition was rejected (its scheme was never written).
func (a *samAPI) fixDiag(d *apimodel.Diagnostic) bool {
	rel, ok := strings.CutPrefix(d.Path, a.docPath+".")
	if !ok || d.LogicalID != a.r.ID {
		return true
	}
	if m := securityRequirementRE.FindStringSubmatch(rel); m != nil && a.failedAuth[m[1]] {
		return false
	}
	best := -1
	for i, o := range a.origins {
		if rel != o.gen && (o.exact || !strings.HasPrefix(rel, o.gen+".") && !strings.HasPrefix(rel, o.gen+"[")) {
			continue
		}
		if best < 0 || len(o.gen) > len(a.origins[best].gen) {
			best = i
		}
	}
	if best >= 0 {
		o := a.origins[best]
		d.LogicalID, d.Path = o.id, o.path+rel[len(o.gen):]
	}
	return true
}

// applyGlobals merges the Globals section into SAM resources: maps merge
// key by key, lists concatenate global then local, and any other local
// value replaces the global one (SAM "Globals" documentation).
func (l *loader) applyGlobals() {
	g := get(l.root, "Globals")
	if g == nil {
		return
	}
	gv, ok := l.eval(g, evalCtx{path: "Globals"})
	if !ok || isErr(gv) {
		return
	}
	if gv.Kind != yaml.MappingNode {
		l.errorf(g, "", "Globals", "must be a map")
		return
	}
	for _, kv := range pairs(gv) {
		switch kv[0].Value {
		case "Function", "Api", "HttpApi":
			if kv[1].Kind != yaml.MappingNode {
				l.errorf(kv[1], "", "Globals."+kv[0].Value, "must be a map")
			}
		case "SimpleTable", "LayerVersion", "StateMachine", "CapacityProvider":
		default:
			l.errorf(kv[0], "", "Globals."+kv[0].Value, "'%s' is not supported in Globals section", kv[0].Value)
		}
	}
	fn := get(gv, "Function")
	l.globalsAPI = get(gv, "Api")
	l.globalsHTTPAPI = get(gv, "HttpApi")
	for _, r := range l.active() {
		switch r.Type {
		case "AWS::Serverless::Function":
			r.Props = l.mergeGlobals(fn, r)
		case "AWS::Serverless::Api":
			r.Props = l.mergeGlobals(l.globalsAPI, r)
		case "AWS::Serverless::HttpApi":
			r.Props = l.mergeGlobals(l.globalsHTTPAPI, r)
		}
	}
}

func (l *loader) mergeGlobals(g *yaml.Node, r *resource) *yaml.Node {
	if g == nil || g.Kind != yaml.MappingNode {
		return r.Props
	}
	ignore := map[string]bool{}
	if ig := get(r.Node, "IgnoreGlobals"); ig != nil {
		if ig.Kind == yaml.ScalarNode && ig.Value == "*" {
			return r.Props
		}
		for _, it := range ig.Content {
			ignore[it.Value] = true
		}
	}
	out := l.deepCopy(r.Props)
	for _, kv := range pairs(g) {
		if ignore[kv[0].Value] {
			continue
		}
		setField(out, kv[0].Value, l.mergeGlobal(kv[1], get(r.Props, kv[0].Value)))
	}
	// Keep the resource's own keys in their written order after the merge.
	return out
}

func (l *loader) mergeGlobal(g, loc *yaml.Node) *yaml.Node {
	switch {
	case loc == nil:
		return l.deepCopy(g)
	case g.Kind == yaml.MappingNode && loc.Kind == yaml.MappingNode:
		out := l.deepCopy(g)
		for _, kv := range pairs(loc) {
			setField(out, kv[0].Value, l.mergeGlobal2(get(g, kv[0].Value), kv[1]))
		}
		return out
	case g.Kind == yaml.SequenceNode && loc.Kind == yaml.SequenceNode:
		out := l.deepCopy(g)
		out.Content = append(out.Content, loc.Content...)
		return out
	}
	return loc
}

func (l *loader) mergeGlobal2(g, loc *yaml.Node) *yaml.Node {
	if g == nil {
		return loc
	}
	return l.mergeGlobal(g, loc)
}

// findImplicitAPI tells whether SAM will create ServerlessRestApi: some
// function has an Api event without RestApiId. It runs before evaluation,
// because templates Ref the implicit API.
func (l *loader) findImplicitAPI() {
	if !l.sam {
		return
	}
	for _, r := range l.resources {
		if r.Type != "AWS::Serverless::Function" {
			continue
		}
		for _, ev := range pairs(get(r.RawProps, "Events")) {
			if t := get(ev[1], "Type"); t != nil && t.Value == "Api" && get(get(ev[1], "Properties"), "RestApiId") == nil {
				l.implicitAPI = true
			}
			if t := get(ev[1], "Type"); t != nil && t.Value == "HttpApi" && get(get(ev[1], "Properties"), "ApiId") == nil {
				l.implicitHTTPAPI = true
			}
		}
	}
}

func (l *loader) samFunction(r *resource) {
	rep := reporter{l: l, id: r.ID, pfx: "Properties"}
	p := r.Props
	rep.check(p, samFunctionSpec)
	f := l.newFunction(r, rep)
	inline, hasInline := rep.str(p, "InlineCode")
	inlineSet := hasInline || failed(p, "InlineCode")
	uri := get(p, "CodeUri")
	image := get(p, "ImageUri") != nil
	if pt, _ := rep.str(p, "PackageType"); pt == "Image" {
		image = true
	}
	switch {
	case hasInline:
		// SAM deploys InlineCode when both are set: its translator raises
		// "Only one of 'InlineCode' or 'CodeUri' can be set." only when
		// neither is, and otherwise picks InlineCode before CodeUri
		// (samtranslator/model/sam_resources.py, SamFunction._construct_code_dict).
		f.InlineCode = inline
		if uri != nil {
			rep.warnf(uri, "CodeUri", "ignored: InlineCode is set, and SAM deploys InlineCode when both are")
		}
	case inlineSet:
	case uri != nil && !isErr(uri):
		if uri.Kind == yaml.ScalarNode {
			f.CodeDir = l.codeDir(uri.Value, uri, rep.at("CodeUri"))
		} else {
			rep.warnf(uri, "CodeUri", "not emulated: code in S3 cannot be run locally; give CodeUri the local directory")
		}
	case !image && uri == nil:
		// SAM CLI runs and packages a function without CodeUri from the
		// template's own directory (aws/aws-sam-cli#140: the code is found
		// relative to the template, not the working directory).
		f.CodeDir = l.dir
	}
	if !image {
		if f.Runtime == "" && !failed(p, "Runtime") {
			rep.errorf(r.Node, "Runtime", "a function needs a Runtime")
		}
		if f.Handler == "" && !failed(p, "Handler") {
			rep.errorf(r.Node, "Handler", "a function needs a Handler")
		}
	}
	l.model.Functions[r.ID] = f
}

// samAPIs expands every AWS::Serverless::Api, the implicit API and the
// functions' Api events.
func (l *loader) samAPIs() {
	var apis []*samAPI
	byID := map[string]*samAPI{}
	for _, r := range l.active() {
		if r.Type == "AWS::Serverless::Api" {
			a := l.newSamAPI(r, false)
			apis = append(apis, a)
			byID[r.ID] = a
		}
	}
	if l.implicitAPI {
		if _, taken := l.byID["ServerlessRestApi"]; taken {
			l.errorf(l.byID["ServerlessRestApi"].Node, "ServerlessRestApi", "", "this logical id is reserved for the API SAM creates for Api events without RestApiId")
		} else {
			r := &resource{ID: "ServerlessRestApi", Type: "AWS::Serverless::Api", Active: true, Sam: true,
				Node: mapNode(0, 0), Props: mapNode(0, 0, "StageName", "Prod")}
			r.Props = l.mergeGlobals(l.globalsAPI, r)
			a := l.newSamAPI(r, true)
			apis = append(apis, a)
			byID[r.ID] = a
		}
	}
	for _, r := range l.active() {
		if r.Type == "AWS::Serverless::Function" {
			l.samEvents(r, byID)
		}
	}
	for _, a := range apis {
		l.finishSamAPI(a)
	}
}

func (l *loader) newSamAPI(r *resource, implicit bool) *samAPI {
	rep := reporter{l: l, id: r.ID, pfx: "Properties"}
	p := r.Props
	a := &samAPI{r: r, props: p, rep: rep, failedAuth: map[string]bool{}}
	if !implicit {
		rep.check(p, samAPISpec)
	}
	if s, ok := rep.str(p, "StageName"); ok {
		a.stage = s
	} else {
		if !failed(p, "StageName") {
			rep.errorf(r.Node, "StageName", "Missing required property 'StageName'.")
		}
		a.stage = "Prod"
	}
	if d := rep.mapping(p, "Domain"); d != nil {
		if mtls := get(d, "MutualTlsAuthentication"); mtls != nil {
			// Mutual TLS rejects clients without a trusted certificate;
			// serving without it would let them in.
			rep.errorf(mtls, "Domain.MutualTlsAuthentication", "not supported: mutual TLS client authentication is not emulated, and serving without it would admit clients API Gateway rejects")
		} else {
			l.samDomain(r, d, a.stage, rep.at("Domain"))
		}
	}
	a.merge, _ = rep.boolean(p, "MergeDefinitions")
	body, uri := get(p, "DefinitionBody"), get(p, "DefinitionUri")
	line, col := r.Node.Line, r.Node.Column
	switch {
	case body != nil && uri != nil:
		rep.errorf(uri, "DefinitionUri", "Specify either 'DefinitionUri' or 'DefinitionBody' property and not both.")
	case body != nil:
		if !isErr(body) {
			a.doc, a.userBody, a.docPath = l.deepCopy(body), true, "Properties.DefinitionBody"
			if f, ok := l.fileOf[body]; ok {
				a.docFile = f
			}
		}
	case uri != nil:
		if a.merge {
			rep.errorf(uri, "MergeDefinitions", "Cannot set 'MergeDefinitions' to True when using `DefinitionUri`.")
		}
		a.doc, a.docFile = l.readDefinition(uri, rep.at("DefinitionUri"))
		a.docPath = "Properties.DefinitionUri"
	default:
		// SwaggerEditor.gen_skeleton: the title is the stack name.
		a.doc = mapNode(line, col,
			"swagger", "2.0",
			"info", mapNode(line, col, "version", "1.0", "title", l.opts.StackName),
			"paths", mapNode(line, col))
		a.managed = true
		a.docPath = "(SAM-generated definition)"
	}
	if a.doc != nil && (a.doc.Kind != yaml.MappingNode || get(a.doc, "paths") == nil || get(a.doc, "paths").Kind != yaml.MappingNode) {
		if a.doc.Kind == yaml.MappingNode && get(a.doc, "paths") == nil && (get(a.doc, "swagger") != nil || get(a.doc, "openapi") != nil) {
			setField(a.doc, "paths", mapNode(a.doc.Line, a.doc.Column))
		} else {
			rep.errorf(a.doc, strings.TrimPrefix(a.docPath, "Properties."), "does not contain a valid Swagger definition (a map with swagger or openapi, and paths)")
			a.doc = nil
		}
	}
	if auth := rep.mapping(p, "Auth"); auth != nil {
		a.auth = auth
		arep := rep.at("Auth")
		known := []string{"Authorizers", "DefaultAuthorizer", "InvokeRole", "AddDefaultAuthorizerToCorsPreflight",
			"AddApiKeyRequiredToCorsPreflight", "ApiKeyRequired", "ResourcePolicy", "UsagePlan"}
		for _, kv := range pairs(auth) {
			if !contains(known, kv[0].Value) {
				arep.errorf(kv[0], kv[0].Value, "Invalid value for 'Auth' property")
			}
		}
		a.authorizers = arep.mapping(auth, "Authorizers")
		if d := get(auth, "DefaultAuthorizer"); d != nil && !isErr(d) {
			if d.Kind != yaml.ScalarNode {
				arep.errorf(d, "DefaultAuthorizer", "DefaultAuthorizer is not a string.")
			} else {
				a.defaultAuth = d.Value
			}
		}
	}
	return a
}

func (a *samAPI) paths() *yaml.Node { return get(a.doc, "paths") }

func (a *samAPI) openapi3() bool {
	v := get(a.doc, "openapi")
	return v != nil && strings.HasPrefix(v.Value, "3")
}

// methodKey is SwaggerEditor._normalize_method_name.
func methodKey(m string) string {
	m = strings.ToLower(m)
	if m == "any" {
		return anyMethodKey
	}
	return m
}

// samEvents adds a function's Api events to their APIs.
func (l *loader) samEvents(r *resource, apis map[string]*samAPI) {
	evs := get(r.Props, "Events")
	if evs == nil || isErr(evs) {
		return
	}
	rep := reporter{l: l, id: r.ID, pfx: "Properties.Events"}
	if evs.Kind != yaml.MappingNode {
		rep.errorf(evs, "", "must be a map")
		return
	}
	for _, kv := range pairs(evs) {
		name, ev := kv[0].Value, kv[1]
		erep := rep.at(name)
		typ, _ := erep.str(ev, "Type")
		if failed(ev, "Type") {
			continue
		}
		switch typ {
		case "Api":
			l.apiEvent(r, name, ev, erep, apis)
		case "HttpApi":
			// Read by samHTTPAPIs, once every HttpApi is known.
		case "":
			erep.errorf(ev, "Type", "an event needs a Type")
		default:
			l.ignore(kv[0], r.ID, erep.pfx, "%s event is not emulated", typ)
		}
	}
}

func (l *loader) apiEvent(fn *resource, name string, ev *yaml.Node, rep reporter, apis map[string]*samAPI) {
	p := get(ev, "Properties")
	prep := rep.at("Properties")
	if isErr(p) {
		return
	}
	if p == nil || p.Kind != yaml.MappingNode {
		rep.errorf(ev, "Properties", "an Api event needs Properties with Path and Method")
		return
	}
	prep.check(p, propSpec{
		handled: []string{"Path", "Method", "RestApiId", "Auth", "RequestParameters", "RequestModel"},
		inert:   []string{"Stage"},
	})
	path, okP := prep.str(p, "Path")
	method, okM := prep.str(p, "Method")
	if !okP && !failed(p, "Path") {
		prep.errorf(p, "Path", "Missing required property 'Path'.")
	}
	if !okM && !failed(p, "Method") {
		prep.errorf(p, "Method", "Missing required property 'Method'.")
	}
	if !okP || !okM {
		return
	}
	method = strings.ToLower(method)
	var a *samAPI
	if idN := get(p, "RestApiId"); idN != nil {
		if isErr(idN) {
			return
		}
		sr, ok := l.sym[idN]
		switch {
		case ok && apis[sr.LogicalID] != nil:
			a = apis[sr.LogicalID]
		case !ok && idN.Kind == yaml.ScalarNode && apis[idN.Value] != nil:
			// SAM also takes the API's logical id as a plain string:
			// tests/translator/input/api_request_model.yaml writes
			// RestApiId: HtmlApi, and its output adds GET / to HtmlApi.
			a = apis[idN.Value]
		case ok && l.typeOf(sr.LogicalID) == "AWS::ApiGateway::RestApi":
			prep.warnf(idN, "RestApiId", "SAM adds no route to an AWS::ApiGateway::RestApi; declare %s %s in that API", strings.ToUpper(method), path)
			l.model.Functions[fn.ID].HasAPIGatewayPermission = true
			return
		case ok && l.byID[sr.LogicalID] != nil && !l.byID[sr.LogicalID].Active:
			return // the API's Condition is false
		default:
			prep.errorf(idN, "RestApiId", "RestApiId property of Api event must reference a valid resource in the same template.")
			return
		}
	} else {
		a = apis["ServerlessRestApi"]
	}
	if a == nil {
		return
	}
	if f := l.model.Functions[fn.ID]; f != nil {
		f.HasAPIGatewayPermission = true // SAM writes an AWS::Lambda::Permission per event
	}
	auth := prep.mapping(p, "Auth")
	if !l.checkEventAuth(a, auth, method, path, prep.at("Auth")) || a.doc == nil {
		return
	}
	if !a.managed && !a.merge {
		prep.warnf(get(p, "Path"), "Path", "no route added: SAM adds Api events only to APIs whose definition it generates, or with MergeDefinitions: true; %s %s must be in %s's DefinitionBody", strings.ToUpper(method), path, a.r.ID)
		return
	}
	key := methodKey(method)
	paths := a.paths()
	item := get(paths, path)
	if item == nil {
		item = mapNode(ev.Line, ev.Column)
		pn := get(p, "Path")
		paths.Content = append(paths.Content, str(path, pn.Line, pn.Column), item)
		a.from("paths."+path, fn.ID, prep.at("Path").pfx, true)
	}
	if item.Kind != yaml.MappingNode {
		prep.errorf(get(p, "Path"), "Path", "Value of '%s' path must be a dictionary according to Swagger spec.", path)
		return
	}
	op := get(item, key)
	if op != nil && get(op, "x-amazon-apigateway-integration") != nil && !a.merge {
		prep.errorf(get(p, "Method"), "Method", "API method \"%s\" defined multiple times for path \"%s\".", method, path)
		return
	}
	if op == nil || op.Kind != yaml.MappingNode {
		op = mapNode(ev.Line, ev.Column)
		setField(item, key, op)
	}
	line, col := ev.Line, ev.Column
	uri := sprintf("arn:%s:apigateway:%s:lambda:path/2015-03-31/functions/%s/invocations", l.partition(), l.opts.Region, l.functionARN(fn.ID))
	integ := mapNode(line, col, "type", "aws_proxy", "httpMethod", "POST", "uri", uri)
	methodAuth := auth
	apiAuthIAM := a.defaultAuth == "AWS_IAM"
	authorizer := ""
	if methodAuth != nil {
		authorizer, _ = rep.str(methodAuth, "Authorizer")
	}
	// SwaggerEditor.add_lambda_integration: AWS_IAM methods invoke with the
	// caller's credentials unless InvokeRole says otherwise.
	if authorizer == "AWS_IAM" || apiAuthIAM && methodAuth == nil {
		role := ""
		if methodAuth != nil {
			if v := get(methodAuth, "InvokeRole"); v != nil {
				role = v.Value
				if role == "" {
					role = "NONE"
				}
			}
		}
		if role == "" && a.auth != nil {
			if v := get(a.auth, "InvokeRole"); v != nil {
				role = v.Value
				if role == "" {
					role = "NONE"
				}
			}
		}
		if role == "" || role == "CALLER_CREDENTIALS" {
			role = sprintf("arn:%s:iam::*:user/*", l.partition())
		}
		if role != "NONE" {
			setField(integ, "credentials", str(role, line, col))
		}
	}
	setField(op, "x-amazon-apigateway-integration", integ)
	if get(op, "responses") == nil {
		setField(op, "responses", mapNode(line, col))
	}
	if methodAuth != nil {
		l.addAuthToMethod(a, op, methodAuth, prep.at("Auth"))
		if rp := get(methodAuth, "ResourcePolicy"); rp != nil && !isErr(rp) {
			l.addResourcePolicy(a, rp, path, a.stage, prep.at("Auth.ResourcePolicy"))
		}
	}
	if rps := get(p, "RequestParameters"); rps != nil && !isErr(rps) {
		l.addRequestParameters(op, rps, prep.at("RequestParameters"))
	}
	if rm := get(p, "RequestModel"); rm != nil && !isErr(rm) {
		l.addRequestModel(a, op, rm, method, path, prep.at("RequestModel"))
	}
}

// checkEventAuth applies SAM's checks on an event's Auth (push.py
// add_auth_to_swagger), with its messages.
func (l *loader) checkEventAuth(a *samAPI, auth *yaml.Node, method, path string, rep reporter) bool {
	if auth == nil {
		return true
	}
	errs := len(l.errs)
	rep.check(auth, propSpec{
		handled: []string{"Authorizer", "AuthorizationScopes", "ApiKeyRequired", "ResourcePolicy", "InvokeRole"},
	})
	if authorizer, ok := rep.str(auth, "Authorizer"); ok && authorizer != "AWS_IAM" {
		if authorizer != "NONE" {
			if a.authorizers == nil || len(a.authorizers.Content) == 0 {
				rep.errorf(get(auth, "Authorizer"), "Authorizer", "Unable to set Authorizer [%s] on API method [%s] for path [%s] because the related API does not define any Authorizers.", authorizer, method, path)
			} else if get(a.authorizers, authorizer) == nil {
				rep.errorf(get(auth, "Authorizer"), "Authorizer", "Unable to set Authorizer [%s] on API method [%s] for path [%s] because it wasn't defined in the API's Authorizers.", authorizer, method, path)
			}
		} else if a.defaultAuth == "" {
			rep.errorf(get(auth, "Authorizer"), "Authorizer", "Unable to set Authorizer on API method [%s] for path [%s] because 'NONE' is only a valid value when a DefaultAuthorizer on the API is specified.", method, path)
		}
	}
	if sc := get(auth, "AuthorizationScopes"); sc != nil && sc.Kind != yaml.SequenceNode && !isErr(sc) {
		rep.errorf(sc, "AuthorizationScopes", "must be a list")
	}
	if req, set := rep.boolean(auth, "ApiKeyRequired"); set && !req {
		apiReq := false
		if a.auth != nil {
			apiReq, _ = a.rep.at("Auth").boolean(a.auth, "ApiKeyRequired")
		}
		if !apiReq {
			rep.errorf(get(auth, "ApiKeyRequired"), "ApiKeyRequired", "Unable to set ApiKeyRequired [False] on API method [%s] for path [%s] because the related API does not specify any ApiKeyRequired.", method, path)
		}
	}
	return len(l.errs) == errs
}

// addAuthToMethod is SwaggerEditor.add_auth_to_method.
func (l *loader) addAuthToMethod(a *samAPI, op, auth *yaml.Node, rep reporter) {
	line, col := auth.Line, auth.Column
	if name, ok := rep.str(auth, "Authorizer"); ok {
		scopes := seqNode(line, col)
		if name != "NONE" && a.authorizers != nil {
			if def := get(a.authorizers, name); def != nil {
				if sc := get(def, "AuthorizationScopes"); sc != nil {
					scopes = l.deepCopy(sc)
				}
				if sc := get(auth, "AuthorizationScopes"); sc != nil {
					scopes = l.deepCopy(sc)
				}
			}
		}
		appendSecurity(op, mapNode(line, col, name, scopes))
		if name == "AWS_IAM" {
			l.addIAMSecurityDefinition(a, line, col)
		}
	}
	if req, set := rep.boolean(auth, "ApiKeyRequired"); set {
		if req {
			appendSecurity(op, mapNode(line, col, "api_key", seqNode(line, col)))
			l.addAPIKeySecurityDefinition(a, line, col)
		} else {
			appendSecurity(op, mapNode(line, col, "api_key_false", seqNode(line, col)))
		}
	}
}

func appendSecurity(op, req *yaml.Node) {
	sec := get(op, "security")
	if sec == nil || sec.Kind != yaml.SequenceNode {
		sec = seqNode(req.Line, req.Column)
		setField(op, "security", sec)
	}
	sec.Content = append(sec.Content, req)
}

func (l *loader) securityDefinitions(a *samAPI, line, col int) *yaml.Node {
	parent, key := a.doc, "securityDefinitions"
	if a.openapi3() {
		comp := get(a.doc, "components")
		if comp == nil || comp.Kind != yaml.MappingNode {
			comp = mapNode(line, col)
			setField(a.doc, "components", comp)
		}
		parent, key = comp, "securitySchemes"
	}
	defs := get(parent, key)
	if defs == nil || defs.Kind != yaml.MappingNode {
		defs = mapNode(line, col)
		setField(parent, key, defs)
	}
	return defs
}

func (l *loader) addIAMSecurityDefinition(a *samAPI, line, col int) {
	defs := l.securityDefinitions(a, line, col)
	if get(defs, "AWS_IAM") == nil {
		setField(defs, "AWS_IAM", mapNode(line, col, "x-amazon-apigateway-authtype", "awsSigv4", "type", "apiKey", "name", "Authorization", "in", "header"))
	}
}

func (l *loader) addAPIKeySecurityDefinition(a *samAPI, line, col int) {
	defs := l.securityDefinitions(a, line, col)
	if get(defs, "api_key") == nil {
		setField(defs, "api_key", mapNode(line, col, "type", "apiKey", "name", "x-api-key", "in", "header"))
	}
}

func (l *loader) addRequestParameters(op, rps *yaml.Node, rep reporter) {
	if rps.Kind != yaml.SequenceNode {
		rep.errorf(rps, "", "must be a list")
		return
	}
	params := get(op, "parameters")
	if params == nil {
		params = seqNode(rps.Line, rps.Column)
		setField(op, "parameters", params)
	}
	for i, it := range rps.Content {
		name, required := "", false
		switch it.Kind {
		case yaml.ScalarNode:
			name = it.Value
		case yaml.MappingNode:
			if len(it.Content) == 2 {
				name = it.Content[0].Value
				required, _ = rep.at(name).boolean(it.Content[1], "Required")
			}
		}
		loc, pname, ok := strings.Cut(strings.TrimPrefix(name, "method.request."), ".")
		if !strings.HasPrefix(name, "method.request.") || !ok || (loc != "querystring" && loc != "path" && loc != "header") {
			rep.errorf(it, "["+strconv.Itoa(i)+"]", "Invalid value for 'RequestParameters' property. Keys must be in the format 'method.request.[querystring|path|header].{value}', e.g 'method.request.header.Authorization'.")
			continue
		}
		if loc == "querystring" {
			loc = "query"
		}
		params.Content = append(params.Content, mapNode(it.Line, it.Column, "in", loc, "name", pname, "required", required, "type", "string"))
	}
}

// finishSamAPI runs ApiGenerator._construct_rest_api on the edited
// document and builds the API from it.
func (l *loader) finishSamAPI(a *samAPI) {
	p, rep := a.props, a.rep
	l.addSamModels(a)
	line, col := a.r.Node.Line, a.r.Node.Column
	if c := get(p, "Cors"); c != nil && !isErr(c) {
		if a.doc == nil || !a.userBody && !a.managed {
			rep.errorf(c, "Cors", "Cors works only with inline Swagger specified in 'DefinitionBody' property.")
		} else {
			l.addCors(a, c, rep.at("Cors"))
		}
	}
	if a.auth != nil {
		if a.doc == nil || !a.userBody && !a.managed {
			rep.errorf(a.auth, "Auth", "Auth works only with inline Swagger specified in 'DefinitionBody' property.")
		} else {
			l.addAuth(a, rep.at("Auth"))
		}
	}
	if gr := get(p, "GatewayResponses"); gr != nil && !isErr(gr) {
		if a.doc == nil || !a.userBody && !a.managed {
			rep.errorf(gr, "GatewayResponses", "GatewayResponses works only with inline Swagger specified in 'DefinitionBody' property.")
		} else {
			l.addGatewayResponses(a, gr, rep.at("GatewayResponses"))
		}
	}
	bmt := rep.strList(p, "BinaryMediaTypes", false)
	for i := range bmt {
		bmt[i] = strings.ReplaceAll(bmt[i], "~1", "/")
	}
	if len(bmt) > 0 && a.doc != nil && (a.userBody || a.managed) {
		setField(a.doc, "x-amazon-apigateway-binary-media-types", strSeq(line, col, bmt))
	}
	if len(a.policy) > 0 && a.doc != nil {
		pol := get(a.doc, "x-amazon-apigateway-policy")
		if pol == nil || pol.Kind != yaml.MappingNode {
			pol = mapNode(line, col)
			setField(a.doc, "x-amazon-apigateway-policy", pol)
		}
		setField(pol, "Version", str("2012-10-17", line, col))
		st := get(pol, "Statement")
		switch {
		case st == nil:
			st = seqNode(line, col)
		case st.Kind != yaml.SequenceNode:
			st = seqNode(line, col, st)
		}
		st.Content = append(st.Content, a.policy...)
		setField(pol, "Statement", st)
	}

	vars := rep.strMap(p, "Variables")
	s := newAPIState(l, a.r)
	if a.doc != nil {
		if api := l.buildOpenAPI(a.doc, a.docFile, a.r, a.docPath, a.stage, vars, a.fixDiag); api != nil {
			s.adopt(api)
			if a.managed {
				s.api.Name = l.opts.StackName
			}
		}
	}
	s.api.Pos = l.pos(a.r.Node)
	if a.r.Sam {
		s.api.Pos = apimodel.Pos{File: l.path}
	}
	if name, ok := rep.str(p, "Name"); ok {
		s.api.Name = name
	}
	if src, ok := rep.str(p, "ApiKeySourceType"); ok {
		if src != "HEADER" && src != "AUTHORIZER" {
			rep.errorf(get(p, "ApiKeySourceType"), "ApiKeySourceType", "must be HEADER or AUTHORIZER, not %q", src)
		}
		s.api.APIKeySource = src
	}
	if len(bmt) > 0 {
		s.api.BinaryMediaTypes = bmt
	}
	st := s.stage(a.stage, l.pos(get(p, "StageName")))
	for k, v := range vars {
		st.Variables[k] = v
	}
	if ms := get(p, "MethodSettings"); ms != nil && !isErr(ms) {
		st.MethodSettings = l.methodSettings(ms, rep.at("MethodSettings"))
	}
	// SAM's deployment also carries StageName "Stage" unless OpenApiVersion
	// is set, which creates a second stage named Stage.
	if get(p, "OpenApiVersion") == nil && a.stage != "Stage" {
		s.stage("Stage", st.Pos)
	}
	if a.auth != nil {
		l.samUsagePlan(a, s, rep.at("Auth"))
	}
	l.apis[a.r.ID] = s
	if a.r.Sam {
		// The implicit API is not in l.resources; finish walks that list.
		l.resources = append(l.resources, a.r)
	}
}

// addCors is ApiGenerator._add_cors with SwaggerEditor.add_cors.
func (l *loader) addCors(a *samAPI, c *yaml.Node, rep reporter) {
	var origin, headers, methods, maxAge *yaml.Node
	credentials := false
	switch c.Kind {
	case yaml.ScalarNode:
		origin = c
	case yaml.MappingNode:
		for _, kv := range pairs(c) {
			switch kv[0].Value {
			case "AllowOrigin":
				origin = kv[1]
			case "AllowHeaders":
				headers = kv[1]
			case "AllowMethods":
				methods = kv[1]
			case "MaxAge":
				maxAge = kv[1]
			case "AllowCredentials":
				credentials, _ = rep.boolean(c, "AllowCredentials")
			default:
				rep.errorf(kv[0], kv[0].Value, "Invalid value for 'Cors' property")
				return
			}
		}
		if origin == nil {
			origin = str("'*'", c.Line, c.Column)
		}
	default:
		rep.errorf(c, "", "Invalid value for 'Cors' property")
		return
	}
	if credentials && origin.Value == "'*'" {
		rep.errorf(c, "", "Unable to add Cors configuration because 'AllowCredentials' can not be true when 'AllowOrigin' is \"'*'\" or not set")
		return
	}
	if origin.Value == "" && !isErr(origin) {
		rep.errorf(origin, "AllowOrigin", "Invalid input. Value for AllowedOrigins is required")
		return
	}
	valid := !failed(c, "AllowCredentials")
	for _, v := range []struct {
		n    *yaml.Node
		name string
	}{{origin, "AllowOrigin"}, {headers, "AllowHeaders"}, {methods, "AllowMethods"}} {
		if isErr(v.n) {
			valid = false
		} else if v.n != nil && v.n.Kind == yaml.ScalarNode {
			vrep := rep.at(v.name)
			if c.Kind == yaml.ScalarNode {
				vrep = rep // Cors: "'*'" is AllowOrigin written alone
			}
			valid = l.checkMappingValue(v.n.Value, v.n, vrep, true) && valid
		}
	}
	if !valid || isErr(maxAge) {
		return // reported; OPTIONS methods built from it would only repeat it
	}
	// What package openapi finds wrong in a generated OPTIONS method's
	// headers is about the Cors property that set them.
	corsHeaders := map[string]string{"Access-Control-Allow-Origin": "AllowOrigin", "Access-Control-Allow-Headers": "AllowHeaders",
		"Access-Control-Allow-Methods": "AllowMethods", "Access-Control-Max-Age": "MaxAge", "Access-Control-Allow-Credentials": "AllowCredentials"}
	oa3 := a.openapi3()
	for _, kv := range pairs(a.paths()) {
		item := kv[1]
		if item.Kind != yaml.MappingNode || get(item, "options") != nil {
			continue
		}
		line, col := c.Line, c.Column
		allow := ""
		if methods != nil {
			allow = methods.Value
		} else {
			allow = "'" + corsMethods(item) + "'"
		}
		params := mapNode(line, col, "method.response.header.Access-Control-Allow-Origin", origin.Value)
		hdrs := []string{"Access-Control-Allow-Origin"}
		types := []string{"string"}
		if headers != nil && headers.Value != "" {
			setField(params, "method.response.header.Access-Control-Allow-Headers", str(headers.Value, line, col))
			hdrs, types = append(hdrs, "Access-Control-Allow-Headers"), append(types, "string")
		}
		if allow != "" {
			setField(params, "method.response.header.Access-Control-Allow-Methods", str(allow, line, col))
			hdrs, types = append(hdrs, "Access-Control-Allow-Methods"), append(types, "string")
		}
		if maxAge != nil {
			v := maxAge.Value
			if _, err := strconv.Atoi(v); err == nil {
				v = "'" + v + "'"
			}
			setField(params, "method.response.header.Access-Control-Max-Age", str(v, line, col))
			hdrs, types = append(hdrs, "Access-Control-Max-Age"), append(types, "integer")
		}
		if credentials {
			setField(params, "method.response.header.Access-Control-Allow-Credentials", str("'true'", line, col))
			hdrs, types = append(hdrs, "Access-Control-Allow-Credentials"), append(types, "string")
		}
		headerDecl := mapNode(line, col)
		for i, h := range hdrs {
			t := mapNode(line, col, "type", types[i])
			if oa3 {
				t = mapNode(line, col, "schema", t)
			}
			setField(headerDecl, h, t)
		}
		op := mapNode(line, col, "summary", "CORS support")
		if !oa3 {
			setField(op, "consumes", strSeq(line, col, []string{"application/json"}))
			setField(op, "produces", strSeq(line, col, []string{"application/json"}))
		}
		setField(op, "x-amazon-apigateway-integration", mapNode(line, col,
			"type", "mock",
			"requestTemplates", mapNode(line, col, "application/json", "{\n  \"statusCode\" : 200\n}\n"),
			"responses", mapNode(line, col, "default", mapNode(line, col,
				"statusCode", "200",
				"responseParameters", params,
				"responseTemplates", mapNode(line, col, "application/json", "{}\n")))))
		setField(op, "responses", mapNode(line, col, "200", mapNode(line, col,
			"description", "Default response for CORS method", "headers", headerDecl)))
		setField(item, "options", op)
		for h, prop := range corsHeaders {
			user := rep.at(prop).pfx
			if c.Kind == yaml.ScalarNode {
				user = rep.pfx
			}
			a.from("paths."+kv[0].Value+".options.x-amazon-apigateway-integration.responses.default.responseParameters.method.response.header."+h, a.r.ID, user, true)
		}
	}
}

// corsMethods is SwaggerEditor._make_cors_allowed_methods_for_path_item.
func corsMethods(item *yaml.Node) string {
	var ms []string
	for _, kv := range pairs(item) {
		if kv[0].Value == anyMethodKey {
			return "DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT"
		}
		ms = append(ms, strings.ToUpper(kv[0].Value))
	}
	ms = append(ms, "OPTIONS")
	sort.Strings(ms)
	return strings.Join(slices.Compact(ms), ",")
}

// addAuth is ApiGenerator._add_auth.
func (l *loader) addAuth(a *samAPI, rep reporter) {
	auth := a.auth
	line, col := auth.Line, auth.Column
	names := []string{}
	if a.defaultAuth == "AWS_IAM" {
		names = append(names, "AWS_IAM")
	}
	defs := map[string]*yaml.Node{}
	schemes := "securityDefinitions."
	if a.openapi3() {
		schemes = "components.securitySchemes."
	}
	for _, kv := range pairs(a.authorizers) {
		name := kv[0].Value
		arep := rep.at("Authorizers." + name)
		def := l.samAuthorizer(a, name, kv[1], arep)
		if def == nil {
			a.failedAuth[name] = true
			continue
		}
		defs[name] = def
		names = append(names, name)
		gen := schemes + name
		a.from(gen, a.r.ID, arep.pfx, false)
		for _, f := range []struct{ gen, user string }{
			{"name", "Identity.Header"},
			{"x-amazon-apigateway-authorizer.authorizerUri", "FunctionArn"},
			{"x-amazon-apigateway-authorizer.authorizerCredentials", "FunctionInvokeRole"},
			{"x-amazon-apigateway-authorizer.authorizerResultTtlInSeconds", "Identity.ReauthorizeEvery"},
			{"x-amazon-apigateway-authorizer.identitySource", "Identity"},
			{"x-amazon-apigateway-authorizer.identityValidationExpression", "Identity.ValidationExpression"},
			{"x-amazon-apigateway-authorizer.providerARNs", "UserPoolArn"},
		} {
			a.from(gen+"."+f.gen, a.r.ID, arep.at(f.user).pfx, false)
		}
	}
	if a.defaultAuth == "AWS_IAM" {
		defs["AWS_IAM"] = mapNode(line, col, "type", "apiKey", "name", "Authorization", "in", "header", "x-amazon-apigateway-authtype", "awsSigv4")
	}
	if len(defs) > 0 {
		sd := l.securityDefinitions(a, line, col)
		for _, n := range names {
			if defs[n] != nil {
				setField(sd, n, defs[n])
			}
		}
	}
	preflight := true
	if v, set := rep.boolean(auth, "AddDefaultAuthorizerToCorsPreflight"); set {
		preflight = v
	}
	if a.defaultAuth != "" {
		switch {
		case a.authorizers == nil && a.defaultAuth != "AWS_IAM":
			rep.warnf(get(auth, "DefaultAuthorizer"), "DefaultAuthorizer", "has no effect: the API defines no Authorizers, so SAM deploys its methods without authorization")
		case a.defaultAuth != "AWS_IAM" && get(a.authorizers, a.defaultAuth) == nil:
			rep.errorf(get(auth, "DefaultAuthorizer"), "DefaultAuthorizer", "Unable to set DefaultAuthorizer because '%s' was not defined in 'Authorizers'.", a.defaultAuth)
		default:
			authNames := map[string]bool{"AWS_IAM": true}
			for _, kv := range pairs(a.authorizers) {
				authNames[kv[0].Value] = true
			}
			scopes := seqNode(line, col)
			if def := get(a.authorizers, a.defaultAuth); def != nil {
				if sc := get(def, "AuthorizationScopes"); sc != nil && sc.Kind == yaml.SequenceNode {
					scopes = l.deepCopy(sc)
				}
			}
			l.eachMethod(a, func(verb string, op *yaml.Node) {
				if verb == "options" && !preflight {
					return
				}
				l.setDefaultAuthorizer(a, op, authNames, scopes, line, col)
			})
		}
	}
	if req, _ := rep.boolean(auth, "ApiKeyRequired"); req {
		l.addAPIKeySecurityDefinition(a, line, col)
		preflightKey := true
		if v, set := rep.boolean(auth, "AddApiKeyRequiredToCorsPreflight"); set {
			preflightKey = v
		}
		l.eachMethod(a, func(verb string, op *yaml.Node) {
			l.setDefaultAPIKey(op, verb == "options" && !preflightKey, line, col)
		})
	}
	if rp := get(auth, "ResourcePolicy"); rp != nil && !isErr(rp) {
		if rp.Kind != yaml.MappingNode {
			rep.errorf(rp, "ResourcePolicy", "ResourcePolicy must be a map (ResourcePolicyStatement).")
		} else {
			for _, kv := range pairs(a.paths()) {
				l.addResourcePolicy(a, rp, kv[0].Value, a.stage, rep.at("ResourcePolicy"))
			}
			if cs := get(rp, "CustomStatements"); cs != nil {
				l.addCustomStatements(a, cs)
			}
		}
	}
}

// eachMethod visits the methods of every path that have an API Gateway
// integration (SwaggerEditor.iter_on_all_methods_for_path).
func (l *loader) eachMethod(a *samAPI, f func(verb string, op *yaml.Node)) {
	for _, kv := range pairs(a.paths()) {
		for _, m := range pairs(kv[1]) {
			if m[1].Kind != yaml.MappingNode || get(m[1], "x-amazon-apigateway-integration") == nil {
				continue
			}
			f(m[0].Value, m[1])
		}
	}
}

// setDefaultAuthorizer is SwaggerEditor.set_path_default_authorizer for one
// method: an authorizer the method already names wins, a NONE marker means
// no authorizer, otherwise the default applies.
func (l *loader) setDefaultAuthorizer(a *samAPI, op *yaml.Node, authNames map[string]bool, scopes *yaml.Node, line, col int) {
	var nonAuth, authSec []*yaml.Node
	if sec := get(op, "security"); sec != nil && sec.Kind == yaml.SequenceNode {
		for _, s := range sec.Content {
			isAuth := false
			for _, kv := range pairs(s) {
				if authNames[kv[0].Value] {
					isAuth = true
				}
			}
			if isAuth {
				authSec = append(authSec, s)
			} else {
				nonAuth = append(nonAuth, s)
			}
		}
	}
	none := -1
	for i, s := range nonAuth {
		if get(s, "NONE") != nil {
			none = i
			break
		}
	}
	var chosen []*yaml.Node
	switch {
	case none >= 0:
		nonAuth = slices.Delete(nonAuth, none, none+1)
	case len(authSec) > 0:
		chosen = authSec
	default:
		chosen = []*yaml.Node{mapNode(line, col, a.defaultAuth, l.deepCopy(scopes))}
	}
	all := append(nonAuth, chosen...)
	if len(all) > 0 {
		setField(op, "security", seqNode(line, col, all...))
		if get(all[0], "AWS_IAM") != nil {
			l.addIAMSecurityDefinition(a, line, col)
		}
	} else if get(op, "security") != nil {
		// Only the NONE marker was there.
		delField(op, "security")
	}
}

// setDefaultAPIKey is SwaggerEditor.set_path_default_apikey_required for one
// method.
func (l *loader) setDefaultAPIKey(op *yaml.Node, skip bool, line, col int) {
	var nonKey, keySec []*yaml.Node
	sec := get(op, "security")
	if sec != nil && sec.Kind == yaml.SequenceNode {
		for _, s := range sec.Content {
			if get(s, "api_key") != nil || get(s, "api_key_false") != nil {
				keySec = append(keySec, s)
			} else {
				nonKey = append(nonKey, s)
			}
		}
	}
	explicitFalse := slices.ContainsFunc(keySec, func(s *yaml.Node) bool { return get(s, "api_key_false") != nil })
	out := nonKey
	if !explicitFalse && !skip {
		out = append(slices.Clone(nonKey), mapNode(line, col, "api_key", seqNode(line, col)))
	}
	if len(out) == 0 {
		delField(op, "security")
		return
	}
	setField(op, "security", seqNode(line, col, out...))
}

// samAuthorizer validates an Auth.Authorizers entry (ApiGatewayAuthorizer)
// and returns its security scheme (generate_swagger), or nil when the entry
// has an error. Every check runs even after one has failed, so that each
// independent mistake of the entry is reported in the same pass; a property
// whose intrinsic failed is not checked further (its error is reported).
func (l *loader) samAuthorizer(a *samAPI, name string, n *yaml.Node, rep reporter) *yaml.Node {
	if isErr(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		rep.errorf(n, "", "must be a map")
		return nil
	}
	rep.check(n, propSpec{handled: []string{"FunctionArn", "FunctionPayloadType", "FunctionInvokeRole", "Identity",
		"UserPoolArn", "AuthorizationScopes", "DisableFunctionDefaultPermissions"}})
	line, col := n.Line, n.Column
	bad := false
	// identityKnown is false when Identity could not be read: checks of
	// what it lacks would only repeat that.
	identity, identityKnown := get(n, "Identity"), true
	switch {
	case isErr(identity):
		identity, identityKnown, bad = nil, false, true
	case identity != nil && identity.Kind != yaml.MappingNode:
		rep.errorf(identity, "Identity", "Auth.Authorizers.<Authorizer>.Identity must be a dict (LambdaTokenAuthorizationIdentity, LambdaRequestAuthorizationIdentity or CognitoAuthorizationIdentity).")
		identity, identityKnown, bad = nil, false, true
	}
	irep := rep.at("Identity")
	payload, hasPayload := rep.str(n, "FunctionPayloadType")
	switch {
	case failed(n, "FunctionPayloadType"):
		payload, bad = "", true
	case hasPayload && payload != "TOKEN" && payload != "REQUEST":
		rep.errorf(get(n, "FunctionPayloadType"), "FunctionPayloadType", "%s Authorizer has invalid 'FunctionPayloadType': %s.", name, payload)
		payload, bad = "", true
	case !hasPayload:
		payload = "TOKEN"
	}
	if sc := get(n, "AuthorizationScopes"); sc != nil && !isErr(sc) && sc.Kind != yaml.SequenceNode {
		rep.errorf(sc, "AuthorizationScopes", "AuthorizationScopes must be a list.")
	}
	header, headerNode := "Authorization", get(identity, "Header")
	if h, ok := irep.str(identity, "Header"); ok && h != "" {
		header = h
	}
	ttlNode := get(identity, "ReauthorizeEvery")
	ttl, hasTTL := irep.integer(identity, "ReauthorizeEvery")
	if isErr(ttlNode) || hasTTL && (ttl < 0 || ttl > apimodel.MaxResultTTL) {
		if !isErr(ttlNode) {
			irep.errorf(ttlNode, "ReauthorizeEvery", "must be between 0 and %d seconds, not %d", apimodel.MaxResultTTL, ttl)
		}
		bad = true
	}
	validation, hasValidation := irep.str(identity, "ValidationExpression")
	validationNode := get(identity, "ValidationExpression")
	for _, k := range []string{"Header", "Headers", "QueryStrings", "StageVariables", "Context", "ValidationExpression"} {
		if failed(identity, k) {
			bad = true // reported where it failed; the scheme would lack it
		}
	}
	if failed(n, "FunctionInvokeRole") {
		bad = true
	}
	pool := get(n, "UserPoolArn")
	fnArn := get(n, "FunctionArn")
	def := mapNode(line, col, "type", "apiKey")
	switch {
	case pool != nil && !isNull(pool):
		// COGNITO_USER_POOLS.
		if isErr(pool) {
			return nil
		}
		arns := rep.strListNode(pool, "UserPoolArn", true)
		for _, k := range []string{"Headers", "QueryStrings", "StageVariables", "Context"} {
			if v := get(identity, k); v != nil {
				irep.warnf(v, k, "ignored: a Cognito authorizer reads one header (Identity.Header)")
			}
		}
		if ttlNode != nil {
			irep.warnf(ttlNode, "ReauthorizeEvery", "ignored: SAM does not write a result TTL for Cognito authorizers")
		}
		if bad {
			return nil
		}
		setField(def, "name", placed(str(header, line, col), headerNode))
		setField(def, "in", str("header", line, col))
		setField(def, "x-amazon-apigateway-authtype", str("cognito_user_pools", line, col))
		az := mapNode(line, col, "type", "cognito_user_pools", "providerARNs", strSeq(pool.Line, pool.Column, arns))
		if hasValidation && validation != "" {
			setField(az, "identityValidationExpression", placed(str(validation, line, col), validationNode))
		}
		setField(def, "x-amazon-apigateway-authorizer", az)
	case fnArn != nil && !isNull(fnArn):
		key, arn, ok := l.funcOf(fnArn, rep, "FunctionArn") // reports nothing for a failed intrinsic
		switch {
		case !ok:
			bad = true
		case arn == "":
			arn = l.functionARN(key)
			if disable, _ := rep.boolean(n, "DisableFunctionDefaultPermissions"); !disable {
				l.model.Functions[key].HasAPIGatewayPermission = true
			}
		}
		if payload == "REQUEST" && identityKnown {
			missing := true
			for _, k := range []string{"Headers", "QueryStrings", "StageVariables", "Context"} {
				if v := get(identity, k); v != nil && (isErr(v) || v.Kind == yaml.SequenceNode && len(v.Content) > 0) {
					missing = false
				}
			}
			if missing && !isErr(ttlNode) && (!hasTTL || ttl > 0) {
				rep.errorf(or(identity, n), "Identity", "%s Authorizer must specify Identity with at least one of Headers, QueryStrings, StageVariables, or Context.", name)
				bad = true
			}
			if v := get(identity, "Header"); v != nil {
				irep.warnf(v, "Header", "ignored: a REQUEST authorizer reads Headers, QueryStrings, StageVariables and Context")
			}
			if hasValidation {
				irep.warnf(validationNode, "ValidationExpression", "ignored: SAM writes it for TOKEN and Cognito authorizers only")
			}
		} else if payload == "TOKEN" {
			for _, k := range []string{"Headers", "QueryStrings", "StageVariables", "Context"} {
				if v := get(identity, k); v != nil {
					irep.warnf(v, k, "ignored: a TOKEN authorizer reads one header (Identity.Header)")
				}
			}
		}
		if bad {
			return nil
		}
		if payload == "REQUEST" {
			setField(def, "name", str("Unused", line, col))
		} else {
			setField(def, "name", placed(str(header, line, col), headerNode))
		}
		setField(def, "in", str("header", line, col))
		setField(def, "x-amazon-apigateway-authtype", str("custom", line, col))
		az := mapNode(line, col, "type", strings.ToLower(payload),
			"authorizerUri", placed(str(sprintf("arn:%s:apigateway:%s:lambda:path/2015-03-31/functions/%s/invocations", l.partition(), l.opts.Region, arn), line, col), fnArn))
		// SAM writes authorizerResultTtlInSeconds only when ReauthorizeEvery
		// is set, so API Gateway's default of 300 applies otherwise (docs/behaviour.md#CACHE-1).
		if hasTTL {
			setField(az, "authorizerResultTtlInSeconds", intNode(ttl, ttlNode.Line, ttlNode.Column))
		}
		if role, ok := rep.str(n, "FunctionInvokeRole"); ok && role != "NONE" {
			setField(az, "authorizerCredentials", placed(str(role, line, col), get(n, "FunctionInvokeRole")))
		}
		if payload == "REQUEST" {
			if src := requestIdentitySource(identity, irep); src != "" {
				setField(az, "identitySource", placed(str(src, line, col), identity))
			}
		} else if hasValidation && validation != "" {
			setField(az, "identityValidationExpression", placed(str(validation, line, col), validationNode))
		}
		setField(def, "x-amazon-apigateway-authorizer", az)
	default:
		rep.errorf(n, "", "%s Authorizer needs FunctionArn (a Lambda authorizer) or UserPoolArn (a Cognito authorizer)", name)
		return nil
	}
	return def
}

// placed gives a generated node the position of the user's node it was
// made from, so that what package openapi says about it points there.
func placed(gen, from *yaml.Node) *yaml.Node {
	if from != nil && from.Line > 0 {
		gen.Line, gen.Column = from.Line, from.Column
	}
	return gen
}

// requestIdentitySource is ApiGatewayAuthorizer._get_identity_source.
func requestIdentitySource(identity *yaml.Node, rep reporter) string {
	var parts []string
	for _, kp := range []struct{ key, prefix string }{
		{"Headers", "method.request.header."},
		{"QueryStrings", "method.request.querystring."},
		{"StageVariables", "stageVariables."},
		{"Context", "context."},
	} {
		for _, v := range rep.strList(identity, kp.key, false) {
			parts = append(parts, kp.prefix+v)
		}
	}
	return strings.Join(parts, ", ")
}

// addResourcePolicy is SwaggerEditor.add_resource_policy for one path.
func (l *loader) addResourcePolicy(a *samAPI, rp *yaml.Node, path, stage string, rep reporter) {
	if rp.Kind != yaml.MappingNode {
		rep.errorf(rp, "", "ResourcePolicy must be a map (ResourcePolicyStatement).")
		return
	}
	rep.check(rp, propSpec{handled: []string{"AwsAccountWhitelist", "AwsAccountBlacklist", "IpRangeWhitelist", "IpRangeBlacklist",
		"SourceVpcWhitelist", "SourceVpcBlacklist", "IntrinsicVpcWhitelist", "IntrinsicVpceWhitelist", "IntrinsicVpcBlacklist",
		"IntrinsicVpceBlacklist", "CustomStatements"}})
	line, col := rp.Line, rp.Column
	resources := l.methodURIs(a, path, stage, line, col)
	list := func(key string) *yaml.Node {
		v := get(rp, key)
		if v == nil || isErr(v) || isNull(v) {
			return nil
		}
		if v.Kind == yaml.ScalarNode {
			return seqNode(v.Line, v.Column, v)
		}
		return v
	}
	stmt := func(effect string, principal *yaml.Node) *yaml.Node {
		return mapNode(line, col, "Effect", effect, "Action", "execute-api:Invoke", "Resource", l.deepCopy(resources), "Principal", principal)
	}
	if v := list("AwsAccountWhitelist"); v != nil && len(v.Content) > 0 {
		a.policy = append(a.policy, stmt("Allow", mapNode(line, col, "AWS", l.deepCopy(v))))
	}
	if v := list("AwsAccountBlacklist"); v != nil && len(v.Content) > 0 {
		a.policy = append(a.policy, stmt("Deny", mapNode(line, col, "AWS", l.deepCopy(v))))
	}
	ipPair := func(v *yaml.Node, cond string) {
		if v == nil || len(v.Content) == 0 {
			return
		}
		deny := stmt("Deny", str("*", line, col))
		setField(deny, "Condition", mapNode(line, col, cond, mapNode(line, col, "aws:SourceIp", l.deepCopy(v))))
		a.addStatement(stmt("Allow", str("*", line, col)))
		a.addStatement(deny)
	}
	ipPair(list("IpRangeWhitelist"), "NotIpAddress")
	ipPair(list("IpRangeBlacklist"), "IpAddress")
	vpc := func(endpoints, vpcs, vpces *yaml.Node, cond string) {
		var vpcList, vpceList []*yaml.Node
		if endpoints != nil {
			for _, e := range endpoints.Content {
				switch {
				case strings.HasPrefix(e.Value, "vpce-"):
					vpceList = append(vpceList, e)
				case strings.HasPrefix(e.Value, "vpc-"):
					vpcList = append(vpcList, e)
				}
			}
		}
		if vpcs != nil {
			vpcList = append(vpcList, vpcs.Content...)
		}
		if vpces != nil {
			vpceList = append(vpceList, vpces.Content...)
		}
		if len(vpcList) == 0 && len(vpceList) == 0 {
			return
		}
		c := mapNode(line, col)
		if len(vpcList) > 0 {
			setField(c, "aws:SourceVpc", seqNode(line, col, vpcList...))
		}
		if len(vpceList) > 0 {
			setField(c, "aws:SourceVpce", seqNode(line, col, vpceList...))
		}
		deny := stmt("Deny", str("*", line, col))
		setField(deny, "Condition", mapNode(line, col, cond, c))
		a.addStatement(stmt("Allow", str("*", line, col)))
		a.addStatement(deny)
	}
	vpc(list("SourceVpcBlacklist"), list("IntrinsicVpcBlacklist"), list("IntrinsicVpceBlacklist"), "StringEquals")
	vpc(list("SourceVpcWhitelist"), list("IntrinsicVpcWhitelist"), list("IntrinsicVpceWhitelist"), "StringNotEquals")
}

func (a *samAPI) addStatement(s *yaml.Node) {
	for _, x := range a.policy {
		if equalNodes(x, s) {
			return
		}
	}
	a.policy = append(a.policy, s)
}

func (l *loader) addCustomStatements(a *samAPI, cs *yaml.Node) {
	items := []*yaml.Node{cs}
	if cs.Kind == yaml.SequenceNode {
		items = cs.Content
	}
	for _, s := range items {
		a.addStatement(l.deepCopy(s))
	}
}

// methodURIs is SwaggerEditor._get_method_path_uri_list: one abbreviated
// execute-api resource per method of the path, path variables as *.
func (l *loader) methodURIs(a *samAPI, path, stage string, line, col int) *yaml.Node {
	out := seqNode(line, col)
	item := get(a.paths(), path)
	p := pathVarRE.ReplaceAllString(path, "*")
	if len(p) > 1 {
		p = strings.TrimSuffix(p, "/")
	}
	for _, kv := range pairs(item) {
		m := strings.ToUpper(kv[0].Value)
		if kv[0].Value == anyMethodKey || strings.EqualFold(kv[0].Value, "any") {
			m = "*"
		}
		out.Content = append(out.Content, str("execute-api:/"+stage+"/"+m+p, line, col))
	}
	return out
}

// addGatewayResponses is ApiGenerator._add_gateway_responses. A header
// value the checks here reject is left out of the document, and what package
// openapi says about the rest is reported at the user's GatewayResponses
// property (see origin), so that each problem is reported once, where the
// user wrote it.
func (l *loader) addGatewayResponses(a *samAPI, gr *yaml.Node, rep reporter) {
	if gr.Kind != yaml.MappingNode {
		rep.errorf(gr, "", "must be a map")
		return
	}
	const ext = "x-amazon-apigateway-gateway-responses"
	out := get(a.doc, ext)
	if out == nil || out.Kind != yaml.MappingNode {
		out = mapNode(gr.Line, gr.Column)
		setField(a.doc, ext, out)
	}
	for _, kv := range pairs(gr) {
		typ, resp := kv[0].Value, kv[1]
		trep := rep.at(typ)
		if isErr(resp) {
			continue
		}
		if resp.Kind != yaml.MappingNode {
			trep.errorf(resp, "", "Invalid property type '%s' for GatewayResponses. Expected an object of type 'GatewayResponse'.", kindName(resp))
			continue
		}
		if !apimodel.IsGatewayResponseType(typ) {
			trep.errorf(kv[0], "", "unknown gateway response type %q", typ)
			continue
		}
		ok := true
		for _, p := range pairs(resp) {
			if !contains([]string{"ResponseParameters", "ResponseTemplates", "StatusCode"}, p[0].Value) {
				trep.errorf(p[0], p[0].Value, "Invalid property '%s' in 'GatewayResponses' property '%s'.", p[0].Value, typ)
				ok = false
			}
		}
		gen := ext + "." + typ
		line, col := resp.Line, resp.Column
		params := mapNode(line, col)
		if rp := trep.mapping(resp, "ResponseParameters"); rp != nil {
			for _, p := range pairs(rp) {
				loc := map[string]string{"Headers": "header", "Paths": "path", "QueryStrings": "querystring"}[p[0].Value]
				if loc == "" {
					trep.errorf(p[0], "ResponseParameters."+p[0].Value, "Invalid gateway response parameter '%s'", p[0].Value)
					ok = false
					continue
				}
				prep := trep.at("ResponseParameters." + p[0].Value)
				for _, h := range pairs(p[1]) {
					if isErr(h[1]) {
						continue
					}
					if h[1].Kind != yaml.ScalarNode {
						prep.errorf(h[1], h[0].Value, "must be a string, not %s", kindName(h[1]))
						ok = false
						continue
					}
					if !l.checkMappingValue(h[1].Value, h[1], prep.at(h[0].Value), false) {
						continue
					}
					key := "gatewayresponse." + loc + "." + h[0].Value
					params.Content = append(params.Content, str(key, h[0].Line, h[0].Column), str(h[1].Value, h[1].Line, h[1].Column))
					a.from(gen+".responseParameters."+key, a.r.ID, prep.at(h[0].Value).pfx, false)
				}
			}
		}
		templates := mapNode(line, col)
		if rt := trep.mapping(resp, "ResponseTemplates"); rt != nil {
			templates = rt
		}
		g := mapNode(line, col, "responseParameters", params, "responseTemplates", templates)
		if sc := get(resp, "StatusCode"); sc != nil && !isErr(sc) {
			if !statusCodeRE.MatchString(sc.Value) {
				trep.errorf(sc, "StatusCode", "Property 'StatusCode' must be numeric")
				ok = false
			} else {
				setField(g, "statusCode", str(sc.Value, sc.Line, sc.Column))
			}
		}
		if ok {
			setField(out, typ, g)
			a.from(gen, a.r.ID, trep.pfx, false)
			a.from(gen+".statusCode", a.r.ID, trep.at("StatusCode").pfx, false)
			a.from(gen+".responseParameters", a.r.ID, trep.at("ResponseParameters").pfx, true)
			a.from(gen+".responseTemplates", a.r.ID, trep.at("ResponseTemplates").pfx, false)
		}
	}
}

// samUsagePlan is ApiGenerator._construct_usage_plan.
func (l *loader) samUsagePlan(a *samAPI, s *apiState, rep reporter) {
	up := get(a.auth, "UsagePlan")
	if up == nil || isErr(up) {
		return
	}
	if up.Kind != yaml.MappingNode {
		rep.errorf(up, "UsagePlan", "'UsagePlan' must be a dictionary")
		return
	}
	urep := rep.at("UsagePlan")
	for _, kv := range pairs(up) {
		if !contains([]string{"CreateUsagePlan", "Description", "Quota", "Tags", "Throttle", "UsagePlanName"}, kv[0].Value) {
			urep.errorf(kv[0], kv[0].Value, "Invalid property for 'UsagePlan'")
			return
		}
	}
	create, ok := urep.str(up, "CreateUsagePlan")
	if !ok {
		if failed(up, "CreateUsagePlan") {
			return
		}
		urep.errorf(up, "CreateUsagePlan", "'CreateUsagePlan' is a required field for UsagePlan.")
		return
	}
	var planID, keyID string
	switch create {
	case "NONE":
		return
	case "PER_API":
		planID, keyID = a.r.ID+"UsagePlan", a.r.ID+"ApiKey"
	case "SHARED":
		planID, keyID = "ServerlessUsagePlan", "ServerlessApiKey"
	default:
		urep.errorf(get(up, "CreateUsagePlan"), "CreateUsagePlan", "'CreateUsagePlan' accepts one of ['SHARED', 'PER_API', 'NONE'].")
		return
	}
	k := l.keys[keyID]
	if k == nil {
		k = &apimodel.APIKey{ID: keyID, Name: keyID, Value: generatedKey(keyID), Enabled: true}
		l.keys[keyID] = k
	}
	plan := &apimodel.UsagePlan{ID: planID, Name: planID, Stages: []string{a.stage}, KeyIDs: []string{keyID}}
	if n, ok := urep.str(up, "UsagePlanName"); ok {
		plan.Name = n
	}
	readLimits(plan, up, urep)
	s.api.UsagePlans = append(s.api.UsagePlans, plan)
	addKey(s.api, k)
}
