package archtest

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/deps.txt from the binary's current module list")

const inventory = "testdata/deps.txt"

// TestDependencyInventory compares the modules linked into the portcullis
// binary (go list -deps ./cmd/portcullis, module level) with the
// checked-in inventory, so that a new module or a version change is a
// visible diff in review, and each module carries the reason it is
// there. -update rewrites the list, keeping existing reasons and marking
// a new direct dependency "TODO"; the test fails until the TODO is
// replaced by a reason (an indirect module's reason is the module that
// needs it).
func TestDependencyInventory(t *testing.T) {
	got := binaryModules(t)
	want, reasons := readInventory(t)
	if *update {
		writeInventory(t, got, reasons)
		return
	}
	var diff []string
	for _, m := range got {
		if !slices.Contains(want, m) {
			diff = append(diff, "+ "+m)
		}
	}
	for _, m := range want {
		if !slices.Contains(got, m) {
			diff = append(diff, "- "+m)
		}
	}
	if len(diff) > 0 {
		t.Errorf("the binary's modules differ from %s (+ linked now, - listed):\n%s\nreview the change, then run: go test ./internal/archtest -run TestDependencyInventory -update, and give each new module its reason", inventory, strings.Join(diff, "\n"))
	}
	for _, m := range want {
		if r := reasons[modulePath(m)]; r == "" || strings.HasPrefix(r, "TODO") {
			t.Errorf("%s: %s has no reason; say why the binary needs it", inventory, modulePath(m))
		}
	}
}

// binaryModules is "path version" of every module the binary links,
// except the main module, sorted.
func binaryModules(t *testing.T) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-f", "{{with .Module}}{{if not .Main}}{{.Path}} {{.Version}}{{end}}{{end}}", "./cmd/portcullis")
	cmd.Dir = repoRoot(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	var mods []string
	for _, line := range strings.Split(string(out), "\n") {
		if line = strings.TrimSpace(line); line != "" && !slices.Contains(mods, line) {
			mods = append(mods, line)
		}
	}
	slices.Sort(mods)
	return mods
}

func modulePath(m string) string { p, _, _ := strings.Cut(m, " "); return p }

// readInventory reads "path version — reason" lines; # starts a comment.
func readInventory(t *testing.T) (mods []string, reasons map[string]string) {
	t.Helper()
	reasons = map[string]string{}
	data, err := os.ReadFile(inventory)
	if err != nil {
		if *update && os.IsNotExist(err) {
			return nil, reasons
		}
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		mod, reason, _ := strings.Cut(line, " — ")
		f := strings.Fields(mod)
		if len(f) != 2 {
			t.Fatalf("%s:%d: want \"module version — reason\", got %q", inventory, n, line)
		}
		mods = append(mods, f[0]+" "+f[1])
		reasons[f[0]] = strings.TrimSpace(reason)
	}
	return mods, reasons
}

func writeInventory(t *testing.T, mods []string, reasons map[string]string) {
	t.Helper()
	direct := directRequirements(t)
	needs := moduleGraph(t)
	var b strings.Builder
	b.WriteString(`# The modules linked into the portcullis binary, one per line:
#   module version — why the binary needs it
# internal/archtest's TestDependencyInventory compares this list with
# go list -deps ./cmd/portcullis. After a deliberate change run
#   go test ./internal/archtest -run TestDependencyInventory -update
# and replace every TODO with the reason.
`)
	for _, m := range mods {
		p := modulePath(m)
		r := reasons[p]
		if r == "" {
			if direct[p] {
				r = "TODO: say why"
			} else {
				r = "via " + strings.Join(needs(p, mods), ", ")
			}
		}
		fmt.Fprintf(&b, "%s — %s\n", m, r)
	}
	if err := os.WriteFile(filepath.FromSlash(inventory), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// directRequirements are the modules go.mod requires without // indirect.
func directRequirements(t *testing.T) map[string]bool {
	t.Helper()
	cmd := exec.Command("go", "list", "-m", "-f", "{{if not .Indirect}}{{.Path}}{{end}}", "all")
	cmd.Dir = repoRoot(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	direct := map[string]bool{}
	for _, p := range strings.Fields(string(out)) {
		direct[p] = true
	}
	return direct
}

// moduleGraph returns a function naming the linked modules that require
// a module, from go mod graph.
func moduleGraph(t *testing.T) func(path string, linked []string) []string {
	t.Helper()
	cmd := exec.Command("go", "mod", "graph")
	cmd.Dir = repoRoot(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go mod graph: %v", err)
	}
	requiredBy := map[string][]string{}
	for _, line := range strings.Split(string(out), "\n") {
		from, to, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		fp, _, _ := strings.Cut(from, "@")
		tp, _, _ := strings.Cut(to, "@")
		if !slices.Contains(requiredBy[tp], fp) {
			requiredBy[tp] = append(requiredBy[tp], fp)
		}
	}
	return func(path string, linked []string) []string {
		var by []string
		for _, p := range requiredBy[path] {
			for _, m := range linked {
				if modulePath(m) == p && !slices.Contains(by, p) {
					by = append(by, p)
				}
			}
		}
		if len(by) == 0 {
			return []string{"(no linked module requires it)"}
		}
		slices.Sort(by)
		return by
	}
}
