package template

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/tools/txtar"
)

// FuzzLoad checks that no template, however malformed, makes the loader
// panic: templates are user input.
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.txtar")
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, af := range ar.Files {
			if af.Name == "template.yaml" || af.Name == "template.json" {
				f.Add(af.Data)
			}
		}
	}
	dir := f.TempDir()
	p := filepath.Join(dir, "template.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := Load(p, Options{})
		if m == nil && err == nil {
			t.Fatal("Load returned neither a model nor an error")
		}
	})
}
