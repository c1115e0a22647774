package server

import (
	"log/slog"
	"net/http"
	"os/exec"
	"testing"

	"github.com/portcullis-gateway/portcullis/internal/authcache/redistest"
)

// TestIsolation_TwoAppsOneRedis pins issue 11's first finding: two
// different apps on one Redis, both with SAM's implicit ServerlessRestApi in
// the same account and region (so the same API id, authorizer id,
// usage-plan id and stage), shared authorizer decisions, throttle buckets
// and quotas — the deny-all app's authorizer was never invoked and its
// request got 200. Each app is its own deployment (named by its
// directory), so they share nothing; two instances of one app share all.
func TestIsolation_TwoAppsOneRedis(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not installed: the authorizers are Node functions")
	}
	rdb := redistest.Start(t)
	start := func(app string, count string) *e2eServer {
		t.Helper()
		srv := runServer(t, Config{
			DefinitionPath: "testdata/isolation/" + app + "/template.yaml",
			Load:           LoadOptions{ParameterOverrides: map[string]string{"CountDir": count}},
			Port:           0, AdminAddr: "-", CacheURL: rdb.URL(), ConfigFile: "testdata/isolation/keys.yaml",
			Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
		})
		return &e2eServer{srv: srv, base: "http://" + srv.Addrs()[0], count: count}
	}
	count := t.TempDir()
	allow1, allow2 := start("allowapp", count), start("allowapp", count)
	deny := start("denyapp", count)
	if a, d := allow1.srv.Model().APIs[0].ID, deny.srv.Model().APIs[0].ID; a != d {
		t.Fatalf("API ids %s and %s differ: the test needs the apps to collide on everything but their deployment", a, d)
	}
	token := map[string]string{"Authorization": "Bearer same-token"}
	key := map[string]string{"x-api-key": "isolation-key-000000000001"}

	t.Run("authorizer decision", func(t *testing.T) {
		allow1.do(t, http.MethodGet, "/Prod/guarded", token).want(t, http.StatusOK, `"allowapp"`)
		deny.do(t, http.MethodGet, "/Prod/guarded", token).want(t, http.StatusForbidden, "explicit deny")
		if n := deny.invocations(t, "denyapp"); n != 1 {
			t.Errorf("deny-all authorizer invoked %d times, want 1: its app must not use the other app's decision", n)
		}
		// The same definition, another instance: the decision is shared.
		allow2.do(t, http.MethodGet, "/Prod/guarded", token).want(t, http.StatusOK, `"allowapp"`)
		if n := allow1.invocations(t, "allowapp"); n != 1 {
			t.Errorf("allow-all authorizer invoked %d times for one token on two instances of one app, want 1", n)
		}
	})
	t.Run("throttle bucket", func(t *testing.T) {
		// Burst 2, refilled once per 100 s: shared by allowapp's instances.
		allow1.do(t, http.MethodGet, "/Prod/limited", nil).want(t, http.StatusOK, "")
		allow2.do(t, http.MethodGet, "/Prod/limited", nil).want(t, http.StatusOK, "")
		allow1.do(t, http.MethodGet, "/Prod/limited", nil).want(t, http.StatusTooManyRequests, "Too Many Requests")
		deny.do(t, http.MethodGet, "/Prod/limited", nil).want(t, http.StatusOK, `"denyapp"`)
	})
	t.Run("quota", func(t *testing.T) {
		// One request a day per key, shared by allowapp's instances.
		allow1.do(t, http.MethodGet, "/Prod/metered", key).want(t, http.StatusOK, "")
		allow2.do(t, http.MethodGet, "/Prod/metered", key).want(t, http.StatusTooManyRequests, "Limit Exceeded")
		deny.do(t, http.MethodGet, "/Prod/metered", key).want(t, http.StatusOK, `"denyapp"`)
	})
}

// --stack-name names the deployment: two directories run as one stack share.
func TestIsolation_StackNameOverridesDirectory(t *testing.T) {
	for _, tc := range []struct {
		a, b  Config
		share bool
	}{
		{Config{DefinitionPath: "x/app/template.yaml"}, Config{DefinitionPath: "y/app/template.yaml"}, true},
		{Config{DefinitionPath: "x/app/template.yaml"}, Config{DefinitionPath: "x/other/template.yaml"}, false},
		{Config{DefinitionPath: "x/app/template.yaml", Load: LoadOptions{StackName: "s"}}, Config{DefinitionPath: "x/other/template.yaml", Load: LoadOptions{StackName: "s"}}, true},
		{Config{DefinitionPath: "x/app/template.yaml", Load: LoadOptions{AccountID: "111111111111"}}, Config{DefinitionPath: "x/app/template.yaml"}, false},
		{Config{DefinitionPath: "x/app/template.yaml", Load: LoadOptions{Region: "eu-west-1"}}, Config{DefinitionPath: "x/app/template.yaml"}, false},
	} {
		m, err := LoadModel("testdata/isolation/allowapp/template.yaml", LoadOptions{ParameterOverrides: map[string]string{"CountDir": "/tmp"}})
		if err != nil {
			t.Fatal(err)
		}
		na, nb := deploymentOf(tc.a, m).Namespace(), deploymentOf(tc.b, m).Namespace()
		if (na == nb) != tc.share {
			t.Errorf("%+v vs %+v: namespaces %s, %s; want shared=%v", tc.a, tc.b, na, nb, tc.share)
		}
	}
}
