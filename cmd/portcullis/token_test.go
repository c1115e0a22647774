package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portcullis-gateway/portcullis/internal/cognito"
)

// TestToken_TrustedByLocalPool: what "portcullis token" prints verifies
// against a user pool configured as local with the same key file, with
// the claims the flags asked for.
func TestToken_TrustedByLocalPool(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "key.pem")
	const arn = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Local"
	tests := []struct {
		name   string
		args   []string
		scopes []string
		claims map[string]string
	}{
		{"IDToken_Groups", []string{"--groups", "admin,dev"}, nil,
			map[string]string{"sub": "alice", "token_use": "id", "cognito:groups": "[admin dev]", "cognito:username": "alice"}},
		{"AccessToken_Scope", []string{"--access", "--scope", "pets/read"}, []string{"pets/read"},
			map[string]string{"sub": "alice", "token_use": "access", "scope": "pets/read"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			args := append([]string{"token", "--user-pool", "eu-west-1_Local", "--sub", "alice", "--key-file", keyFile}, tc.args...)
			if code := run(args, nil, &out, &errb); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			key, err := cognito.LoadOrCreateLocalKey(keyFile)
			if err != nil {
				t.Fatal(err)
			}
			v, err := cognito.New(context.Background(), cognito.Options{Pools: []cognito.PoolConfig{{ARN: arn, Local: true}}, LocalKey: key})
			if err != nil {
				t.Fatal(err)
			}
			defer v.Close()
			id, err := v.Verify(context.Background(), strings.TrimSpace(out.String()), []string{arn}, tc.scopes, "")
			if err != nil {
				t.Fatal(err)
			}
			for k, want := range tc.claims {
				if id.Claims[k] != want {
					t.Errorf("claim %s = %q, want %q", k, id.Claims[k], want)
				}
			}
		})
	}
}

func TestToken_Usage(t *testing.T) {
	for _, args := range [][]string{
		{"token", "--sub", "alice"},
		{"token", "--user-pool", "us-east-1_X", "--sub", "alice", "--scope", "s"},
	} {
		var out, errb bytes.Buffer
		if code := run(args, nil, &out, &errb); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errb.String())
		}
	}
}
