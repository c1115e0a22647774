package template

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
)

// Options are the deployment inputs CloudFormation would supply.
type Options struct {
	// ParameterOverrides set template parameters (--parameter-overrides).
	ParameterOverrides map[string]string
	// Imports are the exported values Fn::ImportValue reads (--imports).
	Imports map[string]string
	// Region is AWS::Region; "" means us-east-1.
	Region string
	// AccountID is AWS::AccountId; "" means 123456789012.
	AccountID string
	// StackName is AWS::StackName; "" means "portcullis". It names SAM's
	// implicit APIs (their title is the stack name, as SAM writes it).
	StackName string
}

// Default deployment inputs.
const (
	DefaultRegion    = "us-east-1"
	DefaultAccountID = "123456789012"
	DefaultStackName = "portcullis"
)

const samTransform = "AWS::Serverless-2016-10-31"

// resource is one entry of the Resources section.
type resource struct {
	ID       string
	Type     string
	Node     *yaml.Node // the resource's mapping
	RawProps *yaml.Node
	Props    *yaml.Node // evaluated; an empty map when there are none
	Active   bool       // false when its Condition is false
	Sam      bool       // created by the SAM expansion rather than written
}

type param struct {
	name   string
	typ    string
	value  string
	list   bool
	set    bool
	node   *yaml.Node // the declaration
	reason string     // why there is no value
}

type loader struct {
	opts   Options
	path   string // the template path as given
	dir    string // absolute directory of the template
	root   *yaml.Node
	sam    bool
	params map[string]*param

	mappings   *yaml.Node
	conditions *yaml.Node
	condVal    map[string]bool
	condBusy   map[string]bool

	resources []*resource
	byID      map[string]*resource

	sym       map[*yaml.Node]symRef
	fileOf    map[*yaml.Node]string
	including map[string]bool
	naming    map[string]bool // functions whose name is being evaluated
	depth     int

	// implicitAPI is true when some function has an Api event without
	// RestApiId, so SAM creates ServerlessRestApi.
	implicitAPI bool
	// implicitHTTPAPI is the same for HttpApi events without ApiId and
	// ServerlessHttpApi.
	implicitHTTPAPI bool

	model *apimodel.Model
	// funcByName maps a function name to its logical id.
	funcByName map[string]string
	apis       map[string]*apiState // by logical id
	keys       map[string]*apimodel.APIKey
	plans      map[string][]planBinding
	globalsAPI *yaml.Node
	// servedDomains are the custom domain resources (domain names and
	// their mappings) that map a REST API of this template; the others
	// belong to APIs deployed elsewhere and are not emulated.
	servedDomains map[string]bool
	// globalsHTTPAPI is Globals.HttpApi, merged into every HttpApi and
	// the implicit ServerlessHttpApi.
	globalsHTTPAPI *yaml.Node

	errs, warns, ignored []apimodel.Diagnostic
}

