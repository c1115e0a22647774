//go:build unix && !linux

package function

import (
	"net/netip"
	"os/exec"
	"sync"
	"syscall"

	"github.com/portcullis-gateway/portcullis/internal/function/runtimeapi"
)

// tree is a worker and its process group. Outside Linux there is no child
// subreaper: children that leave the group (detached ones) can outlive the
// worker.
type tree struct {
	cmd  *exec.Cmd
	once sync.Once
}

func newTree(cmd *exec.Cmd) (*tree, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return &tree{cmd: cmd}, nil
}

func (t *tree) started() {}
func (t *tree) abandon() {}

// kill kills the worker's whole process group.
func (t *tree) kill() {
	t.once.Do(func() {
		_ = syscall.Kill(-t.cmd.Process.Pid, syscall.SIGKILL)
		_ = t.cmd.Process.Kill()
	})
}

// peerCheck admits every local connection: without /proc there is no
// portable way to learn which process holds a TCP socket. The Runtime API
// is restricted to its own workers on Linux only.
func (t *tree) peerCheck() runtimeapi.PeerCheck {
	return func(netip.AddrPort, netip.AddrPort) error { return nil }
}

// processStart reports whether pid runs; without /proc there is no start
// time to tell a reused pid apart, so it is always "0".
func processStart(pid int) (string, bool) {
	err := syscall.Kill(pid, 0)
	return "0", err == nil || err == syscall.EPERM
}
