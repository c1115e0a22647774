package function

import (
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// runtimeDirPrefix names a Local's private directory in os.TempDir:
// portcullis-runtime-<owner pid>-<owner start time>-<random>. The owner is
// in the name, not in a file inside, so there is no moment when a live
// runtime's directory looks ownerless.
const runtimeDirPrefix = "portcullis-runtime-"

func runtimeDirPattern() string {
	pid := os.Getpid()
	start, _ := processStart(pid)
	return runtimeDirPrefix + strconv.Itoa(pid) + "-" + start + "-*"
}

// removeStaleRuntimeDirs removes the runtime directories of processes that
// no longer run: a gateway killed with SIGKILL cannot remove its own.
// Directories of live processes, of other users (RemoveAll fails on them
// in a sticky /tmp) and of unknown shape are left alone.
func removeStaleRuntimeDirs(tmp string, logger *slog.Logger) {
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return
	}
	for _, e := range entries {
		pid, start, ok := parseRuntimeDir(e.Name())
		if !ok || !e.IsDir() {
			continue
		}
		if now, alive := processStart(pid); alive && now == start {
			continue
		}
		dir := filepath.Join(tmp, e.Name())
		if err := os.RemoveAll(dir); err == nil {
			logger.Info("removed the runtime directory of a gateway that is gone", "dir", dir, "pid", pid)
		}
	}
}

// parseRuntimeDir reads the owner out of a runtime directory's name; ok is
// false for names of another shape and for owners that could not be
// identified when the directory was made (an empty start time).
func parseRuntimeDir(name string) (pid int, start string, ok bool) {
	rest, ok := strings.CutPrefix(name, runtimeDirPrefix)
	if !ok {
		return 0, "", false
	}
	parts := strings.SplitN(rest, "-", 3)
	if len(parts) != 3 || parts[1] == "" {
		return 0, "", false
	}
	pid, err := strconv.Atoi(parts[0])
	if err != nil || pid <= 0 {
		return 0, "", false
	}
	return pid, parts[1], true
}