// Load reads a SAM or CloudFormation template and returns the API model it
// deploys. The error, when not nil, is an apimodel.Errors holding every
// problem found; the model returned with it is partial and only good for
// reporting its Warnings and Ignored entries.
func Load(path string, opts Options) (*apimodel.Model, error) {
	if opts.Region == "" {
		opts.Region = DefaultRegion
	}
	if opts.AccountID == "" {
		opts.AccountID = DefaultAccountID
	}
	if opts.StackName == "" {
		opts.StackName = DefaultStackName
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, apimodel.Errors{{Pos: apimodel.Pos{File: path}, Message: err.Error()}}
	}
	l := &loader{
		opts:       opts,
		path:       path,
		dir:        filepath.Dir(abs),
		params:     map[string]*param{},
		condVal:    map[string]bool{},
		condBusy:   map[string]bool{},
		byID:       map[string]*resource{},
		sym:        map[*yaml.Node]symRef{},
		fileOf:     map[*yaml.Node]string{},
		including:  map[string]bool{},
		naming:     map[string]bool{},
		funcByName: map[string]string{},
		apis:       map[string]*apiState{},
		keys:       map[string]*apimodel.APIKey{},
		plans:      map[string][]planBinding{},
		model: &apimodel.Model{
			Functions: map[string]*apimodel.Function{},
			Roles:     map[string]*apimodel.Role{},
		},
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, apimodel.Errors{{Pos: apimodel.Pos{File: path}, Message: err.Error()}}
	}
	root, err := l.parse(path, data)
	if err != nil {
		// parse reports *parseError; anything else still becomes a
		// diagnostic rather than a panic.
		var pe *parseError
		if !errors.As(err, &pe) {
			pe = &parseError{msg: err.Error()}
		}
		pos := apimodel.Pos{File: path, Line: pe.line, Col: pe.col}
		if pe.line > 0 && pe.col == 0 {
			pos.Col = 1
		}
		return nil, apimodel.Errors{{Pos: pos, Message: pe.msg}}
	}
	l.root = root
	l.load()

	m := l.model
	m.Warnings = sortDiags(l.warns)
	m.Ignored = sortDiags(l.ignored)
	// The model's own rules run once, on what the template deploys;
	// every problem is reported together.
	check := apimodel.Validate
	if len(l.errs) > 0 {
		check = apimodel.ValidateRules
	}
	errs := append(l.errs, check(m)...)
	if len(errs) > 0 {
		return m, apimodel.Errors(sortDiags(errs))
	}
	return m, nil
}

func sortDiags(d []apimodel.Diagnostic) []apimodel.Diagnostic {
	slices.SortStableFunc(d, func(a, b apimodel.Diagnostic) int {
		return cmp.Or(cmp.Compare(a.Pos.File, b.Pos.File), cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Col, b.Pos.Col))
	})
	// The same problem reached twice (a parameter used in two places is
	// reported at each use, which is useful; an identical line is not).
	return slices.CompactFunc(d, func(a, b apimodel.Diagnostic) bool { return a == b })
}

func (l *loader) display(file string) string {
	if file == l.path {
		return l.path
	}
	if rel, err := filepath.Rel(l.dir, file); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.Join(filepath.Dir(l.path), rel)
	}
	return file
}

func (l *loader) pos(n *yaml.Node) apimodel.Pos {
	if n == nil {
		return apimodel.Pos{File: l.path}
	}
	f := l.path
	if x, ok := l.fileOf[n]; ok {
		f = x
	}
	return apimodel.Pos{File: f, Line: n.Line, Col: n.Column}
}

func (l *loader) errorf(n *yaml.Node, id, path, format string, args ...any) {
	l.errs = append(l.errs, apimodel.Diagnostic{Pos: l.pos(n), LogicalID: id, Path: path, Message: sprintf(format, args...)})
}

func (l *loader) warnf(n *yaml.Node, id, path, format string, args ...any) {
	l.warns = append(l.warns, apimodel.Diagnostic{Pos: l.pos(n), LogicalID: id, Path: path, Message: sprintf(format, args...)})
}

func (l *loader) ignore(n *yaml.Node, id, path, format string, args ...any) {
	l.ignored = append(l.ignored, apimodel.Diagnostic{Pos: l.pos(n), LogicalID: id, Path: path, Message: sprintf(format, args...)})
}

