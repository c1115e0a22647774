package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/portcullis-gateway/portcullis/internal/testenv"
)

// These tests build the portcullis binary and run it as a user would,
// checking exit codes, standard output and standard error, and that what
// they print is what README.md shows.

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const (
	quickstart    = "../../examples/quickstart/template.yaml"
	quickstartAPI = "dh74him478"
	testVersion   = "v0.0.0-test"
)

var (
	binDir   string
	buildBin = sync.OnceValues(func() (string, error) {
		bin := filepath.Join(binDir, "portcullis")
		goTool, err := exec.LookPath("go")
		if err != nil {
			return "", err
		}
		cmd := exec.Command(goTool, "build", "-ldflags", "-X main.version="+testVersion, "-o", bin, ".")
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("go build: %v\n%s", err, out)
		}
		return bin, nil
	})
)

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "portcullis-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func portcullisBin(t *testing.T) string {
	t.Helper()
	bin, err := buildBin()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

type cliResult struct {
	code           int
	stdout, stderr string
}

// runCLI runs the binary to completion in dir ("" for this package's
// directory) with stdin as its standard input.
func runCLI(t *testing.T, dir, stdin string, args ...string) cliResult {
	t.Helper()
	cmd := exec.Command(portcullisBin(t), args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := cliResult{stdout: stdout.String(), stderr: stderr.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		res.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("portcullis %s: %v", strings.Join(args, " "), err)
	}
	return res
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestValidate_MalformedTemplate_EveryProblemWithPosition_Exit1: every
// problem of the template is on standard error, one per line as
// file:line:col: LogicalId: path: message, nothing is on standard output,
// and the exit status is 1.
func TestValidate_MalformedTemplate_EveryProblemWithPosition_Exit1(t *testing.T) {
	res := runCLI(t, "", "", "validate", "-t", "testdata/malformed.yaml")
	if res.code != 1 {
		t.Errorf("exit status = %d, want 1", res.code)
	}
	if res.stdout != "" {
		t.Errorf("stdout = %q, want nothing", res.stdout)
	}
	golden(t, "malformed.stderr", res.stderr)

	line := regexp.MustCompile(`^testdata/malformed\.yaml:\d+:\d+: [A-Za-z0-9]+: \S.*: \S.*$`)
	for _, l := range strings.Split(strings.TrimSuffix(res.stderr, "\n"), "\n") {
		if !line.MatchString(l) {
			t.Errorf("%q is not file:line:col: LogicalId: path: message", l)
		}
	}
	// The mistakes planted in testdata/malformed.yaml, one of each kind.
	for _, want := range []string{
		`malformed.yaml:21:15: OrdersApi: Properties.Auth.Authorizers.TenantAuthorizer.Identity: TenantAuthorizer Authorizer must specify Identity`,
		`malformed.yaml:23:26: OrdersApi: Properties.Auth.Authorizers.LegacyAuthorizer.FunctionArn.Fn::GetAtt: Fn::GetAtt refers to "LegacyAuthorizerFunktion"`,
		`malformed.yaml:30:44: OrdersApi: Properties.GatewayResponses.UNAUTHORIZED.ResponseParameters.Headers.Access-Control-Allow-Origin: invalid mapping expression "*"`,
		`malformed.yaml:31:31: OrdersApi: Properties.GatewayResponses.UNAUTHORIZED.ResponseParameters.Headers.X-Error-Detail: a header value must not contain CR or LF`,
		`malformed.yaml:49:23: OrdersFunction: Properties.Environment.Variables.TABLE_NAME.Ref: unresolved reference "OrdersTabel"`,
		`malformed.yaml:50:22: OrdersFunction: Properties.Environment.Variables.TABLE_ARN.Fn::Joinn: unknown tag !Joinn`,
	} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("stderr lacks %q", want)
		}
	}
}

// TestValidate_Quickstart_RouteTable: the quickstart validates cleanly and
// prints its API, stages and route table, found by name as README.md says
// ("Without -t, Portcullis looks for template.yaml, ...") or given by -t.
func TestValidate_Quickstart_RouteTable(t *testing.T) {
	for name, run := range map[string]func() cliResult{
		"-t":                       func() cliResult { return runCLI(t, "", "", "validate", "-t", quickstart) },
		"template.yaml by default": func() cliResult { return runCLI(t, filepath.Dir(quickstart), "", "validate") },
	} {
		t.Run(name, func(t *testing.T) {
			res := run()
			if res.code != 0 {
				t.Fatalf("exit status = %d, want 0; stderr:\n%s", res.code, res.stderr)
			}
			if res.stderr != "" {
				t.Errorf("stderr = %q, want nothing", res.stderr)
			}
			golden(t, "quickstart-validate.stdout", withoutInterpreterWarnings(res.stdout))
		})
	}
}

