package template

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/openapi"
)

// apiState is an API under construction.
type apiState struct {
	api    *apimodel.API
	res    *resource
	byPath map[string]*apimodel.Resource
	// cfnPaths maps AWS::ApiGateway::Resource logical ids to their paths.
	cfnPaths map[string]string
	// stageFailed is true when a stage's name could not be evaluated; that
	// error says why the API may lack a stage.
	stageFailed bool
	// validators are the API's AWS::ApiGateway::RequestValidator resources
	// by logical id; modelNames its AWS::ApiGateway::Model names by
	// logical id (what !Ref of a model returns).
	validators map[string]*apimodel.RequestValidator
	modelNames map[string]string
}

func (s *apiState) resource(path string, pos apimodel.Pos) *apimodel.Resource {
	if r := s.byPath[path]; r != nil {
		return r
	}
	if path != "/" {
		parent := path[:strings.LastIndexByte(path, '/')]
		if parent == "" {
			parent = "/"
		}
		s.resource(parent, pos)
	}
	r := &apimodel.Resource{ID: apimodel.DeriveID(s.api.ID+path, 6), Path: path, Methods: map[string]*apimodel.Method{}, Pos: pos}
	s.byPath[path] = r
	s.api.Resources = append(s.api.Resources, r)
	return r
}

func (s *apiState) stage(name string, pos apimodel.Pos) *apimodel.Stage {
	for _, st := range s.api.Stages {
		if st.Name == name {
			return st
		}
	}
	st := &apimodel.Stage{Name: name, Variables: map[string]string{}, Pos: pos}
	s.api.Stages = append(s.api.Stages, st)
	return st
}

func newAPIState(l *loader, r *resource) *apiState {
	s := &apiState{
		res:      r,
		byPath:   map[string]*apimodel.Resource{},
		cfnPaths: map[string]string{},
		api: &apimodel.API{
			ID:               l.apiID(r.ID),
			LogicalID:        r.ID,
			Name:             r.ID,
			Region:           l.opts.Region,
			AccountID:        l.opts.AccountID,
			Authorizers:      map[string]*apimodel.Authorizer{},
			GatewayResponses: map[string]*apimodel.GatewayResponse{},
			APIKeySource:     "HEADER",
			Pos:              l.pos(r.Node),
		},
	}
	return s
}

// adopt takes an API built from an OpenAPI document.
func (s *apiState) adopt(api *apimodel.API) {
	api.Stages = nil // stages come from the template
	s.api = api
	for _, r := range api.Resources {
		s.byPath[r.Path] = r
	}
}

// build turns the evaluated resources into the model.
func (l *loader) build() {
	// Functions first: every URI and FunctionArn resolves against them.
	for _, r := range l.active() {
		switch r.Type {
		case "AWS::Serverless::Function", "AWS::Lambda::Function":
			l.funcByName[l.functionName(r.ID)] = r.ID
		}
	}
	for _, r := range l.active() {
		switch r.Type {
		case "AWS::Serverless::Function":
			l.samFunction(r)
		case "AWS::Lambda::Function":
			l.lambdaFunction(r)
		}
	}
	for _, r := range l.active() {
		if r.Type == "AWS::IAM::Role" {
			l.role(r)
		}
	}
	for _, r := range l.active() {
		switch r.Type {
		case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy":
			l.iamPolicy(r)
		}
	}
	if l.sam {
		l.samAPIs()
		l.samHTTPAPIs()
	}
	l.cfnHTTPAPIs()
	for _, r := range l.active() {
		if r.Type == "AWS::ApiGateway::RestApi" {
			l.restAPI(r)
		}
	}
	// Children in dependency order: resources (any order; parents are
	// followed), authorizers before methods, deployments and stages, keys
	// before usage plans.
	for _, typ := range []string{
		"AWS::ApiGateway::Resource", "AWS::ApiGateway::Authorizer", "AWS::ApiGateway::RequestValidator",
		"AWS::ApiGateway::Model", "AWS::ApiGateway::Method",
		"AWS::ApiGateway::GatewayResponse", "AWS::ApiGateway::Deployment", "AWS::ApiGateway::Stage",
		"AWS::ApiGateway::ApiKey", "AWS::ApiGateway::UsagePlan", "AWS::ApiGateway::UsagePlanKey",
		"AWS::Lambda::Permission",
	} {
		for _, r := range l.active() {
			if r.Type == typ {
				l.child(r)
			}
		}
	}
	l.cfnDomains()
	for _, r := range l.active() {
		switch {
		case l.handled(r):
		case isDomainType(r.Type):
			l.ignore(get(r.Node, "Type"), r.ID, "Type", "%s is not emulated: it maps no REST API of this template", r.Type)
		default:
			l.ignore(get(r.Node, "Type"), r.ID, "Type", "%s is not emulated", r.Type)
		}
	}
	l.finish()
}

func handledType(t string) bool {
	switch t {
	case "AWS::Serverless::Function", "AWS::Serverless::Api", "AWS::Lambda::Function", "AWS::Lambda::Permission",
		"AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion",
		"AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy",
		"AWS::ApiGateway::RestApi", "AWS::ApiGateway::Resource", "AWS::ApiGateway::Method",
		"AWS::ApiGateway::Authorizer", "AWS::ApiGateway::GatewayResponse", "AWS::ApiGateway::Deployment",
		"AWS::ApiGateway::Stage", "AWS::ApiGateway::ApiKey", "AWS::ApiGateway::UsagePlan", "AWS::ApiGateway::UsagePlanKey",
		"AWS::ApiGateway::RequestValidator", "AWS::ApiGateway::Model",
		"AWS::ApiGateway::DomainName", "AWS::ApiGateway::BasePathMapping",
		"AWS::ApiGatewayV2::DomainName", "AWS::ApiGatewayV2::ApiMapping",
		"AWS::Serverless::HttpApi", "AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Stage", "AWS::ApiGatewayV2::Route",
		"AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::Authorizer":
		return true
	}
	return false
}

func (l *loader) active() []*resource {
	out := make([]*resource, 0, len(l.resources))
	for _, r := range l.resources {
		if r.Active && r.Props != nil {
			out = append(out, r)
		}
	}
	return out
}

func (l *loader) finish() {
	for _, r := range l.resources {
		s := l.apis[r.ID]
		if s == nil {
			continue
		}
		api := s.api
		if _, ok := s.byPath["/"]; !ok {
			s.resource("/", api.Pos)
		}
		slices.SortFunc(api.Resources, func(a, b *apimodel.Resource) int { return strings.Compare(a.Path, b.Path) })
		if len(api.Stages) == 0 && !s.stageFailed {
			l.warnf(r.Node, r.ID, "", "the API has no stage (no AWS::ApiGateway::Deployment with StageName or AWS::ApiGateway::Stage), so no request can reach it")
		}
		l.model.APIs = append(l.model.APIs, api)
	}
}

// ---- functions ----------------------------------------------------------

var lambdaFunctionSpec = propSpec{
	handled: []string{"FunctionName", "Handler", "Runtime", "Code", "Environment", "Timeout", "MemorySize", "Layers"},
	inert: []string{"Role", "Description", "Tags", "Architectures", "TracingConfig", "VpcConfig", "KmsKeyArn",
		"ReservedConcurrentExecutions", "DeadLetterConfig", "EphemeralStorage", "LoggingConfig", "FileSystemConfigs",
		"SnapStart", "RuntimeManagementConfig", "CodeSigningConfigArn", "RecursiveLoop"},
	warn: map[string]string{
		"PackageType": "container image functions are not run",
		"ImageConfig": "container image functions are not run",
	},
}

