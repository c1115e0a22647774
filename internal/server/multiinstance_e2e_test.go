//go:build unix

package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/authcache/redistest"
	"github.com/portcullis-gateway/portcullis/internal/testenv"
)

// TestMultiInstance_SharedRedis runs two `portcullis serve` processes
// against one redis-server, as users run several instances behind a load
// balancer, and checks that they behave as one API Gateway stage: an
// authorizer decision cached by one is used by the other, a flush on one
// (FlushStageAuthorizersCache) empties both, one stage throttle holds across
// both, and losing Redis never turns into a decision the authorizer did not
// make.
//
// The authorizer appends the name of the instance that invoked it to one
// file shared by both, so the test reads who invoked it and how often.
func TestMultiInstance_SharedRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the gateway and runs it as separate processes")
	}
	testenv.Require(t, "node", "redis-server")
	rdb := redistest.Start(t)
	bin := buildGateway(t)
	countDir := t.TempDir()
	a := startInstance(t, bin, rdb.URL(), countDir, "A")
	b := startInstance(t, bin, rdb.URL(), countDir, "B")
	calls := func() string { return authorizerCalls(t, countDir) }

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"decision cached by one instance is used by the other", func(t *testing.T) {
			for _, tok := range []string{"allow-alice", "allow-bob"} {
				before := calls()
				a.get(t, "/items/1", tok).wantServed(t, "A", principalOf(tok))
				b.get(t, "/items/2", tok).wantServed(t, "B", principalOf(tok))
				if got, want := calls(), before+"A"; got != want {
					t.Fatalf("%s: authorizer invocations = %q, want %q (A fills, B reads A's entry)", tok, got, want)
				}
			}
		}},
		{"flush on one instance empties both", func(t *testing.T) {
			before := calls()
			a.flush(t)
			// B empties its local tier when the flush notice arrives over
			// pub/sub, so B answers from it until then.
			pollUntil(t, 5*time.Second, "B to invoke the authorizer for a token cached before the flush on A", func() bool {
				b.get(t, "/items/1", "allow-alice").wantServed(t, "B", "alice")
				return calls() != before
			})
			if got, want := calls(), before+"B"; got != want {
				t.Fatalf("after the flush, invocations = %q, want %q", got, want)
			}
			a.get(t, "/items/1", "allow-bob").wantServed(t, "A", "bob")
			if got, want := calls(), before+"BA"; got != want {
				t.Fatalf("after the flush on A, invocations = %q, want %q (A's own tier was flushed too)", got, want)
			}
			// The refills are shared again.
			a.get(t, "/items/3", "allow-alice").wantServed(t, "A", "alice")
			b.get(t, "/items/3", "allow-bob").wantServed(t, "B", "bob")
			if got, want := calls(), before+"BA"; got != want {
				t.Fatalf("after the refills, invocations = %q, want %q", got, want)
			}
		}},
		{"stage throttle is one bucket across instances", func(t *testing.T) {
			// Limited's stage allows rate 1/s, burst 5. Two instances each
			// with its own bucket would admit at least 2×burst of these
			// alternating requests; one shared bucket admits burst plus what
			// refilled while they were sent.
			const rate, burst, requests = 1.0, 5, 20
			admitted := map[string]int{}
			throttled := map[string]int{}
			start := time.Now()
			for i := range requests {
				in := []*instance{a, b}[i%2]
				r := in.getLimited(t, fmt.Sprintf("/items/%d", i))
				switch r.status {
				case http.StatusOK:
					admitted[in.name]++
				case http.StatusTooManyRequests:
					throttled[in.name]++
					r.want(t, http.StatusTooManyRequests, `{"message":"Too Many Requests"}`)
					if got := r.header.Get("x-amzn-ErrorType"); got != "TooManyRequestsException" {
						t.Errorf("x-amzn-ErrorType = %q, want TooManyRequestsException", got)
					}
				default:
					t.Fatalf("request %d via %s: status %d, want 200 or 429; body %s", i, in.name, r.status, r.body)
				}
			}
			elapsed := time.Since(start)
			total := admitted["A"] + admitted["B"]
			t.Logf("admitted %v, throttled %v in %v", admitted, throttled, elapsed)
			if total < burst {
				t.Errorf("admitted %d, want at least the burst of %d", total, burst)
			}
			// One token of slack for the rounding between the clocks of
			// this process and Redis.
			if limit := burst + int(elapsed.Seconds()*rate) + 1; total > limit {
				t.Errorf("admitted %d in %v, want at most %d (burst %d + rate %g/s)", total, elapsed, limit, burst, rate)
			}
			if total >= 2*burst {
				t.Errorf("admitted %d: as many as two independent buckets would", total)
			}
			if throttled["A"] == 0 || throttled["B"] == 0 {
				t.Errorf("throttled %v: want 429s from both instances", throttled)
			}
		}},
		{"Redis down: every decision still comes from the authorizer", func(t *testing.T) {
			before := calls()
			a.get(t, "/items/1", "deny-mallory").wantDenied(t)
			b.get(t, "/items/1", "deny-mallory").wantDenied(t)
			if got, want := calls(), before+"A"; got != want {
				t.Fatalf("before the outage, invocations = %q, want %q", got, want)
			}
			rdb.Kill()
			for round := range 3 {
				for _, in := range []*instance{a, b} {
					// Decisions already held by the instance keep serving.
					in.get(t, "/items/1", "allow-alice").wantServed(t, in.name, "alice")
					in.get(t, "/items/1", "deny-mallory").wantDenied(t)
					// A token never seen is decided by the authorizer, on
					// each instance, since they can no longer share.
					before := calls()
					in.get(t, "/items/1", fmt.Sprintf("allow-outage%d", round)).wantServed(t, in.name, fmt.Sprintf("outage%d", round))
					in.get(t, "/items/1", fmt.Sprintf("deny-outage%d", round)).wantDenied(t)
					if got, want := calls(), before+in.name+in.name; got != want {
						t.Fatalf("round %d via %s: invocations = %q, want %q", round, in.name, got, want)
					}
				}
			}
		}},
		{"Redis back: sharing resumes", func(t *testing.T) {
			rdb.Restart()
			// Each instance leaves Redis alone for its retry interval (1 s)
			// after an error.
			round := 0
			pollUntil(t, 10*time.Second, "a token filled via A to be a hit via B", func() bool {
				round++
				tok := fmt.Sprintf("allow-back%d", round)
				before := calls()
				a.get(t, "/items/1", tok).wantServed(t, "A", principalOf(tok))
				b.get(t, "/items/1", tok).wantServed(t, "B", principalOf(tok))
				switch got := calls(); got {
				case before + "A":
					return true
				case before + "AB":
					return false
				default:
					t.Fatalf("round %d: invocations = %q, want %q or %q", round, got, before+"A", before+"AB")
					return false
				}
			})
			// Flush notices flow again too: B's flush reaches A's local tier
			// (or A empties it when it subscribes again).
			tok := fmt.Sprintf("allow-back%d", round)
			before := calls()
			b.flush(t)
			pollUntil(t, 10*time.Second, "A to invoke the authorizer after the flush on B", func() bool {
				a.get(t, "/items/1", tok).wantServed(t, "A", principalOf(tok))
				return calls() != before
			})
		}},
	}
	for _, st := range steps {
		if !t.Run(st.name, st.run) {
			return
		}
	}
}

