package template

import (
	"flag"
	"github.com/portcullis-gateway/portcullis/internal/testenv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
)

var update = flag.Bool("update", false, "rewrite the want section of testdata/*.txtar")

// TestGolden loads every testdata/*.txtar case: its files are written to a
// temporary directory, template.yaml (or template.json) is loaded with the
// options in the "options" file, and the rendered model or error list must
// equal the "want" section.
//
// The options file holds one setting per line: "override K=V",
// "import NAME=VALUE", "region R", "account A", "stack S".
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			var opts Options
			var want *txtar.File
			tmpl := ""
			for i := range ar.Files {
				f := &ar.Files[i]
				switch f.Name {
				case "want":
					want = f
					continue
				case "options":
					opts = parseTestOptions(t, string(f.Data))
					continue
				case "template.yaml", "template.json":
					tmpl = f.Name
				}
				p := filepath.Join(dir, f.Name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, f.Data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if tmpl == "" {
				t.Fatal("case has no template.yaml or template.json")
			}
			wd, _ := os.Getwd()
			if err := os.Chdir(dir); err != nil {
				t.Fatal(err)
			}
			m, err := Load(tmpl, opts)
			if err := os.Chdir(wd); err != nil {
				t.Fatal(err)
			}
			got := render(m, err, dir)
			if *update {
				if want == nil {
					ar.Files = append(ar.Files, txtar.File{Name: "want"})
					want = &ar.Files[len(ar.Files)-1]
				}
				want.Data = []byte(got)
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want == nil {
				t.Fatal("case has no want section (run with -update)")
			}
			if diff := cmp.Diff(string(want.Data), got); diff != "" {
				t.Errorf("model mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func parseTestOptions(t *testing.T, s string) Options {
	t.Helper()
	opts := Options{ParameterOverrides: map[string]string{}, Imports: map[string]string{}}
	for _, line := range strings.Split(s, "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch k {
		case "":
		case "override":
			kk, vv, _ := strings.Cut(v, "=")
			opts.ParameterOverrides[kk] = vv
		case "import":
			kk, vv, _ := strings.Cut(v, "=")
			opts.Imports[kk] = vv
		case "region":
			opts.Region = v
		case "account":
			opts.AccountID = v
		case "stack":
			opts.StackName = v
		default:
			t.Fatalf("unknown option %q", line)
		}
	}
	return opts
}

// render prints a model as a stable, reviewable table.
func render(m *apimodel.Model, err error, dir string) string {
	return testenv.RenderModel(m, err, dir, "$WORK")
}
