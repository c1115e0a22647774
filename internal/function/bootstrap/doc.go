// Package bootstrap embeds the runtime bootstraps Portcullis runs in place
// of the managed Lambda runtimes: bootstrap.js for nodejs* functions and
// bootstrap.py for python3* functions. Each is a small standard-library-only
// client of the Lambda Runtime API (package runtimeapi is the server) that
// loads the user's handler the way the managed runtime does and reports
// results and errors in the same JSON shapes (AWS Lambda Developer Guide,
// "Lambda runtimes" and "Building Lambda functions with Node.js / Python").
//
// Go and provided.* functions need no bootstrap: aws-lambda-go speaks the
// Runtime API itself.
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
