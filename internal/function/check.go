package function

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
)

// Problem is something about a function found before its first call that
// makes its calls fail. Fatal problems are those AWS itself refuses at
// deployment (an unknown runtime); the others deploy on AWS and fail only
// locally or only when called.
type Problem struct {
	Fatal   bool
	Message string
}

// CheckOptions name the interpreters as LocalOptions does; "" means node,
// python3 and go looked up in PATH.
type CheckOptions struct {
	NodePath, PythonPath, GoPath string
}

// Checker finds function problems without starting any function. It asks
// each interpreter for its version once.
type Checker struct {
	opts     CheckOptions
	versions map[string]versionResult
}

type versionResult struct {
	out string
	err error
}

// NewChecker returns a Checker for the interpreters o names.
func NewChecker(o CheckOptions) *Checker {
	if o.NodePath == "" {
		o.NodePath = "node"
	}
	if o.PythonPath == "" {
		o.PythonPath = "python3"
	}
	if o.GoPath == "" {
		o.GoPath = "go"
	}
	return &Checker{opts: o, versions: map[string]versionResult{}}
}

// awsRuntimeRE are the runtime identifiers Lambda knows
// (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html);
// CreateFunction refuses any other value.
var awsRuntimeRE = regexp.MustCompile(`^(nodejs\d+\.x|nodejs|python3\.\d+|python2\.7|java\d+(\.al2)?|java8\.al2|dotnet\d+|dotnetcore\d\.\d|ruby\d\.\d+|go1\.x|provided(\.al2|\.al2023)?)$`)

// Check returns the problems of fn, in the order a call would meet them.
func (c *Checker) Check(fn *apimodel.Function) []Problem {
	if fn == nil || fn.Remote {
		return nil
	}
	var out []Problem
	warn := func(format string, args ...any) { out = append(out, Problem{Message: fmt.Sprintf(format, args...)}) }
	kind, ok := kindOf(fn.Runtime)
	if !ok {
		switch {
		case fn.Runtime == "":
			warn("the function has no Runtime (a container image function?); it cannot run locally and its calls fail")
		case awsRuntimeRE.MatchString(fn.Runtime):
			warn("runtime %s cannot run locally (nodejs*, python3*, go1.x and provided.* can); its calls fail", fn.Runtime)
		default:
			out = append(out, Problem{Fatal: true, Message: fmt.Sprintf("runtime %q is not a Lambda runtime (nodejs22.x, python3.13, provided.al2023, ...); Lambda refuses to create the function", fn.Runtime)})
		}
		return out
	}
	if p := c.interpreter(kind, fn); p != nil {
		out = append(out, *p)
	}
	if fn.InlineCode != "" || fn.CodeDir == "" {
		return out
	}
	if st, err := os.Stat(fn.CodeDir); err != nil || !st.IsDir() {
		warn("code directory %s does not exist; calls fail with Runtime.InvalidEntrypoint", fn.CodeDir)
		return out
	}
	switch kind {
	case runtimeNode:
		out = append(out, nodeHandler(fn)...)
	case runtimePython:
		out = append(out, pythonHandler(fn)...)
	case runtimeNative:
		out = append(out, c.nativeEntry(fn)...)
	}
	return out
}

// interpreter checks that the runtime's interpreter is on PATH and not
// older than the runtime the template declares.
func (c *Checker) interpreter(kind runtimeKind, fn *apimodel.Function) *Problem {
	var path, want string
	switch kind {
	case runtimeNode:
		path, want = c.opts.NodePath, strings.TrimSuffix(strings.TrimPrefix(fn.Runtime, "nodejs"), ".x")
	case runtimePython:
		path, want = c.opts.PythonPath, strings.TrimPrefix(fn.Runtime, "python")
	default:
		return nil // go is needed only to build Go sources; see nativeEntry
	}
	v, err := c.version(path)
	if err != nil {
		return &Problem{Message: fmt.Sprintf("%s is needed for runtime %s but %v; calls fail", path, fn.Runtime, err)}
	}
	have := versionNumber(v)
	if want == "" || have == "" {
		return nil
	}
	if older(have, want) {
		return &Problem{Message: fmt.Sprintf("the local %s is %s, older than the declared runtime %s: code that relies on the newer language may fail locally only", path, have, fn.Runtime)}
	}
	return nil
}

func (c *Checker) version(path string) (string, error) {
	if r, ok := c.versions[path]; ok {
		return r.out, r.err
	}
	var r versionResult
	if _, err := exec.LookPath(path); err != nil {
		r.err = fmt.Errorf("it is not on PATH")
	} else if out, err := exec.Command(path, "--version").CombinedOutput(); err != nil {
		r.err = fmt.Errorf("%s --version failed: %v", path, err)
	} else {
		r.out = string(bytes.TrimSpace(out))
	}
	c.versions[path] = r
	return r.out, r.err
}

var versionRE = regexp.MustCompile(`(\d+)\.(\d+)(?:\.(\d+))?`)

// versionNumber is the first "major.minor[.patch]" of an interpreter's
// --version output ("v20.11.1", "Python 3.12.2").
func versionNumber(s string) string { return versionRE.FindString(s) }

