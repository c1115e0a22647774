package function

import (
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
)

var detachedLine = regexp.MustCompile(`detached (\d+)$`)

// detachedPIDs returns the pids the spawnDetached handlers logged.
func (l *logs) detachedPIDs() []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	var pids []int
	for _, r := range l.records {
		if m := detachedLine.FindStringSubmatch(r.Message); m != nil {
			pid, _ := strconv.Atoi(m[1])
			pids = append(pids, pid)
		}
	}
	return pids
}

// Children a handler starts detached (Node's spawn(..., {detached: true}),
// Python's Popen(start_new_session=True), a double-forked daemon) leave
// the worker's process group; they must end with the worker all the same:
// when it times out, when it exits, and when the runtime closes.
func TestLocal_DetachedChildren_EndWithTheWorker(t *testing.T) {
	if _, err := exec.LookPath("sleep"); err != nil {
		t.Skip("no sleep command")
	}
	fns := map[string]func(t testing.TB) *apimodel.Function{
		"Node":   func(t testing.TB) *apimodel.Function { return nodeFn(t, "index.spawnDetached") },
		"Python": func(t testing.TB) *apimodel.Function { return pythonFn(t, "app.spawn_detached") },
	}
	wantChildren := map[string]int{"Node": 1, "Python": 2}
	for name, newFn := range fns {
		for _, end := range []string{"timeout", "exit", "close"} {
			t.Run(name+"/"+end, func(t *testing.T) {
				rec := &logs{}
				l, err := NewLocal(LocalOptions{CacheDir: goCache(t), Logger: slog.New(rec)})
				if err != nil {
					t.Fatal(err)
				}
				defer l.Close()
				fn := newFn(t)
				fn.TimeoutSeconds = 1
				switch end {
				case "timeout":
					_, err = l.Invoke(t.Context(), fn, []byte(`{"then":"hang"}`))
					if !IsKind(err, KindTimeout) {
						t.Fatalf("err = %v, want KindTimeout", err)
					}
				case "exit":
					_, err = l.Invoke(t.Context(), fn, []byte(`{"then":"exit"}`))
					if !IsKind(err, KindExit) {
						t.Fatalf("err = %v, want KindExit", err)
					}
				case "close":
					invoke(t, l, fn, `{}`)
					waitFor(t, "the handler's log", func() bool { return len(rec.detachedPIDs()) == wantChildren[name] })
					if err := l.Close(); err != nil {
						t.Fatal(err)
					}
				}
				// The log pump may still be reading what a dead worker wrote.
				waitFor(t, "the handler's log", func() bool { return len(rec.detachedPIDs()) >= wantChildren[name] })
				pids := rec.detachedPIDs()
				if len(pids) != wantChildren[name] {
					t.Fatalf("the handler logged children %v, want %d", pids, wantChildren[name])
				}
				for _, pid := range pids {
					waitFor(t, fmt.Sprintf("detached pid %d to be gone", pid), func() bool { return processGone(pid) })
				}
			})
		}
	}
}

// A gateway killed with SIGKILL leaves its runtime directory behind; the
// next runtime to start removes every directory whose owner no longer
// runs, and only those.
func TestNewLocal_RemovesRuntimeDirsOfGoneOwners(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	parent := os.Getppid()
	parentStart, ok := processStart(parent)
	if !ok {
		t.Fatal("cannot read the start time of the test's parent")
	}
	dirs := map[string]bool{ // name -> kept
		runtimeDirPrefix + strconv.Itoa(gone.Process.Pid) + "-12345-abc":     false, // owner exited
		runtimeDirPrefix + strconv.Itoa(parent) + "-1-abc":                   false, // pid reused by another process
		runtimeDirPrefix + strconv.Itoa(parent) + "-" + parentStart + "-abc": true,  // owner alive
		runtimeDirPrefix + "123":            true, // an unknown shape
		runtimeDirPrefix + "999999999--abc": true, // owner not identified
		"portcullis-functions":              true,
	}
	for d := range dirs {
		if err := os.MkdirAll(filepath.Join(tmp, d, "node"), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	l, err := NewLocal(LocalOptions{CacheDir: goCache(t)})
	if err != nil {
		t.Fatal(err)
	}
	own := l.dir
	for d, kept := range dirs {
		_, err := os.Stat(filepath.Join(tmp, d))
		if got := err == nil; got != kept {
			t.Errorf("%s: kept = %v, want %v", d, got, kept)
		}
	}
	if filepath.Dir(own) != tmp || !regexp.MustCompile(`^portcullis-runtime-`+strconv.Itoa(os.Getpid())+`-\d+-\d+$`).MatchString(filepath.Base(own)) {
		t.Errorf("runtime dir %s is not named after its owner", own)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(own); err == nil {
		t.Errorf("Close left %s", own)
	}
}
