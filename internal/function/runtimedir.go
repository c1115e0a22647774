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
		rest, ok := strings.CutPrefix(e.Name(), runtimeDirPrefix)
		if !ok || !e.IsDir() {
			continue
		}
		parts := strings.SplitN(rest, "-", 3)
		if len(parts) != 3 {
			continue
		}
		pid, err := strconv.Atoi(parts[0])
		if err != nil || pid <= 0 || parts[1] == "" {
			continue // not ours, or an owner that could not be identified
		}
		if start, alive := processStart(pid); alive && start == parts[1] {
			continue
		}
		dir := filepath.Join(tmp, e.Name())
		if err := os.RemoveAll(dir); err == nil {
			logger.Info("removed the runtime directory of a gateway that is gone", "dir", dir, "pid", pid)
		}
	}
}
