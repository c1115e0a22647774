package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// descendantsOf lists every process below pid, from /proc.
func descendantsOf(t *testing.T, pid int) []procChild {
	t.Helper()
	var out []procChild
	queue := []int{pid}
	for len(queue) > 0 {
		for _, c := range children(t, queue[0]) {
			out = append(out, c)
			queue = append(queue, c.pid)
		}
		queue = queue[1:]
	}
	return out
}

// running reports whether pid is a live process (a zombie is not).
func running(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || len(s) < i+3 || (s[i+2] != 'Z' && s[i+2] != 'X')
}

func runtimeDirs(t *testing.T, tmp string) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(tmp, "portcullis-runtime-*"))
	if err != nil {
		t.Fatal(err)
	}
	return dirs
}

// waitUntil polls cond for up to 20 s: processes take a moment to die and
// be reaped.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

// No orphans, ever: functions whose handlers leave detached children
// behind (Node's spawn(..., {detached: true}), Python's
// Popen(start_new_session=True) and a double-forked daemon) run in a real
// `portcullis serve`; after SIGTERM, SIGINT or SIGKILL of the gateway not
// one process it started, directly or not, is left, and its runtime
// directory is gone (after SIGKILL, at the next start).
func TestServe_NoProcessOutlivesTheGateway_DetachedChildrenIncluded(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			g := startServe(t, "-t", "testdata/orphans/template.yaml", "--port", "0", "--admin-addr", "127.0.0.1:0")
			var detached []int
			for _, path := range []string{"/node", "/python"} {
				r := get(t, g.base+path, nil)
				var body struct{ PIDs []int }
				if err := json.Unmarshal([]byte(r.body), &body); r.status != 200 || err != nil || len(body.PIDs) == 0 {
					t.Fatalf("GET %s = %d %s, want the detached children's pids; stderr:\n%s", path, r.status, r.body, g.stderr)
				}
				detached = append(detached, body.PIDs...)
			}
			tree := descendantsOf(t, g.cmd.Process.Pid)
			for _, pid := range detached {
				if !running(pid) {
					t.Fatalf("detached child %d is not running before the signal", pid)
				}
			}
			if dirs := runtimeDirs(t, tmp); len(dirs) != 1 {
				t.Fatalf("runtime directories = %v, want one", dirs)
			}
			t.Logf("gateway %d: tree %v, detached %v", g.cmd.Process.Pid, tree, detached)

			if err := g.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			<-g.exited
			if sig != syscall.SIGKILL && g.waitErr != nil {
				t.Errorf("after %v: %v, want exit status 0; stderr:\n%s", sig, g.waitErr, g.stderr)
			}
			pids := detached
			for _, c := range tree {
				pids = append(pids, c.pid)
			}
			for _, pid := range pids {
				waitUntil(t, fmt.Sprintf("pid %d to end after %v of the gateway", pid, sig), func() bool { return !running(pid) })
			}

			if sig != syscall.SIGKILL {
				if dirs := runtimeDirs(t, tmp); len(dirs) != 0 {
					t.Errorf("after %v the runtime directories %v remain", sig, dirs)
				}
				return
			}
			stale := runtimeDirs(t, tmp)
			next := startServe(t, "-t", "testdata/orphans/template.yaml", "--port", "0", "--admin-addr", "127.0.0.1:0")
			for _, d := range stale {
				if _, err := os.Stat(d); err == nil {
					t.Errorf("the next start kept the stale runtime directory %s", d)
				}
			}
			if err := next.stop(); err != nil {
				t.Errorf("second gateway: %v", err)
			}
		})
	}
}
