package server

import (
	"context"
	"github.com/portcullis-gateway/portcullis/internal/testenv"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// copyDir copies a testdata tree so a test can edit it.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestWatch_ReloadsCodeAndKeepsServingOnBrokenTemplate: a code change is
// picked up without a restart; a broken template keeps the old gateway.
func TestWatch_ReloadsCodeAndKeepsServingOnBrokenTemplate(t *testing.T) {
	dir := copyDir(t, "testdata/authz")
	s := startE2E(t, filepath.Join(dir, "template.yaml"), nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.srv.Watch(ctx, 50*time.Millisecond)

	tok := map[string]string{"Authorization": "wildcard-alice"}
	s.do(t, "GET", "/prod/users/1/info", tok).want(t, 200, `"path": "/users/1/info"`)

	app := filepath.Join(dir, "backend", "app.py")
	src, _ := os.ReadFile(app)
	changed := strings.Replace(string(src), `"path": event["path"],`, `"path": event["path"], "version": 2,`, 1)
	if err := os.WriteFile(app, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		return strings.Contains(s.do(t, "GET", "/prod/users/1/info", tok).body, `"version": 2`)
	})

	// A broken template: the old definition keeps serving.
	tpl := filepath.Join(dir, "template.yaml")
	good, _ := os.ReadFile(tpl)
	if err := os.WriteFile(tpl, append(good, []byte("\n  Broken: [unclosed\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if err := s.srv.Reload(ctx); err == nil {
		t.Fatal("Reload accepted a broken template")
	}
	s.do(t, "GET", "/prod/users/1/info", tok).want(t, 200, `"version": 2`)
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("condition not met within 20s")
}

// TestWatch_TwoStepWrite_NeverServesTheHalfWrittenTemplate: an editor (or
// a tool that truncates and rewrites) saves the template in two writes
// with a pause between them. The first half ends just before the API's
// Auth block, so on its own it is a valid template with every route open.
// While unauthenticated probes hit the guarded routes, the gateway must
// never answer one with 200, and it must end on the complete file (the
// second version adds a guarded /v2 route, 401 without a token instead of
// 403 Missing Authentication Token). Each trial switches versions, so the
// reload after a complete write is exercised too.
func TestWatch_TwoStepWrite_NeverServesTheHalfWrittenTemplate(t *testing.T) {
	dir := copyDir(t, "testdata/authz")
	src, err := os.ReadFile("testdata/reload/template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	v1 := string(src)
	v2 := strings.ReplaceAll(v1, "#V2", "")
	tpl := filepath.Join(dir, "template.yaml")
	if err := os.WriteFile(tpl, []byte(v1), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startE2E(t, tpl, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.srv.Watch(ctx, 50*time.Millisecond)

	// Probes run for the whole test, without a token.
	var mu sync.Mutex
	statuses := map[string]map[int]int{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 10 * time.Second}
	for _, path := range []string{"/prod/users/1/info", "/prod/v2/x"} {
		statuses[path] = map[int]int{}
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				time.Sleep(2 * time.Millisecond)
				resp, err := client.Get(s.base + path)
				if err != nil {
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mu.Lock()
				statuses[path][resp.StatusCode]++
				mu.Unlock()
			}
		})
	}

	writeInTwoHalves := func(content string) {
		cut := strings.Index(content, "      Auth:")
		f, err := os.OpenFile(tpl, os.O_WRONLY|os.O_TRUNC, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteString(content[:cut]); err != nil {
			t.Fatal(err)
		}
		// Longer than the watcher's debounce, so that the half-written
		// file is polled, settles and is loaded.
		time.Sleep(600 * time.Millisecond)
		if _, err := f.WriteString(content[cut:]); err != nil {
			t.Fatal(err)
		}
	}
	v2Status := func() int { return s.do(t, "GET", "/prod/v2/x", nil).status }
	for i, want := range []struct {
		content string
		v2      int
	}{{v2, 401}, {v1, 403}, {v2, 401}} {
		writeInTwoHalves(want.content)
		waitFor(t, func() bool { return v2Status() == want.v2 })
		t.Logf("trial %d: on the complete file", i)
	}
	close(stop)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	for path, st := range statuses {
		t.Logf("%s: %v", path, st)
		if st[200] > 0 {
			t.Errorf("%s: %d unauthenticated probes got 200 (statuses %v)", path, st[200], st)
		}
		if st[401] == 0 {
			t.Errorf("%s: no probe reached the authorizer (statuses %v)", path, st)
		}
	}
	// The gateway ends on the complete file, and stays there.
	time.Sleep(300 * time.Millisecond)
	s.do(t, "GET", "/prod/v2/x", nil).want(t, 401, "Unauthorized")
}

// TestReload_HTTPAPIChangesWithTheDefinition: an HTTP API is reloaded with
// the REST APIs, whole: a route the new definition guards is guarded from
// the swap on, instead of the listener serving the definition it started
// with.
func TestReload_HTTPAPIChangesWithTheDefinition(t *testing.T) {
	testenv.Require(t, "python3")
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "template.yaml")
	write := func(auth string) {
		src := `Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        EnableIamAuthorizer: true
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: index.handler
      InlineCode: |
        def handler(event, context):
            return {"statusCode": 200, "body": "secret"}
      Events:
        Secret:
          Type: HttpApi
          Properties:
            ApiId: !Ref Api
            Path: /secret
            Method: GET` + auth + "\n"
		if err := os.WriteFile(tmpl, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("")
	srv := runServer(t, Config{DefinitionPath: tmpl, Port: 0, AdminAddr: "-", Logger: slog.New(slog.DiscardHandler)})
	base := "http://" + srv.Addrs()[len(srv.Addrs())-1]
	get := func() int {
		resp, err := http.Get(base + "/secret")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := get(); st != 200 {
		t.Fatalf("open route: %d", st)
	}
	write("\n            Auth: {Authorizer: AWS_IAM}")
	if err := srv.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := get(); st != 403 {
		t.Fatalf("after the reload that guards it, an unsigned request got %d, want 403", st)
	}
	// And a reload that would open it again is an opened guarded route.
	next, err := LoadModel(tmpl, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	write("")
	open, err := LoadModel(tmpl, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := openedRoutes(next, open); len(got) != 1 || !strings.Contains(got[0], "GET /secret") {
		t.Fatalf("openedRoutes = %v", got)
	}
}