// older reports whether version have is below want, comparing as many
// numeric parts as want has ("20" compares majors, "3.12" major and minor).
func older(have, want string) bool {
	h, w := strings.Split(have, "."), strings.Split(want, ".")
	for i := range w {
		if i >= len(h) {
			return false
		}
		hn, err1 := strconv.Atoi(h[i])
		wn, err2 := strconv.Atoi(w[i])
		if err1 != nil || err2 != nil {
			return false
		}
		if hn != wn {
			return hn < wn
		}
	}
	return false
}

// nodeHandler resolves a Node.js handler ("dir/module.function") the way
// the bootstrap does: the module as a file, with .js/.mjs/.cjs, as a
// directory, or from node_modules.
func nodeHandler(fn *apimodel.Function) []Problem {
	slash := strings.LastIndexByte(fn.Handler, '/')
	rest := fn.Handler[slash+1:]
	mod, name, ok := strings.Cut(rest, ".")
	if !ok || mod == "" || name == "" {
		return []Problem{{Message: fmt.Sprintf("handler %q is not MODULE.FUNCTION; calls fail with Runtime.MalformedHandlerName", fn.Handler)}}
	}
	base := filepath.Join(fn.CodeDir, filepath.FromSlash(fn.Handler[:slash+1]), mod)
	for _, f := range []string{base, base + ".js", base + ".mjs", base + ".cjs"} {
		if st, err := os.Stat(f); err == nil {
			if st.IsDir() {
				return nil // package entry point: not read further
			}
			return definedIn(fn, f, name[strings.LastIndexByte(name, '.')+1:])
		}
	}
	if _, err := os.Stat(filepath.Join(fn.CodeDir, "node_modules", mod)); err == nil {
		return nil
	}
	return []Problem{{Message: fmt.Sprintf("handler module %s not found (no %s.js, .mjs or .cjs in %s); calls fail with Runtime.ImportModuleError", mod, mod, filepath.Dir(base))}}
}

// pythonHandler resolves a Python handler ("package.module.function") to
// module.py or module/__init__.py under the code directory.
func pythonHandler(fn *apimodel.Function) []Problem {
	dot := strings.LastIndexByte(fn.Handler, '.')
	if dot <= 0 || dot == len(fn.Handler)-1 {
		return []Problem{{Message: fmt.Sprintf("handler %q is not MODULE.FUNCTION; calls fail with Runtime.MalformedHandlerName", fn.Handler)}}
	}
	modPath := strings.NewReplacer(".", "/").Replace(fn.Handler[:dot])
	base := filepath.Join(fn.CodeDir, filepath.FromSlash(modPath))
	for _, f := range []string{base + ".py", filepath.Join(base, "__init__.py")} {
		if _, err := os.Stat(f); err == nil {
			return definedIn(fn, f, fn.Handler[dot+1:])
		}
	}
	return []Problem{{Message: fmt.Sprintf("handler module %s not found (no %s.py in %s); calls fail with Runtime.ImportModuleError", fn.Handler[:dot], filepath.Base(base), filepath.Dir(base))}}
}

// definedIn warns when the handler's function name does not appear in its
// module at all: whatever the module does, it cannot define it. (A name
// that appears is not proof it is exported; the call will tell.)
func definedIn(fn *apimodel.Function, file, name string) []Problem {
	src, err := os.ReadFile(file)
	if err != nil {
		return []Problem{{Message: fmt.Sprintf("handler module %s cannot be read: %v", file, err)}}
	}
	if regexp.MustCompile(`\b` + regexp.QuoteMeta(name) + `\b`).Match(src) {
		return nil
	}
	return []Problem{{Message: fmt.Sprintf("handler function %s is not defined in %s; calls fail with Runtime.HandlerNotFound", name, file)}}
}

// nativeEntry checks that a go1.x or provided.* function has something to
// run: Go sources (with go on PATH to build them) or an executable
// bootstrap (or, for go1.x, the executable its handler names).
func (c *Checker) nativeEntry(fn *apimodel.Function) []Problem {
	entries, err := os.ReadDir(fn.CodeDir)
	if err != nil {
		return []Problem{{Message: fmt.Sprintf("code directory %s cannot be read: %v", fn.CodeDir, err)}}
	}
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".go") && !strings.HasSuffix(e.Name(), "_test.go") {
			if _, err := exec.LookPath(c.opts.GoPath); err != nil {
				return []Problem{{Message: fmt.Sprintf("%s holds Go sources but %s is not on PATH to build them; calls fail", fn.CodeDir, c.opts.GoPath)}}
			}
			return nil
		}
	}
	candidates := []string{"bootstrap"}
	if fn.Handler != "" && filepath.IsLocal(fn.Handler) {
		candidates = append(candidates, fn.Handler)
	}
	for _, name := range candidates {
		if st, err := os.Stat(filepath.Join(fn.CodeDir, name)); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return nil
		}
	}
	return []Problem{{Message: fmt.Sprintf("%s has no Go sources and no executable bootstrap; calls fail with Runtime.InvalidEntrypoint", fn.CodeDir)}}
}
