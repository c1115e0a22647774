//go:build !unix

package function

import (
	"os"
	"os/exec"
)

func isolate(*exec.Cmd) {}

// killTree kills the worker; without process groups its children may
// survive it.
func killTree(p *os.Process) { _ = p.Kill() }