func (l *loader) load() {
	if l.root.Kind != yaml.MappingNode {
		l.errorf(l.root, "", "", "a template must be a map, not %s", kindName(l.root))
		return
	}
	for _, kv := range pairs(l.root) {
		switch k := kv[0].Value; k {
		case "AWSTemplateFormatVersion", "Description", "Metadata", "Outputs", "Parameters",
			"Mappings", "Conditions", "Resources", "Transform", "Globals":
		case "Rules":
			l.warnf(kv[0], "", k, "template Rules are not checked")
		default:
			l.errorf(kv[0], "", k, "unknown template section %q", k)
		}
	}
	l.readTransform()
	l.readParameters()
	l.mappings = get(l.root, "Mappings")
	l.conditions = get(l.root, "Conditions")
	if l.conditions != nil && l.conditions.Kind != yaml.MappingNode {
		l.errorf(l.conditions, "", "Conditions", "must be a map")
		l.conditions = nil
	}
	if g := get(l.root, "Globals"); g != nil && !l.sam {
		l.errorf(g, "", "Globals", "Globals needs Transform: %s", samTransform)
	}
	l.readResources()
	if !l.sam {
		// Without the transform CloudFormation itself refuses the template
		// ("Template format error: Unrecognized resource types:
		// [AWS::Serverless::Function]"); loading it as plain CloudFormation
		// would silently serve nothing.
		for _, r := range l.resources {
			if strings.HasPrefix(r.Type, "AWS::Serverless::") {
				l.errorf(or(get(r.Node, "Type"), r.Node), r.ID, "Type", "%s needs the SAM transform: add Transform: %s at the top of the template (CloudFormation refuses unrecognized resource types without it)", r.Type, samTransform)
			}
		}
	}
	l.findImplicitAPI()
	l.findServedDomains()
	for _, r := range l.resources {
		if !r.Active {
			continue
		}
		if !l.handled(r) {
			// Nothing reads the properties of a resource Portcullis does
			// not emulate, so they are not evaluated: a parameter only such
			// a resource uses (a table name, a bucket) needs no value.
			r.Props = mapNode(r.Node.Line, r.Node.Column)
			continue
		}
		props, ok := l.eval(r.RawProps, evalCtx{id: r.ID, path: "Properties"})
		if !ok || props == nil || isNull(props) || isErr(props) {
			failedProps := isErr(props)
			props = mapNode(r.Node.Line, r.Node.Column)
			if failedProps {
				// Reported where it failed; every property reads as failed
				// rather than as missing.
				props.Tag = errorTag
			}
		}
		if props.Kind != yaml.MappingNode {
			l.errorf(r.RawProps, r.ID, "Properties", "must be a map, not %s", kindName(props))
			props = mapNode(r.Node.Line, r.Node.Column)
		}
		r.Props = props
	}
	if l.sam {
		l.applyGlobals()
	}
	l.build()
}

func (l *loader) readTransform() {
	t := get(l.root, "Transform")
	if t == nil {
		return
	}
	var names []*yaml.Node
	switch t.Kind {
	case yaml.ScalarNode:
		names = []*yaml.Node{t}
	case yaml.SequenceNode:
		names = t.Content
	default:
		l.errorf(t, "", "Transform", "must be a name or a list of names")
	}
	for _, n := range names {
		switch n.Value {
		case samTransform:
			l.sam = true
		default:
			l.errorf(n, "", "Transform", "transform %q is not supported (only %s)", n.Value, samTransform)
		}
	}
}

func (l *loader) readParameters() {
	ps := get(l.root, "Parameters")
	if ps != nil && ps.Kind != yaml.MappingNode {
		l.errorf(ps, "", "Parameters", "must be a map")
		ps = nil
	}
	for _, kv := range pairs(ps) {
		name, decl := kv[0].Value, kv[1]
		rep := reporter{l: l, id: name, pfx: "Parameters." + name}
		typ, _ := rep.str(decl, "Type")
		if typ == "" {
			rep.errorf(kv[0], "Type", "a parameter needs a Type")
			typ = "String"
		}
		p := &param{name: name, typ: typ, node: kv[0]}
		p.list = typ == "CommaDelimitedList" || strings.HasPrefix(typ, "List<")
		ssm := strings.HasPrefix(typ, "AWS::SSM::Parameter::Value<")
		if v, ok := l.opts.ParameterOverrides[name]; ok {
			p.value, p.set = v, true
		} else if d := get(decl, "Default"); d != nil {
			switch {
			case d.Kind == yaml.ScalarNode:
				p.value, p.set = d.Value, true
			case d.Kind == yaml.SequenceNode && p.list:
				p.value, p.set = strings.Join(rep.strListNode(d, "Default", false), ","), true
			default:
				rep.errorf(d, "Default", "must be a string, not %s", kindName(d))
			}
			if ssm {
				p.set = false
				p.reason = sprintf("its value is read from SSM parameter %q, which cannot be read locally; pass --parameter-overrides %s=VALUE", p.value, name)
			}
		} else {
			p.reason = sprintf("it has no Default; pass --parameter-overrides %s=VALUE", name)
		}
		if p.set {
			l.checkParam(p, decl, rep)
		}
		l.params[name] = p
	}
	for name := range l.opts.ParameterOverrides {
		if _, ok := l.params[name]; !ok {
			l.errorf(ps, "", "Parameters", "--parameter-overrides sets %q, which the template does not declare", name)
		}
	}
}

