package archtest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

type pkg struct {
	ImportPath string
	Dir        string
	Name       string
	Doc        string
	GoFiles    []string
	Imports    []string
	Deps       []string
}

const module = "github.com/portcullis-gateway/portcullis"

func listPackages(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return pkgs
}

// TestEveryPackageHasDocGo: each package says what it is in a doc.go.
func TestEveryPackageHasDocGo(t *testing.T) {
	for _, p := range listPackages(t) {
		if p.Name == "main" {
			if p.Doc == "" {
				t.Errorf("%s: command has no package comment", p.ImportPath)
			}
			continue
		}
		if _, err := os.Stat(filepath.Join(p.Dir, "doc.go")); err != nil {
			t.Errorf("%s: no doc.go", p.ImportPath)
		}
		if p.Doc == "" {
			t.Errorf("%s: no package comment", p.ImportPath)
		}
	}
}

// TestPurePackages: the heart of correctness stays pure — no HTTP server,
// no AWS SDK, no file or network I/O beyond what the standard library's
// value types need.
func TestPurePackages(t *testing.T) {
	pure := map[string]bool{
		module + "/internal/policy":      true,
		module + "/internal/sigv4":       true,
		module + "/internal/router":      true,
		module + "/internal/lambdaevent": true,
		module + "/internal/gwresponse":  true,
		module + "/internal/apimodel":    true,
		module + "/internal/reqctx":      true,
	}
	for _, p := range listPackages(t) {
		if !pure[p.ImportPath] {
			continue
		}
		delete(pure, p.ImportPath)
		for _, d := range p.Deps {
			if d == "net/http" || strings.HasPrefix(d, "github.com/valyala/fasthttp") || strings.HasPrefix(d, "github.com/aws/aws-sdk-go-v2") || strings.HasPrefix(d, "github.com/redis/") {
				t.Errorf("%s depends on %s; it must stay pure", p.ImportPath, d)
			}
		}
	}
	for missing := range pure {
		t.Errorf("pure package %s not found", missing)
	}
}

// TestAWSSDKConfinedToRemoteLambda: only the remote invoker and the AWS
// service integration client link the SDK.
func TestAWSSDKConfinedToRemoteLambda(t *testing.T) {
	allowed := map[string]bool{module + "/internal/function/awslambda": true, module + "/internal/awsservice": true}
	for _, p := range listPackages(t) {
		if allowed[p.ImportPath] {
			continue
		}
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, "github.com/aws/aws-sdk-go-v2") {
				t.Errorf("%s imports %s; only internal/function/awslambda and internal/awsservice may", p.ImportPath, imp)
			}
		}
	}
}

// TestNoProductionPackageImportsTesting.
func TestNoProductionPackageImportsTesting(t *testing.T) {
	for _, p := range listPackages(t) {
		for _, imp := range p.Imports {
			if imp == "testing" || strings.HasPrefix(imp, "testing/") {
				t.Errorf("%s imports %s outside its tests", p.ImportPath, imp)
			}
		}
	}
}