func TestVersion_PrintsLinkedVersion(t *testing.T) {
	for _, arg := range []string{"version", "--version", "-v"} {
		res := runCLI(t, "", "", arg)
		if want := (cliResult{0, "portcullis " + testVersion + "\n", ""}); res != want {
			t.Errorf("portcullis %s = %+v, want %+v", arg, res, want)
		}
	}
}

// TestInvoke_QuickstartAuthorizer runs the quickstart's Node.js TOKEN
// authorizer once with an event on standard input, as README.md's
// "Functions" section does: the result on stdout, exit 1 on a function
// error with the Lambda error document on stdout.
func TestInvoke_QuickstartAuthorizer(t *testing.T) {
	testenv.Require(t, "node")
	event := func(token string) string {
		return `{"type":"TOKEN","authorizationToken":"` + token + `","methodArn":"arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/x"}`
	}
	t.Run("allow prints the policy as README shows it", func(t *testing.T) {
		res := runCLI(t, "", event("allow-alice"), "invoke", "AuthorizerFunction", "-t", quickstart, "-e", "-")
		if res.code != 0 {
			t.Fatalf("exit status = %d, want 0; stderr:\n%s", res.code, res.stderr)
		}
		want := `{"principalId":"alice","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/x"}]},"context":{"user":"alice","tier":"gold","quota":100,"admin":false}}` + "\n"
		if diff := cmp.Diff(want, res.stdout); diff != "" {
			t.Errorf("stdout (-want +got):\n%s", diff)
		}
		if !strings.Contains(readme(t), "echo '"+event("allow-alice")+"'") || !strings.Contains(readme(t), "\n"+res.stdout) {
			t.Errorf("README.md does not show this event and result:\n%s%s", event("allow-alice"), res.stdout)
		}
	})
	t.Run("expired token fails the function: exit 1 with the error document", func(t *testing.T) {
		res := runCLI(t, "", event("expired"), "invoke", "AuthorizerFunction", "-t", quickstart, "-e", "-")
		if res.code != 1 {
			t.Fatalf("exit status = %d, want 1; stderr:\n%s", res.code, res.stderr)
		}
		var doc struct {
			ErrorType    string   `json:"errorType"`
			ErrorMessage string   `json:"errorMessage"`
			Trace        []string `json:"trace"`
		}
		if err := json.Unmarshal([]byte(res.stdout), &doc); err != nil {
			t.Fatalf("stdout is not the error document: %v: %q", err, res.stdout)
		}
		if doc.ErrorType != "Error" || doc.ErrorMessage != "Unauthorized" || len(doc.Trace) == 0 || doc.Trace[0] != "Error: Unauthorized" {
			t.Errorf("error document = %+v, want errorType Error, errorMessage Unauthorized and a trace", doc)
		}
		// The function's own log (Node's "Invoke Error" line) goes to stderr.
		if !strings.Contains(res.stderr, "Invoke Error") {
			t.Errorf("stderr lacks the function's error log:\n%s", res.stderr)
		}
	})
}

// gateway is a running "portcullis serve".
type gateway struct {
	cmd    *exec.Cmd
	stderr *bytes.Buffer
	banner string
	base   string // the prod stage's base URL
	admin  string // host:port
	// exited is closed once the process has been waited for; waitErr is
	// then its exit error.
	exited  chan struct{}
	waitErr error
}

// stop sends SIGTERM to the gateway (and to nothing else) and waits for it.
func (g *gateway) stop() error {
	select {
	case <-g.exited:
	default:
		g.cmd.Process.Signal(syscall.SIGTERM)
		<-g.exited
	}
	return g.waitErr
}

func startServe(t *testing.T, args ...string) *gateway {
	t.Helper()
	// The quickstart runs a Node.js authorizer and a Python backend; the
	// tests read /proc for the gateway's child processes.
	testenv.Require(t, "node", "python3", "procfs")
	g := &gateway{stderr: new(bytes.Buffer), exited: make(chan struct{})}
	g.cmd = exec.Command(portcullisBin(t), append([]string{"serve"}, args...)...)
	g.cmd.Stderr = g.stderr
	stdout, err := g.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := g.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.stop() })
	// The banner ends with the admin line; reading it means the listeners
	// are open.
	sc := bufio.NewScanner(stdout)
	var banner strings.Builder
	for sc.Scan() {
		line := sc.Text()
		banner.WriteString(line + "\n")
		if f := strings.Fields(line); len(f) == 3 && f[0] == "stage" && f[1] == "prod" {
			g.base = f[2]
		}
		if addr, ok := strings.CutPrefix(line, "admin http://"); ok {
			g.admin = addr
			break
		}
	}
	go func() {
		io.Copy(io.Discard, stdout)
		g.waitErr = g.cmd.Wait()
		close(g.exited)
	}()
	g.banner = banner.String()
	if g.admin == "" || g.base == "" {
		g.stop()
		t.Fatalf("no banner with a prod stage and an admin line:\n%s\nstderr:\n%s", g.banner, g.stderr)
	}
	return g
}

