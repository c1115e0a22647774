//go:build !unix

package function

import (
	"net/netip"
	"os/exec"
	"sync"

	"github.com/portcullis-gateway/portcullis/internal/function/runtimeapi"
)

// tree is a worker alone: without process groups its children may survive
// it.
type tree struct {
	cmd  *exec.Cmd
	once sync.Once
}

func newTree(cmd *exec.Cmd) (*tree, error) { return &tree{cmd: cmd}, nil }

func (t *tree) started() {}
func (t *tree) abandon() {}

func (t *tree) kill() { t.once.Do(func() { _ = t.cmd.Process.Kill() }) }

// peerCheck admits every local connection (see proc_unix.go).
func (t *tree) peerCheck() runtimeapi.PeerCheck {
	return func(netip.AddrPort, netip.AddrPort) error { return nil }
}

// processStart cannot tell whether a process runs here: every owner counts
// as alive and no directory is ever removed as stale.
func processStart(int) (string, bool) { return "0", true }
