package openapi

import (
	"bytes"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"go.yaml.in/yaml/v3"
)

// Defaults applied to zero Options fields.
const (
	// DefaultStageName is the stage a standalone document is deployed to:
	// OpenAPI has no stage, and API Gateway ignores basePath on import.
	DefaultStageName = "dev"
	// DefaultRegion and DefaultAccountID fill method ARNs when the caller
	// knows neither, as `sam local` does.
	DefaultRegion    = "us-east-1"
	DefaultAccountID = "123456789012"
)

// Options says where a document comes from and what API it deploys. Every
// field may be left zero.
type Options struct {
	// File is the name printed in positions. Load uses its path when unset.
	File string
	// Region and AccountID go into the API (method ARNs); zero means
	// DefaultRegion and DefaultAccountID.
	Region, AccountID string
	// APIID is the 10-character API id; zero derives it from the logical id
	// with apimodel.DeriveID, so it is stable across restarts.
	APIID string
	// LogicalID is the template resource the document belongs to; it is
	// also put on every diagnostic. Zero (a standalone document) takes the
	// API's logical id from info.title, else the file name.
	LogicalID string
	// PathPrefix is prepended to the property path of every diagnostic
	// ("Properties.DefinitionBody" for a template's inline document).
	PathPrefix string
	// StageName is the stage the API is deployed to; zero means
	// DefaultStageName. A template loader replaces API.Stages with its own.
	StageName string
	// StageVariables are the stage's variables; they also resolve
	// ${stageVariables.x} in Lambda function URIs.
	StageVariables map[string]string
	// ResolveFunction maps a Lambda invocation URI to the logical id of a
	// function of the template. Nil (a standalone document) or ok=false
	// makes the function remote: it is keyed by name and invoked by ARN.
	ResolveFunction func(uri string) (logicalID string, ok bool)
}

// Load reads a standalone OpenAPI 2.0 or 3.x document (YAML or JSON) and
// returns the model it deploys: one API and the remote functions it names.
// The error, when not nil, is an apimodel.Errors holding every problem.
func Load(path string, opts Options) (*apimodel.Model, error) {
	if opts.File == "" {
		opts.File = path
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, apimodel.Errors{{Pos: apimodel.Pos{File: opts.File}, Message: err.Error()}}
	}
	root, errs := Parse(data, opts.File)
	if errs != nil {
		return nil, errs
	}
	b := newBuilder(root, opts)
	if b.apiLogicalID == "" {
		b.apiLogicalID = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	api, warns, errs := b.build()
	if len(errs) > 0 {
		return nil, errs
	}
	return &apimodel.Model{
		APIs:      []*apimodel.API{api},
		Functions: RemoteFunctions(api, opts.StageVariables, opts.ResolveFunction),
		Roles:     map[string]*apimodel.Role{},
		Warnings:  warns,
	}, nil
}

// Parse decodes a YAML or JSON document into a node tree. A document whose
// first character is '{' is read as JSON.
func Parse(data []byte, file string) (*yaml.Node, apimodel.Errors) {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(trimmed) > 0 && trimmed[0] == '{' {
		n, err := parseJSON(data)
		if err != nil {
			var se *syntaxError
			d := apimodel.Diagnostic{Pos: apimodel.Pos{File: file}, Message: "invalid JSON: " + err.Error()}
			if errors.As(err, &se) {
				d.Pos.Line, d.Pos.Col, d.Message = se.line, se.col, "invalid JSON: "+se.msg
			}
			return nil, apimodel.Errors{d}
		}
		return n, nil
	}
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		return nil, apimodel.Errors{yamlError(file, err)}
	}
	if n.Kind == 0 {
		return nil, apimodel.Errors{{Pos: apimodel.Pos{File: file}, Message: "the document is empty"}}
	}
	return &n, nil
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func yamlError(file string, err error) apimodel.Diagnostic {
	d := apimodel.Diagnostic{Pos: apimodel.Pos{File: file}, Message: "invalid YAML: " + err.Error()}
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		d.Pos.Line, _ = strconv.Atoi(m[1])
		d.Pos.Col = 1
		d.Message = "invalid YAML: " + m[2]
	}
	return d
}

// BuildAPI turns a document tree (a standalone document, or a template's
// DefinitionBody or Body after intrinsic functions were resolved) into an
// API. It returns the warnings and every error found; the API is nil when
// there are errors. Functions the document names by ARN and ResolveFunction
// did not know are listed by RemoteFunctions.
func BuildAPI(root *yaml.Node, opts Options) (*apimodel.API, []apimodel.Diagnostic, apimodel.Errors) {
	return newBuilder(root, opts).build()
}

// builder carries one document through the load and collects diagnostics.
type builder struct {
	opts         Options
	root         *yaml.Node
	apiLogicalID string
	api          *apimodel.API
	errs         apimodel.Errors
	warns        []apimodel.Diagnostic

	version       int // 2 or 3
	schemes       map[string]*scheme
	usedSchemes   map[string]bool
	topSecurity   *requirement
	resourceByKey map[string]*resourceNode
}

func newBuilder(root *yaml.Node, opts Options) *builder {
	if opts.Region == "" {
		opts.Region = DefaultRegion
	}
	if opts.AccountID == "" {
		opts.AccountID = DefaultAccountID
	}
	if opts.StageName == "" {
		opts.StageName = DefaultStageName
	}
	b := &builder{opts: opts, root: deref(root), apiLogicalID: opts.LogicalID}
	if b.apiLogicalID == "" {
		b.apiLogicalID = title(b.root)
	}
	return b
}

// title reads info.title ahead of the build, since the API id derives from
// the logical id it may supply.
func title(root *yaml.Node) string {
	info := child(root, "info")
	if t := deref(child(info, "title")); t != nil && t.Kind == yaml.ScalarNode {
		return t.Value
	}
	return ""
}

