package server

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/openapi"
	"github.com/portcullis-gateway/portcullis/internal/template"
)

// DefaultFiles are looked for, in order, when no file is named.
var defaultFiles = []string{"template.yaml", "template.yml", "template.json", "openapi.yaml"}

// FindDefinition returns the definition file in dir, as sam and our users
// expect: template.yaml, template.yml, template.json, then openapi.yaml.
func FindDefinition(dir string) (string, error) {
	for _, f := range defaultFiles {
		p := filepath.Join(dir, f)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no template.yaml, template.yml, template.json or openapi.yaml in %s (name one with -t)", dir)
}

// LoadOptions are the deployment inputs of a definition.
type LoadOptions struct {
	Region             string
	AccountID          string
	StackName          string
	ParameterOverrides map[string]string
	Imports            map[string]string
}

// LoadModel reads a SAM/CloudFormation template or an OpenAPI document,
// telling them apart by their top-level keys.
func LoadModel(path string, o LoadOptions) (*apimodel.Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if isOpenAPI(data) {
		return openapi.Load(path, openapi.Options{Region: o.Region, AccountID: o.AccountID})
	}
	return template.Load(path, template.Options{
		Region: o.Region, AccountID: o.AccountID, StackName: o.StackName,
		ParameterOverrides: o.ParameterOverrides, Imports: o.Imports,
	})
}

func isOpenAPI(data []byte) bool {
	for _, key := range [][]byte{[]byte("\nopenapi:"), []byte("\nswagger:"), []byte(`"openapi"`), []byte(`"swagger"`)} {
		if bytes.Contains(append([]byte("\n"), data...), key) {
			return !bytes.Contains(data, []byte("Resources")) && !bytes.Contains(data, []byte("AWSTemplateFormatVersion"))
		}
	}
	return false
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
