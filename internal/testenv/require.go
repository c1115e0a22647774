package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A requirement names something a test needs from the machine. Most are
// programs found on PATH; the rest are listed in special.
type requirement struct {
	// check reports why the requirement is unmet, or "" when it is met.
	check func() string
	// hint says how to satisfy it.
	hint string
}

// special holds the requirements that are not a program on PATH. The
// table is read-only after package initialisation.
var special = map[string]requirement{
	// The real AWS SDK for JavaScript that test/js installs: tests that
	// sign requests with it or drive the admin API with its clients.
	"js-sdk": {check: checkJSSDK, hint: "run npm ci in test/js (.ci/run does)"},
	// /proc, which the process-tree tests read.
	"procfs": {check: statCheck("/proc/self/stat"), hint: "run on Linux"},
	// /usr/bin/env, the interpreter line of the test functions' scripts.
	"/usr/bin/env": {check: statCheck("/usr/bin/env"), hint: "run on a Unix system"},
}

// hints says how to install the programs tests ask for.
var hints = map[string]string{
	"node":         "install Node.js 18 or later",
	"python3":      "install Python 3",
	"redis-server": "apt-get install redis-server (.ci/run does)",
	"chromium":     "apt-get install chromium",
	"go":           "put the go command on PATH",
	"npm":          "install Node.js with npm",
}

// Require makes t depend on each named program or resource: a program
// looked up on PATH ("node", "python3", "redis-server", "chromium", ...)
// or one of the special names ("js-sdk", "procfs", "/usr/bin/env").
// When one is missing, t is skipped with the reason and how to install
// it — unless CI is set, where it fails instead.
func Require(t testing.TB, names ...string) {
	t.Helper()
	var missing []string
	for _, name := range names {
		if why := check(name); why != "" {
			missing = append(missing, why)
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := "testenv: " + strings.Join(missing, "; ")
	if InCI() {
		t.Fatalf("%s (required because CI=%q: .ci/run installs every requirement)", msg, os.Getenv("CI"))
		return // Fatalf has ended the test; a recording TB lands here
	}
	t.Skip(msg)
}

// check returns why name is unavailable, or "" when it is available.
func check(name string) string {
	if r, ok := special[name]; ok {
		if why := r.check(); why != "" {
			return fmt.Sprintf("%s unavailable: %s (%s)", name, why, r.hint)
		}
		return ""
	}
	if _, err := exec.LookPath(name); err != nil {
		hint := hints[name]
		if hint == "" {
			hint = "install it"
		}
		return fmt.Sprintf("%s not found on PATH (%s)", name, hint)
	}
	return ""
}

// InCI reports whether the tests run in CI: CI is set to anything but
// "", "0" or "false".
func InCI() bool {
	switch strings.ToLower(os.Getenv("CI")) {
	case "", "0", "false":
		return false
	}
	return true
}

func statCheck(path string) func() string {
	return func() string {
		if _, err := os.Stat(path); err != nil {
			return err.Error()
		}
		return ""
	}
}

func checkJSSDK() string {
	if _, err := exec.LookPath("node"); err != nil {
		return "node not found on PATH"
	}
	dir, err := JSModules()
	if err != nil {
		return err.Error()
	}
	// The packages test/js/package.json lists.
	for _, pkg := range []string{"@smithy/signature-v4", "@aws-sdk/client-api-gateway", "@aws-sdk/client-lambda"} {
		if _, err := os.Stat(filepath.Join(dir, pkg, "package.json")); err != nil {
			return err.Error()
		}
	}
	return ""
}

// JSModules returns the absolute path of test/js/node_modules, found from
// the working directory upwards (a test's working directory is its
// package directory).
func JSModules() (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "test", "js", "node_modules"), nil
}

// ModuleRoot returns the directory of the go.mod that holds the working
// directory.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}