func (l *loader) lambdaFunction(r *resource) {
	rep := reporter{l: l, id: r.ID, pfx: "Properties"}
	p := r.Props
	rep.check(p, lambdaFunctionSpec)
	f := l.newFunction(r, rep)
	if code := get(p, "Code"); code != nil && !isErr(code) {
		switch code.Kind {
		case yaml.ScalarNode:
			// `aws cloudformation package` accepts a local path here.
			f.CodeDir = l.codeDir(code.Value, code, rep.at("Code"))
		case yaml.MappingNode:
			crep := rep.at("Code")
			if zip, ok := crep.str(code, "ZipFile"); ok {
				f.InlineCode = zip
			} else if get(code, "ImageUri") != nil {
				crep.warnf(code, "ImageUri", "not emulated: container image functions are not run")
			} else if dir, ok := cdkAsset(r); ok {
				// A CDK-synthesised function names its staged asset
				// directory, relative to cdk.out, in its metadata; the S3
				// location is where cdk deploy would upload it.
				f.CodeDir = l.codeDir(dir, get(get(r.Node, "Metadata"), "aws:asset:path"), rep.at("Code"))
			} else if get(code, "S3Bucket") != nil {
				crep.warnf(code, "S3Bucket", "not emulated: code in S3 cannot be run locally; give Code a local path")
			}
		default:
			rep.errorf(code, "Code", "must be a map, not %s", kindName(code))
		}
	} else if code == nil {
		rep.errorf(r.Node, "Code", "a function needs Code")
	}
	l.model.Functions[r.ID] = f
}

// cdkAsset returns the asset directory of a function synthesised by the
// CDK: Metadata "aws:asset:path" (relative to cdk.out, where the template
// lives) for the property "aws:asset:property": Code.
func cdkAsset(r *resource) (string, bool) {
	md := get(r.Node, "Metadata")
	path, prop := get(md, "aws:asset:path"), get(md, "aws:asset:property")
	if path == nil || path.Kind != yaml.ScalarNode || path.Value == "" || prop == nil || prop.Value != "Code" {
		return "", false
	}
	return path.Value, true
}

// newFunction reads what AWS::Lambda::Function and AWS::Serverless::Function
// share.
func (l *loader) newFunction(r *resource, rep reporter) *apimodel.Function {
	p := r.Props
	f := &apimodel.Function{
		LogicalID:      r.ID,
		Name:           l.functionName(r.ID),
		ARN:            l.functionARN(r.ID),
		TimeoutSeconds: 3,
		MemoryMB:       128,
		Pos:            l.pos(r.Node),
	}
	f.Runtime, _ = rep.str(p, "Runtime")
	f.Handler, _ = rep.str(p, "Handler")
	if t, ok := rep.integer(p, "Timeout"); ok {
		if t < 1 || t > 900 {
			rep.errorf(get(p, "Timeout"), "Timeout", "must be between 1 and 900 seconds, not %d", t)
		}
		f.TimeoutSeconds = t
	}
	if m, ok := rep.integer(p, "MemorySize"); ok {
		f.MemoryMB = m
	}
	if env := rep.mapping(p, "Environment"); env != nil {
		erep := rep.at("Environment")
		for _, kv := range pairs(env) {
			if kv[0].Value != "Variables" {
				erep.warnf(kv[0], kv[0].Value, "unknown property, ignored")
			}
		}
		f.Environment = erep.strMap(env, "Variables")
	}
	f.LayerDirs = l.layerDirs(get(p, "Layers"), rep.at("Layers"))
	return f
}

// layerDirs resolves a function's Layers to local directories: an
// AWS::Serverless::LayerVersion with a local ContentUri, or an
// AWS::Lambda::LayerVersion whose Content is a local path. A layer given
// by ARN or kept in S3 cannot be mounted; the function runs without it and
// the warning says so.
func (l *loader) layerDirs(n *yaml.Node, rep reporter) []string {
	if n == nil || isNull(n) || isErr(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		rep.errorf(n, "", "must be a list, not %s", kindName(n))
		return nil
	}
	var out []string
	for i, it := range n.Content {
		irep := rep.at("[" + strconv.Itoa(i) + "]")
		sr, ok := l.sym[it]
		r := l.byID[sr.LogicalID]
		if !ok || r == nil {
			irep.warnf(it, "", "not emulated: layer %s is not in the template and cannot be mounted; code that imports from it fails", it.Value)
			continue
		}
		var content *yaml.Node
		switch r.Type {
		case "AWS::Serverless::LayerVersion":
			content = get(r.Props, "ContentUri")
		case "AWS::Lambda::LayerVersion":
			content = get(r.Props, "Content")
		default:
			irep.errorf(it, "", "refers to %s, a %s, not a layer", sr.LogicalID, r.Type)
			continue
		}
		if content == nil || content.Kind != yaml.ScalarNode || strings.HasPrefix(content.Value, "s3://") {
			irep.warnf(it, "", "not emulated: the content of layer %s is not a local directory; code that imports from it fails", sr.LogicalID)
			continue
		}
		if dir := l.codeDir(content.Value, content, reporter{l: l, id: sr.LogicalID, pfx: "Properties.ContentUri"}); dir != "" {
			out = append(out, dir)
		}
	}
	return out
}

func (l *loader) codeDir(uri string, n *yaml.Node, rep reporter) string {
	if strings.HasPrefix(uri, "s3://") {
		rep.warnf(n, "", "not emulated: code in S3 (%s) cannot be run locally; point it at the local directory", uri)
		return ""
	}
	dir := uri
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(l.dir, dir)
	}
	if _, err := os.Stat(dir); err != nil {
		rep.warnf(n, "", "code location %s does not exist", uri)
	}
	return filepath.Clean(dir)
}

// funcOf resolves a value naming a Lambda function (a Ref or GetAtt, a
// function ARN, a name) to a template function, else to a remote function
// by ARN. key is the Model.Functions key.
func (l *loader) funcOf(n *yaml.Node, rep reporter, what string) (key, remoteARN string, ok bool) {
	if n == nil || isErr(n) {
		return "", "", false
	}
	if s, found := l.sym[n]; found {
		switch l.typeOf(s.LogicalID) {
		case "AWS::Serverless::Function", "AWS::Lambda::Function":
			if r := l.byID[s.LogicalID]; r != nil && r.Active {
				return s.LogicalID, "", true
			}
			rep.errorf(n, what, "refers to function %s, whose Condition is false", s.LogicalID)
			return "", "", false
		}
		rep.errorf(n, what, "refers to %s, which is a %s, not a Lambda function", s.LogicalID, l.typeOf(s.LogicalID))
		return "", "", false
	}
	if n.Kind != yaml.ScalarNode {
		rep.errorf(n, what, "must name a Lambda function, not %s", kindName(n))
		return "", "", false
	}
	return l.funcByARN(n.Value, n, rep, what)
}

func (l *loader) funcByARN(v string, n *yaml.Node, rep reporter, what string) (key, remoteARN string, ok bool) {
	name, arn := v, ""
	if strings.HasPrefix(v, "arn:") {
		p := strings.Split(v, ":")
		if len(p) < 7 || p[2] != "lambda" || p[5] != "function" {
			rep.errorf(n, what, "%q is not a Lambda function ARN", v)
			return "", "", false
		}
		name, arn = p[6], v
		if p[3] == l.opts.Region && p[4] == l.opts.AccountID {
			if id, found := l.funcByName[name]; found && len(p) == 7 {
				return id, "", true
			}
		}
	} else if id, found := l.funcByName[name]; found {
		return id, "", true
	}
	if arn == "" {
		rep.errorf(n, what, "no function named %q in the template; give an ARN to invoke a deployed function", v)
		return "", "", false
	}
	key = strings.Join(strings.Split(arn, ":")[6:], ":")
	if f := l.model.Functions[key]; f == nil {
		l.model.Functions[key] = &apimodel.Function{LogicalID: key, Name: name, ARN: arn, Remote: true, Pos: l.pos(n)}
	}
	return key, arn, true
}

