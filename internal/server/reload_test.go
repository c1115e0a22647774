package server

import (
	"context"
	"os"
	"path/filepath"
	"strings"
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
