//go:build linux

package function

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"

	"github.com/portcullis-gateway/portcullis/internal/function/runtimeapi"
)

// tree is a worker's process tree: its supervisor (see supervisor_linux.go)
// and everything below it.
type tree struct {
	cmd     *exec.Cmd
	control *os.File // write end of the supervisor's pipe; closing it ends the tree
	child   *os.File // the supervisor's end, closed here once it started
	once    sync.Once
}

// newTree turns cmd, a worker's command, into its supervisor's: same
// directory, environment and output, its executable and argv passed as
// arguments.
func newTree(cmd *exec.Cmd) (*tree, error) {
	if cmd.Err != nil {
		return nil, cmd.Err
	}
	path := cmd.Path
	if !filepath.IsAbs(path) && cmd.Dir != "" {
		path = filepath.Join(cmd.Dir, path)
	}
	// Checked here so a missing or non-executable file is a start error,
	// as with a direct exec, rather than a supervisor that exits.
	if st, err := os.Stat(path); err != nil {
		return nil, err
	} else if st.IsDir() || st.Mode()&0o111 == 0 {
		return nil, &os.PathError{Op: "exec", Path: path, Err: syscall.EACCES}
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd.Args = append([]string{supervisorName, supervisorArg, path}, cmd.Args...)
	cmd.Path = "/proc/self/exe"
	cmd.Env = append(cmd.Env[:len(cmd.Env):len(cmd.Env)], supervisorEnv)
	cmd.ExtraFiles = []*os.File{r}
	// A process group of its own keeps the terminal's ^C away from the
	// tree: the gateway decides when it ends.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return &tree{cmd: cmd, control: w, child: r}, nil
}

// started releases what only the supervisor needed.
func (t *tree) started() { t.child.Close() }

// abandon releases everything of a tree whose supervisor did not start.
func (t *tree) abandon() {
	t.child.Close()
	t.control.Close()
}

// kill ends the whole tree; the supervisor exits once it is gone.
func (t *tree) kill() {
	t.once.Do(func() { t.control.Close() })
}

var errNotInTree = errors.New("the connecting socket is not held by the worker or its descendants")

// peerCheck admits a Runtime API connection only when the socket that
// connected is held by a process of this tree. The supervisor is the
// gateway's child and is not reaped before the tree has ended, so its pid
// cannot be reused meanwhile; below it, the subreaper keeps even orphaned
// processes in the tree.
func (t *tree) peerCheck() runtimeapi.PeerCheck {
	root := t.cmd.Process.Pid
	return func(local, remote netip.AddrPort) error {
		inode, err := socketInode(remote, local)
		if err != nil {
			return err
		}
		for _, pid := range append(descendants(root), root) {
			if holdsSocket(pid, inode) {
				return nil
			}
		}
		return fmt.Errorf("%w (socket inode %d)", errNotInTree, inode)
	}
}

// processStart identifies a running process: its start time, which a later
// process reusing the pid does not share.
func processStart(pid int) (string, bool) { return startTime(pid) }
