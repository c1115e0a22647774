package redistest

import (
	"testing"

	"bufio"
	"fmt"
	"github.com/portcullis-gateway/portcullis/internal/testenv"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// TB is the part of testing.TB the server needs.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
	Logf(format string, args ...any)
	Cleanup(func())
	TempDir() string
}

// Server is one redis-server process.
type Server struct {
	t    TB
	bin  string
	dir  string
	port int

	persist bool

	mu  sync.Mutex
	cmd *exec.Cmd
}

// Start starts a server and registers its shutdown with t.Cleanup.
func Start(t TB) *Server {
	t.Helper()
	s := &Server{t: t, bin: lookPath(t, "redis-server"), dir: t.TempDir(), port: freePort(t)}
	s.start()
	t.Cleanup(s.Stop)
	return s
}

// StartPersistent starts a server that writes every command to its
// append-only file before answering, so that Kill and Restart keep the
// data, as a crashed and restarted production server (or a network
// partition) does.
func StartPersistent(t TB) *Server {
	t.Helper()
	s := &Server{t: t, bin: lookPath(t, "redis-server"), dir: t.TempDir(), port: freePort(t), persist: true}
	s.start()
	t.Cleanup(s.Stop)
	return s
}

// lookPath finds a Redis binary, skipping the test without it (failing it
// when CI is set). PORTCULLIS_TEST_REDIS_SERVER names another server binary
// that speaks the protocol, such as valkey-server, to run the same tests
// against it.
func lookPath(t TB, name string) string {
	t.Helper()
	if alt := os.Getenv("PORTCULLIS_TEST_REDIS_SERVER"); alt != "" && name == "redis-server" {
		name = alt
	}
	if tb, ok := t.(testing.TB); ok {
		testenv.Require(tb, name) // skips locally, fails in CI
	}
	bin, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return bin
}

// Addr is host:port of the server.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// URL is the redis:// URL of database 0.
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }

// Kill stops the server abruptly, as a crash would.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Stop stops the server; it is safe to call more than once.
func (s *Server) Stop() { s.Kill() }

// Restart starts the server again on the same port: empty, or with its
// data for a server from StartPersistent.
func (s *Server) Restart() {
	s.t.Helper()
	s.Kill()
	s.start()
}

func (s *Server) start() {
	s.t.Helper()
	args := []string{
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", s.dir,
		"--loglevel", "warning",
	}
	if s.persist {
		args = append(args, "--appendonly", "yes", "--appendfsync", "always")
	}
	cmd := exec.Command(s.bin, args...)
	cmd.Dir = s.dir
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start redis-server: %v", err)
	}
	s.mu.Lock()
	s.cmd = cmd
	s.mu.Unlock()
	// Binding a port that another process grabbed in the meantime shows up
	// as a server that never answers; ten seconds is far beyond a normal
	// start.
	if err := waitPing(s.Addr(), 10*time.Second); err != nil {
		s.Kill()
		s.t.Fatalf("redis-server on %s did not answer PING: %v", s.Addr(), err)
	}
}

func waitPing(addr string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		err := ping(addr)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func ping(addr string) error {
	line, err := command(addr, "PING")
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") {
		return fmt.Errorf("unexpected reply %q", line)
	}
	return nil
}

// command sends one inline command and returns the first line of the
// reply, or the whole of a bulk reply.
func command(addr, cmd string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte(cmd + "\r\n")); err != nil {
		return "", err
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(line, "$") {
		n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
		if err != nil || n < 0 {
			return line, nil
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(r, b); err != nil {
			return "", err
		}
		return string(b[:n]), nil
	}
	return line, nil
}

func freePort(t TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
