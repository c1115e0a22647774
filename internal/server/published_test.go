package server

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var updatePublished = flag.Bool("update-published", false, "rewrite testdata/published/*/want")

// TestPublishedTemplates: templates published by AWS and others
// (testdata/published/SOURCES.md names each, with its licence) either load
// and compile, as validate and serve do, with the route table AWS deploys
// for them, or are refused with every reason positioned at file:line:col
// (issue 12). want holds the outcome: the route table per API, or the
// errors.
func TestPublishedTemplates(t *testing.T) {
	dirs, err := filepath.Glob("testdata/published/*/template.yaml")
	if err != nil || len(dirs) < 30 {
		t.Fatalf("want at least 30 published templates, found %d (%v)", len(dirs), err)
	}
	positioned := regexp.MustCompile(`^testdata/published/[^/]+/template\.yaml:\d+:\d+: `)
	loaded, refused := 0, 0
	for _, tmpl := range dirs {
		dir := filepath.Dir(tmpl)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			m, _, err := Check(context.Background(), Config{DefinitionPath: tmpl})
			var b strings.Builder
			if err != nil {
				refused++
				for _, line := range Diagnostics(err) {
					if !positioned.MatchString(line) {
						t.Errorf("refusal without a position: %s", line)
					}
					fmt.Fprintf(&b, "error %s\n", strings.TrimPrefix(line, dir+"/"))
				}
			} else {
				loaded++
				for _, a := range m.APIs {
					var stages []string
					for _, st := range a.Stages {
						stages = append(stages, st.Name)
					}
					fmt.Fprintf(&b, "api %s stages=%s\n", a.LogicalID, strings.Join(stages, ","))
					for _, line := range RouteTable(a) {
						fmt.Fprintf(&b, "  %s\n", strings.TrimRight(line, " "))
					}
				}
			}
			want := filepath.Join(dir, "want")
			if *updatePublished {
				if err := os.WriteFile(want, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			w, err := os.ReadFile(want)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(w), b.String()); diff != "" {
				t.Errorf("outcome (-want +got):\n%s", diff)
			}
		})
	}
	t.Logf("published templates: %d load, %d refused with positioned reasons", loaded, refused)
}
