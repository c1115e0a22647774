package function

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
)

type runtimeKind int

const (
	runtimeNode runtimeKind = iota + 1
	runtimePython
	runtimeNative // go1.x and provided.*: a bootstrap executable
)

func kindOf(rt string) (runtimeKind, bool) {
	switch {
	case strings.HasPrefix(rt, "nodejs"):
		return runtimeNode, true
	case strings.HasPrefix(rt, "python3"):
		return runtimePython, true
	case rt == "go1.x" || strings.HasPrefix(rt, "provided"):
		return runtimeNative, true
	}
	return 0, false
}

// spec is how to start a function's workers, resolved when its pool is
// created.
type spec struct {
	kind     runtimeKind
	name     string
	arn      string
	handler  string
	taskRoot string
	timeout  int // seconds
	env      []string
	// path and args start node and python workers; native workers resolve
	// their executable per cold start (the source may have changed).
	path string
	args []string
	// debug is set for the function a debugger attaches to (one worker,
	// no timeouts); delve is the dlv command of a debugged native one.
	debug bool
	delve string
}

// initError is a configuration problem found before any process runs,
// reported like the runtime would report it at init.
type initError struct {
	errorType string
	msg       string
}

func (e *initError) Error() string { return e.errorType + ": " + e.msg }

func (e *initError) payload() []byte {
	return errorDocument(e.errorType, e.msg)
}

func (l *Local) newSpec(fn *apimodel.Function) (*spec, error) {
	kind, ok := kindOf(fn.Runtime)
	if !ok {
		return nil, &initError{"Runtime.InvalidRuntime", fmt.Sprintf("runtime %q cannot run locally (nodejs*, python3*, go1.x and provided.* can)", fn.Runtime)}
	}
	s := &spec{
		kind:    kind,
		name:    fn.Name,
		arn:     fn.ARN,
		handler: fn.Handler,
		timeout: fn.TimeoutSeconds,
	}
	if s.name == "" {
		s.name = fn.LogicalID
	}
	if s.timeout <= 0 {
		s.timeout = 3
	}
	memory := fn.MemoryMB
	if memory <= 0 {
		memory = 128
	}
	if s.arn == "" {
		s.arn = "arn:aws:lambda:" + l.opts.Region + ":123456789012:function:" + s.name
	}
	switch {
	case fn.InlineCode != "":
		root, err := l.writeInline(fn, kind)
		if err != nil {
			return nil, err
		}
		s.taskRoot = root
	case fn.CodeDir != "":
		root, err := filepath.Abs(fn.CodeDir)
		if err != nil {
			return nil, err
		}
		if st, err := os.Stat(root); err != nil || !st.IsDir() {
			return nil, &initError{"Runtime.InvalidEntrypoint", fmt.Sprintf("code directory %s does not exist", fn.CodeDir)}
		}
		s.taskRoot = root
	default:
		return nil, &initError{"Runtime.InvalidEntrypoint", "the function has neither a code directory nor inline code"}
	}
	switch kind {
	case runtimeNode:
		s.path, s.args = l.opts.NodePath, []string{l.nodeBootstrap}
	case runtimePython:
		s.path, s.args = l.opts.PythonPath, []string{l.pythonBootstrap}
	}
	if l.opts.Debug.matches(s.name, fn.LogicalID) {
		if err := l.debugSpec(s); err != nil {
			return nil, err
		}
	}
	s.env = l.environment(fn, s.name, kind, s.taskRoot, s.timeout, memory)
	return s, nil
}

// writeInline writes a template's inline code into a private directory
// under the file name the handler's module implies, as Lambda does when it
// deploys ZipFile/InlineCode.
func (l *Local) writeInline(fn *apimodel.Function, kind runtimeKind) (string, error) {
	var rel string
	switch kind {
	case runtimeNode:
		slash := strings.LastIndexByte(fn.Handler, '/')
		mod, _, ok := strings.Cut(fn.Handler[slash+1:], ".")
		if !ok || mod == "" {
			return "", &initError{"Runtime.MalformedHandlerName", "Bad handler"}
		}
		rel = fn.Handler[:slash+1] + mod + ".js"
	case runtimePython:
		dot := strings.LastIndexByte(fn.Handler, '.')
		if dot <= 0 {
			return "", &initError{"Runtime.MalformedHandlerName", fmt.Sprintf("Bad handler '%s': not enough values to unpack (expected 2, got 1)", fn.Handler)}
		}
		rel = strings.ReplaceAll(fn.Handler[:dot], ".", "/") + ".py"
	default:
		return "", &initError{"Runtime.InvalidEntrypoint", "inline code is only supported for nodejs and python runtimes"}
	}
	rel = filepath.FromSlash(rel)
	if !filepath.IsLocal(rel) {
		return "", &initError{"Runtime.MalformedHandlerName", fmt.Sprintf("handler %q points outside the code directory", fn.Handler)}
	}
	root, err := os.MkdirTemp(l.dir, "inline-")
	if err != nil {
		return "", err
	}
	file := filepath.Join(root, rel)
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return "", err
	}
	if err := os.WriteFile(file, []byte(fn.InlineCode), 0o600); err != nil {
		return "", err
	}
	return root, nil
}