// instance is one `portcullis serve` process.
type instance struct {
	name    string
	api     string // http://host:port/prod of the API with the authorizer
	limited string // http://host:port/prod of the throttled API
	admin   string // http://host:port
	apiID   string
	client  *http.Client
}

// buildGateway builds cmd/portcullis once for the test.
func buildGateway(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go toolchain not on PATH: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "portcullis")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, goBin, "build", "-o", bin, "../../cmd/portcullis").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startInstance runs the gateway on free ports in its own process group,
// waits for its start-up banner, and stops the group on cleanup.
func startInstance(t *testing.T, bin, redisURL, countDir, name string) *instance {
	t.Helper()
	dir := t.TempDir()
	stdoutPath, stderrPath := filepath.Join(dir, "stdout"), filepath.Join(dir, "stderr")
	stdout, err := os.Create(stdoutPath)
	if err != nil {
		t.Fatal(err)
	}
	defer stdout.Close()
	stderr, err := os.Create(stderrPath)
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	cmd := exec.Command(bin, "serve",
		"-t", "testdata/multi/template.yaml",
		"--port", "0",
		"--admin-addr", "127.0.0.1:0",
		"--cache", redisURL,
		"--parameter-overrides", "CountDir="+countDir,
		"--parameter-overrides", "Instance="+name,
		"--log-level", "info",
	)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start instance %s: %v", name, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		stopGroup(t, name, cmd.Process.Pid, exited)
		if t.Failed() {
			logTail(t, name+" stderr", stderrPath)
		}
	})

	in := &instance{name: name, client: &http.Client{Timeout: 10 * time.Second}}
	deadline := time.After(20 * time.Second)
	for {
		if in.parseBanner(stdoutPath) {
			return in
		}
		select {
		case <-exited:
			logTail(t, name+" stderr", stderrPath)
			t.Fatalf("instance %s exited before serving", name)
		case <-deadline:
			logTail(t, name+" stdout", stdoutPath)
			logTail(t, name+" stderr", stderrPath)
			t.Fatalf("instance %s printed no complete banner within 20s", name)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// stopGroup asks the gateway to drain (SIGTERM) and kills its process
// group if it has not exited within ten seconds. Function workers run in
// groups of their own and die with the gateway.
func stopGroup(t *testing.T, name string, pid int, exited <-chan struct{}) {
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Errorf("instance %s did not stop within 10s of SIGTERM; killing it", name)
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		<-exited
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
}

// parseBanner reads the addresses and the API id from the start-up banner,
// reporting whether it is complete (the admin line comes last):
//
//	API Api (id 0rxj3e58ce, us-east-1, account 123456789012)
//	  stage prod       http://127.0.0.1:40383/prod
//	admin http://127.0.0.1:41887
func (in *instance) parseBanner(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var api string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) >= 4 && fields[0] == "API":
			api = fields[1]
			if api == "Api" {
				in.apiID = strings.TrimSuffix(fields[3], ",")
			}
		case len(fields) == 3 && fields[0] == "stage" && fields[1] == "prod":
			switch api {
			case "Api":
				in.api = fields[2]
			case "Limited":
				in.limited = fields[2]
			}
		case len(fields) == 2 && fields[0] == "admin":
			in.admin = fields[1]
		}
	}
	return in.admin != "" && in.api != "" && in.limited != "" && in.apiID != ""
}

