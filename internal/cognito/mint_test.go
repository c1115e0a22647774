package cognito

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// decodePart decodes one base64url JSON part of a JWT.
func decodePart(t *testing.T, token string, i int) map[string]any {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[i])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func sortedKeys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// TestMint_CognitoShapedTokens: minted tokens carry the header and the
// claim names Cognito's own tokens carry, as listed in the Amazon Cognito
// Developer Guide pages "Understanding the identity (ID) token" and
// "Understanding the access token" (for a user with an email, in groups,
// without federated identities or device tracking).
func TestMint_CognitoShapedTokens(t *testing.T) {
	key := testLocalKey(t)
	uuidRE := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	tests := []struct {
		name       string
		opts       MintOptions
		wantNames  []string
		wantValues map[string]any
	}{
		{
			name: "IDToken",
			opts: MintOptions{PoolID: "us-east-1_Abc", Sub: "alice", Email: "alice@example.com", Groups: []string{"admin"}, Now: testNow},
			wantNames: []string{"aud", "auth_time", "cognito:groups", "cognito:username", "email", "email_verified",
				"event_id", "exp", "iat", "iss", "jti", "origin_jti", "sub", "token_use"},
			wantValues: map[string]any{
				"aud": DefaultClientID, "cognito:username": "alice", "token_use": "id", "email_verified": true,
				"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc",
				"exp": float64(testNow.Add(time.Hour).Unix()), "iat": float64(testNow.Unix()),
				"cognito:groups": []any{"admin"},
			},
		},
		{
			name: "AccessTokenWithDefaultScope",
			opts: MintOptions{PoolID: "eu-west-1_Xyz", Sub: "bob", Username: "bobby", Groups: []string{"a", "b"}, Access: true, ClientID: "client9", TTL: 5 * time.Minute, Now: testNow},
			wantNames: []string{"auth_time", "client_id", "cognito:groups", "event_id", "exp", "iat", "iss", "jti",
				"origin_jti", "scope", "sub", "token_use", "username", "version"},
			wantValues: map[string]any{
				"client_id": "client9", "username": "bobby", "token_use": "access", "version": float64(2),
				"scope": "aws.cognito.signin.user.admin",
				"iss":   "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Xyz",
				"exp":   float64(testNow.Add(5 * time.Minute).Unix()),
			},
		},
		{
			name: "AccessTokenWithScopesAndRegionGiven",
			opts: MintOptions{Region: "ap-south-1", PoolID: "localpool", Sub: "carol", Access: true, Scope: []string{"pets/read", "openid"}, Now: testNow},
			wantNames: []string{"auth_time", "client_id", "event_id", "exp", "iat", "iss", "jti",
				"origin_jti", "scope", "sub", "token_use", "username", "version"},
			wantValues: map[string]any{
				"scope": "pets/read openid",
				"iss":   "https://cognito-idp.ap-south-1.amazonaws.com/localpool",
			},
		},
		{
			name: "ExtraClaimsOverride",
			opts: MintOptions{PoolID: "us-east-1_Abc", Sub: "dave", Now: testNow, Extra: map[string]any{"custom:role": "ops", "aud": "other"}},
			wantNames: []string{"aud", "auth_time", "cognito:username", "custom:role", "event_id", "exp", "iat", "iss",
				"jti", "origin_jti", "sub", "token_use"},
			wantValues: map[string]any{"custom:role": "ops", "aud": "other"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := mint(t, key, tt.opts)
			if diff := cmp.Diff(map[string]any{"alg": "RS256", "kid": key.KID()}, decodePart(t, token, 0)); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}
			claims := decodePart(t, token, 1)
			if diff := cmp.Diff(tt.wantNames, sortedKeys(claims)); diff != "" {
				t.Errorf("claim names (-want +got):\n%s", diff)
			}
			for name, want := range tt.wantValues {
				if diff := cmp.Diff(want, claims[name]); diff != "" {
					t.Errorf("claim %s (-want +got):\n%s", name, diff)
				}
			}
			for _, name := range []string{"jti", "origin_jti", "event_id"} {
				if s, _ := claims[name].(string); !uuidRE.MatchString(s) && tt.opts.Extra[name] == nil {
					t.Errorf("claim %s = %v, want a version 4 UUID", name, claims[name])
				}
			}
		})
	}
}