// nativeCommand finds the executable of a go1.x or provided.* function.
// Go sources in the code directory are built (so edits are picked up);
// otherwise the directory must hold a "bootstrap" (or, for go1.x, the
// executable the handler names).
func (l *Local) nativeCommand(ctx context.Context, s *spec) (string, error) {
	entries, err := os.ReadDir(s.taskRoot)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".go") && !strings.HasSuffix(e.Name(), "_test.go") {
			return l.buildGo(ctx, s.taskRoot)
		}
	}
	candidates := []string{"bootstrap"}
	if s.handler != "" && filepath.IsLocal(s.handler) {
		candidates = append(candidates, s.handler)
	}
	for _, c := range candidates {
		p := filepath.Join(s.taskRoot, c)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", &initError{"Runtime.InvalidEntrypoint", fmt.Sprintf("no Go sources and no executable bootstrap in %s", s.taskRoot)}
}

// buildGo builds the main package in dir with -tags lambda.norpc (the
// Runtime API client only, as provided.al2023 expects) into
// CacheDir/go/<hash>/bootstrap, where hash covers the sources, the
// enclosing module's go.mod/go.sum and the Go toolchain. An unchanged
// function is therefore built once, ever; concurrent cold starts share one
// build.
func (l *Local) buildGo(ctx context.Context, dir string) (string, error) {
	key, err := l.sourceHash(dir)
	if err != nil {
		return "", err
	}
	out := filepath.Join(l.opts.CacheDir, "go", key, "bootstrap")
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	ch := l.builds.DoChan(key, func() (any, error) {
		if _, err := os.Stat(out); err == nil {
			return out, nil
		}
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return nil, err
		}
		tmp, err := os.CreateTemp(filepath.Dir(out), "bootstrap-*.tmp")
		if err != nil {
			return nil, err
		}
		tmp.Close()
		defer os.Remove(tmp.Name())
		// The build belongs to the gateway, not to the call that triggered
		// it: a cancelled request must not waste a shared build.
		cmd := exec.CommandContext(l.ctx, l.opts.GoPath, "build", "-tags", "lambda.norpc", "-o", tmp.Name(), ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if msg, err := cmd.CombinedOutput(); err != nil {
			return nil, &initError{"Runtime.BuildError", fmt.Sprintf("go build in %s: %v\n%s", dir, err, strings.TrimSpace(string(msg)))}
		}
		if err := os.Rename(tmp.Name(), out); err != nil {
			return nil, err
		}
		l.logger.Info("built Go function", "dir", dir, "bootstrap", out)
		return out, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return "", r.Err
		}
		return r.Val.(string), nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// sourceHash hashes every regular file under dir (skipping hidden
// directories, node_modules and a previously built "bootstrap"), the
// nearest go.mod/go.sum above it, the target platform and the toolchain
// binary's identity.
func (l *Local) sourceHash(dir string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s/%s lambda.norpc CGO_ENABLED=0 %s\n", runtime.GOOS, runtime.GOARCH, l.goToolID())
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != dir && (strings.HasPrefix(name, ".") || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "bootstrap" {
			return nil
		}
		return hashFile(h, rel, p)
	})
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				for _, f := range []string{"go.mod", "go.sum", "go.work", "go.work.sum"} {
					if err := hashFile(h, "module:"+f, filepath.Join(d, f)); err != nil && !errors.Is(err, fs.ErrNotExist) {
						return "", err
					}
				}
				break
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:16]), nil
}

func hashFile(h io.Writer, name, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Fprintf(h, "%s\x00", name)
	n, err := io.Copy(h, f)
	fmt.Fprintf(h, "\x00%d\n", n)
	return err
}

// goToolID identifies the go command by path, size and modification time:
// a toolchain upgrade invalidates the cache without running "go version".
func (l *Local) goToolID() string {
	p, err := exec.LookPath(l.opts.GoPath)
	if err != nil {
		return l.opts.GoPath
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	st, err := os.Stat(p)
	if err != nil {
		return p
	}
	return p + " " + strconv.FormatInt(st.Size(), 10) + " " + strconv.FormatInt(st.ModTime().UnixNano(), 10)
}
