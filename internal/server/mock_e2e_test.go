package server

import (
	"context"
	"encoding/json"
	"github.com/portcullis-gateway/portcullis/internal/testenv"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const mockConfig = `mockIdentities:
  header: X-Mock-Identity
  identities:
    - name: admin
      principalId: root
      allowAll: true
      context: {role: admin}
`

func startQuickstart(t *testing.T, cfg Config) (gw, admin string) {
	t.Helper()
	needPython(t)
	testenv.Require(t, "node")
	ctx, cancel := context.WithCancel(context.Background())
	cfg.DefinitionPath = "../../examples/quickstart/template.yaml"
	cfg.AdminAddr = "127.0.0.1:0"
	cfg.Logger = slog.New(slog.DiscardHandler)
	srv, err := New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return "http://" + srv.Addrs()[0], "http://" + srv.AdminAddr()
}

func send(t *testing.T, url string, headers map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A mock identity picked by header answers for the quickstart's Node.js
// authorizer without invoking it; the backend receives the mock's
// principal and context as the real authorizer's. Without the header the
// real authorizer runs (and throws for a token it does not know).
func TestE2E_MockIdentity_ByHeader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "portcullis.yaml")
	if err := os.WriteFile(path, []byte(mockConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	gw, admin := startQuickstart(t, Config{ConfigFile: path, Decisions: 10})
	status, body := send(t, gw+"/prod/users/1/info", map[string]string{"Authorization": "anything", "X-Mock-Identity": "admin"})
	if status != 200 || !strings.Contains(body, `"principalId": "root"`) {
		t.Fatalf("with the mock: %d %s", status, body)
	}
	status, body = send(t, gw+"/prod/users/1/info", map[string]string{"Authorization": "anything"})
	if status != 500 {
		t.Fatalf("without the mock the real authorizer throws for this token: %d %s", status, body)
	}
	// The identity sources are still checked: no token, 401.
	status, _ = send(t, gw+"/prod/users/1/info", map[string]string{"X-Mock-Identity": "admin"})
	if status != 401 {
		t.Fatalf("mock without a token: %d, want 401", status)
	}
	_, list := send(t, admin+"/decisions", nil)
	var out struct {
		Item []struct{ Mock, Principal string }
	}
	if err := json.Unmarshal([]byte(list), &out); err != nil || len(out.Item) != 3 {
		t.Fatalf("decisions: %v %s", err, list)
	}
	if out.Item[0].Mock != "admin" || out.Item[0].Principal != "root" || out.Item[1].Mock != "" {
		t.Errorf("decisions: %+v", out.Item)
	}
}

// --disable-authorizer serves the method without its authorizer: no
// token needed, nothing invoked.
func TestE2E_DisableAuthorizer(t *testing.T) {
	gw, _ := startQuickstart(t, Config{DisableAuthorizer: true})
	status, body := send(t, gw+"/prod/users/1/info", nil)
	if status != 200 || !strings.Contains(body, `"path": "/users/1/info"`) {
		t.Fatalf("%d %s", status, body)
	}
}

func TestNew_UnknownIdentityIsRefused(t *testing.T) {
	_, err := New(context.Background(), Config{DefinitionPath: "../../examples/quickstart/template.yaml", AdminAddr: "-", Identity: "ghost"})
	if err == nil || !strings.Contains(err.Error(), "--identity ghost: no mock identity has that name") {
		t.Fatalf("err = %v", err)
	}
}

func TestNew_DebugFlagsAreChecked(t *testing.T) {
	for _, tc := range []struct {
		fn   string
		port int
		want string
	}{
		{"", 5858, "--debug-port needs --debug-function"},
		{"UsersFunction", 0, "needs --debug-port"},
		{"Nope", 5858, "--debug-function Nope: the definition has no such function"},
	} {
		_, err := New(context.Background(), Config{DefinitionPath: "../../examples/quickstart/template.yaml", AdminAddr: "-",
			DebugFunction: tc.fn, DebugPort: tc.port})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s:%d: err = %v, want %q", tc.fn, tc.port, err, tc.want)
		}
	}
}