func TestMint_Errors(t *testing.T) {
	key := testLocalKey(t)
	tests := []struct {
		name    string
		key     *LocalKey
		opts    MintOptions
		wantErr string
	}{
		{"NoKey", nil, MintOptions{PoolID: "us-east-1_A", Sub: "a"}, "no local key"},
		{"NoPool", key, MintOptions{Sub: "a"}, "user pool id required"},
		{"NoSub", key, MintOptions{PoolID: "us-east-1_A"}, "sub required"},
		{"ScopeOnIDToken", key, MintOptions{PoolID: "us-east-1_A", Sub: "a", Scope: []string{"s"}}, "access tokens only"},
		{"RegionNotInPoolID", key, MintOptions{PoolID: "mypool", Sub: "a"}, "cannot tell the region"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Mint(tt.key, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Mint error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestLocalKey_SharedThroughItsFile: the command that mints and the gateway
// that verifies load the same key from the same file; the first to run
// creates it.
func TestLocalKey_SharedThroughItsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cache", "portcullis", "cognito-local-key.pem")
	// Two processes starting at once agree on one key.
	keys := make([]*LocalKey, 2)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := LoadOrCreateLocalKey(path)
			if err != nil {
				t.Error(err)
				return
			}
			keys[i] = k
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if keys[0].KID() != keys[1].KID() {
		t.Fatalf("concurrent creation gave two keys: %s and %s", keys[0].KID(), keys[1].KID())
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode = %v, want 0600", perm)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("key directory holds %d entries, want only the key (temporary files removed)", len(entries))
	}

	minter, err := LoadOrCreateLocalKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if minter.KID() != keys[0].KID() {
		t.Fatalf("reloaded key id = %s, want %s", minter.KID(), keys[0].KID())
	}
	token := mint(t, minter, MintOptions{PoolID: "us-east-1_Local", Sub: "alice", Now: testNow})
	v := newVerifier(t, Options{LocalKey: keys[1], Pools: []PoolConfig{{ARN: localARN, Local: true}}})
	if _, err := v.Verify(context.Background(), token, []string{localARN}, nil, ""); err != nil {
		t.Errorf("gateway refused a token minted with the shared key: %v", err)
	}
}

// TestLocalKey_JWKSServedAsAPoolsJWKS: the local key's JWKS, served like a
// user pool's /.well-known/jwks.json, verifies its tokens.
func TestLocalKey_JWKSServedAsAPoolsJWKS(t *testing.T) {
	key := testLocalKey(t)
	srv := newJWKSServer(t, key.JWKS())
	v := newVerifier(t, Options{Pools: []PoolConfig{{ARN: localARN, JWKSURL: srv.URL}}})
	token := mint(t, key, MintOptions{PoolID: "us-east-1_Local", Sub: "alice", Access: true, Scope: []string{"s"}, Now: testNow})
	id, err := v.Verify(context.Background(), token, []string{localARN}, []string{"s"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"s"}, id.Scopes); diff != "" {
		t.Errorf("Scopes (-want +got):\n%s", diff)
	}
}

func TestLocalKey_Errors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name    string
		path    string
		wantErr string
	}{
		{"NotPEM", write("garbage.pem", "hello"), "no PEM block"},
		{"WrongBlock", write("cert.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), `"CERTIFICATE"`},
		{"BadDER", write("bad.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), "local Cognito key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadOrCreateLocalKey(tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("LoadOrCreateLocalKey error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
	t.Run("Unreadable", func(t *testing.T) {
		_, err := LoadOrCreateLocalKey(dir) // a directory
		if err == nil || errors.Is(err, fs.ErrNotExist) {
			t.Errorf("LoadOrCreateLocalKey(directory) error = %v, want a read error", err)
		}
	})
	t.Run("WeakKey", func(t *testing.T) {
		weak, err := rsa.GenerateKey(rand.Reader, 1024)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := NewLocalKey(weak); err == nil {
			t.Error("NewLocalKey accepted a 1024-bit key")
		}
	})
}

func TestDefaultLocalKeyPath(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", "/var/cache/someone")
	t.Setenv("HOME", "/home/someone")
	p, err := DefaultLocalKeyPath()
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join("portcullis", "cognito-local-key.pem")
	if runtime.GOOS == "linux" {
		want = "/var/cache/someone/portcullis/cognito-local-key.pem"
	}
	if !strings.HasSuffix(p, want) {
		t.Errorf("DefaultLocalKeyPath = %q, want …%s", p, want)
	}
}