// checkParam applies the parameter's constraints to its value, as
// CloudFormation does when the stack is created.
func (l *loader) checkParam(p *param, decl *yaml.Node, rep reporter) {
	values := []string{p.value}
	if p.list {
		values = strings.Split(p.value, ",")
	}
	allowed := rep.strList(decl, "AllowedValues", false)
	pattern, hasPattern := rep.str(decl, "AllowedPattern")
	var re *regexp.Regexp
	if hasPattern {
		var err error
		if re, err = regexp.Compile("^(?:" + pattern + ")$"); err != nil {
			rep.errorf(get(decl, "AllowedPattern"), "AllowedPattern", "invalid pattern: %v", err)
		}
	}
	minLen, hasMinLen := rep.integer(decl, "MinLength")
	maxLen, hasMaxLen := rep.integer(decl, "MaxLength")
	minV, hasMin := rep.float(decl, "MinValue")
	maxV, hasMax := rep.float(decl, "MaxValue")
	bad := func(format string, args ...any) {
		msg := sprintf("value %q ", p.value) + sprintf(format, args...)
		if d, ok := field(decl, "ConstraintDescription"); ok != nil && d != nil {
			msg += " (" + d.Value + ")"
		}
		rep.errorf(p.node, "", "%s", msg)
	}
	for _, v := range values {
		if p.list {
			v = strings.TrimSpace(v)
		}
		if len(allowed) > 0 && !contains(allowed, v) {
			bad("is not one of AllowedValues %s", strings.Join(allowed, ", "))
			return
		}
		if re != nil && !re.MatchString(v) {
			bad("does not match AllowedPattern %s", pattern)
			return
		}
		if hasMinLen && len(v) < minLen || hasMaxLen && len(v) > maxLen {
			bad("has a length outside MinLength/MaxLength")
			return
		}
		if p.typ == "Number" || p.typ == "List<Number>" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				bad("is not a number")
				return
			}
			if hasMin && f < minV || hasMax && f > maxV {
				bad("is outside MinValue/MaxValue")
				return
			}
		}
	}
}

func (l *loader) paramValue(p *param, n *yaml.Node, c evalCtx) *yaml.Node {
	if !p.set {
		return l.evalErr(n, c, "parameter %s has no value: %s", p.name, p.reason)
	}
	if p.list {
		var items []string
		if p.value != "" {
			for _, s := range strings.Split(p.value, ",") {
				items = append(items, strings.TrimSpace(s))
			}
		}
		return strSeq(n.Line, n.Column, items)
	}
	out := str(p.value, n.Line, n.Column)
	l.copyFile(n, out)
	return out
}

