package jwtverify

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

// TestWWWAuthenticate_Golden pins the status and www-authenticate line of
// every failure, byte for byte, in testdata/www-authenticate.golden (run
// with -update to rewrite it after a deliberate change). The audience line
// is the documented capture (http-api-troubleshooting-jwt.html).
func TestWWWAuthenticate_Golden(t *testing.T) {
	ti := newTestIssuer(t)
	ti.publish(t, "k1", false)
	keys := newKeySet(t, KeySource{JWKSURL: ti.URL() + "/keys"}, KeyOptions{})
	v := newVerifier(t, Options{ClientIDAudience: true, Issuers: []Issuer{{Issuer: ti.URL(), Audiences: []string{"api"},
		Claims: []ClaimRule{{Name: "tenant", Required: true}}, Keys: keys}}})
	c := with(ti.claims(), "tenant", "acme")
	rs := func(c jwt.MapClaims) string { return ti.sign(t, jwt.SigningMethodRS256, "k1", c) }
	cases := []struct {
		name   string
		token  string
		scopes []string
	}{
		{"missing", "", nil},
		{"malformed", "abc", nil},
		{"audience", rs(with(c, "aud", "web")), nil},
		{"issuer", rs(with(c, "iss", "https://other.example")), nil},
		{"expired", rs(with(c, "exp", testNow.Add(-time.Minute).Unix())), nil},
		{"not-yet-valid", rs(with(c, "nbf", testNow.Add(time.Minute).Unix())), nil},
		{"issued-later", rs(with(c, "iat", testNow.Add(time.Minute).Unix())), nil},
		{"signature", rs(c)[:len(rs(c))-8] + "AAAAAAAA", nil},
		{"unknown-kid", func() string {
			ti.publish(t, "k2", false)
			ti.retire("k2")
			return ti.sign(t, jwt.SigningMethodRS256, "k2", c)
		}(), nil},
		{"claim", rs(with(c, "tenant", nil)), nil},
		{"scope", rs(c), []string{"admin", "pets/delete"}},
	}
	var b strings.Builder
	for _, tc := range cases {
		_, err := v.Verify(context.Background(), Request{Token: tc.token, Scopes: tc.scopes})
		e := errOf(t, err)
		h := e.WWWAuthenticate
		if h == "" {
			h = "(no www-authenticate)"
		}
		fmt.Fprintf(&b, "%s: %d %s\n", tc.name, e.Status, h)
	}
	const path = "testdata/www-authenticate.golden"
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("www-authenticate lines differ from %s:\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