type httpReply struct {
	status int
	header http.Header
	body   string
}

func get(t *testing.T, url string, header map[string]string) httpReply {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return httpReply{resp.StatusCode, resp.Header, string(b)}
}

func (r httpReply) check(t *testing.T, status int, body string, headers map[string]string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	body = strings.ReplaceAll(body, "{requestId}", r.header.Get("x-amzn-RequestId"))
	if diff := cmp.Diff(body, r.body); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	for k, v := range headers {
		if got := r.header.Values(k); len(got) != 1 || got[0] != v {
			t.Errorf("header %s = %q, want [%q]", k, got, v)
		}
	}
}

// procChild is a process whose parent is the gateway.
type procChild struct {
	pid  int
	comm string
}

// children lists the processes whose parent is pid, from /proc.
func children(t *testing.T, pid int) []procChild {
	t.Helper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		t.Fatal(err)
	}
	var out []procChild
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // exited meanwhile
		}
		// pid (comm) state ppid ...; comm may hold spaces and parentheses.
		s := string(b)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open {
			continue
		}
		f := strings.Fields(s[end+1:])
		if len(f) < 2 {
			continue
		}
		if ppid, _ := strconv.Atoi(f[1]); ppid == pid {
			child, _ := strconv.Atoi(strings.TrimSpace(s[:open]))
			out = append(out, procChild{child, s[open+1 : end]})
		}
	}
	return out
}