// child is an unchecked lookup for places where absence is not an error.
func child(n *yaml.Node, key string) *yaml.Node {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

var stageNameRE = regexp.MustCompile(`^[a-zA-Z0-9_]{1,128}$`)

func (b *builder) build() (*apimodel.API, []apimodel.Diagnostic, apimodel.Errors) {
	root := b.root
	if b.apiLogicalID == "" {
		b.apiLogicalID = "RestApi"
	}
	id := b.opts.APIID
	if id == "" {
		id = apimodel.DeriveID(b.apiLogicalID, 10)
	}
	b.api = &apimodel.API{
		ID:               id,
		LogicalID:        b.apiLogicalID,
		Name:             b.apiLogicalID,
		Region:           b.opts.Region,
		AccountID:        b.opts.AccountID,
		Authorizers:      map[string]*apimodel.Authorizer{},
		GatewayResponses: map[string]*apimodel.GatewayResponse{},
		APIKeySource:     "HEADER",
		Pos:              b.pos(root),
	}
	if !stageNameRE.MatchString(b.opts.StageName) {
		b.errorf(nil, "", "stage name %q may only contain a-zA-Z0-9_", b.opts.StageName)
	}
	b.api.Stages = []*apimodel.Stage{{
		Name:      b.opts.StageName,
		Variables: maps.Clone(b.opts.StageVariables),
		Pos:       b.pos(root),
	}}
	if b.api.Stages[0].Variables == nil {
		b.api.Stages[0].Variables = map[string]string{}
	}

	top, ok := b.fields(root, "")
	if !ok || root == nil {
		if root == nil {
			b.errorf(nil, "", "the document is empty")
		}
		return nil, b.warns, b.errs
	}
	b.detectVersion(root, top)
	if b.version == 0 {
		return nil, b.warns, b.errs
	}
	if t := title(root); t != "" {
		b.api.Name = t
	}

	// Security schemes first: operations and the top-level security
	// requirement refer to them.
	b.schemes = map[string]*scheme{}
	b.usedSchemes = map[string]bool{}
	if b.version == 2 {
		b.securitySchemes(child(root, "securityDefinitions"), "securityDefinitions")
		if n := child(root, "components"); n != nil && child(n, "securitySchemes") != nil {
			b.warnf(n, "components.securitySchemes", "ignored: a Swagger 2.0 document declares its schemes under securityDefinitions")
		}
	} else {
		b.securitySchemes(child(child(root, "components"), "securitySchemes"), "components.securitySchemes")
		if n := child(root, "securityDefinitions"); n != nil {
			b.warnf(n, "securityDefinitions", "ignored: an OpenAPI 3 document declares its schemes under components.securitySchemes")
		}
	}
	if n := child(root, "security"); !isNull(n) {
		b.topSecurity = b.security(n, "security")
	}

	b.paths(child(root, "paths"))

	for _, p := range top {
		b.topLevelExtension(p)
	}
	for _, name := range sortedKeys(b.schemes) {
		s := b.schemes[name]
		if s.kind == schemeUnsupported && !b.usedSchemes[name] {
			b.warnf(s.node, s.path, "ignored: %s (no method uses it)", s.problem)
		}
	}

	b.checkAuthorizers()

	byPos := func(x, y apimodel.Diagnostic) int {
		if x.Pos.Line != y.Pos.Line {
			return x.Pos.Line - y.Pos.Line
		}
		return x.Pos.Col - y.Pos.Col
	}
	slices.SortStableFunc(b.errs, byPos)
	slices.SortStableFunc(b.warns, byPos)
	if len(b.errs) > 0 {
		return nil, b.warns, b.errs
	}
	return b.api, b.warns, nil
}

// checkAuthorizers makes sure every method that names an authorizer names
// one that was loaded: a method must never end up less protected than its
// document says because its authorizer failed to load unnoticed.
func (b *builder) checkAuthorizers() {
	for _, r := range b.api.Resources {
		for _, verb := range sortedKeys(r.Methods) {
			m := r.Methods[verb]
			switch m.AuthorizationType {
			case apimodel.AuthNone, apimodel.AuthIAM:
				continue
			}
			a := b.api.Authorizers[m.AuthorizerID]
			ok := a != nil && (a.Type == apimodel.AuthorizerCognito) == (m.AuthorizationType == apimodel.AuthCognito)
			if !ok && len(b.errs) == 0 {
				b.errs = append(b.errs, apimodel.Diagnostic{Pos: m.Pos, LogicalID: b.opts.LogicalID,
					Message: "internal error: " + verb + " " + r.Path + " uses authorizer " + m.AuthorizerID + ", which did not load"})
			}
		}
	}
}

func (b *builder) detectVersion(root *yaml.Node, top []pair) {
	for _, p := range top {
		switch p.key {
		case "swagger":
			v, ok := b.str(p.val, "swagger")
			if !ok {
				return
			}
			if v != "2.0" {
				b.errorf(p.val, "swagger", "unsupported Swagger version %q: only 2.0 exists", v)
				return
			}
			b.version = 2
			return
		case "openapi":
			v, ok := b.str(p.val, "openapi")
			if !ok {
				return
			}
			if !strings.HasPrefix(v, "3.") {
				b.errorf(p.val, "openapi", "unsupported OpenAPI version %q: Portcullis reads 2.0 (swagger) and 3.x", v)
				return
			}
			b.version = 3
			return
		}
	}
	b.errorf(root, "", `not an OpenAPI document: it has neither swagger: "2.0" nor openapi: 3.x`)
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	return slices.Sorted(maps.Keys(m))
}
