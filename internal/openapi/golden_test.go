package openapi

import (
	"flag"
	"github.com/portcullis-gateway/portcullis/internal/testenv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the want file of every testdata/*.txtar case")

// TestLoad_Golden loads every testdata/*.txtar case: the archive holds one
// document (any name but "want") and "want", the route, authorizer and
// gateway-response table the document deploys, or the errors it is refused
// with. A comment line "options: stage=NAME var.KEY=VALUE" sets Options.
func TestLoad_Golden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("found %d golden cases, want at least 10", len(files))
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			ar := txtar.Parse(data)
			var input *txtar.File
			wantAt := -1
			for i := range ar.Files {
				if ar.Files[i].Name == "want" {
					wantAt = i
				} else if input == nil {
					input = &ar.Files[i]
				}
			}
			if input == nil {
				t.Fatal("archive has no input document")
			}
			opts := Options{File: input.Name}
			for _, line := range strings.Split(string(ar.Comment), "\n") {
				rest, ok := strings.CutPrefix(line, "options:")
				if !ok {
					continue
				}
				for _, kv := range strings.Fields(rest) {
					k, v, _ := strings.Cut(kv, "=")
					switch {
					case k == "stage":
						opts.StageName = v
					case strings.HasPrefix(k, "var."):
						if opts.StageVariables == nil {
							opts.StageVariables = map[string]string{}
						}
						opts.StageVariables[strings.TrimPrefix(k, "var.")] = v
					default:
						t.Fatalf("unknown option %q", k)
					}
				}
			}
			path := filepath.Join(t.TempDir(), input.Name)
			if err := os.WriteFile(path, input.Data, 0o600); err != nil {
				t.Fatal(err)
			}
			m, err := Load(path, opts)
			got := render(m, err)

			if *update {
				f := txtar.File{Name: "want", Data: []byte(got)}
				if wantAt >= 0 {
					ar.Files[wantAt] = f
				} else {
					ar.Files = append(ar.Files, f)
				}
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if wantAt < 0 {
				t.Fatal("archive has no want file; run go test -update")
			}
			if diff := cmp.Diff(string(ar.Files[wantAt].Data), got); diff != "" {
				t.Errorf("Load(%s) mismatch (-want +got):\n%s", input.Name, diff)
			}
		})
	}
}

// render prints what a document deploys as a table a reviewer can read
// against the document.
func render(m *apimodel.Model, err error) string {
	return testenv.RenderModel(m, err)
}
