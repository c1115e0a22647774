package function

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/testenv"
)

// sharedCache is the Go build cache of the package's tests, so the
// aws-lambda-go fixture is built once per run.
var sharedCache string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "portcullis-function-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sharedCache = dir
	code := m.Run()
	os.RemoveAll(dir)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// ---- helpers ----

// recorder is a Metrics that remembers what it saw.
type recorder struct {
	mu         sync.Mutex
	coldStarts map[string]int
	alive      map[string]int
	maxAlive   map[string]int
}

func newRecorder() *recorder {
	return &recorder{coldStarts: map[string]int{}, alive: map[string]int{}, maxAlive: map[string]int{}}
}

func (r *recorder) ColdStart(fn string, _ time.Duration) {
	r.mu.Lock()
	r.coldStarts[fn]++
	r.mu.Unlock()
}

func (r *recorder) Invoked(string, time.Duration, error) {}

func (r *recorder) WorkersAlive(fn string, n int) {
	r.mu.Lock()
	r.alive[fn] = n
	r.maxAlive[fn] = max(r.maxAlive[fn], n)
	r.mu.Unlock()
}

func (r *recorder) get(m map[string]int, fn string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return m[fn]
}

// logs captures log records.
type logs struct {
	mu      sync.Mutex
	records []slog.Record
}

func (l *logs) Enabled(context.Context, slog.Level) bool { return true }
func (l *logs) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	l.records = append(l.records, r.Clone())
	l.mu.Unlock()
	return nil
}
func (l *logs) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logs) WithGroup(string) slog.Handler      { return l }

// find returns the first record whose message matches re, with its attrs.
func (l *logs) find(re *regexp.Regexp) (msg string, attrs map[string]string, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range l.records {
		if re.MatchString(r.Message) {
			attrs = map[string]string{}
			r.Attrs(func(a slog.Attr) bool {
				attrs[a.Key] = a.Value.String()
				return true
			})
			return r.Message, attrs, true
		}
	}
	return "", nil, false
}

func (l *logs) count(msg string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.records {
		if r.Message == msg {
			n++
		}
	}
	return n
}