// TestServe_Quickstart_READMESession replays README.md's session with the
// quickstart against the real binary: the banner, an allowed request, the
// methodArn caching pitfall and its execution log, the flush, the other
// tokens the README lists, and a request without the token. SIGTERM then
// stops the gateway with status 0 and no function process left behind.
func TestServe_Quickstart_READMESession(t *testing.T) {
	g := startServe(t, "-t", quickstart, "--port", "0", "--admin-addr", "127.0.0.1:0")
	doc := readme(t)

	t.Run("banner as README shows it", func(t *testing.T) {
		api := strings.TrimSuffix(strings.TrimPrefix(g.base, "http://"), "/prod")
		normalised := strings.NewReplacer(api, "127.0.0.1:3000", g.admin, "127.0.0.1:3001").Replace(g.banner)
		if !strings.Contains(doc, "```\n"+normalised+"```\n") {
			t.Errorf("README.md does not show this banner (ports as 3000/3001):\n%s", normalised)
		}
	})

	tok := func(v string) map[string]string { return map[string]string{"Authorization": v} }
	t.Run("allowed request reaches the backend with the authorizer context", func(t *testing.T) {
		r := get(t, g.base+"/users/43/info", tok("allow-alice"))
		if r.status != 200 {
			t.Fatalf("status = %d, want 200; body %s", r.status, r.body)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(r.body), &got); err != nil {
			t.Fatalf("body is not JSON: %v: %s", err, r.body)
		}
		if id, _ := got["requestId"].(string); id == "" {
			t.Errorf("requestId = %v, want the Lambda request id", got["requestId"])
		}
		delete(got, "requestId")
		want := map[string]any{
			"service": "users", "path": "/users/43/info", "resource": "/{proxy+}",
			"pathParameters": map[string]any{"proxy": "users/43/info"},
			"principalId":    "alice", "user": "alice", "tier": "gold", "greeting": "hello",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("backend body (-want +got):\n%s", diff)
		}
	})

	accessDenied := map[string]string{"Content-Type": "application/json", "x-amzn-ErrorType": "AccessDeniedException", "Access-Control-Allow-Origin": "*"}
	t.Run("same token on another path: the cached policy denies it", func(t *testing.T) {
		get(t, g.base+"/users/44/info", tok("allow-alice")).check(t, 403,
			`{"message":"User is not authorized to access this resource","principal":"alice","requestId":"{requestId}"}`, accessDenied)
	})

	t.Run("flush-authorizer-cache, then the path is authorized afresh", func(t *testing.T) {
		res := runCLI(t, "", "", "flush-authorizer-cache", "--api", quickstartAPI, "--stage", "prod", "--admin-addr", g.admin)
		if want := (cliResult{0, "flushed the authorizer cache of " + quickstartAPI + "/prod\n", ""}); res != want {
			t.Fatalf("flush-authorizer-cache = %+v, want %+v", res, want)
		}
		if r := get(t, g.base+"/users/44/info", tok("allow-alice")); r.status != 200 {
			t.Errorf("after the flush: status = %d, want 200; body %s", r.status, r.body)
		}
	})

	t.Run("wildcard token is allowed on every path while cached", func(t *testing.T) {
		for _, p := range []string{"/users/1/info", "/orders/2"} {
			if r := get(t, g.base+p, tok("wildcard-bob")); r.status != 200 {
				t.Errorf("%s: status = %d, want 200; body %s", p, r.status, r.body)
			}
		}
	})

	t.Run("deny token is an explicit deny", func(t *testing.T) {
		r := get(t, g.base+"/users/1/info", tok("deny-eve"))
		if r.status != 403 || !strings.HasPrefix(r.body, `{"message":"User is not authorized to access this resource with an explicit deny",`) {
			t.Errorf("status %d body %s, want 403 with the explicit-deny message", r.status, r.body)
		}
	})

	unauthorized := map[string]string{
		"Content-Type": "application/json", "x-amzn-ErrorType": "UnauthorizedException",
		"Access-Control-Allow-Origin": "*", "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
	}
	t.Run("expired token is 401", func(t *testing.T) {
		get(t, g.base+"/users/1/info", tok("expired")).check(t, 401, `{"message":"Unauthorized","hint":"send Authorization: allow-<name>"}`, unauthorized)
	})

	t.Run("any other token makes the authorizer throw: 500", func(t *testing.T) {
		get(t, g.base+"/users/1/info", tok("garbage")).check(t, 500, `{"message":null}`,
			map[string]string{"x-amzn-ErrorType": "AuthorizerConfigurationException"})
	})

	t.Run("no token header: 401 with the HSTS and CORS headers", func(t *testing.T) {
		r := get(t, g.base+"/users/44/info", nil)
		r.check(t, 401, `{"message":"Unauthorized","hint":"send Authorization: allow-<name>"}`, unauthorized)
		if !strings.Contains(doc, "\n"+r.body+"\n") {
			t.Errorf("README.md does not show this body: %s", r.body)
		}
	})

	// Workers run below the gateway's children (their supervisors).
	var kids []procChild
	for _, c := range children(t, g.cmd.Process.Pid) {
		kids = append(append(kids, c), children(t, c.pid)...)
	}
	var node, python bool
	for _, c := range kids {
		node = node || c.comm == "node"
		python = python || strings.HasPrefix(c.comm, "python")
	}
	if !node || !python {
		t.Errorf("gateway children = %v, want warm node and python workers", kids)
	}
	t.Logf("function workers before SIGTERM: %v", kids)

	if err := g.stop(); err != nil {
		t.Errorf("after SIGTERM: %v, want exit status 0; stderr:\n%s", err, g.stderr)
	}
	for _, c := range kids {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", c.pid)); err == nil {
			t.Errorf("function process %d (%s) outlived the gateway", c.pid, c.comm)
		}
	}

	// The execution log README.md quotes for the pitfall, in its order.
	arn := "arn:aws:execute-api:us-east-1:123456789012:" + quickstartAPI + "/prod/GET/users/"
	log, at := g.stderr.String(), 0
	for _, want := range []string{
		`msg="Authorizer cache hit: entry filled by ` + arn + `43/info `,
		`msg="Policy decision: ImplicitDeny: no statement matched for ` + arn + `44/info"`,
		`level=WARN msg="The cached policy of authorizer TokenAuthorizer allowed ` + arn + `43/info, which filled the cache entry `,
		`the authorizer cache is keyed by identity only and reuses the policy for every path for 300s. Fix: return a wildcard resource (for example arn:aws:execute-api:us-east-1:123456789012:` + quickstartAPI + `/prod/*/*) or set the authorizer's TTL to 0."`,
		`msg="The client is not authorized to perform this operation."`,
		`msg="Gateway response type: ACCESS_DENIED with status code: 403"`,
	} {
		i := strings.Index(log[at:], want)
		if i < 0 {
			t.Errorf("execution log lacks %q after offset %d", want, at)
			continue
		}
		at += i + len(want)
	}
}

// withoutInterpreterWarnings drops the warnings that depend on the machine
// running the test (the local node or python3 older than the runtime the
// template declares, or missing), so that goldens hold on any machine.
func withoutInterpreterWarnings(s string) string {
	var out []string
	for _, l := range strings.SplitAfter(s, "\n") {
		if strings.Contains(l, "older than the declared runtime") || strings.Contains(l, "is not on PATH") {
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, "")
}
