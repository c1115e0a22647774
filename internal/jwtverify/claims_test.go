package jwtverify

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
)

func decode(t testing.TB, s string) map[string]any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestHTTPClaims: the shape of requestContext.authorizer.jwt.claims in a
// real payload 2.0 event (DefinitelyTyped PR #75458: "exp":
// "1787996002", "scope": "a b").
func TestHTTPClaims(t *testing.T) {
	got := HTTPClaims(decode(t, `{"sub":"s","exp":1787996002,"auth_time":1787992402,"scope":"a b",
		"email_verified":true,"groups":["admin","dev"],"one":["x"],"addr":{"city":"Seattle","zip":"1"},"gone":null,"ratio":1.5}`))
	want := map[string]string{
		"sub": "s", "exp": "1787996002", "auth_time": "1787992402", "scope": "a b",
		"email_verified": "true", "groups": "[admin dev]", "one": "[x]",
		"addr": `{"city":"Seattle","zip":"1"}`, "ratio": "1.5",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("HTTPClaims (-want +got):\n%s", diff)
	}
}

// TestClaimJSON pins the table of "Pass JWT claims to your integration"
// (rest-api-jwt-authorizer-claims.html): each claim is its JSON text,
// non-ASCII characters as \uXXXX escapes.
func TestClaimJSON(t *testing.T) {
	claims := decode(t, `{"name":"Doe, \"Jane\"","iat":1516239022,"version":"42","roles":["user","editor"],"address":{"city":"Seattle"},"city":"Montréal","emoji":"😀"}`)
	want := map[string]string{
		"name":    `"Doe, \"Jane\""`,
		"iat":     `1516239022`,
		"version": `"42"`,
		"roles":   `["user","editor"]`,
		"address": `{"city":"Seattle"}`,
		"city":    `"Montr\u00E9al"`,
		"emoji":   `"\uD83D\uDE00"`,
	}
	for name, w := range want {
		got, err := ClaimJSON(claims[name])
		if err != nil {
			t.Fatal(err)
		}
		if got != w {
			t.Errorf("ClaimJSON(%s) = %s, want %s", name, got, w)
		}
		var back any
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Errorf("ClaimJSON(%s) = %s is not JSON: %v", name, got, err)
		}
	}
}

// FuzzVerify: whatever the identity source holds, Verify never panics and
// never passes a token the issuer did not sign.
func FuzzVerify(f *testing.F) {
	ti := newTestIssuer(f)
	ti.publish(f, "k1", false)
	keys := newKeySet(f, KeySource{JWKSURL: ti.URL() + "/keys"}, KeyOptions{})
	v := newVerifier(f, Options{ClientIDAudience: true, Issuers: []Issuer{{Issuer: ti.URL(), Audiences: []string{"api"}, Keys: keys}}})
	good := ti.sign(f, jwt.SigningMethodRS256, "k1", ti.claims())
	for _, s := range []string{"", "Bearer ", "a.b.c", "eyJhbGciOiJub25lIn0.e30.", good[:len(good)-1], "Bearer " + good + "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		tok, err := v.Verify(context.Background(), Request{Token: token, Scopes: []string{"pets/read"}})
		if err == nil {
			if StripBearer(token) != good {
				t.Fatalf("Verify passed %q, which the issuer did not sign", token)
			}
			if tok == nil {
				t.Fatal("no token and no error")
			}
		}
	})
}

// TestForHTTP_DecodesIntoAWSLambdaGo: requestContext.authorizer.jwt as we
// render it decodes without loss into aws-lambda-go's event type, with
// scopes null for a route without scopes.
func TestForHTTP_DecodesIntoAWSLambdaGo(t *testing.T) {
	tok := &Token{Claims: decode(t, `{"sub":"s","exp":1787996002,"scope":"a b","groups":["g1"]}`), Scopes: []string{"a", "b"}}
	for _, tt := range []struct {
		name       string
		route      []string
		wantJSON   string
		wantScopes []string
	}{
		{"RouteWithoutScopes", nil, `{"claims":{"exp":"1787996002","groups":"[g1]","scope":"a b","sub":"s"},"scopes":null}`, nil},
		{"RouteWithScopes", []string{"b"}, `{"claims":{"exp":"1787996002","groups":"[g1]","scope":"a b","sub":"s"},"scopes":["a","b"]}`, []string{"a", "b"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := json.Marshal(tok.ForHTTP(tt.route))
			if err != nil {
				t.Fatal(err)
			}
			if string(raw) != tt.wantJSON {
				t.Errorf("JSON = %s\nwant   %s", raw, tt.wantJSON)
			}
			var ev events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription
			d := json.NewDecoder(strings.NewReader(string(raw)))
			d.DisallowUnknownFields()
			if err := d.Decode(&ev); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(HTTPClaims(tok.Claims), ev.Claims); diff != "" {
				t.Errorf("claims after decoding (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantScopes, ev.Scopes); diff != "" {
				t.Errorf("scopes after decoding (-want +got):\n%s", diff)
			}
		})
	}
}
