package server

import (
	"bytes"
	"context"
	"encoding/json"
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
)

// TestAdminAPI_CrossSiteTestInvoke_Refused is the report's attack on the
// real admin listener: a web page's text/plain POST, with its own Origin
// and, after DNS rebinding, its own Host, asked TestInvokeMethod (which
// skips the authorizer) to run the backend. It must be refused with a JSON
// 403 before anything runs; each signal alone is refused too, and the same
// call as an SDK sends it still works.
func TestAdminAPI_CrossSiteTestInvoke_Refused(t *testing.T) {
	s := startManagement(t)
	api := s.srv.Gateway().APIs()[0]
	var resID string
	for _, r := range api.Resources {
		if r.Methods["GET"] != nil && r.Path != "/" {
			resID = r.ID
			break
		}
	}
	if resID == "" {
		t.Fatal("the management template has no GET method")
	}
	url := s.admin + "/restapis/" + api.ID + "/resources/" + resID + "/methods/GET"
	own := strings.TrimPrefix(s.admin, "http://")
	_, port, _ := strings.Cut(own, ":")
	body := `{"pathWithQueryString":"/items/1"}`
	cases := []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"Attack_TextPlain_EvilOrigin_ForeignHost", map[string]string{"Content-Type": "text/plain", "Origin": "http://evil.example", "Host": "evil.example:" + port}, 403},
		{"ForeignHost", map[string]string{"Content-Type": "application/json", "Host": "evil.example:" + port}, 403},
		{"EvilOrigin", map[string]string{"Content-Type": "application/json", "Origin": "http://evil.example"}, 403},
		{"TextPlain", map[string]string{"Content-Type": "text/plain"}, 403},
		{"SecFetchSiteCrossSite", map[string]string{"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"}, 403},
		{"AsTheSDKSendsIt", map[string]string{"Content-Type": "application/json"}, 200},
		{"SameOriginPage", map[string]string{"Content-Type": "application/json", "Origin": "http://" + own, "Sec-Fetch-Site": "same-origin"}, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest("POST", url, strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.header {
				if k == "Host" {
					req.Host = v // a rebound name resolves to the listener
					continue
				}
				req.Header.Set(k, v)
			}
			resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			st, got := resp.StatusCode, string(b)
			if st != tc.want {
				t.Fatalf("status %d, want %d: %s", st, tc.want, got)
			}
			if tc.want != 403 {
				return
			}
			var msg struct{ Message string }
			if err := json.Unmarshal([]byte(got), &msg); err != nil || msg.Message == "" {
				t.Fatalf("the refusal is not a JSON {\"message\"}: %s", got)
			}
			if strings.Contains(got, "status") {
				t.Fatalf("the refusal carries a test-invoke result: %s", got)
			}
		})
	}
}

// TestManagementAPI_AWSSDKv3Clients_SignedWhenIdentitiesConfigured: with
// identities in --config the admin listener verifies SigV4 as AWS does.
// The real @aws-sdk clients (test/js/management.mjs signs as AKIDEXAMPLE)
// pass when the identity's secret is theirs and get AWS's 403
// InvalidSignatureException when it is not.
func TestManagementAPI_AWSSDKv3Clients_SignedWhenIdentitiesConfigured(t *testing.T) {
	js, err := filepath.Abs("../../test/js")
	if err != nil {
		t.Fatal(err)
	}
	testenv.Require(t, "node", "js-sdk")
	run := func(t *testing.T, secret string) map[string]sdkCall {
		dir := t.TempDir()
		if err := os.CopyFS(dir, os.DirFS("testdata/management")); err != nil {
			t.Fatal(err)
		}
		cfg := filepath.Join(dir, "portcullis.yaml")
		conf := "identities:\n  - accessKeyId: AKIDEXAMPLE\n    secretAccessKey: " + secret + "\n    arn: arn:aws:iam::123456789012:user/admin\n"
		if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		srv := runServer(t, Config{
			DefinitionPath: filepath.Join(dir, "template.yaml"), Port: 0, AdminAddr: "127.0.0.1:0", ConfigFile: cfg,
			Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
		})
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, "node", "management.mjs", "http://"+srv.AdminAddr())
		cmd.Dir = js
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		raw, err := cmd.Output()
		if err != nil {
			t.Fatalf("node management.mjs: %v\n%s", err, stderr.String())
		}
		var got map[string]sdkCall
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatalf("decoding the script's output: %v\n%s", err, raw)
		}
		return got
	}
	t.Run("TheSDKsSecret_EveryCallPasses", func(t *testing.T) {
		got := run(t, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
		for _, name := range []string{"getRestApis", "getResources", "getStages", "flush", "testInvokeMethod", "invoke", "listFunctions"} {
			if c := got[name]; !c.OK {
				t.Errorf("%s: %s (HTTP %d): %s", name, c.Name, c.Status, c.Message)
			}
		}
	})
	t.Run("AnotherSecret_403_InvalidSignatureException", func(t *testing.T) {
		got := run(t, "not-the-sdks-secret")
		c := got["getRestApis"]
		if c.OK || c.Status != 403 || c.Name != "InvalidSignatureException" {
			t.Fatalf("getRestApis = %+v, want a 403 InvalidSignatureException", c)
		}
	})
}
