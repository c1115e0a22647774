package bootstrap

import (
	_ "embed"
	"os"
	"path/filepath"
)

// Node is the Node.js bootstrap (CommonJS; it loads ES module handlers with
// dynamic import).
//
//go:embed bootstrap.js
var Node []byte

// Python is the Python 3 bootstrap.
//
//go:embed bootstrap.py
var Python []byte

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
	if err := os.WriteFile(node, Node, 0o644); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(python, Python, 0o644); err != nil {
		return "", "", err
	}
	return node, python, nil
}