func newLocal(t testing.TB, opts LocalOptions) *Local {
	t.Helper()
	if opts.CacheDir == "" {
		opts.CacheDir = goCache(t)
	}
	l, err := NewLocal(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func goCache(testing.TB) string { return sharedCache }

func testdata(t testing.TB, dir string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", dir))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func nodeFn(t testing.TB, handler string) *apimodel.Function {
	t.Helper()
	testenv.Require(t, "node")
	return &apimodel.Function{LogicalID: "Node" + sanitize(handler), Runtime: "nodejs20.x", Handler: handler, CodeDir: testdata(t, "node")}
}

func pythonFn(t testing.TB, handler string) *apimodel.Function {
	t.Helper()
	testenv.Require(t, "python3")
	return &apimodel.Function{LogicalID: "Py" + sanitize(handler), Runtime: "python3.11", Handler: handler, CodeDir: testdata(t, "python")}
}

func sanitize(s string) string {
	return strings.NewReplacer(".", "", "/", "").Replace(s)
}

func invoke(t *testing.T, l *Local, fn *apimodel.Function, payload string) Result {
	t.Helper()
	res, err := l.Invoke(t.Context(), fn, []byte(payload))
	if err != nil {
		t.Fatalf("Invoke(%s): %v", fn.Handler, err)
	}
	return res
}

func decode(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("payload %q is not JSON: %v", b, err)
	}
	return v
}

// errorShape keeps what tests pin of an error document: type, message and
// whether a stack trace is present (its lines name local paths).
func errorShape(t *testing.T, b []byte) map[string]any {
	t.Helper()
	doc, ok := decode(t, b).(map[string]any)
	if !ok {
		t.Fatalf("error payload %s is not an object", b)
	}
	out := map[string]any{"errorType": doc["errorType"], "errorMessage": doc["errorMessage"]}
	for _, k := range []string{"trace", "stackTrace"} {
		if tr, ok := doc[k].([]any); ok {
			out[k] = len(tr) > 0
		}
	}
	return out
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// processGone reports whether pid no longer runs (absent, or a zombie
// waiting for a reaper that is not us).
func processGone(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	// The state follows the parenthesised command name.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && len(s) > i+2 && (s[i+2] == 'Z' || s[i+2] == 'X')
}

// ---- Node.js ----

// Pins the Node.js programming model ("Define Lambda function handler in
// Node.js", "Using the Lambda context object to retrieve Node.js function
// information") and the error documents of the managed runtime.
func TestLocal_Node_Handlers(t *testing.T) {
	l := newLocal(t, LocalOptions{})
	tests := []struct {
		handler   string
		payload   string
		want      any // decoded payload, or errorShape for function errors
		wantError bool
	}{
		{"index.callback", `{"a":1}`, map[string]any{"via": "callback", "echo": map[string]any{"a": 1.0}}, false},
		{"index.succeed", `[1,2]`, map[string]any{"via": "succeed", "echo": []any{1.0, 2.0}}, false},
		{"index.done", `{}`, map[string]any{"via": "done"}, false},
		// callbackWaitsForEmptyEventLoop (default true): the result is sent
		// once the event loop is empty, so later mutations are included.
		{"index.callbackWaits", `{}`, map[string]any{"late": true}, false},
		{"index.callbackNoWait", `{}`, map[string]any{"late": false}, false},
		// A handler that neither returns a promise nor calls back answers
		// null once its event loop is empty.
		{"index.syncReturn", `{}`, nil, false},
		{"index.undefinedResult", `{}`, nil, false},
		{"index.nested.deeper.handler", `{}`, "nested", false},
		{"src/app.lambdaHandler", `"x"`, map[string]any{"from": "src/app", "echo": "x"}, false},
		// Errors: callback("Unauthorized") and a thrown Error("Unauthorized")
		// both surface the message Unauthorized (docs/behaviour.md#LAMBDA-4).
		{"index.callbackUnauthorized", `{}`, map[string]any{"errorType": "string", "errorMessage": "Unauthorized", "trace": false}, true},
		{"index.throwUnauthorized", `{}`, map[string]any{"errorType": "Error", "errorMessage": "Unauthorized", "trace": true}, true},
		{"index.throwSync", `{}`, map[string]any{"errorType": "TypeError", "errorMessage": "bad input", "trace": true}, true},
		{"index.throwString", `{}`, map[string]any{"errorType": "string", "errorMessage": "plain string", "trace": false}, true},
		{"index.fail", `{}`, map[string]any{"errorType": "Error", "errorMessage": "failed via context", "trace": true}, true},
		{"index.circular", `{}`, map[string]any{"errorType": "Error", "errorMessage": "Unable to stringify response body", "trace": true}, true},
		{"index.uncaught", `{}`, map[string]any{"errorType": "Error", "errorMessage": "thrown from a timer", "trace": true}, true},
	}
	for _, tt := range tests {
		t.Run(tt.handler, func(t *testing.T) {
			res := invoke(t, l, nodeFn(t, tt.handler), tt.payload)
			var got any
			if tt.wantError {
				if res.FunctionError != "Unhandled" {
					t.Fatalf("FunctionError = %q, want Unhandled (payload %s)", res.FunctionError, res.Payload)
				}
				got = errorShape(t, res.Payload)
			} else {
				if res.FunctionError != "" {
					t.Fatalf("FunctionError = %q, payload %s", res.FunctionError, res.Payload)
				}
				got = decode(t, res.Payload)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("payload (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLocal_Node_ContextObject(t *testing.T) {
	l := newLocal(t, LocalOptions{})
	fn := nodeFn(t, "index.echo")
	fn.Name = "echo-fn"
	fn.MemoryMB = 256
	got := decode(t, invoke(t, l, fn, `{"k":"v"}`).Payload).(map[string]any)
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(got["requestId"].(string)) {
		t.Errorf("awsRequestId = %v, want a UUID", got["requestId"])
	}
	delete(got, "requestId")
	want := map[string]any{"echo": map[string]any{"k": "v"}, "functionName": "echo-fn", "memoryLimitInMB": "256", "hasTimeLeft": true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("context (-want +got):\n%s", diff)
	}
}

func TestLocal_Node_ESMHandlers(t *testing.T) {
	testenv.Require(t, "node")
	l := newLocal(t, LocalOptions{})
	tests := []struct {
		dir  string
		want map[string]any
	}{
		{"esm", map[string]any{"esm": true, "echo": 1.0}},
		{"esmpkg", map[string]any{"esm": "package type module", "started": "top-level await", "echo": 1.0}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			fn := &apimodel.Function{LogicalID: "ESM" + tt.dir, Runtime: "nodejs20.x", Handler: "index.handler", CodeDir: testdata(t, tt.dir)}
			got := decode(t, invoke(t, l, fn, `1`).Payload).(map[string]any)
			delete(got, "requestId")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// ---- Python ----

func TestLocal_Python_Handlers(t *testing.T) {
	l := newLocal(t, LocalOptions{})
	tests := []struct {
		handler   string
		want      any
		wantError bool
	}{
		{"src/mod.lambda_handler", map[string]any{"from": "src/mod", "echo": map[string]any{"a": 1.0}}, false},
		{"app.unauthorized", map[string]any{"errorType": "Exception", "errorMessage": "Unauthorized", "stackTrace": true}, true},
		{"app.bad_return", map[string]any{"errorType": "Runtime.MarshalError", "errorMessage": "Unable to marshal response: Object of type set is not JSON serializable", "stackTrace": false}, true},
		// awslambdaric reports a missing handler per invocation, not at init.
		{"app.missing", map[string]any{"errorType": "Runtime.HandlerNotFound", "errorMessage": "Handler 'missing' missing on module 'app'", "stackTrace": false}, true},
	}
	for _, tt := range tests {
		t.Run(tt.handler, func(t *testing.T) {
			res := invoke(t, l, pythonFn(t, tt.handler), `{"a":1}`)
			var got any
			if tt.wantError {
				if res.FunctionError != "Unhandled" {
					t.Fatalf("FunctionError = %q, want Unhandled (payload %s)", res.FunctionError, res.Payload)
				}
				got = errorShape(t, res.Payload)
			} else {
				got = decode(t, res.Payload)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("payload (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLocal_Python_ContextObject(t *testing.T) {
	l := newLocal(t, LocalOptions{Region: "eu-west-1"})
	fn := pythonFn(t, "app.echo")
	fn.Name = "py-echo"
	got := decode(t, invoke(t, l, fn, `{"k":"v"}`).Payload).(map[string]any)
	delete(got, "requestId")
	want := map[string]any{
		"echo": map[string]any{"k": "v"}, "functionName": "py-echo", "memoryLimitInMB": "128", "hasTimeLeft": true,
		"arn": "arn:aws:lambda:eu-west-1:123456789012:function:py-echo",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("context (-want +got):\n%s", diff)
	}
}

// ---- Go ----

func TestLocal_Go_AWSLambdaGoHandler(t *testing.T) {
	testenv.Require(t, "go")
	l := newLocal(t, LocalOptions{})
	fn := &apimodel.Function{LogicalID: "GoEcho", Runtime: "provided.al2023", Handler: "bootstrap", CodeDir: testdata(t, "goecho"), TimeoutSeconds: 60}
	res := invoke(t, l, fn, `{"echo":{"n":7}}`)
	got := decode(t, res.Payload).(map[string]any)
	if id, _ := got["requestId"].(string); len(id) != 36 {
		t.Errorf("requestId = %v, want a UUID", got["requestId"])
	}
	delete(got, "requestId")
	want := map[string]any{"echo": map[string]any{"n": 7.0}, "arn": "arn:aws:lambda:us-east-1:123456789012:function:GoEcho", "hasDeadline": true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("payload (-want +got):\n%s", diff)
	}
	if !res.ColdStart {
		t.Error("first call: ColdStart = false")
	}

	res = invoke(t, l, fn, `{"fail":"Unauthorized"}`)
	if res.ColdStart {
		t.Error("second call: ColdStart = true, want the warm worker")
	}
	if res.FunctionError != "Unhandled" {
		t.Fatalf("FunctionError = %q, payload %s", res.FunctionError, res.Payload)
	}
	if diff := cmp.Diff(map[string]any{"errorType": "errorString", "errorMessage": "Unauthorized"}, errorShape(t, res.Payload)); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(to, rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, strings.TrimSuffix(rel, ".txt")), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestLocal_Go_BuildCache_RebuildsOnlyWhenSourcesChange(t *testing.T) {
	testenv.Require(t, "go")
	dir := t.TempDir()
	copyDir(t, testdata(t, "rawgo"), dir)
	cache := t.TempDir()
	fn := &apimodel.Function{LogicalID: "Raw", Runtime: "provided.al2", CodeDir: dir, TimeoutSeconds: 60}

	run := func() (payload string, builds int) {
		rec := &logs{}
		l, err := NewLocal(LocalOptions{CacheDir: cache, Logger: slog.New(rec)})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return string(invoke(t, l, fn, `{}`).Payload), rec.count("built Go function")
	}
	type outcome struct {
		Payload string
		Builds  int
	}
	var got []outcome
	p, n := run()
	got = append(got, outcome{p, n})
	p, n = run() // unchanged: served from the cache
	got = append(got, outcome{p, n})
	src := filepath.Join(dir, "main.go")
	b, _ := os.ReadFile(src)
	if err := os.WriteFile(src, []byte(strings.Replace(string(b), `"v1"`, `"v2"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	p, n = run()
	got = append(got, outcome{p, n})
	want := []outcome{{`"v1"`, 1}, {`"v1"`, 0}, {`"v2"`, 1}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestLocal_Go_ExistingBootstrapIsRun(t *testing.T) {
	l := newLocal(t, LocalOptions{})
	// A directory with only a bootstrap executable: the previous test's
	// build output is exactly that.
	src := t.TempDir()
	copyDir(t, testdata(t, "rawgo"), src)
	exe, err := l.buildGo(t.Context(), src)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	b, _ := os.ReadFile(exe)
	if err := os.WriteFile(filepath.Join(dir, "bootstrap"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	fn := &apimodel.Function{LogicalID: "Prebuilt", Runtime: "provided.al2023", Handler: "bootstrap", CodeDir: dir}
	if got := string(invoke(t, l, fn, `{}`).Payload); got != `"v1"` {
		t.Errorf("payload = %s, want \"v1\"", got)
	}
}

// ---- failures ----

func TestLocal_InitFailures_KindInit(t *testing.T) {
	testenv.Require(t, "node", "python3")
	l := newLocal(t, LocalOptions{})
	bad := testdata(t, "nodebad")
	brokenGo := t.TempDir()
	os.WriteFile(filepath.Join(brokenGo, "go.mod"), []byte("module example.com/broken\n\ngo 1.26\n"), 0o644)
	os.WriteFile(filepath.Join(brokenGo, "main.go"), []byte("package main\n\nfunc main() { undefined() }\n"), 0o644)
	tests := []struct {
		name     string
		fn       *apimodel.Function
		wantType string
		wantMsg  string // substring
	}{
		{"NodeSyntaxError", &apimodel.Function{LogicalID: "A", Runtime: "nodejs20.x", Handler: "syntax.handler", CodeDir: bad}, "Runtime.UserCodeSyntaxError", "SyntaxError: Unexpected token"},
		{"NodeThrowsAtInit", &apimodel.Function{LogicalID: "B", Runtime: "nodejs20.x", Handler: "throws.handler", CodeDir: bad}, "Error", "init exploded"},
		{"NodeModuleMissing", &apimodel.Function{LogicalID: "C", Runtime: "nodejs20.x", Handler: "nothere.handler", CodeDir: bad}, "Runtime.ImportModuleError", "Cannot find module 'nothere'"},
		{"NodeHandlerNotExported", &apimodel.Function{LogicalID: "D", Runtime: "nodejs18.x", Handler: "index.nope", CodeDir: testdata(t, "node")}, "Runtime.HandlerNotFound", "index.nope is undefined or not exported"},
		{"NodeMalformedHandler", &apimodel.Function{LogicalID: "E", Runtime: "nodejs20.x", Handler: "index", CodeDir: testdata(t, "node")}, "Runtime.MalformedHandlerName", "Bad handler"},
		{"PythonModuleMissing", &apimodel.Function{LogicalID: "F", Runtime: "python3.12", Handler: "nothere.handler", CodeDir: testdata(t, "python")}, "Runtime.ImportModuleError", "Unable to import module 'nothere'"},
		{"UnsupportedRuntime", &apimodel.Function{LogicalID: "G", Runtime: "java21", Handler: "x", CodeDir: bad}, "Runtime.InvalidRuntime", "java21"},
		{"MissingCodeDir", &apimodel.Function{LogicalID: "H", Runtime: "nodejs20.x", Handler: "index.handler", CodeDir: filepath.Join(bad, "absent")}, "Runtime.InvalidEntrypoint", "does not exist"},
		{"GoBuildFails", &apimodel.Function{LogicalID: "I", Runtime: "provided.al2023", CodeDir: brokenGo}, "Runtime.BuildError", "undefined: undefined"},
		{"NoGoSourcesNoBootstrap", &apimodel.Function{LogicalID: "J", Runtime: "provided.al2023", CodeDir: t.TempDir()}, "Runtime.InvalidEntrypoint", "no Go sources and no executable bootstrap"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := l.Invoke(t.Context(), tt.fn, []byte(`{}`))
			ie, ok := errors.AsType[*InvokeError](err)
			if !ok || ie.Kind != KindInit {
				t.Fatalf("err = %v, want KindInit", err)
			}
			doc := errorShape(t, ie.Payload)
			if doc["errorType"] != tt.wantType || !strings.Contains(fmt.Sprint(doc["errorMessage"]), tt.wantMsg) {
				t.Errorf("payload = %s, want errorType %s with message containing %q", ie.Payload, tt.wantType, tt.wantMsg)
			}
		})
	}
}

var timedOut = regexp.MustCompile(`^\{"errorMessage":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ([0-9a-f-]{36}) Task timed out after 1\.00 seconds"\}$`)

// "Configure Lambda function timeout": the invocation fails with "Task timed
// out after N.NN seconds" and the execution environment is reset.
func TestLocal_Timeout_KillsAndReplacesTheWorker(t *testing.T) {
	l := newLocal(t, LocalOptions{})
	fn := nodeFn(t, "index.maybeHang")
	fn.TimeoutSeconds = 1
	_, err := l.Invoke(t.Context(), fn, []byte(`{"hang":true}`))
	ie, ok := errors.AsType[*InvokeError](err)
	if !ok || ie.Kind != KindTimeout {
		t.Fatalf("err = %v, want KindTimeout", err)
	}
	if !timedOut.Match(ie.Payload) {
		t.Errorf("payload = %s, want Lambda's timeout document", ie.Payload)
	}
	res := invoke(t, l, fn, `{"hang":false}`)
	if string(res.Payload) != `"answered"` || !res.ColdStart {
		t.Errorf("after the timeout got %s (cold %v), want an answer from a new worker", res.Payload, res.ColdStart)
	}
}

func TestLocal_Python_Timeout(t *testing.T) {
	l := newLocal(t, LocalOptions{})
	fn := pythonFn(t, "app.hang")
	fn.TimeoutSeconds = 1
	_, err := l.Invoke(t.Context(), fn, []byte(`{}`))
	if ie, ok := errors.AsType[*InvokeError](err); !ok || ie.Kind != KindTimeout || !timedOut.Match(ie.Payload) {
		t.Fatalf("err = %v, want KindTimeout with Lambda's document", err)
	}
}

var exitError = regexp.MustCompile(`^\{"errorMessage":"RequestId: [0-9a-f-]{36} Error: Runtime exited with error: exit status (\d+)","errorType":"Runtime.ExitError"\}$`)

func TestLocal_ExitDuringInvoke_RuntimeExitError(t *testing.T) {
	l := newLocal(t, LocalOptions{})
	tests := []struct {
		name       string
		fn         *apimodel.Function
		payload    string
		wantStatus string
	}{
		{"NodeProcessExit1", nodeFn(t, "index.exitIf"), `{"exit":true}`, "1"},
		{"PythonSysExit3", pythonFn(t, "app.exit"), `{}`, "3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := l.Invoke(t.Context(), tt.fn, []byte(tt.payload))
			ie, ok := errors.AsType[*InvokeError](err)
			if !ok || ie.Kind != KindExit {
				t.Fatalf("err = %v, want KindExit", err)
			}
			m := exitError.FindSubmatch(ie.Payload)
			if m == nil || string(m[1]) != tt.wantStatus {
				t.Errorf("payload = %s, want Runtime.ExitError with exit status %s", ie.Payload, tt.wantStatus)
			}
		})
	}
	// The crashed worker is replaced.
	if got := invoke(t, l, nodeFn(t, "index.exitIf"), `{"exit":false}`); string(got.Payload) != `"answered"` {
		t.Errorf("after the crash got %s", got.Payload)
	}
}

// ---- pool behaviour ----

func TestLocal_50ConcurrentCalls_EachAnsweredWithItsOwnInput(t *testing.T) {
	rec := newRecorder()
	l := newLocal(t, LocalOptions{Metrics: rec, QueueWait: time.Minute})
	fn := nodeFn(t, "index.sleep")
	fn.TimeoutSeconds = 30
	const n = 50
	got := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			res, err := l.Invoke(t.Context(), fn, fmt.Appendf(nil, `{"n":%d,"ms":5}`, i))
			got[i], errs[i] = string(res.Payload), err
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || got[i] != strconv.Itoa(i) {
			t.Errorf("call %d: got %s, %v", i, got[i], errs[i])
		}
	}
	name := fn.LogicalID
	if m := rec.get(rec.maxAlive, name); m > DefaultMaxWorkers || m < 2 {
		t.Errorf("max workers alive = %d, want 2..%d", m, DefaultMaxWorkers)
	}
}

func TestLocal_AllWorkersBusy_NoQueue_Throttled(t *testing.T) {
	rec := newRecorder()
	l := newLocal(t, LocalOptions{Metrics: rec, MaxWorkers: 1, QueueWait: -1})
	fn := nodeFn(t, "index.sleep")
	first := make(chan error, 1)
	go func() {
		_, err := l.Invoke(t.Context(), fn, []byte(`{"n":1,"ms":300}`))
		first <- err
	}()
	waitFor(t, "the first call to hold the only worker", func() bool { return rec.get(rec.alive, fn.LogicalID) == 1 })
	_, err := l.Invoke(t.Context(), fn, []byte(`{"n":2,"ms":0}`))
	ie, ok := errors.AsType[*InvokeError](err)
	if !ok || ie.Kind != KindThrottled || string(ie.Payload) != `{"errorMessage":"Rate Exceeded.","errorType":"TooManyRequestsException"}` {
		t.Errorf("err = %v (payload %s), want KindThrottled", err, payloadOf(err))
	}
	if err := <-first; err != nil {
		t.Errorf("first call: %v", err)
	}
}

func payloadOf(err error) []byte {
	if ie, ok := errors.AsType[*InvokeError](err); ok {
		return ie.Payload
	}
	return nil
}

func TestLocal_AllWorkersBusy_QueuedCallWaitsForTheWorker(t *testing.T) {
	rec := newRecorder()
	l := newLocal(t, LocalOptions{Metrics: rec, MaxWorkers: 1, QueueWait: time.Minute})
	fn := nodeFn(t, "index.sleep")
	var wg sync.WaitGroup
	got := make([]string, 3)
	for i := range got {
		wg.Go(func() {
			res, err := l.Invoke(t.Context(), fn, fmt.Appendf(nil, `{"n":%d,"ms":30}`, i))
			if err != nil {
				t.Error(err)
			}
			got[i] = string(res.Payload)
		})
	}
	wg.Wait()
	if diff := cmp.Diff([]string{"0", "1", "2"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if c := rec.get(rec.coldStarts, fn.LogicalID); c != 1 {
		t.Errorf("cold starts = %d, want 1 (one worker served all calls in turn)", c)
	}
}

func TestLocal_WarmWorker_KeepsModuleState(t *testing.T) {
	l := newLocal(t, LocalOptions{})
	fn := nodeFn(t, "index.counter")
	type call struct {
		Payload string
		Cold    bool
	}
	var got []call
	for range 3 {
		res := invoke(t, l, fn, `{}`)
		got = append(got, call{string(res.Payload), res.ColdStart})
	}
	if diff := cmp.Diff([]call{{"1", true}, {"2", false}, {"3", false}}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestLocal_IdleTTL_StopsIdleWorkers(t *testing.T) {
	rec := newRecorder()
	l := newLocal(t, LocalOptions{Metrics: rec, IdleTTL: 50 * time.Millisecond})
	fn := nodeFn(t, "index.counter")
	invoke(t, l, fn, `{}`)
	waitFor(t, "the idle worker to exit", func() bool { return rec.get(rec.alive, fn.LogicalID) == 0 })
	res := invoke(t, l, fn, `{}`)
	if string(res.Payload) != "1" || !res.ColdStart {
		t.Errorf("after idling got %s (cold %v), want a fresh worker", res.Payload, res.ColdStart)
	}
}

func TestLocal_CallerGivesUp_EventFinishesAndWorkerIsReused(t *testing.T) {
	rec := newRecorder()
	l := newLocal(t, LocalOptions{Metrics: rec, MaxWorkers: 1, QueueWait: time.Minute})
	fn := nodeFn(t, "index.sleep")
	invoke(t, l, fn, `{"n":0,"ms":0}`) // warm up
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	_, err := l.Invoke(ctx, fn, []byte(`{"n":1,"ms":300}`))
	if !errors.Is(err, context.DeadlineExceeded) || !IsKind(err, KindTransport) {
		t.Fatalf("err = %v, want a transport error wrapping context.DeadlineExceeded", err)
	}
	res := invoke(t, l, fn, `{"n":2,"ms":0}`)
	if string(res.Payload) != "2" || res.ColdStart {
		t.Errorf("got %s (cold %v), want the same warm worker once it finished", res.Payload, res.ColdStart)
	}
	if c := rec.get(rec.coldStarts, fn.LogicalID); c != 1 {
		t.Errorf("cold starts = %d, want 1", c)
	}
}

// ---- processes ----

var grandchildLine = regexp.MustCompile(`\tINFO\tgrandchild (\d+)$`)

// spawnAndHang starts a handler that spawns a grandchild and never answers;
// it returns the worker's and the grandchild's pids.
func spawnAndHang(t *testing.T, l *Local, rec *logs, timeout int) (done chan error, pids []int) {
	t.Helper()
	fn := nodeFn(t, "index.spawnAndHang")
	fn.TimeoutSeconds = timeout
	done = make(chan error, 1)
	go func() {
		_, err := l.Invoke(context.Background(), fn, []byte(`{}`))
		done <- err
	}()
	var attrs map[string]string
	var msg string
	waitFor(t, "the grandchild to start", func() bool {
		var ok bool
		msg, attrs, ok = rec.find(grandchildLine)
		return ok
	})
	worker, _ := strconv.Atoi(attrs["pid"])
	grandchild, _ := strconv.Atoi(grandchildLine.FindStringSubmatch(msg)[1])
	if attrs["function"] != fn.LogicalID || worker == 0 || grandchild == 0 {
		t.Fatalf("log record %q %v lacks the function name or pids", msg, attrs)
	}
	return done, []int{worker, grandchild}
}

func TestLocal_Close_LeavesNoProcessBehind(t *testing.T) {
	rec := &logs{}
	l, err := NewLocal(LocalOptions{CacheDir: goCache(t), Logger: slog.New(rec)})
	if err != nil {
		t.Fatal(err)
	}
	invoke(t, l, nodeFn(t, "index.counter"), `{}`) // an idle worker too
	done, pids := spawnAndHang(t, l, rec, 60)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err == nil {
		t.Error("the call in flight succeeded after Close")
	}
	for _, pid := range pids {
		waitFor(t, fmt.Sprintf("pid %d to be gone", pid), func() bool { return processGone(pid) })
	}
	if _, err := l.Invoke(t.Context(), nodeFn(t, "index.counter"), []byte(`{}`)); err == nil {
		t.Error("Invoke after Close succeeded")
	}
}

func TestLocal_Timeout_KillsWhatTheHandlerSpawned(t *testing.T) {
	rec := &logs{}
	l := newLocal(t, LocalOptions{Logger: slog.New(rec)})
	done, pids := spawnAndHang(t, l, rec, 1)
	if err := <-done; !IsKind(err, KindTimeout) {
		t.Fatalf("err = %v, want KindTimeout", err)
	}
	for _, pid := range pids {
		waitFor(t, fmt.Sprintf("pid %d to be gone", pid), func() bool { return processGone(pid) })
	}
}

// ---- environment, inline code, logs ----

func TestLocal_Environment(t *testing.T) {
	overrides, err := ParseEnvVars([]byte(`{
		"EnvFn": {"TABLE": "override-table", "UNDECLARED": "ignored", "COUNT": 3},
		"Parameters": {"STAGE": "param-stage", "TABLE": "param-table"}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	l := newLocal(t, LocalOptions{Region: "ap-south-1", EnvOverrides: overrides})
	fn := nodeFn(t, "index.env")
	fn.LogicalID, fn.Name = "EnvFn", "env-function"
	fn.TimeoutSeconds, fn.MemoryMB = 7, 512
	fn.Environment = map[string]string{"TABLE": "template-table", "STAGE": "template-stage", "COUNT": "1", "KEEP": "kept", "AWS_REGION": "ignored"}
	keys := []string{"TABLE", "STAGE", "COUNT", "KEEP", "UNDECLARED", "AWS_REGION", "AWS_DEFAULT_REGION",
		"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_TIMEOUT", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "_HANDLER",
		"LAMBDA_TASK_ROOT", "AWS_EXECUTION_ENV"}
	payload, _ := json.Marshal(map[string]any{"keys": keys})
	got := decode(t, invoke(t, l, fn, string(payload)).Payload)
	want := map[string]any{
		"TABLE": "override-table", "STAGE": "param-stage", "COUNT": "3", "KEEP": "kept", "UNDECLARED": nil,
		"AWS_REGION": "ap-south-1", "AWS_DEFAULT_REGION": "ap-south-1",
		"AWS_LAMBDA_FUNCTION_NAME": "env-function", "AWS_LAMBDA_FUNCTION_TIMEOUT": "7",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512", "_HANDLER": "index.env",
		"LAMBDA_TASK_ROOT": testdata(t, "node"), "AWS_EXECUTION_ENV": "AWS_Lambda_nodejs20.x",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("environment (-want +got):\n%s", diff)
	}
}

func TestParseEnvVars(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    EnvOverrides
		wantErr bool
	}{
		{
			name: "FunctionsAndParameters_ScalarsBecomeStrings",
			in:   `{"Fn": {"A": "x", "N": 1.5, "B": true, "Z": null}, "Parameters": {"P": "p"}}`,
			want: EnvOverrides{
				Parameters: map[string]string{"P": "p"},
				Functions:  map[string]map[string]string{"Fn": {"A": "x", "N": "1.5", "B": "true", "Z": ""}},
			},
		},
		{name: "NestedObject_Rejected", in: `{"Fn": {"A": {"x": 1}}}`, wantErr: true},
		{name: "FunctionNotAnObject_Rejected", in: `{"Fn": "x"}`, wantErr: true},
		{name: "NotJSON_Rejected", in: `nope`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEnvVars([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); !tt.wantErr && diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadEnvVars_ReadsTheFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "env.json")
	os.WriteFile(p, []byte(`{"Fn":{"A":"1"}}`), 0o600)
	got, err := LoadEnvVars(p)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(EnvOverrides{Functions: map[string]map[string]string{"Fn": {"A": "1"}}}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, err := LoadEnvVars(filepath.Join(t.TempDir(), "absent.json")); err == nil {
		t.Error("missing file: no error")
	}
}

func TestLocal_InlineCode_WrittenAsTheHandlersModule(t *testing.T) {
	testenv.Require(t, "node", "python3")
	l := newLocal(t, LocalOptions{})
	tests := []struct {
		fn   *apimodel.Function
		want string
	}{
		{&apimodel.Function{LogicalID: "InlineNode", Runtime: "nodejs20.x", Handler: "index.handler",
			InlineCode: "exports.handler = async (e) => ({inline: 'node', e});"}, `{"inline":"node","e":5}`},
		{&apimodel.Function{LogicalID: "InlinePy", Runtime: "python3.11", Handler: "index.handler",
			InlineCode: "def handler(event, context):\n    return {'inline': 'python', 'e': event}\n"}, `{"inline": "python", "e": 5}`},
	}
	for _, tt := range tests {
		t.Run(tt.fn.LogicalID, func(t *testing.T) {
			if got := string(invoke(t, l, tt.fn, `5`).Payload); got != tt.want {
				t.Errorf("payload = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestLocal_FunctionOutput_LoggedWithTheFunctionName(t *testing.T) {
	rec := &logs{}
	l := newLocal(t, LocalOptions{Logger: slog.New(rec)})
	fn := nodeFn(t, "index.log")
	invoke(t, l, fn, `{"who":"node"}`)
	pfn := pythonFn(t, "app.log")
	invoke(t, l, pfn, `{"who":"python"}`)
	// Lambda's line formats: Node "<time>\t<request id>\tINFO\t<message>",
	// Python's root logger "[INFO]\t<time>\t<request id>\t<message>".
	for _, c := range []struct {
		re *regexp.Regexp
		fn string
	}{
		{regexp.MustCompile(`^\d{4}-\d\d-\d\dT[\d:.]+Z\t[0-9a-f-]{36}\tINFO\thello from node$`), fn.LogicalID},
		{regexp.MustCompile(`^\[INFO\]\t\d{4}-\d\d-\d\dT[\d:.]+Z\t[0-9a-f-]{36}\thello from python$`), pfn.LogicalID},
		{regexp.MustCompile(`^printed$`), pfn.LogicalID},
	} {
		waitFor(t, "log line "+c.re.String(), func() bool { _, _, ok := rec.find(c.re); return ok })
		if _, attrs, _ := rec.find(c.re); attrs["function"] != c.fn {
			t.Errorf("line %s logged with function=%q, want %q", c.re, attrs["function"], c.fn)
		}
	}
}

func TestLocal_NilFunction_KindNotFound(t *testing.T) {
	l := newLocal(t, LocalOptions{})
	if _, err := l.Invoke(t.Context(), nil, nil); !IsKind(err, KindNotFound) {
		t.Errorf("err = %v, want KindNotFound", err)
	}
}

func TestLocal_Warm_StartsAWorkerAhead(t *testing.T) {
	l := newLocal(t, LocalOptions{})
	fn := nodeFn(t, "index.counter")
	if err := l.Warm(t.Context(), fn); err != nil {
		t.Fatal(err)
	}
	if res := invoke(t, l, fn, `{}`); res.ColdStart || string(res.Payload) != "1" {
		t.Errorf("got %s (cold %v), want the pre-started worker", res.Payload, res.ColdStart)
	}
}