func (l *loader) readResources() {
	rs := get(l.root, "Resources")
	if rs == nil || rs.Kind != yaml.MappingNode || len(rs.Content) == 0 {
		l.errorf(rs, "", "Resources", "a template needs at least one resource")
		return
	}
	for _, kv := range pairs(rs) {
		id, node := kv[0].Value, kv[1]
		if !validLogicalID(id) {
			l.errorf(kv[0], id, "", "logical id %q must be alphanumeric", id)
		}
		if _, dup := l.byID[id]; dup {
			l.errorf(kv[0], id, "", "duplicate logical id")
			continue
		}
		if node.Kind != yaml.MappingNode {
			l.errorf(node, id, "", "a resource must be a map, not %s", kindName(node))
			continue
		}
		r := &resource{ID: id, Node: node, Active: true}
		for _, p := range pairs(node) {
			switch p[0].Value {
			case "Type":
				r.Type = p[1].Value
			case "Properties":
				r.RawProps = p[1]
			case "Condition", "DependsOn", "Metadata", "DeletionPolicy", "UpdateReplacePolicy",
				"UpdatePolicy", "CreationPolicy", "Connectors", "IgnoreGlobals":
			case "Description":
				// Not in CloudFormation's list of resource attributes, but
				// accepted at deployment: AWS's own CodeStar templates put
				// one on every resource (shalupov/idea-cloudformation#117,
				// stelligent/cfn_nag#477). It changes nothing.
			default:
				l.errorf(p[0], id, p[0].Value, "unknown resource attribute %q", p[0].Value)
			}
		}
		if r.Type == "" {
			l.errorf(node, id, "Type", "a resource needs a Type")
			continue
		}
		l.resources = append(l.resources, r)
		l.byID[id] = r
	}
	for _, r := range l.resources {
		if c := get(r.Node, "Condition"); c != nil {
			b, ok := l.condition(c.Value, c, evalCtx{id: r.ID, path: "Condition"})
			r.Active = ok && b
		}
	}
}

var logicalIDRE = regexp.MustCompile(`^[A-Za-z0-9]+$`)

func validLogicalID(id string) bool { return logicalIDRE.MatchString(id) }

// implicit returns the type of a resource SAM creates that templates may
// reference (ServerlessRestApi, MyApiProdStage, MyFunctionRole).
func (l *loader) implicit(id string) string {
	if !l.sam {
		return ""
	}
	if id == "ServerlessRestApi" && l.implicitAPI {
		return "AWS::ApiGateway::RestApi"
	}
	if id == ImplicitHTTPAPI && l.implicitHTTPAPI {
		return "AWS::ApiGatewayV2::Api"
	}
	if base, ok := strings.CutSuffix(id, "Role"); ok {
		if r := l.byID[base]; r != nil && r.Type == "AWS::Serverless::Function" {
			return "AWS::IAM::Role"
		}
	}
	if base, ok := strings.CutSuffix(id, "Deployment"); ok {
		if r := l.byID[base]; r != nil && r.Type == "AWS::Serverless::Api" || base == "ServerlessRestApi" && l.implicitAPI {
			return "AWS::ApiGateway::Deployment"
		}
	}
	if base, ok := strings.CutSuffix(id, "Stage"); ok {
		if base == "ServerlessRestApiProd" && l.implicitAPI {
			return "AWS::ApiGateway::Stage"
		}
		for _, r := range l.resources {
			if r.Type == "AWS::Serverless::Api" && strings.HasPrefix(base, r.ID) {
				return "AWS::ApiGateway::Stage"
			}
		}
	}
	return ""
}

func (l *loader) typeOf(id string) string {
	if r := l.byID[id]; r != nil {
		return r.Type
	}
	return l.implicit(id)
}

// functionName is the name of a template function: FunctionName, else the
// logical id.
func (l *loader) functionName(id string) string {
	r := l.byID[id]
	if r == nil || l.naming[id] {
		return id
	}
	fn := get(r.RawProps, "FunctionName")
	if fn == nil {
		return id
	}
	l.naming[id] = true
	defer delete(l.naming, id)
	v, ok := l.eval(fn, evalCtx{id: id, path: "Properties.FunctionName"})
	if !ok || isErr(v) || v.Kind != yaml.ScalarNode || v.Value == "" {
		return id
	}
	return v.Value
}

func (l *loader) functionARN(id string) string {
	return sprintf("arn:%s:lambda:%s:%s:function:%s", l.partition(), l.opts.Region, l.opts.AccountID, l.functionName(id))
}

