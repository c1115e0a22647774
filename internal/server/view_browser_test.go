package server

import (
	"context"
	"flag"
	"github.com/portcullis-gateway/portcullis/internal/testenv"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

var updateScreenshot = flag.Bool("update-screenshot", false, "write the decision view's screenshot to docs/decision-view.png")

// chromium finds Debian's Chromium; testenv.Require skips the test on a
// workstation without it and fails it in CI.
func chromium(t *testing.T) string {
	t.Helper()
	testenv.Require(t, "chromium")
	p, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDecisionView_Browser drives the decision view in headless Chromium
// against a real gateway running the quickstart (its Node.js authorizer
// and Python backend): an allowed and a denied request appear live, and
// the denied one, opened, shows the authorizer statement that denied it.
func TestDecisionView_Browser(t *testing.T) {
	exe := chromium(t)
	needPython(t)
	testenv.Require(t, "node")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := New(ctx, Config{
		DefinitionPath: "../../examples/quickstart/template.yaml", Port: 0, AdminAddr: "127.0.0.1:0",
		Decisions: 100, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	defer func() { cancel(); <-done }()
	gw := "http://" + srv.Addrs()[0]
	view := "http://" + srv.AdminAddr() + "/"

	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 860),
	)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	// A bound on the whole browser session, so that a broken page fails
	// the test instead of hanging it; no assertion depends on timing.
	bctx, cancelTimeout := context.WithTimeout(bctx, 2*time.Minute)
	defer cancelTimeout()

	if err := chromedp.Do(bctx, chromedp.Navigate(view), chromedp.WaitVisible(`#live.on`)); err != nil {
		t.Fatalf("loading the view: %v", err)
	}
	get(t, gw+"/prod/users/43/info", "allow-alice", 200)
	get(t, gw+"/prod/users/7/info", "deny-bob", 403)
	// The methodArn pitfall: alice's cached policy names /users/43 only.
	get(t, gw+"/prod/users/44/info", "allow-alice", 403)

	err = chromedp.Do(bctx,
		chromedp.WaitVisible(`#rows tr[data-status="200"]`),
		chromedp.WaitVisible(`#rows tr[data-status="403"]`),
		chromedp.WaitVisible(`#rows tr[data-path="/prod/users/44/info"]`),
		chromedp.Click(`#rows tr[data-path="/prod/users/7/info"]`),
		chromedp.WaitVisible(`#detail li[data-step="policy decision"]`),
	)
	if err != nil {
		t.Fatalf("driving the view: %v", err)
	}
	detail := run(t, bctx, chromedp.Text(`#detail`))
	// The pitfall's explanation names both paths and the fixes.
	if err := chromedp.Do(bctx, chromedp.Click(`#rows tr[data-path="/prod/users/44/info"]`), chromedp.WaitVisible(`#explanation .warn`)); err != nil {
		t.Fatal(err)
	}
	why := run(t, bctx, chromedp.Text(`#explanation`))
	for _, want := range []string{"Authorizer cache hit: entry filled by arn:aws:execute-api:us-east-1:123456789012:dh74him478/prod/GET/users/43/info",
		"Policy decision: ImplicitDeny: no statement matched", "the authorizer cache is keyed by identity only", "Fix: return a wildcard resource"} {
		if !strings.Contains(why, want) {
			t.Errorf("the pitfall's explanation lacks %q; it reads:\n%s", want, why)
		}
	}
	wide := run(t, bctx, chromedp.CaptureScreenshot())
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(420, 900)); err != nil {
		t.Fatal(err)
	}
	narrowOverflow := run(t, bctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	narrow := run(t, bctx, chromedp.CaptureScreenshot())
	for _, want := range []string{
		"GET /prod/users/7/info → 403",
		"authorizer policy of TokenAuthorizer: ExplicitDeny",
		"deciding statement",
		`"Effect": "Deny"`,
		"arn:aws:execute-api:us-east-1:123456789012:dh74him478/prod/GET/users/7/info",
		"ACCESS_DENIED 403",
		"principal bob",
	} {
		if !strings.Contains(detail, want) {
			t.Errorf("the denied request's detail lacks %q; it reads:\n%s", want, detail)
		}
	}
	if strings.Contains(detail, "deny-bob") {
		t.Errorf("the view shows the token unmasked:\n%s", detail)
	}
	if narrowOverflow {
		t.Error("at 420 px the page scrolls sideways")
	}
	dir := t.ArtifactDir()
	for name, png := range map[string][]byte{"decision-view.png": wide, "decision-view-narrow.png": narrow} {
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshots in %s", dir)
	if *updateScreenshot {
		if err := os.WriteFile("../../docs/decision-view.png", wide, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func run[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func get(t *testing.T, url, token string, want int) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		t.Fatalf("GET %s: status %d, want %d: %s", url, resp.StatusCode, want, body)
	}
}
