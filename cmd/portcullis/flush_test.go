package main

import (
	"os"
	"strings"
	"testing"
)

// TestFlush_IdentitiesConfigured_RefusedWithTheSignedAlternative: with
// identities in --config the admin API requires SigV4, which
// flush-authorizer-cache does not send; it fails and names the aws CLI
// command that signs.
func TestFlush_IdentitiesConfigured_RefusedWithTheSignedAlternative(t *testing.T) {
	dir := t.TempDir()
	cfg := dir + "/portcullis.yaml"
	if err := os.WriteFile(cfg, []byte("identities:\n  - accessKeyId: AKIDADMIN\n    secretAccessKey: s3cret\n    arn: arn:aws:iam::123456789012:user/admin\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	g := startServe(t, "-t", "testdata/bodies/template.yaml", "--port", "0", "--admin-addr", "127.0.0.1:0", "--config", cfg)
	res := runCLI(t, "", "", "flush-authorizer-cache", "--api", "0rxj3e58ce", "--stage", "prod", "--admin-addr", g.admin)
	if res.code != 1 || !strings.Contains(res.stderr, "403 Forbidden") || !strings.Contains(res.stderr, "aws apigateway flush-stage-authorizers-cache --endpoint-url http://"+g.admin) {
		t.Fatalf("flush-authorizer-cache = %+v, want exit 1 with the 403 and the aws CLI alternative", res)
	}
}
