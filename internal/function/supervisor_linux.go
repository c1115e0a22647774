// The worker supervisor: the process between the gateway and a worker
// that makes the worker's whole process tree end with the worker.
//
// Process groups do not hold a tree: spawn(..., {detached: true}) in Node
// and Popen(start_new_session=True) in Python put children in a session of
// their own, and a SIGKILLed gateway runs no cleanup at all. So each worker
// runs under a supervisor, the gateway's own executable started again with
// supervisorArg (re-executing /proc/self/exe works for the portcullis binary
// and for test binaries alike, even when the file was replaced):
//
//   - the supervisor makes itself a child subreaper (PR_SET_CHILD_SUBREAPER),
//     so every process the worker starts, detached or double-forked, stays
//     below it: an orphan is re-parented to the nearest subreaper ancestor,
//     not to init;
//   - it holds the read end of a pipe whose only write end is in the
//     gateway. EOF on it means "end the tree": the gateway closes it to kill
//     a worker (timeout, idle, Close), and the kernel closes it when the
//     gateway dies, by SIGKILL included;
//   - the tree also ends when the worker itself exits: a worker's background
//     children do not outlive its execution environment, as on Lambda;
//   - ending the tree is SIGKILL to every descendant, repeated until the
//     supervisor has no child left (killing a process re-parents its
//     children to the supervisor, which then sees and kills them; a child
//     forked between a scan and its parent's kill is caught by the next
//     scan);
//   - it then exits as the worker did (same code, or the same signal), so
//     the gateway reports "signal: killed" or "exit status 1" unchanged.
//
// The entry point has to run before main in whatever binary links this
// package, hence the init function below: it does nothing unless the
// process was started as a supervisor (both the argument and the
// environment marker present).

package function

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

const (
	// supervisorArg is the supervisor's first argument; its second is the
	// worker's executable, the rest the worker's argv.
	supervisorArg = "-portcullis-supervise-worker"
	// supervisorEnv marks the supervisor's environment; it is removed
	// before the worker starts.
	supervisorEnv = "PORTCULLIS_SUPERVISE_WORKER=1"
	// supervisorName is argv[0] of supervisors, as ps shows them.
	supervisorName = "portcullis-worker-supervisor"
	// controlFD is the pipe from the gateway (exec.Cmd.ExtraFiles[0]).
	controlFD = 3
	// prSetChildSubreaper is PR_SET_CHILD_SUBREAPER from <linux/prctl.h>.
	prSetChildSubreaper = 36
)

func init() {
	if len(os.Args) > 2 && os.Args[1] == supervisorArg && os.Getenv(strings.TrimSuffix(supervisorEnv, "=1")) == "1" {
		os.Exit(superviseWorker(os.Args[2], os.Args[3:]))
	}
}

type reaped struct {
	pid    int
	status syscall.WaitStatus
}

// superviseWorker runs path argv as the worker and returns the exit code to
// leave with (after re-raising the worker's signal, when it died of one).
func superviseWorker(path string, argv []string) int {
	// Pdeathsig is tied to the thread that forks: keep this goroutine on it
	// for the process's life.
	runtime.LockOSThread()
	// A terminal's ^C reaches the gateway's process group, not this one;
	// the gateway decides when the tree ends.
	signal.Ignore(syscall.SIGINT, syscall.SIGHUP, syscall.SIGPIPE)
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)

	// ps and /proc/<pid>/comm would say "exe" (the file executed was
	// /proc/self/exe); 15 bytes at most.
	name := []byte("portcullis-sup\x00")
	_, _, _ = syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_NAME, uintptr(unsafe.Pointer(&name[0])), 0) //nolint:gosec // prctl takes the name's address; the array outlives the call
	syscall.CloseOnExec(controlFD)
	control := os.NewFile(controlFD, "control")
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		fmt.Fprintf(os.Stderr, "portcullis: cannot hold the worker's process tree (PR_SET_CHILD_SUBREAPER: %v); detached children may outlive it\n", errno)
	}
	env := make([]string, 0, len(os.Environ()))
	for _, kv := range os.Environ() {
		if kv != supervisorEnv {
			env = append(env, kv)
		}
	}
	if len(argv) == 0 {
		argv = []string{path}
	}
	worker, err := syscall.ForkExec(path, argv, &syscall.ProcAttr{ //nolint:gosec // the worker command is the gateway's own runtime spec, passed by the gateway that started this supervisor
		Env:   env,
		Files: []uintptr{0, 1, 2},
		// If the supervisor itself is killed, the worker goes with it.
		Sys: &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "portcullis: starting %s: %v\n", path, err)
		return 127
	}

	// One goroutine reaps every child: the worker and the orphans the
	// worker left behind. It ends when there is no child left (ECHILD).
	reap := make(chan reaped, 16)
	go func() {
		defer close(reap)
		for {
			var ws syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &ws, 0, nil)
			if err == syscall.EINTR {
				continue
			}
			if err != nil {
				return
			}
			reap <- reaped{pid, ws}
		}
	}()
	ended := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, control) // returns at EOF: end the tree
		close(ended)
	}()

	var status syscall.WaitStatus
	known := false
	for !known {
		select {
		case r, ok := <-reap:
			if !ok {
				return 0 // unreachable: the worker is a child until reaped
			}
			if r.pid == worker {
				status, known = r.status, true
			}
		case <-ended:
			known = endTree(worker, reap, &status)
		case <-term:
			known = endTree(worker, reap, &status)
		}
	}
	var ignored syscall.WaitStatus
	endTree(0, reap, &ignored)
	if status.Signaled() {
		sig := status.Signal()
		signal.Reset(sig)
		_ = syscall.Kill(os.Getpid(), sig)
		return 128 + int(sig) // when the signal does not terminate
	}
	return status.ExitStatus()
}

// endTree SIGKILLs every descendant until none is left. When worker is
// among the reaped, its status is stored and endTree reports true.
func endTree(worker int, reap <-chan reaped, status *syscall.WaitStatus) (gotWorker bool) {
	self := os.Getpid()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		for _, pid := range descendants(self) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		select {
		case r, ok := <-reap:
			if !ok {
				return gotWorker
			}
			if worker != 0 && r.pid == worker {
				*status, gotWorker = r.status, true
			}
		case <-tick.C: // rescan: a process forked since the last scan
		}
	}
}
