package function

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
)

// hijackRound is one line of testdata/hijack/hijack.py's output.
type hijackRound struct {
	Round int     `json:"round"`
	Ports []int   `json:"ports"`
	Calls [][]any `json:"calls"` // port, "next"|"response", status, body
}

// A worker's Runtime API serves that worker's process tree only. Another
// local process (testdata/hijack/hijack.py, a separate python3 process)
// polls every port the gateway listens on for
// /2018-06-01/runtime/invocation/next while real authorizer invocations
// run, and answers whatever it gets with an Allow policy: it must receive
// no event (events carry bearer tokens) and decide nothing, and every
// invocation must be answered by the authorizer itself.
func TestLocal_RuntimeAPI_OtherLocalProcesses_GetNoEventAndCannotAnswer(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	l := newLocal(t, LocalOptions{MaxWorkers: 3})
	fn := &apimodel.Function{LogicalID: "TokenAuthorizer", Runtime: "nodejs20.x", Handler: "index.tokenAuthorizer", CodeDir: testdata(t, "node")}

	hijacker := exec.Command(python, testdata(t, "hijack/hijack.py"), strconv.Itoa(os.Getpid()))
	stdin, err := hijacker.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := hijacker.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	hijacker.Stderr = os.Stderr
	if err := hijacker.Start(); err != nil {
		t.Fatal(err)
	}
	rounds := make(chan hijackRound)
	go func() {
		defer close(rounds)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var r hijackRound
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				t.Errorf("hijacker printed %q: %v", sc.Text(), err)
				continue
			}
			rounds <- r
		}
	}()

	// Three concurrent callers keep three workers (three ports) busy with
	// a mix of tokens until the hijacker has tried every port 30 times.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var mu sync.Mutex
	invocations := 0
	for c := range 3 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				token := fmt.Sprintf("deny-%d-%d", c, i)
				want := "Deny"
				if i%2 == 0 {
					token, want = fmt.Sprintf("allow-%d-%d", c, i), "Allow"
				}
				payload := fmt.Sprintf(`{"type":"TOKEN","authorizationToken":%q,"methodArn":"arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/x"}`, token)
				res, err := l.Invoke(t.Context(), fn, []byte(payload))
				if err != nil {
					t.Errorf("Invoke(%s): %v", token, err)
					return
				}
				var got struct {
					PrincipalID    string
					PolicyDocument struct{ Statement []struct{ Effect string } }
				}
				if err := json.Unmarshal(res.Payload, &got); err != nil || got.PrincipalID != token ||
					len(got.PolicyDocument.Statement) != 1 || got.PolicyDocument.Statement[0].Effect != want {
					t.Errorf("Invoke(%s) = %s, want the authorizer's own %s", token, res.Payload, want)
				}
				mu.Lock()
				invocations++
				mu.Unlock()
			}
		})
	}
	tried := map[int]int{}
	var refused, total int
	for r := range rounds {
		for _, c := range r.Calls {
			port, call, status := int(c[0].(float64)), c[1].(string), int(c[2].(float64))
			total++
			switch {
			case call == "next" && status == 403:
				tried[port]++
				refused++
			case call == "next" && status == 0:
				// a worker that ended between the scan and the call
			default:
				t.Errorf("hijacker: %s on port %d answered %d %v", call, port, status, c[3])
			}
		}
		enough := len(tried) >= 3
		for _, n := range tried {
			enough = enough && n >= 30
		}
		mu.Lock()
		enough = enough && invocations >= 100
		mu.Unlock()
		// Stop at the first breach too, and after a bounded number of
		// rounds whatever happened: the checks below then fail.
		if enough || t.Failed() || r.Round >= 500 {
			break
		}
	}
	close(stop)
	wg.Wait()
	stdin.Close()
	for range rounds {
	}
	if err := hijacker.Wait(); err != nil {
		t.Errorf("hijacker: %v", err)
	}
	if len(tried) < 3 {
		t.Errorf("the hijacker reached %d worker ports, want 3: the test proved nothing", len(tried))
	}
	t.Logf("%d invocations; the hijacker made %d calls on %d ports, %d refused", invocations, total, len(tried), refused)
}

// The Runtime API serves the worker's whole process tree: a provided
// bootstrap whose client is a descendant in a session of its own
// (testdata/providedtree: sh execs python3, which forks and calls setsid)
// is admitted like the worker itself.
func TestLocal_RuntimeAPI_DetachedDescendantOfTheWorker_IsServed(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed")
	}
	l := newLocal(t, LocalOptions{})
	fn := &apimodel.Function{LogicalID: "Tree", Runtime: "provided.al2023", Handler: "bootstrap", CodeDir: testdata(t, "providedtree")}
	for i := range 3 {
		res := invoke(t, l, fn, `{"n":`+strconv.Itoa(i)+`}`)
		var got struct {
			PID, SID int
			Event    struct{ N int }
		}
		if err := json.Unmarshal(res.Payload, &got); err != nil || got.Event.N != i {
			t.Fatalf("payload = %s, want the event echoed", res.Payload)
		}
		if got.SID != got.PID {
			t.Errorf("the runtime (pid %d) is in session %d, want a session of its own", got.PID, got.SID)
		}
	}
}

// BenchmarkPeerCheck is the once-per-connection cost of admitting a
// Runtime API connection: the socket table lookup and the scan of the
// tree's descriptors (here the test process is the tree).
func BenchmarkPeerCheck(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	local := ln.Addr().(*net.TCPAddr).AddrPort()
	remote := c.LocalAddr().(*net.TCPAddr).AddrPort()
	t := &tree{cmd: &exec.Cmd{Process: &os.Process{Pid: os.Getpid()}}}
	check := t.peerCheck()
	for b.Loop() {
		if err := check(local, remote); err != nil {
			b.Fatal(err)
		}
	}
}

// Both ways of finding a connection's socket inode, sock_diag and the
// /proc/net/tcp table, name the same socket, and the one the client holds:
// a mix-up of byte orders or of the two ends would admit or refuse the
// wrong process.
func TestSocketInode_SockDiagAndProcAgree_OnTheClientsSocket(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	server, client := ln.Addr().(*net.TCPAddr).AddrPort(), c.LocalAddr().(*net.TCPAddr).AddrPort()
	var st syscall.Stat_t
	f, err := c.(*net.TCPConn).File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	fromDiag, err := diagInode(client, server)
	if err != nil {
		t.Fatalf("sock_diag: %v", err)
	}
	fromProc, err := findSocket("/proc/net/tcp", procAddr(client, false), procAddr(server, false))
	if err != nil {
		t.Fatal(err)
	}
	if fromDiag != st.Ino || fromProc != st.Ino {
		t.Errorf("inode: sock_diag %d, /proc/net/tcp %d, want the client socket's %d", fromDiag, fromProc, st.Ino)
	}
	// The reverse direction is the server's accepted socket, not ours; a
	// port nobody uses is no socket at all.
	unused := netip.AddrPortFrom(client.Addr(), 1)
	if ino, err := diagInode(unused, server); err != nil || ino != 0 {
		t.Errorf("diagInode(unused port) = %d, %v, want 0, nil", ino, err)
	}
	if _, err := socketInode(unused, server); err == nil {
		t.Error("socketInode found a socket for a port nobody uses")
	}
}