func (l *loader) apiID(logicalID string) string { return apimodel.DeriveID(logicalID, 10) }

// resourceID is the id of an API resource that a template names by logical
// id (AWS::ApiGateway::Resource), or the root resource.
func (l *loader) resourceID(seed string) string { return apimodel.DeriveID("resource:"+seed, 6) }

func (l *loader) rawStr(id, key string) string {
	r := l.byID[id]
	if r == nil {
		return ""
	}
	v := get(r.RawProps, key)
	if v == nil || l.naming[id+key] {
		return ""
	}
	l.naming[id+key] = true
	defer delete(l.naming, id+key)
	out, ok := l.eval(v, evalCtx{id: id, path: "Properties." + key})
	if !ok || isErr(out) || out.Kind != yaml.ScalarNode {
		return ""
	}
	return out.Value
}

func (l *loader) roleName(id string) string {
	if n := l.rawStr(id, "RoleName"); n != "" {
		return n
	}
	return id
}

func (l *loader) userPoolID(id string) string {
	return l.opts.Region + "_" + strings.ToUpper(apimodel.DeriveID("userpool:"+id, 9)[:1]) + apimodel.DeriveID("userpool:"+id, 9)[1:]
}

// renderRef is the string CloudFormation's Ref returns for a resource.
func (l *loader) renderRef(id string) (string, string) {
	switch l.typeOf(id) {
	case "AWS::Serverless::Function", "AWS::Lambda::Function":
		return l.functionName(id), ""
	case "AWS::Serverless::Api", "AWS::ApiGateway::RestApi":
		return l.apiID(id), ""
	case "AWS::ApiGateway::Resource":
		return l.resourceID(id), ""
	case "AWS::ApiGateway::Stage":
		if n := l.rawStr(id, "StageName"); n != "" {
			return n, ""
		}
		if id == "ServerlessRestApiProdStage" {
			return "Prod", ""
		}
		for _, r := range l.resources {
			if r.Type == "AWS::Serverless::Api" && strings.HasPrefix(id, r.ID) {
				if n := l.rawStr(r.ID, "StageName"); n != "" {
					return n, ""
				}
			}
		}
		return id, ""
	case "AWS::IAM::Role":
		return l.roleName(id), ""
	case "AWS::IAM::ManagedPolicy":
		name := l.rawStr(id, "ManagedPolicyName")
		if name == "" {
			name = id
		}
		return sprintf("arn:%s:iam::%s:policy/%s", l.partition(), l.opts.AccountID, name), ""
	case "AWS::Cognito::UserPool":
		return l.userPoolID(id), ""
	case "AWS::ApiGateway::DomainName", "AWS::ApiGatewayV2::DomainName":
		// Ref of a DomainName is the domain name itself.
		if n := l.rawStr(id, "DomainName"); n != "" {
			return n, ""
		}
		return id, ""
	case "AWS::Cognito::UserPoolClient":
		return apimodel.DeriveID("client:"+id, 26), ""
	case "AWS::Serverless::HttpApi", "AWS::ApiGatewayV2::Api":
		return l.apiID(id), ""
	}
	return id, ""
}

