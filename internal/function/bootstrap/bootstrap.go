package bootstrap

import (
	_ "embed"
	"os"
	"path/filepath"
)

// nodeSource is the Node.js bootstrap (CommonJS; it loads ES module
// handlers with dynamic import). Unexported so nothing can alter it.
//
//go:embed bootstrap.js
var nodeSource []byte

// pythonSource is the Python 3 bootstrap.
//
//go:embed bootstrap.py
var pythonSource []byte

// File names the bootstraps are written under. ".cjs" keeps the Node
// bootstrap CommonJS whatever package.json sits above it; the Python
// bootstrap filters its own frames out of stack traces by its name.
const (
	NodeFile   = "bootstrap.cjs"
	PythonFile = "bootstrap.py"
)

// WriteTo writes both bootstraps into dir and returns their paths.
func WriteTo(dir string) (node, python string, err error) {
	node = filepath.Join(dir, NodeFile)
	python = filepath.Join(dir, PythonFile)
	if err := os.WriteFile(node, nodeSource, 0o644); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(python, pythonSource, 0o644); err != nil {
		return "", "", err
	}
	return node, python, nil
}
