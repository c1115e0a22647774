package archtest

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestOnePackageDocPerDirectory: a package says what it is exactly once,
// in doc.go (a command may say it in main.go). A second package comment in
// another file — easy to write by accident as a file's opening comment
// without the blank line before "package" — competes with it in go doc.
// A file that explains its algorithm opens with a comment separated from
// the package clause by a blank line.
func TestOnePackageDocPerDirectory(t *testing.T) {
	fset := token.NewFileSet()
	for _, p := range listPackages(t) {
		var withDoc []string
		for _, f := range p.GoFiles {
			af, err := parser.ParseFile(fset, filepath.Join(p.Dir, f), nil, parser.PackageClauseOnly|parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			if af.Doc != nil && strings.TrimSpace(af.Doc.Text()) != "" {
				withDoc = append(withDoc, f)
			}
		}
		want := "doc.go"
		if p.Name == "main" && !contains(p.GoFiles, "doc.go") {
			want = "main.go"
		}
		switch {
		case len(withDoc) == 0:
			t.Errorf("%s: no package comment; write one in %s", p.short(), want)
		case len(withDoc) > 1:
			t.Errorf("%s: %d package comments (%s); keep the one in %s and separate the others from the package clause with a blank line", p.short(), len(withDoc), strings.Join(withDoc, ", "), want)
		case withDoc[0] != want:
			t.Errorf("%s: the package comment is in %s; move it to %s", p.short(), withDoc[0], want)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
