//go:build linux

package function

import (
	"os"
	"os/exec"
	"syscall"
)

// isolate puts the worker in a process group of its own, so a kill reaches
// everything the handler spawned, and asks the kernel to kill the worker if
// the gateway dies without running Close.
func isolate(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// killTree kills the worker's whole process group.
func killTree(p *os.Process) {
	_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
	_ = p.Kill()
}
