package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/authcache"
	"github.com/portcullis-gateway/portcullis/internal/gateway"
	"github.com/portcullis-gateway/portcullis/internal/openapi"
	"github.com/portcullis-gateway/portcullis/internal/telemetry"
	"github.com/portcullis-gateway/portcullis/internal/template"
	"github.com/portcullis-gateway/portcullis/internal/throttle"
	"go.yaml.in/yaml/v3"
)

// defaultFiles are looked for, in order, when no file is named.
var defaultFiles = []string{"template.yaml", "template.yml", "template.json", "openapi.yaml"}

// samBuildTemplate is what `sam build` writes; SAM CLI's local commands
// prefer it to the source template, whose CodeUri point at unbuilt code.
var samBuildTemplate = filepath.Join(".aws-sam", "build", "template.yaml")

// FindDefinition returns the definition file in dir as SAM CLI and CDK
// users expect: the `sam build` output .aws-sam/build/template.yaml when
// there is one, else template.yaml, template.yml, template.json,
// openapi.yaml, else the one stack template of a CDK cdk.out directory.
func FindDefinition(dir string) (string, error) {
	for _, f := range append([]string{samBuildTemplate}, defaultFiles...) {
		p := filepath.Join(dir, f)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	stacks, _ := filepath.Glob(filepath.Join(dir, "cdk.out", "*.template.json"))
	switch len(stacks) {
	case 0:
	case 1:
		return stacks[0], nil
	default:
		for i, s := range stacks {
			stacks[i] = filepath.Base(s)
		}
		return "", fmt.Errorf("cdk.out holds %d stack templates (%s); name one with -t", len(stacks), strings.Join(stacks, ", "))
	}
	return "", fmt.Errorf("no .aws-sam/build/template.yaml, template.yaml, template.yml, template.json, openapi.yaml or cdk.out/*.template.json in %s (name one with -t)", dir)
}

// LoadOptions are the deployment inputs of a definition.
type LoadOptions struct {
	Region             string
	AccountID          string
	StackName          string
	ParameterOverrides map[string]string
	Imports            map[string]string
	// StageName names the one stage of a bare OpenAPI document (serve
	// --stage); "" means openapi.DefaultStageName. Templates name their
	// own stages.
	StageName string
}

// LoadModel reads a SAM/CloudFormation template or an OpenAPI document,
// telling them apart by their parsed top-level keys.
func LoadModel(path string, o LoadOptions) (*apimodel.Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	format, err := DetectFormat(path, data)
	if err != nil {
		return nil, err
	}
	if format == FormatOpenAPI {
		return openapi.Load(path, openapi.Options{Region: o.Region, AccountID: o.AccountID, StageName: o.StageName})
	}
	return template.Load(path, template.Options{
		Region: o.Region, AccountID: o.AccountID, StackName: o.StackName,
		ParameterOverrides: o.ParameterOverrides, Imports: o.Imports,
	})
}

// Definition formats.
const (
	FormatTemplate = "template" // SAM or CloudFormation
	FormatOpenAPI  = "openapi"  // OpenAPI 3 or Swagger 2
)

// DetectFormat tells a template from an OpenAPI document by the keys of
// the parsed top-level mapping, never by text that happens to appear in it
// (an OpenAPI description may well mention "Resources"). A template has
// Resources (CloudFormation's only required section) or
// AWSTemplateFormatVersion or Transform; an OpenAPI document has openapi or
// swagger. Anything else is refused with what was found.
func DetectFormat(path string, data []byte) (string, error) {
	root, errs := openapi.Parse(data, path)
	if errs != nil {
		return "", errs
	}
	doc := root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	if doc.Kind != yaml.MappingNode {
		return "", apimodel.Errors{{Pos: apimodel.Pos{File: path, Line: doc.Line, Col: doc.Column},
			Message: "the file is neither a SAM/CloudFormation template nor an OpenAPI document: its top level is not a mapping"}}
	}
	keys := map[string]bool{}
	var names []string
	for i := 0; i+1 < len(doc.Content); i += 2 {
		keys[doc.Content[i].Value] = true
		names = append(names, doc.Content[i].Value)
	}
	switch {
	case keys["Resources"] || keys["AWSTemplateFormatVersion"] || keys["Transform"]:
		return FormatTemplate, nil
	case keys["openapi"] || keys["swagger"]:
		return FormatOpenAPI, nil
	}
	slices.Sort(names)
	found := "no top-level keys"
	if len(names) > 0 {
		found = "top-level keys " + strings.Join(names, ", ")
	}
	return "", apimodel.Errors{{Pos: apimodel.Pos{File: path, Line: doc.Line, Col: doc.Column},
		Message: "the file is neither a SAM/CloudFormation template (no Resources) nor an OpenAPI document (no openapi or swagger key): found " + found}}
}

// Diagnostics returns the loader's errors as a list, or the error itself.
func Diagnostics(err error) []string {
	var errs apimodel.Errors
	if errors.As(err, &errs) {
		out := make([]string, len(errs))
		for i, d := range errs {
			out[i] = d.String()
		}
		return out
	}
	return []string{err.Error()}
}

// Check loads the definition and compiles it as New does (the same
// loader, --config, --stage and compile), without starting any function,
// listener or shared cache: the `validate` command. A definition Check
// accepts is one New accepts. The model is returned with its warnings also
// when the error is not nil, when the loader got that far, and with the
// problems of its functions that do not stop serving (serve logs them at
// WARN).
func Check(ctx context.Context, cfg Config) (*apimodel.Model, []apimodel.Diagnostic, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	m, err := LoadModel(cfg.DefinitionPath, cfg.Load)
	if err != nil {
		return m, nil, err
	}
	if _, err := loadEnv(cfg.EnvVarsFile); err != nil {
		return m, nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, metrics: telemetry.NewMetrics(telemetry.MetricsOptions{}), model: m}
	defer s.Close()
	// Functions are resolved and wrapped but never invoked: the runtime
	// behind the dispatcher is left out.
	s.invoker = &dispatch{log: s.log, region: regionOf(m, cfg.Load.Region)}
	s.cache = authcache.NewMemory(authcache.MemoryOptions{Metrics: s.metrics})
	s.limiter = throttle.NewLocal(throttle.LocalOptions{})
	s.authz, err = loadAuthorization(ctx, cfg.ConfigFile, m, s.log)
	if err != nil {
		return m, nil, err
	}
	opts := s.gatewayOptions(m)
	served, warns, err := s.compile(m, opts.Compiler)
	if err != nil {
		return m, warns, err
	}
	// What compileModel checked is what gateway.New does; building it
	// proves the two agree.
	if _, err := gateway.New(served, opts); err != nil {
		return m, warns, err
	}
	if _, err := s.compileHTTPAPIs(served, s.invoker, nil); err != nil {
		return m, warns, err
	}
	return m, warns, nil
}