func (in *instance) get(t *testing.T, path, token string) served {
	t.Helper()
	return served{in.request(t, http.MethodGet, in.api+path, token)}
}

func (in *instance) getLimited(t *testing.T, path string) reply {
	t.Helper()
	return in.request(t, http.MethodGet, in.limited+path, "")
}

func (in *instance) request(t *testing.T, method, url, token string) reply {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	resp, err := in.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s via %s: %v", method, url, in.name, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s via %s: reading body: %v", method, url, in.name, err)
	}
	return reply{resp.StatusCode, resp.Header, string(b)}
}

// flush is FlushStageAuthorizersCache for the stage prod of Api.
func (in *instance) flush(t *testing.T) {
	t.Helper()
	r := in.request(t, http.MethodDelete, in.admin+"/restapis/"+in.apiID+"/stages/prod/cache/authorizers", "")
	if r.status != http.StatusAccepted {
		t.Fatalf("flush via %s: status %d, want 202; body %s", in.name, r.status, r.body)
	}
}

// served is a response of the API whose backend names the instance that
// ran it and the principal the authorizer returned.
type served struct{ reply }

func (r served) wantServed(t *testing.T, instance, principal string) {
	t.Helper()
	r.want(t, http.StatusOK, "")
	var got struct {
		Instance    string `json:"instance"`
		PrincipalID string `json:"principalId"`
	}
	if err := json.Unmarshal([]byte(r.body), &got); err != nil {
		t.Fatalf("backend answer %q: %v", r.body, err)
	}
	if got.Instance != instance || got.PrincipalID != principal {
		t.Fatalf("served by %q for principal %q, want %q for %q", got.Instance, got.PrincipalID, instance, principal)
	}
}

func (r served) wantDenied(t *testing.T) {
	t.Helper()
	r.want(t, http.StatusForbidden, `{"Message":"User is not authorized to access this resource with an explicit deny"}`)
}

// principalOf is the principalId the test authorizer returns for a token.
func principalOf(token string) string {
	_, name, _ := strings.Cut(token, "-")
	return name
}

// authorizerCalls is the record of authorizer invocations: one instance
// name per invocation, in order.
func authorizerCalls(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "token"))
	if os.IsNotExist(err) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// pollUntil polls cond every 50 ms until it holds, failing the test after
// limit.
func pollUntil(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func logTail(t *testing.T, label, path string) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Logf("%s: %v", label, err)
		return
	}
	const max = 16 << 10
	if len(b) > max {
		b = b[len(b)-max:]
	}
	t.Logf("%s:\n%s", label, b)
}
