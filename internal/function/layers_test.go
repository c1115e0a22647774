package function

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
)

// Layers with local content are read where Lambda mounts them under /opt
// (https://docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html,
// "Layer paths for each Lambda runtime"): python/ and
// python/lib/pythonX.Y/site-packages for Python, nodejs/node_modules and
// nodejs/nodeNN/node_modules for Node.js; a later layer wins over an
// earlier one, as its files overwrite the earlier layer's in /opt.
func TestLocal_Layers_ImportedFromWhereLambdaMountsThem(t *testing.T) {
	for _, tool := range []string{"node", "python3"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not on PATH", tool)
		}
	}
	tree := func(files map[string]string) string {
		dir := t.TempDir()
		for name, body := range files {
			p := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	first := tree(map[string]string{
		"python/shared.py": "WHO = 'first'\n",
		"python/lib/python3.12/site-packages/pkgdep.py": "NAME = 'site-packages'\n",
		"nodejs/node_modules/shared/index.js":           "module.exports = 'first';\n",
		"nodejs/node20/node_modules/versioned/index.js": "module.exports = 'node20';\n",
	})
	second := tree(map[string]string{
		"python/shared.py":                    "WHO = 'second'\n",
		"nodejs/node_modules/shared/index.js": "module.exports = 'second';\n",
	})
	l := newLocal(t, LocalOptions{})
	py := &apimodel.Function{LogicalID: "PyLayers", Runtime: "python3.12", Handler: "app.handler", LayerDirs: []string{first, second},
		CodeDir: tree(map[string]string{"app.py": "import shared, pkgdep\ndef handler(e, c):\n    return {'who': shared.WHO, 'dep': pkgdep.NAME}\n"})}
	node := &apimodel.Function{LogicalID: "NodeLayers", Runtime: "nodejs20.x", Handler: "index.handler", LayerDirs: []string{first, second},
		CodeDir: tree(map[string]string{"index.js": "exports.handler = async () => ({who: require('shared'), versioned: require('versioned')});\n"})}
	for _, tt := range []struct {
		fn   *apimodel.Function
		want map[string]any
	}{
		{py, map[string]any{"who": "second", "dep": "site-packages"}},
		{node, map[string]any{"who": "second", "versioned": "node20"}},
	} {
		t.Run(tt.fn.LogicalID, func(t *testing.T) {
			res := invoke(t, l, tt.fn, `{}`)
			if res.FunctionError != "" {
				t.Fatalf("function error: %s", res.Payload)
			}
			if diff := cmp.Diff(any(tt.want), decode(t, res.Payload)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