// renderAtt is the string Fn::GetAtt returns.
func (l *loader) renderAtt(id, attr string) (string, string) {
	typ := l.typeOf(id)
	if typ == "" {
		return "", sprintf("Fn::GetAtt refers to %q, which is not a resource of this template", id)
	}
	part, region, acct := l.partition(), l.opts.Region, l.opts.AccountID
	switch typ {
	case "AWS::Serverless::Function", "AWS::Lambda::Function":
		if attr == "Arn" {
			return l.functionARN(id), ""
		}
	case "AWS::Serverless::Api", "AWS::ApiGateway::RestApi":
		switch attr {
		case "RootResourceId":
			return l.resourceID(id + "/"), ""
		case "RestApiId":
			return l.apiID(id), ""
		}
	case "AWS::ApiGateway::Resource":
		if attr == "ResourceId" {
			return l.resourceID(id), ""
		}
	case "AWS::IAM::Role":
		switch attr {
		case "Arn":
			return sprintf("arn:%s:iam::%s:role/%s", part, acct, l.roleName(id)), ""
		case "RoleId":
			return "AROA" + strings.ToUpper(apimodel.DeriveID("role:"+id, 17)), ""
		}
	case "AWS::Cognito::UserPool":
		pool := l.userPoolID(id)
		switch attr {
		case "Arn":
			return sprintf("arn:%s:cognito-idp:%s:%s:userpool/%s", part, region, acct, pool), ""
		case "ProviderName":
			return sprintf("cognito-idp.%s.amazonaws.com/%s", region, pool), ""
		case "ProviderURL":
			return sprintf("https://cognito-idp.%s.amazonaws.com/%s", region, pool), ""
		case "UserPoolId":
			return pool, ""
		}
	}
	// Attributes of resources we do not emulate: a recognisable placeholder.
	return sprintf("arn:%s:%s:%s:%s:%s/%s", part, serviceOf(typ), region, acct, id, attr), ""
}

func serviceOf(typ string) string {
	parts := strings.Split(typ, "::")
	if len(parts) >= 2 {
		return strings.ToLower(parts[1])
	}
	return "unknown"
}

// ParseOverrides parses --parameter-overrides arguments: Key=Value, also
// several separated by spaces in one argument, and the
// ParameterKey=K,ParameterValue=V form of the AWS CLI.
func ParseOverrides(args []string) (map[string]string, error) {
	out := map[string]string{}
	var errs []error
	for _, arg := range args {
		for _, f := range splitOverrides(arg) {
			if k, ok := strings.CutPrefix(f, "ParameterKey="); ok {
				key, rest, ok := strings.Cut(k, ",ParameterValue=")
				if !ok {
					errs = append(errs, fmt.Errorf("parameter override %q: want ParameterKey=K,ParameterValue=V", f))
					continue
				}
				out[key] = rest
				continue
			}
			k, v, ok := strings.Cut(f, "=")
			if !ok || k == "" {
				errs = append(errs, fmt.Errorf("parameter override %q: want Key=Value", f))
				continue
			}
			out[k] = v
		}
	}
	return out, errors.Join(errs...)
}

// splitOverrides splits on spaces outside quotes and strips the quotes, as
// `sam deploy --parameter-overrides 'A=1 B="x y"'` is read.
func splitOverrides(s string) []string {
	var out []string
	var b strings.Builder
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote == 0 && (r == '"' || r == '\''):
			quote = r
		case quote == 0 && r == ' ':
			if b.Len() > 0 {
				out = append(out, b.String())
				b.Reset()
			}
		default:
			b.WriteRune(r)
		}
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	return out
}

// LoadImports reads the values Fn::ImportValue may use: a JSON or YAML map of
// export name to value, or the output of `aws cloudformation list-exports`
// ({"Exports":[{"Name":..,"Value":..}]}), or Name=Value lines.
func LoadImports(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	var doc yaml.Node
	if yerr := yaml.Unmarshal(data, &doc); yerr == nil && len(doc.Content) == 1 && doc.Content[0].Kind == yaml.MappingNode {
		m := doc.Content[0]
		if ex := get(m, "Exports"); ex != nil && ex.Kind == yaml.SequenceNode {
			for _, e := range ex.Content {
				n, v := get(e, "Name"), get(e, "Value")
				if !isScalar(n) || !isScalar(v) {
					return nil, fmt.Errorf("%s:%d: an export needs Name and Value", path, e.Line)
				}
				out[n.Value] = v.Value
			}
			return out, nil
		}
		for _, kv := range pairs(m) {
			if kv[1].Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("%s:%d: export %q must be a string", path, kv[1].Line, kv[0].Value)
			}
			out[kv[0].Value] = kv[1].Value
		}
		return out, nil
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			return nil, fmt.Errorf("%s:%d: want Name=Value", path, line)
		}
		out[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return out, sc.Err()
}
