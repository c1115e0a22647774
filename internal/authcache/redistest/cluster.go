package redistest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Cluster is a Redis Cluster of primaries without replicas, each a
// redis-server process on 127.0.0.1, joined with
// `redis-cli --cluster create ... --cluster-replicas 0 --cluster-yes`.
type Cluster struct {
	t     TB
	ports []int

	mu   sync.Mutex
	cmds []*exec.Cmd
}

// StartCluster starts n primaries (at least 3, as redis-cli requires),
// creates the cluster, waits until every node reports cluster_state:ok, and
// registers the shutdown with t.Cleanup.
func StartCluster(t TB, n int) *Cluster {
	t.Helper()
	bin := lookPath(t, "redis-server")
	cli := lookPath(t, "redis-cli")
	c := &Cluster{t: t, ports: clusterPorts(t, n), cmds: make([]*exec.Cmd, n)}
	t.Cleanup(c.Stop)
	for i, port := range c.ports {
		dir := t.TempDir()
		cmd := exec.Command(bin,
			"--port", strconv.Itoa(port),
			"--bind", "127.0.0.1",
			"--save", "",
			"--appendonly", "no",
			"--dir", dir,
			"--loglevel", "warning",
			"--cluster-enabled", "yes",
			"--cluster-config-file", filepath.Join(dir, "nodes.conf"),
			// A killed primary is noticed within a second, so the test
			// sees the cluster refuse its slots rather than hang.
			"--cluster-node-timeout", "1000",
		)
		cmd.Dir = dir
		if err := cmd.Start(); err != nil {
			t.Fatalf("start redis-server: %v", err)
		}
		c.mu.Lock()
		c.cmds[i] = cmd
		c.mu.Unlock()
	}
	for _, a := range c.Addrs() {
		if err := waitPing(a, 10*time.Second); err != nil {
			t.Fatalf("cluster node %s did not answer PING: %v", a, err)
		}
	}
	args := append([]string{"--cluster", "create"}, c.Addrs()...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	deadline := time.Now().Add(15 * time.Second)
	for _, a := range c.Addrs() {
		for {
			info, err := command(a, "CLUSTER INFO")
			if err == nil && strings.Contains(info, "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("cluster node %s not ok: %v %q", a, err, info)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return c
}

// Addrs are the nodes' host:port, in start order.
func (c *Cluster) Addrs() []string {
	out := make([]string, len(c.ports))
	for i, p := range c.ports {
		out[i] = net.JoinHostPort("127.0.0.1", strconv.Itoa(p))
	}
	return out
}

// URL is the redis-cluster:// URL listing every node as a seed.
func (c *Cluster) URL() string { return "redis-cluster://" + strings.Join(c.Addrs(), ",") }

// Owner returns the index of the node that serves key's slot.
func (c *Cluster) Owner(key string) int {
	c.t.Helper()
	for i, a := range c.Addrs() {
		reply, err := command(a, "CLUSTER KEYSLOT "+key)
		if err != nil {
			continue
		}
		slot, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(reply, ":")))
		if err != nil {
			c.t.Fatalf("CLUSTER KEYSLOT %s: %q", key, reply)
		}
		nodes, err := command(a, "CLUSTER NODES")
		if err != nil {
			continue
		}
		for _, line := range strings.Split(nodes, "\n") {
			f := strings.Fields(line)
			if len(f) < 9 || !strings.Contains(f[2], "myself") {
				continue
			}
			for _, r := range f[8:] {
				lo, hi, ok := strings.Cut(r, "-")
				if !ok {
					hi = lo
				}
				l, err1 := strconv.Atoi(lo)
				h, err2 := strconv.Atoi(hi)
				if err1 == nil && err2 == nil && slot >= l && slot <= h {
					return i
				}
			}
		}
	}
	c.t.Fatalf("no node owns the slot of %s", key)
	return -1
}

// Kill stops node i abruptly, as a crash would.
func (c *Cluster) Kill(i int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cmd := c.cmds[i]; cmd != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		c.cmds[i] = nil
	}
}

// Stop stops every node; it is safe to call more than once.
func (c *Cluster) Stop() {
	for i := range c.cmds {
		c.Kill(i)
	}
}

// clusterPorts finds n free ports whose cluster-bus ports (port+10000) are
// free too.
func clusterPorts(t TB, n int) []int {
	t.Helper()
	var ports []int
	var held []net.Listener
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	for tries := 0; len(ports) < n; tries++ {
		if tries > 200 {
			t.Fatalf("found only %d of %d free port pairs", len(ports), n)
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("find a free port: %v", err)
		}
		held = append(held, l)
		p := l.Addr().(*net.TCPAddr).Port
		if p+10000 > 65535 {
			continue
		}
		bus, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p+10000))
		if err != nil {
			continue
		}
		held = append(held, bus)
		ports = append(ports, p)
	}
	return ports
}

// StartSentinel starts one redis-server in sentinel mode monitoring
// primary under the master name "mymaster" with a quorum of one, and
// returns its host:port.
func StartSentinel(t TB, primary *Server) string {
	t.Helper()
	bin := lookPath(t, "redis-server")
	dir := t.TempDir()
	port := freePort(t)
	conf := filepath.Join(dir, "sentinel.conf")
	body := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\nsentinel monitor mymaster 127.0.0.1 %d 1\nsentinel down-after-milliseconds mymaster 1000\n", port, dir, primary.port)
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatalf("write sentinel.conf: %v", err)
	}
	cmd := exec.Command(bin, conf, "--sentinel")
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server --sentinel: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(10 * time.Second)
	for {
		reply, err := command(addr, "SENTINEL GET-MASTER-ADDR-BY-NAME mymaster")
		if err == nil && strings.HasPrefix(reply, "*2") {
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("sentinel on %s does not know mymaster: %v %q", addr, err, reply)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
