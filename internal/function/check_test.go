package function

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
)

// writeTree writes files (name -> content; a name ending in "*" is made
// executable) under a new directory.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		mode := os.FileMode(0o644)
		if n, ok := strings.CutSuffix(name, "*"); ok {
			name, mode = n, 0o755
		}
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// oldInterpreter is an executable that answers --version like an old
// installation would.
func oldInterpreter(t *testing.T, version string) string {
	t.Helper()
	dir := writeTree(t, map[string]string{"interp*": "#!/bin/sh\necho '" + version + "'\n"})
	return filepath.Join(dir, "interp")
}

// Function problems are found before the first request (issue 12): each
// case is one problem, with the message validate and serve print.
func TestChecker_FunctionProblemsBeforeTheFirstCall(t *testing.T) {
	for _, tool := range []string{"node", "python3"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not on PATH", tool)
		}
	}
	node := writeTree(t, map[string]string{"app.js": "exports.handler = async () => ({})\n", "esm/index.mjs": "export const handler = async () => ({})\n"})
	py := writeTree(t, map[string]string{"app.py": "def handler(event, context):\n    return {}\n", "pkg/mod/__init__.py": "def lambda_handler(e, c): pass\n"})
	native := writeTree(t, map[string]string{"bootstrap*": "#!/bin/sh\n"})
	empty := t.TempDir()
	tests := []struct {
		name  string
		fn    apimodel.Function
		opts  CheckOptions
		want  string // "" for no problem
		fatal bool
	}{
		{"node handler found", apimodel.Function{Runtime: "nodejs20.x", Handler: "app.handler", CodeDir: node}, CheckOptions{}, "", false},
		{"node esm in subdirectory", apimodel.Function{Runtime: "nodejs20.x", Handler: "esm/index.handler", CodeDir: node}, CheckOptions{}, "", false},
		{"node module missing", apimodel.Function{Runtime: "nodejs20.x", Handler: "main.handler", CodeDir: node}, CheckOptions{},
			"handler module main not found (no main.js, .mjs or .cjs in " + node + "); calls fail with Runtime.ImportModuleError", false},
		{"node function missing", apimodel.Function{Runtime: "nodejs20.x", Handler: "app.main", CodeDir: node}, CheckOptions{},
			"handler function main is not defined in " + filepath.Join(node, "app.js") + "; calls fail with Runtime.HandlerNotFound", false},
		{"python handler found", apimodel.Function{Runtime: "python3.11", Handler: "app.handler", CodeDir: py}, CheckOptions{}, "", false},
		{"python package handler found", apimodel.Function{Runtime: "python3.11", Handler: "pkg.mod.lambda_handler", CodeDir: py}, CheckOptions{}, "", false},
		{"python module missing", apimodel.Function{Runtime: "python3.11", Handler: "main.handler", CodeDir: py}, CheckOptions{},
			"handler module main not found (no main.py in " + py + "); calls fail with Runtime.ImportModuleError", false},
		{"python function missing", apimodel.Function{Runtime: "python3.11", Handler: "app.lambda_handler", CodeDir: py}, CheckOptions{},
			"handler function lambda_handler is not defined in " + filepath.Join(py, "app.py") + "; calls fail with Runtime.HandlerNotFound", false},
		{"node not on PATH", apimodel.Function{Runtime: "nodejs20.x", Handler: "app.handler", CodeDir: node}, CheckOptions{NodePath: "/nonexistent/node"},
			"/nonexistent/node is needed for runtime nodejs20.x but it is not on PATH; calls fail", false},
		{"local node older than the runtime", apimodel.Function{Runtime: "nodejs22.x", Handler: "app.handler", CodeDir: node}, CheckOptions{NodePath: oldInterpreter(t, "v18.19.0")},
			"older than the declared runtime nodejs22.x", false},
		{"local node newer is fine", apimodel.Function{Runtime: "nodejs18.x", Handler: "app.handler", CodeDir: node}, CheckOptions{NodePath: oldInterpreter(t, "v20.1.0")}, "", false},
		{"local python older than the runtime", apimodel.Function{Runtime: "python3.13", Handler: "app.handler", CodeDir: py}, CheckOptions{PythonPath: oldInterpreter(t, "Python 3.9.2")},
			"is 3.9.2, older than the declared runtime python3.13", false},
		{"provided with any bootstrap", apimodel.Function{Runtime: "provided.al2023", Handler: "bootstrap", CodeDir: native}, CheckOptions{}, "", false},
		{"provided without bootstrap", apimodel.Function{Runtime: "provided.al2", Handler: "bootstrap", CodeDir: empty}, CheckOptions{},
			empty + " has no Go sources and no executable bootstrap; calls fail with Runtime.InvalidEntrypoint", false},
		{"code directory missing", apimodel.Function{Runtime: "python3.11", Handler: "app.handler", CodeDir: filepath.Join(empty, "gone")}, CheckOptions{},
			"code directory " + filepath.Join(empty, "gone") + " does not exist; calls fail with Runtime.InvalidEntrypoint", false},
		{"AWS runtime not runnable locally", apimodel.Function{Runtime: "java21", Handler: "a.B::h", CodeDir: empty}, CheckOptions{},
			"runtime java21 cannot run locally (nodejs*, python3*, go1.x and provided.* can); its calls fail", false},
		{"unknown runtime", apimodel.Function{Runtime: "node20.x", Handler: "app.handler", CodeDir: node}, CheckOptions{},
			`runtime "node20.x" is not a Lambda runtime (nodejs22.x, python3.13, provided.al2023, ...); Lambda refuses to create the function`, true},
		{"inline code needs no module", apimodel.Function{Runtime: "python3.11", Handler: "index.handler", InlineCode: "def handler(e, c): pass"}, CheckOptions{}, "", false},
		{"remote function not checked", apimodel.Function{Remote: true, Runtime: "whatever"}, CheckOptions{}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NewChecker(tt.opts).Check(&tt.fn)
			if tt.want == "" {
				if len(got) != 0 {
					t.Fatalf("Check = %+v, want no problem", got)
				}
				return
			}
			if len(got) != 1 || !strings.Contains(got[0].Message, tt.want) || got[0].Fatal != tt.fatal {
				t.Fatalf("Check = %+v, want one problem (fatal %t) containing %q", got, tt.fatal, tt.want)
			}
		})
	}
}

func TestOlder(t *testing.T) {
	tests := []struct {
		have, want string
		older      bool
	}{
		{"20.20.2", "20", false}, {"18.19.0", "20", true}, {"22.0.0", "20", false},
		{"3.11.7", "3.12", true}, {"3.12.0", "3.12", false}, {"3.13.1", "3.12", false}, {"4.0", "3.12", false},
	}
	for _, tt := range tests {
		if got := older(tt.have, tt.want); got != tt.older {
			t.Errorf("older(%q, %q) = %t, want %t", tt.have, tt.want, got, tt.older)
		}
	}
}