// uriFunction resolves a Lambda invocation URI.
func (l *loader) uriFunction(uri string, n *yaml.Node, rep reporter, what string) (key, remoteARN string, ok bool) {
	if s, found := l.sym[n]; found && l.typeOf(s.LogicalID) != "" {
		// A common slip that API Gateway rejects at deployment.
		rep.errorf(n, what, "must be a Lambda invocation URI, not the function's ARN: write !Sub arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${%s.Arn}/invocations", s.LogicalID)
		return "", "", false
	}
	arn, ok := apimodel.ParseLambdaURI(uri)
	if !ok {
		if strings.Contains(uri, "${stageVariables.") {
			rep.errorf(n, what, "a function chosen by stage variable cannot be resolved when the template is loaded")
			return "", "", false
		}
		rep.errorf(n, what, "%q is not a Lambda invocation URI (arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations)", uri)
		return "", "", false
	}
	return l.funcByARN(arn, n, rep, what)
}

// resolveURI is what package openapi calls to link a URI to a template
// function.
func (l *loader) resolveURI(uri string) (string, bool) {
	arn, ok := apimodel.ParseLambdaURI(uri)
	if !ok {
		return "", false
	}
	p := strings.Split(arn, ":")
	if len(p) != 7 || p[3] != l.opts.Region || p[4] != l.opts.AccountID {
		return "", false
	}
	id, ok := l.funcByName[p[6]]
	return id, ok
}

// ---- IAM ----------------------------------------------------------------

var roleSpec = propSpec{
	handled: []string{"RoleName", "Policies", "ManagedPolicyArns"},
	inert:   []string{"AssumeRolePolicyDocument", "Path", "Description", "MaxSessionDuration", "Tags"},
	warn: map[string]string{
		"PermissionsBoundary": "the boundary is not applied when this role calls an AWS_IAM method",
	},
}

func (l *loader) role(r *resource) {
	rep := reporter{l: l, id: r.ID, pfx: "Properties"}
	rep.check(r.Props, roleSpec)
	arn, _ := l.renderAtt(r.ID, "Arn")
	role := &apimodel.Role{LogicalID: r.ID, ARN: arn, Pos: l.pos(r.Node)}
	if ps := get(r.Props, "Policies"); ps != nil && !isErr(ps) {
		if ps.Kind != yaml.SequenceNode {
			rep.errorf(ps, "Policies", "must be a list")
		}
		for i, p := range ps.Content {
			if doc := rep.at("Policies["+strconv.Itoa(i)+"]").jsonDoc(p, "PolicyDocument"); doc != nil {
				role.Policies = append(role.Policies, doc)
			}
		}
	}
	if mp := get(r.Props, "ManagedPolicyArns"); mp != nil && !isErr(mp) {
		for _, it := range mp.Content {
			if s, ok := l.sym[it]; ok && l.typeOf(s.LogicalID) == "AWS::IAM::ManagedPolicy" {
				continue // its document is attached by iamPolicy
			}
			if it.Kind == yaml.ScalarNode {
				role.ManagedPolicyARNs = append(role.ManagedPolicyARNs, it.Value)
			}
		}
		if len(role.ManagedPolicyARNs) > 0 {
			rep.warnf(mp, "ManagedPolicyArns", "AWS managed policies cannot be read locally; AWS_IAM calls as this role are evaluated without them (which denies more, never less)")
		}
	}
	l.model.Roles[r.ID] = role
}

func (l *loader) iamPolicy(r *resource) {
	rep := reporter{l: l, id: r.ID, pfx: "Properties"}
	rep.check(r.Props, propSpec{
		handled: []string{"PolicyDocument", "Roles"},
		inert:   []string{"PolicyName", "ManagedPolicyName", "Description", "Path", "Users", "Groups"},
	})
	doc := rep.jsonDoc(r.Props, "PolicyDocument")
	attach := func(roleID string) {
		if role := l.model.Roles[roleID]; role != nil && doc != nil {
			role.Policies = append(role.Policies, doc)
		}
	}
	if roles := get(r.Props, "Roles"); roles != nil && roles.Kind == yaml.SequenceNode {
		for _, it := range roles.Content {
			if s, ok := l.sym[it]; ok {
				attach(s.LogicalID)
			}
		}
	}
	if r.Type == "AWS::IAM::ManagedPolicy" {
		// Roles that list this policy in ManagedPolicyArns.
		for _, rr := range l.active() {
			if rr.Type != "AWS::IAM::Role" {
				continue
			}
			if mp := get(rr.Props, "ManagedPolicyArns"); mp != nil {
				for _, it := range mp.Content {
					if s, ok := l.sym[it]; ok && s.LogicalID == r.ID {
						attach(rr.ID)
					}
				}
			}
		}
	}
}

// ---- API Gateway --------------------------------------------------------

var restAPISpec = propSpec{
	handled: []string{"Name", "Body", "BodyS3Location", "Policy", "ApiKeySourceType", "BinaryMediaTypes"},
	inert: []string{"Description", "EndpointConfiguration", "Tags", "FailOnWarnings", "Mode", "Parameters",
		"DisableExecuteApiEndpoint", "CloneFrom"},
	warn: map[string]string{
		"MinimumCompressionSize": "responses are not compressed",
	},
}

func (l *loader) restAPI(r *resource) {
	rep := reporter{l: l, id: r.ID, pfx: "Properties"}
	p := r.Props
	rep.check(p, restAPISpec)
	s := newAPIState(l, r)
	var body *yaml.Node
	var file string
	bodyPath := "Properties.Body"
	if b := get(p, "Body"); b != nil && !isErr(b) {
		body = b
	} else if loc := get(p, "BodyS3Location"); loc != nil && !isErr(loc) {
		bodyPath = "Properties.BodyS3Location"
		body, file = l.readDefinition(loc, rep.at("BodyS3Location"))
	}
	if body != nil {
		if api := l.buildOpenAPI(body, file, r, bodyPath, "", nil, nil); api != nil {
			s.adopt(api)
		}
	}
	if name, ok := rep.str(p, "Name"); ok {
		s.api.Name = name
	} else if body == nil && !failed(p, "Name") && !failed(p, "Body") && !failed(p, "BodyS3Location") {
		rep.errorf(r.Node, "Name", "a RestApi needs a Name or a Body")
	}
	if pol := rep.jsonDoc(p, "Policy"); pol != nil {
		s.api.ResourcePolicy = pol
	}
	if src, ok := rep.str(p, "ApiKeySourceType"); ok {
		if src != "HEADER" && src != "AUTHORIZER" {
			rep.errorf(get(p, "ApiKeySourceType"), "ApiKeySourceType", "must be HEADER or AUTHORIZER, not %q", src)
		}
		s.api.APIKeySource = src
	}
	if bmt := rep.strList(p, "BinaryMediaTypes", false); bmt != nil {
		for i := range bmt {
			bmt[i] = strings.ReplaceAll(bmt[i], "~1", "/")
		}
		s.api.BinaryMediaTypes = bmt
	}
	l.apis[r.ID] = s
}

