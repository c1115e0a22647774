package function

import (
	"fmt"
	"os/exec"
	"strconv"
	"time"
)

// DebugOptions attach a debugger to the workers of one function, as SAM
// CLI's --debug-function and --debug-port do: Node.js runs under
// --inspect, Python under debugpy, Go under Delve (dlv exec --headless).
// The function gets one worker, and its timeouts (init and invocation)
// are suspended, so that a breakpoint does not get the worker killed.
type DebugOptions struct {
	// Function is the function's name or logical id; "" debugs nothing.
	Function string
	// Port is where the debugger listens, on 127.0.0.1.
	Port int
	// DelvePath names the dlv command; "" looks it up in PATH.
	DelvePath string
}

// debugTimeout stands for "no timeout" while a debugger may hold the
// worker at a breakpoint.
const debugTimeout = 24 * time.Hour

func (o DebugOptions) matches(name, logicalID string) bool {
	return o.Function != "" && (o.Function == name || o.Function == logicalID)
}

func (o DebugOptions) addr() string { return "127.0.0.1:" + strconv.Itoa(o.Port) }

// debugSpec turns s into the spec of a debugged function. A debugger that
// is not installed is an init error that says how to install it.
func (l *Local) debugSpec(s *spec) error {
	d := l.opts.Debug
	if d.Port <= 0 || d.Port > 65535 {
		return &initError{"Runtime.InvalidEntrypoint", fmt.Sprintf("--debug-port %d is not a port", d.Port)}
	}
	s.debug = true
	s.timeout = int(debugTimeout / time.Second)
	switch s.kind {
	case runtimeNode:
		s.args = append([]string{"--inspect=" + d.addr()}, s.args...)
	case runtimePython:
		if err := exec.Command(s.path, "-c", "import debugpy").Run(); err != nil {
			return &initError{"Runtime.InvalidEntrypoint", "debugging " + s.name + " needs debugpy in " + s.path + ": pip install debugpy"}
		}
		s.args = append([]string{"-m", "debugpy", "--listen", d.addr()}, s.args...)
	case runtimeNative:
		dlv := d.DelvePath
		if dlv == "" {
			dlv = "dlv"
		}
		p, err := exec.LookPath(dlv)
		if err != nil {
			return &initError{"Runtime.InvalidEntrypoint", "debugging " + s.name + " needs Delve: go install github.com/go-delve/delve/cmd/dlv@latest"}
		}
		s.delve = p
	}
	return nil
}

// delveCommand wraps a native executable in a headless Delve server that
// runs it at once and accepts IDE clients.
func (s *spec) delveCommand(exe string, addr string) (string, []string) {
	return s.delve, []string{"exec", "--headless", "--listen=" + addr, "--api-version=2", "--accept-multiclient", "--continue", exe}
}
