//go:build unix && !linux

package function

import (
	"os"
	"os/exec"
	"syscall"
)

// isolate puts the worker in a process group of its own, so a kill reaches
// everything the handler spawned.
func isolate(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killTree kills the worker's whole process group.
func killTree(p *os.Process) {
	_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
	_ = p.Kill()
}