// readDefinition reads a DefinitionUri / BodyS3Location that names a local
// file (what `sam package` and `aws cloudformation package` upload).
func (l *loader) readDefinition(loc *yaml.Node, rep reporter) (*yaml.Node, string) {
	if loc.Kind != yaml.ScalarNode {
		rep.errorf(loc, "", "an S3 location cannot be read locally; give the path of the local file")
		return nil, ""
	}
	if strings.HasPrefix(loc.Value, "s3://") {
		rep.errorf(loc, "", "%s is in S3 and cannot be read locally; give the path of the local file", loc.Value)
		return nil, ""
	}
	path := loc.Value
	if !filepath.IsAbs(path) {
		path = filepath.Join(l.dir, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		rep.errorf(loc, "", "%v", err)
		return nil, ""
	}
	root, err := l.parse(path, data)
	if err != nil {
		rep.errorf(loc, "", "%v", err)
		return nil, ""
	}
	// The file is uploaded as is: CloudFormation does not evaluate
	// intrinsics in it (AWS::Include does, DefinitionBody does).
	return root, l.display(path)
}

// buildOpenAPI hands an evaluated document to package openapi. fix, when
// not nil, sees each of its diagnostics first: it may rewrite one, or return
// false to drop it.
func (l *loader) buildOpenAPI(body *yaml.Node, file string, r *resource, path, stage string, vars map[string]string, fix func(*apimodel.Diagnostic) bool) *apimodel.API {
	if file == "" {
		file = l.path
		if f, ok := l.fileOf[body]; ok {
			file = f
		}
	}
	api, warns, errs := openapi.BuildAPI(body, openapi.Options{
		File:            file,
		Region:          l.opts.Region,
		AccountID:       l.opts.AccountID,
		APIID:           l.apiID(r.ID),
		LogicalID:       r.ID,
		PathPrefix:      path,
		StageName:       stage,
		StageVariables:  vars,
		ResolveFunction: l.resolveURI,
	})
	for _, d := range warns {
		if fix == nil || fix(&d) {
			l.warns = append(l.warns, d)
		}
	}
	for _, d := range errs {
		if fix == nil || fix(&d) {
			l.errs = append(l.errs, d)
		}
	}
	if api == nil {
		return nil
	}
	for key, f := range openapi.RemoteFunctions(api, vars, l.resolveURI) {
		if l.model.Functions[key] == nil {
			l.model.Functions[key] = f
		}
	}
	return api
}

// apiOf resolves RestApiId.
func (l *loader) apiOf(p *yaml.Node, rep reporter) *apiState {
	return l.apiOfKey(p, rep, "RestApiId")
}

// apiOfKey is apiOf for the REST API named by property key.
func (l *loader) apiOfKey(p *yaml.Node, rep reporter, key string) *apiState {
	n := get(p, key)
	if n == nil {
		rep.errorf(nil, key, key+" is required")
		return nil
	}
	if isErr(n) {
		return nil
	}
	if s, ok := l.sym[n]; ok {
		if st := l.apis[s.LogicalID]; st != nil {
			return st
		}
		if r := l.byID[s.LogicalID]; r != nil && !r.Active {
			return nil // the API is not deployed; neither is this
		}
	} else if n.Kind == yaml.ScalarNode {
		for _, r := range l.resources {
			if st := l.apis[r.ID]; st != nil && st.api.ID == n.Value {
				return st
			}
		}
	}
	rep.errorf(n, key, "does not refer to a REST API of this template")
	return nil
}

var (
	cfnResourceSpec = propSpec{handled: []string{"RestApiId", "ParentId", "PathPart"}}
	cfnMethodSpec   = propSpec{
		handled: []string{"RestApiId", "ResourceId", "HttpMethod", "AuthorizationType", "AuthorizerId", "AuthorizationScopes",
			"ApiKeyRequired", "RequestParameters", "Integration", "MethodResponses", "OperationName",
			"RequestValidatorId", "RequestModels"},
	}
	cfnIntegrationSpec = propSpec{
		handled: []string{"Type", "Uri", "IntegrationHttpMethod", "Credentials", "RequestParameters", "RequestTemplates",
			"IntegrationResponses", "TimeoutInMillis", "PassthroughBehavior", "ContentHandling"},
		inert: []string{"CacheKeyParameters", "CacheNamespace", "ConnectionType", "ConnectionId"},
		warn: map[string]string{
			"TlsConfig": "upstream TLS settings are not applied",
		},
	}
	cfnAuthorizerSpec = propSpec{
		handled: []string{"RestApiId", "Name", "Type", "AuthorizerUri", "AuthorizerCredentials", "AuthorizerResultTtlInSeconds",
			"IdentitySource", "IdentityValidationExpression", "ProviderARNs"},
		inert: []string{"AuthType"},
	}
	cfnGatewayResponseSpec = propSpec{handled: []string{"RestApiId", "ResponseType", "StatusCode", "ResponseParameters", "ResponseTemplates"}}
	cfnStageSettingsSpec   = propSpec{
		handled: []string{"StageName", "RestApiId", "DeploymentId", "Variables", "MethodSettings", "Description",
			"ThrottlingBurstLimit", "ThrottlingRateLimit"},
		inert: []string{"AccessLogSetting", "AccessLogSettings", "CanarySetting", "ClientCertificateId", "DocumentationVersion",
			"Tags", "TracingEnabled", "LoggingLevel", "MetricsEnabled", "DataTraceEnabled", "CacheClusterSize"},
		warn: map[string]string{
			"CacheClusterEnabled":      "the API cache is not emulated; every request reaches the integration",
			"CachingEnabled":           "the API cache is not emulated; every request reaches the integration",
			"CacheTtlInSeconds":        "the API cache is not emulated",
			"CacheDataEncrypted":       "the API cache is not emulated",
			"DeploymentCanarySettings": "canary deployments are not emulated",
		},
	}
)

// child reads one API Gateway child resource or a Lambda permission.
func (l *loader) child(r *resource) {
	rep := reporter{l: l, id: r.ID, pfx: "Properties"}
	p := r.Props
	if r.Type == "AWS::Lambda::Permission" {
		l.permission(r, rep)
		return
	}
	if r.Type == "AWS::ApiGateway::ApiKey" {
		l.apiKey(r, rep)
		return
	}
	if r.Type == "AWS::ApiGateway::UsagePlan" {
		l.usagePlan(r, rep)
		return
	}
	if r.Type == "AWS::ApiGateway::UsagePlanKey" {
		l.usagePlanKey(r, rep)
		return
	}
	s := l.apiOf(p, rep)
	if s == nil {
		return
	}
	switch r.Type {
	case "AWS::ApiGateway::Resource":
		rep.check(p, cfnResourceSpec)
		if path, ok := l.cfnResourcePath(s, r.ID, rep, 0); ok {
			res := s.resource(path, l.pos(r.Node))
			res.Pos = l.pos(r.Node)
		}
	case "AWS::ApiGateway::Method":
		l.cfnMethod(s, r, rep)
	case "AWS::ApiGateway::RequestValidator":
		l.cfnRequestValidator(s, r, rep)
	case "AWS::ApiGateway::Model":
		l.cfnModel(s, r, rep)
	case "AWS::ApiGateway::Authorizer":
		l.cfnAuthorizer(s, r, rep)
	case "AWS::ApiGateway::GatewayResponse":
		rep.check(p, cfnGatewayResponseSpec)
		typ, _ := rep.str(p, "ResponseType")
		if failed(p, "ResponseType") {
			return
		}
		if !apimodel.IsGatewayResponseType(typ) {
			rep.errorf(get(p, "ResponseType"), "ResponseType", "unknown gateway response type %q", typ)
			return
		}
		gr := &apimodel.GatewayResponse{Type: typ, Pos: l.pos(r.Node)}
		if sc, ok := rep.str(p, "StatusCode"); ok {
			gr.StatusCode = l.statusCode(sc, get(p, "StatusCode"), rep.at("StatusCode"))
		}
		gr.ResponseParameters = rep.strMap(p, "ResponseParameters")
		for k, v := range gr.ResponseParameters {
			if !gatewayResponseKeyRE.MatchString(k) {
				rep.errorf(get(p, "ResponseParameters"), "ResponseParameters."+k, "must be gatewayresponse.{header,querystring,path}.NAME")
			}
			l.checkMappingValue(v, get(get(p, "ResponseParameters"), k), rep.at("ResponseParameters."+k), false)
		}
		gr.ResponseTemplates = rep.strMap(p, "ResponseTemplates")
		if old := s.api.GatewayResponses[typ]; old != nil {
			rep.errorf(r.Node, "ResponseType", "the API already customises %s", typ)
		}
		s.api.GatewayResponses[typ] = gr
	case "AWS::ApiGateway::Deployment":
		rep.check(p, propSpec{handled: []string{"RestApiId", "StageName", "StageDescription"}, inert: []string{"Description", "DeploymentCanarySettings"}})
		name, ok := rep.str(p, "StageName")
		if !ok {
			if failed(p, "StageName") {
				s.stageFailed = true
				return
			}
			if get(p, "StageDescription") != nil {
				rep.warnf(get(p, "StageDescription"), "StageDescription", "ignored: the deployment creates no stage without StageName")
			}
			return
		}
		st := s.stage(name, l.pos(get(p, "StageName")))
		if d := rep.mapping(p, "StageDescription"); d != nil {
			l.stageSettings(st, d, rep.at("StageDescription"))
		}
	case "AWS::ApiGateway::Stage":
		rep.check(p, cfnStageSettingsSpec)
		name, ok := rep.str(p, "StageName")
		if !ok {
			if failed(p, "StageName") {
				s.stageFailed = true
			} else {
				rep.errorf(r.Node, "StageName", "a Stage needs a StageName")
			}
			return
		}
		st := s.stage(name, l.pos(r.Node))
		l.stageSettings(st, p, rep)
	}
}

var gatewayResponseKeyRE = regexp.MustCompile(`^gatewayresponse\.(header|querystring|path)\.\S+$`)

func (l *loader) statusCode(s string, n *yaml.Node, rep reporter) int {
	c, err := strconv.Atoi(s)
	if err != nil || c < 100 || c > 599 {
		rep.errorf(n, "", "must be an HTTP status code, not %q", s)
		return 0
	}
	return c
}

// mappingValueRE are the sources a gateway response or integration response
// header may take its value from.
var mappingValueRE = regexp.MustCompile(`^(method\.request\.(header|querystring|path|multivalueheader|multivaluequerystring)\.\S+|stageVariables\.\S+|context\.\S+)$`)
var integrationValueRE = regexp.MustCompile(`^(integration\.response\.(header|multivalueheader)\.\S+|integration\.response\.body(\.\S+)?|stageVariables\.\S+|context\.\S+)$`)

// checkMappingValue rejects what API Gateway rejects at deployment: a value
// that is neither a 'quoted' literal nor a known expression (a common slip
// is Access-Control-Allow-Origin: "*" without the inner quotes), and a
// literal holding a line break, which would split the response. It returns
// false after reporting the problem, so that the caller leaves the value out
// of what it generates instead of having it reported a second time.
func (l *loader) checkMappingValue(v string, n *yaml.Node, rep reporter, integration bool) bool {
	if len(v) >= 2 && strings.HasPrefix(v, "'") && strings.HasSuffix(v, "'") {
		if strings.ContainsAny(v, "\r\n") {
			rep.errorf(n, "", "a header value must not contain CR or LF")
			return false
		}
		return true
	}
	if mappingValueRE.MatchString(v) || (integration && integrationValueRE.MatchString(v)) {
		return true
	}
	rep.errorf(n, "", "invalid mapping expression %q: a static value must be quoted, as in \"'%s'\"", v, v)
	return false
}

func (l *loader) stageSettings(st *apimodel.Stage, p *yaml.Node, rep reporter) {
	if vars := rep.strMap(p, "Variables"); vars != nil {
		for k, v := range vars {
			st.Variables[k] = v
		}
	}
	if ms := get(p, "MethodSettings"); ms != nil && !isErr(ms) {
		st.MethodSettings = append(st.MethodSettings, l.methodSettings(ms, rep.at("MethodSettings"))...)
	}
	rate, hasRate := rep.float(p, "ThrottlingRateLimit")
	burst, hasBurst := rep.integer(p, "ThrottlingBurstLimit")
	if hasRate || hasBurst {
		st.MethodSettings = append(st.MethodSettings, apimodel.MethodSetting{ResourcePath: "/*", HTTPMethod: "*",
			ThrottlingRateLimit: rate, ThrottlingBurstLimit: burst, HasThrottling: true})
	}
	for _, k := range []string{"CachingEnabled", "CacheClusterEnabled"} {
		if b, _ := rep.boolean(p, k); b && p != nil {
			if _, listed := cfnStageSettingsSpec.warn[k]; !listed {
				rep.warnf(get(p, k), k, "not emulated: the API cache is not emulated")
			}
		}
	}
}

// methodSettings reads MethodSettings entries (Stage, SAM Api).
func (l *loader) methodSettings(ms *yaml.Node, rep reporter) []apimodel.MethodSetting {
	if ms.Kind != yaml.SequenceNode {
		rep.errorf(ms, "", "must be a list")
		return nil
	}
	var out []apimodel.MethodSetting
	for i, it := range ms.Content {
		irep := rep.at("[" + strconv.Itoa(i) + "]")
		irep.check(it, propSpec{
			handled: []string{"ResourcePath", "HttpMethod", "ThrottlingRateLimit", "ThrottlingBurstLimit"},
			inert:   []string{"LoggingLevel", "MetricsEnabled", "DataTraceEnabled", "CacheDataEncrypted"},
			warn: map[string]string{
				"CachingEnabled":    "the API cache is not emulated; every request reaches the integration",
				"CacheTtlInSeconds": "the API cache is not emulated",
			},
		})
		s := apimodel.MethodSetting{ResourcePath: "/*", HTTPMethod: "*"}
		if v, ok := irep.str(it, "ResourcePath"); ok {
			s.ResourcePath = v
		}
		if v, ok := irep.str(it, "HttpMethod"); ok {
			s.HTTPMethod = strings.ToUpper(v)
		}
		rate, hasRate := irep.float(it, "ThrottlingRateLimit")
		burst, hasBurst := irep.integer(it, "ThrottlingBurstLimit")
		if hasRate || hasBurst {
			s.ThrottlingRateLimit, s.ThrottlingBurstLimit, s.HasThrottling = rate, burst, true
		}
		out = append(out, s)
	}
	return out
}

// cfnResourcePath follows ParentId up to the root.
func (l *loader) cfnResourcePath(s *apiState, id string, rep reporter, depth int) (string, bool) {
	if p, ok := s.cfnPaths[id]; ok {
		return p, true
	}
	r := l.byID[id]
	if r == nil || r.Props == nil || depth > 50 {
		return "", false
	}
	p := r.Props
	rrep := reporter{l: l, id: id, pfx: "Properties"}
	part, ok := rrep.str(p, "PathPart")
	if !ok {
		if !failed(p, "PathPart") {
			rrep.errorf(r.Node, "PathPart", "a Resource needs a PathPart")
		}
		return "", false
	}
	if !apimodel.ValidPathPart(part) {
		rrep.errorf(get(p, "PathPart"), "PathPart", "invalid path part %q", part)
		return "", false
	}
	parent := get(p, "ParentId")
	var parentPath string
	switch sr, ok := l.sym[parent]; {
	case parent == nil:
		rrep.errorf(r.Node, "ParentId", "a Resource needs a ParentId")
		return "", false
	case isErr(parent):
		return "", false
	case ok && sr.Attr == "RootResourceId":
		if sr.LogicalID != s.res.ID {
			rrep.errorf(parent, "ParentId", "is the root of %s, but the resource belongs to %s", sr.LogicalID, s.res.ID)
			return "", false
		}
		parentPath = "/"
	case ok && l.typeOf(sr.LogicalID) == "AWS::ApiGateway::Resource":
		pp, ok := l.cfnResourcePath(s, sr.LogicalID, rep, depth+1)
		if !ok {
			return "", false
		}
		parentPath = pp
	default:
		if parent.Kind == yaml.ScalarNode && parent.Value == apimodel.DeriveID(s.api.ID+"/", 6) {
			parentPath = "/"
		} else if res := l.resourceByID(s, parent.Value); res != nil {
			parentPath = res.Path
		} else {
			rrep.errorf(parent, "ParentId", "must be !GetAtt API.RootResourceId or !Ref of an AWS::ApiGateway::Resource")
			return "", false
		}
	}
	path := strings.TrimSuffix(parentPath, "/") + "/" + part
	if strings.Contains(parentPath, "+}") {
		rrep.errorf(get(p, "PathPart"), "PathPart", "a greedy path variable (%s) must be the last part of a path", parentPath)
		return "", false
	}
	s.cfnPaths[id] = path
	return path, true
}

func (l *loader) resourceByID(s *apiState, id string) *apimodel.Resource {
	for _, r := range s.api.Resources {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// methodResource resolves a Method's ResourceId.
func (l *loader) methodResource(s *apiState, n *yaml.Node, rep reporter) *apimodel.Resource {
	if n == nil {
		rep.errorf(nil, "ResourceId", "ResourceId is required")
		return nil
	}
	if isErr(n) {
		return nil
	}
	if sr, ok := l.sym[n]; ok {
		switch {
		case sr.Attr == "RootResourceId" && sr.LogicalID == s.res.ID:
			return s.resource("/", l.pos(n))
		case sr.Attr == "" && l.typeOf(sr.LogicalID) == "AWS::ApiGateway::Resource":
			if p, ok := l.cfnResourcePath(s, sr.LogicalID, rep, 0); ok {
				return s.resource(p, l.pos(l.byID[sr.LogicalID].Node))
			}
			return nil
		}
	} else if n.Kind == yaml.ScalarNode {
		if n.Value == apimodel.DeriveID(s.api.ID+"/", 6) {
			return s.resource("/", l.pos(n))
		}
		if res := l.resourceByID(s, n.Value); res != nil {
			return res
		}
	}
	rep.errorf(n, "ResourceId", "must be !GetAtt API.RootResourceId or !Ref of an AWS::ApiGateway::Resource of the same API")
	return nil
}

var methodVerbs = map[string]bool{"GET": true, "POST": true, "PUT": true, "DELETE": true, "PATCH": true, "HEAD": true, "OPTIONS": true, "ANY": true}

func (l *loader) cfnMethod(s *apiState, r *resource, rep reporter) {
	p := r.Props
	rep.check(p, cfnMethodSpec)
	res := l.methodResource(s, get(p, "ResourceId"), rep)
	verb, _ := rep.str(p, "HttpMethod")
	verb = strings.ToUpper(verb)
	if failed(p, "HttpMethod") || failed(p, "AuthorizationType") {
		return
	}
	if !methodVerbs[verb] {
		rep.errorf(get(p, "HttpMethod"), "HttpMethod", "must be one of GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS or ANY, not %q", verb)
		return
	}
	m := &apimodel.Method{HTTPMethod: verb, AuthorizationType: apimodel.AuthNone, Pos: l.pos(r.Node)}
	if at, ok := rep.str(p, "AuthorizationType"); ok {
		m.AuthorizationType = at
	}
	switch m.AuthorizationType {
	case apimodel.AuthNone, apimodel.AuthIAM:
		if get(p, "AuthorizerId") != nil {
			rep.errorf(get(p, "AuthorizerId"), "AuthorizerId", "is set, but AuthorizationType is %s; API Gateway requires CUSTOM or COGNITO_USER_POOLS", m.AuthorizationType)
		}
	case apimodel.AuthCustom, apimodel.AuthCognito:
		an := get(p, "AuthorizerId")
		if an == nil {
			rep.errorf(r.Node, "AuthorizerId", "AuthorizationType %s needs an AuthorizerId", m.AuthorizationType)
			break
		}
		if isErr(an) {
			break
		}
		id := an.Value
		if sr, ok := l.sym[an]; ok {
			id = sr.LogicalID
		}
		a := s.api.Authorizers[id]
		switch {
		case a == nil:
			rep.errorf(an, "AuthorizerId", "does not refer to an authorizer of this API")
		case m.AuthorizationType == apimodel.AuthCognito && a.Type != apimodel.AuthorizerCognito,
			m.AuthorizationType == apimodel.AuthCustom && a.Type == apimodel.AuthorizerCognito:
			rep.errorf(an, "AuthorizerId", "AuthorizationType %s does not match authorizer %s of type %s", m.AuthorizationType, id, a.Type)
		default:
			m.AuthorizerID = id
		}
	default:
		rep.errorf(get(p, "AuthorizationType"), "AuthorizationType", "must be NONE, AWS_IAM, CUSTOM or COGNITO_USER_POOLS, not %q", m.AuthorizationType)
	}
	m.AuthorizationScopes = rep.strList(p, "AuthorizationScopes", false)
	if len(m.AuthorizationScopes) > 0 && m.AuthorizationType != apimodel.AuthCognito {
		rep.warnf(get(p, "AuthorizationScopes"), "AuthorizationScopes", "ignored: scopes apply only to COGNITO_USER_POOLS methods")
	}
	m.APIKeyRequired, _ = rep.boolean(p, "ApiKeyRequired")
	if rp := rep.mapping(p, "RequestParameters"); rp != nil {
		m.RequestParameters = map[string]bool{}
		for _, kv := range pairs(rp) {
			b, _ := rep.at("RequestParameters").boolean(rp, kv[0].Value)
			m.RequestParameters[kv[0].Value] = b
		}
	}
	m.OperationName, _ = rep.str(p, "OperationName")
	l.cfnMethodValidation(s, m, p, rep)
	methodResponses := map[string]map[string]bool{}
	if mr := get(p, "MethodResponses"); mr != nil && mr.Kind == yaml.SequenceNode {
		for i, it := range mr.Content {
			irep := rep.at("MethodResponses[" + strconv.Itoa(i) + "]")
			irep.check(it, propSpec{handled: []string{"StatusCode", "ResponseParameters"}, inert: []string{"ResponseModels"}})
			code, _ := irep.str(it, "StatusCode")
			headers := map[string]bool{}
			if rp := irep.mapping(it, "ResponseParameters"); rp != nil {
				for _, kv := range pairs(rp) {
					name, ok := strings.CutPrefix(kv[0].Value, "method.response.header.")
					if !ok {
						irep.errorf(kv[0], "ResponseParameters."+kv[0].Value, "must be method.response.header.NAME")
						continue
					}
					headers[name], _ = irep.at("ResponseParameters").boolean(rp, kv[0].Value)
				}
			}
			methodResponses[code] = headers
		}
	}
	if in := rep.mapping(p, "Integration"); in != nil {
		m.Integration = l.cfnIntegration(in, rep.at("Integration"), methodResponses)
	} else if !failed(p, "Integration") {
		rep.errorf(r.Node, "Integration", "a method without an Integration cannot be deployed")
	}
	if res == nil {
		return
	}
	if old := res.Methods[verb]; old != nil {
		rep.errorf(r.Node, "HttpMethod", "%s %s is already defined", verb, res.Path)
		return
	}
	res.Methods[verb] = m
}

func (l *loader) cfnIntegration(in *yaml.Node, rep reporter, methodResponses map[string]map[string]bool) *apimodel.Integration {
	rep.check(in, cfnIntegrationSpec)
	out := &apimodel.Integration{TimeoutMillis: apimodel.DefaultIntegrationTimeoutMillis, MethodResponses: methodResponses, Pos: l.pos(in)}
	typ, _ := rep.str(in, "Type")
	switch {
	case failed(in, "Type"):
	case typ == apimodel.IntegrationAWSProxy, typ == apimodel.IntegrationHTTPProxy, typ == apimodel.IntegrationMock,
		typ == apimodel.IntegrationAWS, typ == apimodel.IntegrationHTTP:
		out.Type = typ
	default:
		rep.errorf(get(in, "Type"), "Type", "must be AWS, AWS_PROXY, HTTP, HTTP_PROXY or MOCK, not %q", typ)
	}
	out.URI, _ = rep.str(in, "Uri")
	if v, ok := rep.str(in, "IntegrationHttpMethod"); ok {
		out.HTTPMethod = strings.ToUpper(v)
	}
	switch out.Type {
	case apimodel.IntegrationAWSProxy:
		switch {
		case failed(in, "Uri"):
		case out.URI == "":
			rep.errorf(in, "Uri", "an AWS_PROXY integration needs a Uri")
		default:
			if key, _, ok := l.uriFunction(out.URI, get(in, "Uri"), rep, "Uri"); ok {
				out.Function = key
			}
		}
		if out.HTTPMethod != "POST" && !failed(in, "IntegrationHttpMethod") {
			rep.errorf(or(get(in, "IntegrationHttpMethod"), in), "IntegrationHttpMethod", "a Lambda proxy integration must use IntegrationHttpMethod POST")
		}
	case apimodel.IntegrationHTTPProxy, apimodel.IntegrationHTTP:
		if !strings.HasPrefix(out.URI, "http://") && !strings.HasPrefix(out.URI, "https://") && !failed(in, "Uri") {
			rep.errorf(get(in, "Uri"), "Uri", "an %s integration needs an http(s) Uri, not %q", out.Type, out.URI)
		}
	case apimodel.IntegrationAWS:
		switch {
		case failed(in, "Uri"):
		case !strings.Contains(out.URI, ":lambda:path/"):
			if !serviceURIRE.MatchString(out.URI) {
				rep.errorf(or(get(in, "Uri"), in), "Uri", "%q is not an AWS service integration URI (arn:aws:apigateway:REGION:SERVICE:action/ACTION or :path/PATH)", out.URI)
			}
			if out.HTTPMethod == "" && !failed(in, "IntegrationHttpMethod") {
				rep.errorf(in, "IntegrationHttpMethod", "an AWS service integration needs an IntegrationHttpMethod")
			}
		default:
			if key, _, ok := l.uriFunction(out.URI, get(in, "Uri"), rep, "Uri"); ok {
				out.Function = key
			}
			if out.HTTPMethod != "POST" && !failed(in, "IntegrationHttpMethod") {
				rep.errorf(or(get(in, "IntegrationHttpMethod"), in), "IntegrationHttpMethod", "a Lambda integration must use IntegrationHttpMethod POST")
			}
		}
	}
	out.Credentials, _ = rep.str(in, "Credentials")
	if t, ok := rep.integer(in, "TimeoutInMillis"); ok {
		if t < 50 {
			rep.errorf(get(in, "TimeoutInMillis"), "TimeoutInMillis", "must be at least 50")
		}
		out.TimeoutMillis = t
	}
	out.RequestParameters = rep.strMap(in, "RequestParameters")
	out.RequestTemplates = rep.strMap(in, "RequestTemplates")
	rep.checkTemplates(in, "RequestTemplates")
	out.ContentHandling = rep.contentHandling(in)
	if v, ok := rep.str(in, "PassthroughBehavior"); ok {
		switch v {
		case apimodel.PassthroughWhenNoMatch, apimodel.PassthroughWhenNoTemplates, apimodel.PassthroughNever:
			out.PassthroughBehavior = v
		default:
			rep.errorf(get(in, "PassthroughBehavior"), "PassthroughBehavior", "must be WHEN_NO_MATCH, WHEN_NO_TEMPLATES or NEVER, not %q", v)
		}
	}
	if irs := get(in, "IntegrationResponses"); irs != nil && irs.Kind == yaml.SequenceNode {
		for i, it := range irs.Content {
			irep := rep.at("IntegrationResponses[" + strconv.Itoa(i) + "]")
			irep.check(it, propSpec{handled: []string{"StatusCode", "SelectionPattern", "ResponseParameters", "ResponseTemplates", "ContentHandling"}})
			ir := apimodel.IntegrationResponse{ContentHandling: irep.contentHandling(it)}
			ir.StatusCode, _ = irep.str(it, "StatusCode")
			ir.SelectionPattern, _ = irep.str(it, "SelectionPattern")
			ir.ResponseParameters = irep.strMap(it, "ResponseParameters")
			for k, v := range ir.ResponseParameters {
				l.checkMappingValue(v, get(get(it, "ResponseParameters"), k), irep.at("ResponseParameters."+k), true)
			}
			ir.ResponseTemplates = irep.strMap(it, "ResponseTemplates")
			irep.checkTemplates(it, "ResponseTemplates")
			out.IntegrationResponses = append(out.IntegrationResponses, ir)
		}
	}
	return out
}

func (l *loader) cfnAuthorizer(s *apiState, r *resource, rep reporter) {
	p := r.Props
	rep.check(p, cfnAuthorizerSpec)
	a := &apimodel.Authorizer{ID: r.ID, Name: r.ID, ResultTTL: apimodel.DefaultResultTTL, Pos: l.pos(r.Node)}
	if n, ok := rep.str(p, "Name"); ok {
		a.Name = n
	}
	typ, _ := rep.str(p, "Type")
	switch typ {
	case apimodel.AuthorizerToken, apimodel.AuthorizerRequest, apimodel.AuthorizerCognito:
		a.Type = typ
	default:
		if failed(p, "Type") {
			return
		}
		rep.errorf(get(p, "Type"), "Type", "must be TOKEN, REQUEST or COGNITO_USER_POOLS, not %q", typ)
		return
	}
	// The identity-source grammar, the TTL range and the validation
	// expression are the model's rules (apimodel.Validate).
	if ttl, ok := rep.integer(p, "AuthorizerResultTtlInSeconds"); ok {
		a.ResultTTL = ttl
	}
	a.IdentitySource, _ = rep.str(p, "IdentitySource")
	a.IdentityValidationExpression, _ = rep.str(p, "IdentityValidationExpression")
	a.Credentials, _ = rep.str(p, "AuthorizerCredentials")
	if a.IdentityValidationExpression != "" && a.Type == apimodel.AuthorizerRequest {
		rep.warnf(get(p, "IdentityValidationExpression"), "IdentityValidationExpression", "ignored: API Gateway applies it to TOKEN and COGNITO_USER_POOLS authorizers only")
		a.IdentityValidationExpression = ""
	}
	if a.Type == apimodel.AuthorizerCognito {
		a.ProviderARNs = rep.strList(p, "ProviderARNs", false)
		if len(a.ProviderARNs) == 0 && !failed(p, "ProviderARNs") {
			rep.errorf(r.Node, "ProviderARNs", "a COGNITO_USER_POOLS authorizer needs ProviderARNs")
		}
	} else {
		uri, ok := rep.str(p, "AuthorizerUri")
		switch {
		case ok:
			if key, arn, ok := l.uriFunction(uri, get(p, "AuthorizerUri"), rep, "AuthorizerUri"); ok {
				a.Function, a.FunctionARN = key, arn
			}
		case !failed(p, "AuthorizerUri"):
			rep.errorf(r.Node, "AuthorizerUri", "a %s authorizer needs an AuthorizerUri", a.Type)
		}
	}
	s.api.Authorizers[a.ID] = a
}

func or(a, b *yaml.Node) *yaml.Node {
	if a != nil {
		return a
	}
	return b
}

// ---- keys, plans, permissions ---------------------------------------------

func (l *loader) apiKey(r *resource, rep reporter) {
	p := r.Props
	rep.check(p, propSpec{handled: []string{"Name", "Value", "Enabled", "StageKeys"},
		inert: []string{"CustomerId", "Description", "GenerateDistinctId", "Tags"}})
	k := &apimodel.APIKey{ID: r.ID, Name: r.ID}
	if n, ok := rep.str(p, "Name"); ok {
		k.Name = n
	}
	if v, ok := rep.str(p, "Value"); ok {
		k.Value = v
	} else {
		k.Value = generatedKey(r.ID)
	}
	// CloudFormation creates keys disabled unless Enabled is true.
	k.Enabled, _ = rep.boolean(p, "Enabled")
	l.keys[r.ID] = k
	if sk := get(p, "StageKeys"); sk != nil && sk.Kind == yaml.SequenceNode {
		for i, it := range sk.Content {
			s := l.apiOf(it, rep.at("StageKeys["+strconv.Itoa(i)+"]"))
			if s != nil {
				addKey(s.api, k)
			}
		}
	}
}

// generatedKey is the value of an API key whose value AWS would generate:
// derived from the logical id so that it is stable across restarts.
// API Gateway's generated keys are 40 characters long.
func generatedKey(id string) string {
	return apimodel.DeriveID("apikey:"+id, 20) + apimodel.DeriveID("apikey2:"+id, 20)
}

func addKey(api *apimodel.API, k *apimodel.APIKey) {
	for _, x := range api.APIKeys {
		if x.ID == k.ID {
			return
		}
	}
	api.APIKeys = append(api.APIKeys, k)
}

func (l *loader) usagePlan(r *resource, rep reporter) {
	p := r.Props
	rep.check(p, propSpec{handled: []string{"ApiStages", "Throttle", "Quota", "UsagePlanName"}, inert: []string{"Description", "Tags"}})
	plan := &apimodel.UsagePlan{ID: r.ID, Name: r.ID}
	if n, ok := rep.str(p, "UsagePlanName"); ok {
		plan.Name = n
	}
	readLimits(plan, p, rep)
	if as := get(p, "ApiStages"); as != nil && as.Kind == yaml.SequenceNode {
		for i, it := range as.Content {
			irep := rep.at("ApiStages[" + strconv.Itoa(i) + "]")
			irep.check(it, propSpec{handled: []string{"ApiId", "Stage"}, warn: map[string]string{"Throttle": "per-method usage plan throttling is not emulated"}})
			api := get(it, "ApiId")
			s := l.apiOf(mapNode(it.Line, it.Column, "RestApiId", or(api, str("", it.Line, it.Column))), irep)
			if api != nil {
				// apiOf looked at a copy; look at the original for its symbol.
				if sr, ok := l.sym[api]; ok && l.apis[sr.LogicalID] != nil {
					s = l.apis[sr.LogicalID]
				}
			}
			if s == nil {
				continue
			}
			stage, _ := irep.str(it, "Stage")
			p := *plan
			p.Stages = []string{stage}
			l.plans[r.ID] = append(l.plans[r.ID], planBinding{api: s, plan: &p})
			s.api.UsagePlans = append(s.api.UsagePlans, &p)
		}
	}
}

type planBinding struct {
	api  *apiState
	plan *apimodel.UsagePlan
}

func readLimits(plan *apimodel.UsagePlan, p *yaml.Node, rep reporter) {
	if t := rep.mapping(p, "Throttle"); t != nil {
		trep := rep.at("Throttle")
		plan.RateLimit, _ = trep.float(t, "RateLimit")
		plan.BurstLimit, _ = trep.integer(t, "BurstLimit")
	}
	if q := rep.mapping(p, "Quota"); q != nil {
		qrep := rep.at("Quota")
		plan.QuotaLimit, _ = qrep.integer(q, "Limit")
		plan.QuotaPeriod, _ = qrep.str(q, "Period")
		if plan.QuotaPeriod != "" && plan.QuotaPeriod != "DAY" && plan.QuotaPeriod != "WEEK" && plan.QuotaPeriod != "MONTH" {
			qrep.errorf(get(q, "Period"), "Period", "must be DAY, WEEK or MONTH")
		}
		if get(q, "Offset") != nil {
			qrep.warnf(get(q, "Offset"), "Offset", "not emulated: quota periods start when the gateway starts")
		}
	}
}

func (l *loader) usagePlanKey(r *resource, rep reporter) {
	p := r.Props
	rep.check(p, propSpec{handled: []string{"KeyId", "KeyType", "UsagePlanId"}})
	keyN, planN := get(p, "KeyId"), get(p, "UsagePlanId")
	var k *apimodel.APIKey
	if sr, ok := l.sym[keyN]; ok {
		k = l.keys[sr.LogicalID]
	}
	if k == nil {
		if !isErr(keyN) {
			rep.errorf(or(keyN, r.Node), "KeyId", "must be !Ref of an AWS::ApiGateway::ApiKey of this template")
		}
		return
	}
	var bindings []planBinding
	if sr, ok := l.sym[planN]; ok {
		bindings = l.plans[sr.LogicalID]
		if _, known := l.byID[sr.LogicalID]; !known || l.typeOf(sr.LogicalID) != "AWS::ApiGateway::UsagePlan" {
			bindings = nil
		}
	}
	if bindings == nil {
		if sr, ok := l.sym[planN]; !isErr(planN) && (!ok || l.typeOf(sr.LogicalID) != "AWS::ApiGateway::UsagePlan") {
			rep.errorf(or(planN, r.Node), "UsagePlanId", "must be !Ref of an AWS::ApiGateway::UsagePlan of this template")
		}
		return
	}
	for _, b := range bindings {
		b.plan.KeyIDs = append(b.plan.KeyIDs, k.ID)
		addKey(b.api.api, k)
	}
}

func (l *loader) permission(r *resource, rep reporter) {
	p := r.Props
	rep.check(p, propSpec{handled: []string{"FunctionName", "Principal", "Action"},
		inert: []string{"SourceArn", "SourceAccount", "EventSourceToken", "FunctionUrlAuthType", "PrincipalOrgID", "InvokedViaFunctionUrl"}})
	principal, _ := rep.str(p, "Principal")
	if principal != "apigateway.amazonaws.com" {
		return
	}
	key, _, ok := l.funcOf(get(p, "FunctionName"), rep, "FunctionName")
	if !ok {
		return
	}
	if f := l.model.Functions[key]; f != nil {
		f.HasAPIGatewayPermission = true
	}
}
