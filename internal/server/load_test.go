package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The format is chosen from the parsed top-level keys (issue 12): an
// OpenAPI document whose text mentions "Resources" is still an OpenAPI
// document, and a template is a template whatever its strings say.
func TestDetectFormat_FromParsedTopLevelKeys(t *testing.T) {
	tests := []struct {
		name, file, doc string
		want            string
		wantErr         string
	}{
		{"openapi_mentioning_resources", "api.yaml", `openapi: 3.0.1
info:
  title: inventory
  description: Resources of the warehouse, and AWSTemplateFormatVersion trivia
paths: {}
`, FormatOpenAPI, ""},
		{"swagger_json", "api.json", `{"swagger": "2.0", "info": {"title": "Resources"}, "paths": {}}`, FormatOpenAPI, ""},
		{"template_with_openapi_body", "template.yaml", `Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      DefinitionBody:
        openapi: 3.0.1
        info: {title: x}
        paths: {}
`, FormatTemplate, ""},
		{"template_mentioning_swagger_first", "template.yaml", "Description: |\n  swagger: not a key here\nResources: {}\n", FormatTemplate, ""},
		{"cfn_json", "template.json", `{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}}`, FormatTemplate, ""},
		{"neither", "x.yaml", "name: my-service\nfunctions: {}\n", "", "x.yaml:1:1: the file is neither a SAM/CloudFormation template (no Resources) nor an OpenAPI document (no openapi or swagger key): found top-level keys functions, name"},
		{"scalar", "x.yaml", "hello\n", "", "x.yaml:1:1: the file is neither a SAM/CloudFormation template nor an OpenAPI document: its top level is not a mapping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DetectFormat(tt.file, []byte(tt.doc))
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("DetectFormat error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("DetectFormat = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// Before the fix, an OpenAPI document mentioning "Resources" went to the
// template loader and failed to load.
func TestLoadModel_OpenAPIMentioningResources_LoadsAsOpenAPI(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "openapi.yaml")
	doc := `openapi: 3.0.1
info:
  title: inventory
  description: Lists the Resources of the warehouse.
paths:
  /items:
    get:
      responses: {'200': {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: '200'}}
`
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := LoadModel(path, LoadOptions{})
	if err != nil {
		t.Fatalf("LoadModel: %v", err)
	}
	if len(m.APIs) != 1 || !strings.Contains(strings.Join(RouteTable(m.APIs[0]), "\n"), "/items") {
		t.Fatalf("LoadModel did not deploy /items: %+v", m.APIs)
	}
}

// Without -t the definition is found as SAM CLI and the CDK leave it
// (issue 12): sam build's .aws-sam/build/template.yaml first (SAM CLI's
// local commands prefer the built template), then the source template
// names, then the single stack template of cdk.out.
func TestFindDefinition_SAMBuildAndCDKLayouts(t *testing.T) {
	tests := []struct {
		name    string
		files   []string
		want    string
		wantErr string
	}{
		{"template.yaml", []string{"template.yaml", "openapi.yaml"}, "template.yaml", ""},
		{"sam build output preferred", []string{"template.yaml", ".aws-sam/build/template.yaml"}, ".aws-sam/build/template.yaml", ""},
		{"openapi.yaml", []string{"openapi.yaml"}, "openapi.yaml", ""},
		{"one CDK stack", []string{"cdk.out/Stack.template.json", "cdk.out/manifest.json"}, "cdk.out/Stack.template.json", ""},
		{"two CDK stacks", []string{"cdk.out/A.template.json", "cdk.out/B.template.json"}, "", "cdk.out holds 2 stack templates (A.template.json, B.template.json); name one with -t"},
		{"nothing", nil, "", "no .aws-sam/build/template.yaml, template.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range tt.files {
				p := filepath.Join(dir, f)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte("{}"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := FindDefinition(dir)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("FindDefinition error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != filepath.Join(dir, tt.want) {
				t.Fatalf("FindDefinition = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
