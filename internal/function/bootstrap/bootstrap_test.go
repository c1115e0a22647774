package bootstrap

import (
	"os/exec"
	"testing"

	"github.com/portcullis-gateway/portcullis/internal/testenv"
)

// The embedded sources must parse in the interpreters that run them; a
// syntax error would surface only as every function failing to start.
func TestWriteTo_SourcesParse(t *testing.T) {
	testenv.Require(t, "node", "python3")
	node, python, err := WriteTo(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range [][]string{
		{"node", "--check", node},
		{"python3", "-c", "import ast, sys; ast.parse(open(sys.argv[1]).read())", python},
	} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			t.Errorf("%v: %v\n%s", c, err, out)
		}
	}
}
