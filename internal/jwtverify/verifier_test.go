package jwtverify

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
)

// errOf returns err as an *Error, failing the test otherwise.
func errOf(t *testing.T, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *jwtverify.Error", err, err)
	}
	return e
}

// TestVerify pins the checks of "Control access to HTTP APIs with JWT
// authorizers" (docs.aws.amazon.com/apigateway/latest/developerguide/
// http-api-jwt-authorizer.html) and of the REST JwtConfiguration
// authorizer (rest-api-jwt-authorizer.html, rest-api-jwt-authorizer-
// methods.html, API Reference JwtAdditionalClaim), against a real issuer
// on 127.0.0.1 whose keys come from its discovery document's jwks_uri.
func TestVerify(t *testing.T) {
	ti := newTestIssuer(t)
	ti.publish(t, "rsa-1", false)
	ti.publish(t, "ec-1", true)
	keys := newKeySet(t, KeySource{Discovery: ti.URL() + "/.well-known/openid-configuration", Issuer: ti.URL()}, KeyOptions{})
	rules := []ClaimRule{{Name: "tenant", Values: []string{"acme", "globex"}, Required: true}, {Name: "plan"}}
	httpAPI := newVerifier(t, Options{ClientIDAudience: true, Issuers: []Issuer{{Issuer: ti.URL(), Audiences: []string{"api", "other"}, Keys: keys}}})
	rest := newVerifier(t, Options{Algorithms: []string{"RS256", "ES256"}, Issuers: []Issuer{{Issuer: ti.URL(), Audiences: []string{"api"}, Claims: rules, Keys: keys}}})

	c := ti.claims()
	rs := func(c jwt.MapClaims) string { return ti.sign(t, jwt.SigningMethodRS256, "rsa-1", c) }
	good := rs(c)
	hs256 := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
		tok.Header["kid"] = "rsa-1"
		s, _ := tok.SignedString([]byte("secret"))
		return s
	}()
	algNone := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodNone, c)
		tok.Header["kid"] = "rsa-1"
		s, _ := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
		return s
	}()
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	forged := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
		tok.Header["kid"] = "rsa-1"
		s, _ := tok.SignedString(other)
		return s
	}()
	restClaims := with(c, "tenant", "acme")

	const (
		unauth = `Bearer scope="" error="invalid_token" error_description="`
	)
	tests := []struct {
		name       string
		v          *Verifier
		token      string
		scopes     []string
		wantKind   Kind
		wantHeader string // www-authenticate
		wantScopes []string
	}{
		{name: "Bare_Passes", v: httpAPI, token: good, wantScopes: []string{"pets/read", "pets/write"}},
		{name: "BearerPrefix_Passes", v: httpAPI, token: "Bearer " + good, wantScopes: []string{"pets/read", "pets/write"}},
		{name: "BearerLowerCase_Passes", v: httpAPI, token: "bearer " + good, wantScopes: []string{"pets/read", "pets/write"}},
		{name: "RS384_Passes", v: httpAPI, token: ti.sign(t, jwt.SigningMethodRS384, "rsa-1", c), wantScopes: []string{"pets/read", "pets/write"}},
		// "the token does not have a valid audience" is the documented
		// capture (http-api-troubleshooting-jwt.html).
		{name: "WrongAudience_401_DocumentedHeader", v: httpAPI, token: rs(with(c, "aud", "web")), wantKind: Unauthorized, wantHeader: unauth + `the token does not have a valid audience"`},
		{name: "AudienceArrayWithOne_Passes", v: httpAPI, token: rs(with(c, "aud", []string{"web", "other"})), wantScopes: []string{"pets/read", "pets/write"}},
		// "API Gateway validates client_id only if aud is not present."
		{name: "ClientIDWithoutAud_Passes", v: httpAPI, token: rs(with(c, "aud", nil, "client_id", "api")), wantScopes: []string{"pets/read", "pets/write"}},
		{name: "AudWinsOverClientID_401", v: httpAPI, token: rs(with(c, "aud", "web", "client_id", "api")), wantKind: Unauthorized, wantHeader: unauth + DescAudience + `"`},
		{name: "NoAudNoClientID_401", v: httpAPI, token: rs(with(c, "aud", nil)), wantKind: Unauthorized, wantHeader: unauth + DescAudience + `"`},
		{name: "REST_ClientIDIsNotAnAudience_401", v: rest, token: rs(with(restClaims, "aud", nil, "client_id", "api")), wantKind: Unauthorized},
		// The issuer must match exactly, trailing slash included
		// (rest-api-jwt-authorizer-create.html).
		{name: "IssuerWithTrailingSlash_401", v: httpAPI, token: rs(with(c, "iss", ti.URL()+"/")), wantKind: Unauthorized, wantHeader: unauth + DescIssuer + `"`},
		{name: "IssuerMissing_401", v: httpAPI, token: rs(with(c, "iss", nil)), wantKind: Unauthorized},
		{name: "Expired_401", v: httpAPI, token: rs(with(c, "exp", testNow.Add(-2*time.Second).Unix())), wantKind: Unauthorized, wantHeader: unauth + DescExpired + `"`},
		{name: "ExpMissing_401", v: httpAPI, token: rs(with(c, "exp", nil)), wantKind: Unauthorized},
		{name: "NotYetValid_401", v: httpAPI, token: rs(with(c, "nbf", testNow.Add(time.Minute).Unix())), wantKind: Unauthorized, wantHeader: unauth + DescNotYetValid + `"`},
		{name: "IssuedInTheFuture_401", v: httpAPI, token: rs(with(c, "iat", testNow.Add(time.Minute).Unix())), wantKind: Unauthorized, wantHeader: unauth + DescIssuedLater + `"`},
		{name: "HS256_401", v: httpAPI, token: hs256, wantKind: Unauthorized, wantHeader: unauth + DescAlgorithm + `"`},
		{name: "AlgNone_401", v: httpAPI, token: algNone, wantKind: Unauthorized},
		// HTTP APIs accept RSA algorithms only; REST allows what
		// defaultAlgorithms lists.
		{name: "ES256OnHTTPAPI_401", v: httpAPI, token: ti.sign(t, jwt.SigningMethodES256, "ec-1", c), wantKind: Unauthorized, wantHeader: unauth + DescAlgorithm + `"`},
		{name: "REST_ES256Allowed_Passes", v: rest, token: ti.sign(t, jwt.SigningMethodES256, "ec-1", restClaims), wantScopes: []string{"pets/read", "pets/write"}},
		{name: "REST_RS512NotAllowed_401", v: rest, token: ti.sign(t, jwt.SigningMethodRS512, "rsa-1", restClaims), wantKind: Unauthorized},
		{name: "ForgedUnderKnownKid_401", v: httpAPI, token: forged, wantKind: Unauthorized, wantHeader: unauth + DescSignature + `"`},
		{name: "SignatureTampered_401", v: httpAPI, token: good[:len(good)-4] + "AAAA", wantKind: Unauthorized},
		{name: "NotAJWT_401", v: httpAPI, token: "allow", wantKind: Unauthorized, wantHeader: unauth + DescMalformed + `"`},
		{name: "Empty_401_NoChallenge", v: httpAPI, token: "", wantKind: Unauthorized},
		{name: "BearerAlone_401", v: httpAPI, token: "Bearer ", wantKind: Unauthorized},
		// "If you configure scopes for a route, the token must include at
		// least one of the route's scopes"; a valid token without one is
		// 403 Forbidden (rest-api-jwt-authorizer-methods.html).
		{name: "OneOfRouteScopes_Passes", v: httpAPI, token: good, scopes: []string{"admin", "pets/write"}, wantScopes: []string{"pets/read", "pets/write"}},
		{name: "NoRouteScope_403", v: httpAPI, token: good, scopes: []string{"admin"}, wantKind: Forbidden, wantHeader: `Bearer scope="admin" error="insufficient_scope" error_description="` + DescScope + `"`},
		{name: "ScopePrefixIsNotTheScope_403", v: httpAPI, token: rs(with(c, "scope", "pets/readonly")), scopes: []string{"pets/read"}, wantKind: Forbidden},
		{name: "ScpArray_Passes", v: httpAPI, token: rs(with(c, "scope", nil, "scp", []string{"a", "pets/read"})), scopes: []string{"pets/read"}, wantScopes: []string{"a", "pets/read"}},
		{name: "NoScopeClaimWithRouteScopes_403", v: httpAPI, token: rs(with(c, "scope", nil)), scopes: []string{"pets/read"}, wantKind: Forbidden},
		{name: "ScopeNotAString_401", v: httpAPI, token: rs(with(c, "scope", 7)), wantKind: Unauthorized},
		{name: "REST_RequiredClaimMatches_Passes", v: rest, token: rs(restClaims), wantScopes: []string{"pets/read", "pets/write"}},
		{name: "REST_RequiredClaimMissing_401", v: rest, token: good, wantKind: Unauthorized, wantHeader: unauth + DescClaim + `"`},
		{name: "REST_RequiredClaimOtherValue_401", v: rest, token: rs(with(c, "tenant", "initech")), wantKind: Unauthorized},
		{name: "REST_RequiredClaimCaseSensitive_401", v: rest, token: rs(with(c, "tenant", "ACME")), wantKind: Unauthorized},
		{name: "REST_RequiredClaimNotSingleString_401", v: rest, token: rs(with(c, "tenant", []string{"acme"})), wantKind: Unauthorized},
		{name: "REST_OptionalClaimAbsent_Passes", v: rest, token: rs(restClaims), wantScopes: []string{"pets/read", "pets/write"}},
		{name: "REST_OptionalClaimPresentAsNumber_401", v: rest, token: rs(with(restClaims, "plan", 3)), wantKind: Unauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := tt.v.Verify(context.Background(), Request{Token: tt.token, Scopes: tt.scopes})
			if tt.wantKind == 0 {
				if err != nil {
					t.Fatalf("Verify error = %v, want none", err)
				}
				if tok.Issuer != ti.URL() || tok.Claims["sub"] != "alice" {
					t.Errorf("Verify = issuer %q sub %v", tok.Issuer, tok.Claims["sub"])
				}
				if diff := cmp.Diff(tt.wantScopes, tok.Scopes); diff != "" {
					t.Errorf("Scopes (-want +got):\n%s", diff)
				}
				return
			}
			if tok != nil {
				t.Errorf("Verify returned a token with error %v", err)
			}
			e := errOf(t, err)
			if e.Kind != tt.wantKind || e.Status != tt.wantKind.Status() {
				t.Fatalf("Verify error = %v (status %d), want kind %v", err, e.Status, tt.wantKind)
			}
			if tt.wantHeader != "" && e.WWWAuthenticate != tt.wantHeader {
				t.Errorf("www-authenticate = %s\nwant               %s", e.WWWAuthenticate, tt.wantHeader)
			}
			if tt.name == "Empty_401_NoChallenge" && e.WWWAuthenticate != "" {
				t.Errorf("www-authenticate = %q for a missing token, want none", e.WWWAuthenticate)
			}
			if e.Reason == "" {
				t.Error("Reason is empty")
			}
		})
	}
}

// TestVerify_IgnoreIssuedAt: the Cognito authorizer does not check iat.
func TestVerify_IgnoreIssuedAt(t *testing.T) {
	ti := newTestIssuer(t)
	ti.publish(t, "rsa-1", false)
	keys := newKeySet(t, KeySource{JWKSURL: ti.URL() + "/keys"}, KeyOptions{})
	v := newVerifier(t, Options{IgnoreIssuedAt: true, Issuers: []Issuer{{Issuer: ti.URL(), Keys: keys}}})
	tok := ti.sign(t, jwt.SigningMethodRS256, "rsa-1", with(ti.claims(), "iat", testNow.Add(time.Hour).Unix(), "aud", "anything"))
	if _, err := v.Verify(context.Background(), Request{Token: tok}); err != nil {
		t.Fatalf("Verify error = %v, want none (iat ignored, no audiences configured)", err)
	}
}

// TestKeySet_Rotation: "When API Gateway receives a token signed with a key
// it hasn't seen, it retrieves the key set again"
// (rest-api-jwt-authorizer-keys.html); the refetch replaces the set, so a
// retired key stops verifying, and a flood of unknown kids refetches at
// most once per UnknownKIDInterval.
func TestKeySet_Rotation(t *testing.T) {
	ti := newTestIssuer(t)
	ti.publish(t, "k1", false)
	keys := newKeySet(t, KeySource{Discovery: ti.URL() + "/.well-known/openid-configuration"}, KeyOptions{})
	v := newVerifier(t, Options{Issuers: []Issuer{{Issuer: ti.URL(), Audiences: []string{"api"}, Keys: keys}}})
	verify := func(kid string) error {
		_, err := v.Verify(context.Background(), Request{Token: ti.sign(t, jwt.SigningMethodRS256, kid, ti.claims())})
		return err
	}
	if err := verify("k1"); err != nil {
		t.Fatal(err)
	}
	if d, j := ti.discoveryHits.Load(), ti.jwksHits.Load(); d != 1 || j != 1 {
		t.Fatalf("fetches after the first token = discovery %d, JWKS %d; want 1, 1 (keys cached)", d, j)
	}
	// The issuer rotates: k2 in, k1 out.
	ti.publish(t, "k2", false)
	ti.retire("k1")
	if err := verify("k2"); err != nil {
		t.Fatalf("token with the rotated-in kid: %v", err)
	}
	if got := ti.jwksHits.Load(); got != 2 {
		t.Fatalf("JWKS fetches after the unknown kid = %d, want 2", got)
	}
	if err := verify("k1"); !errors.Is(err, Unauthorized) {
		t.Fatalf("token with the retired kid: %v, want Unauthorized", err)
	}
	for _, kid := range []string{"forged-1", "forged-2", "forged-3"} {
		ti.publish(t, kid, false)
		ti.retire(kid)
		if err := verify(kid); !errors.Is(err, Unauthorized) || errOf(t, err).WWWAuthenticate != `Bearer scope="" error="invalid_token" error_description="`+DescKey+`"` {
			t.Fatalf("kid %s: %v, want 401 %s", kid, err, DescKey)
		}
	}
	if got := ti.jwksHits.Load(); got > 3 {
		t.Errorf("JWKS fetches after a flood of unknown kids = %d, want at most 3", got)
	}
}

// TestKeySet_Unobtainable_500: keys that cannot be obtained are the
// gateway's failure (500, no challenge), never a pass and never a 401 that
// would blame a possibly genuine token.
func TestKeySet_Unobtainable_500(t *testing.T) {
	tests := []struct {
		name  string
		setup func(ti *testIssuer)
		src   func(ti *testIssuer) KeySource
	}{
		{"JWKSStatus500", func(ti *testIssuer) { ti.jwksStatus = http.StatusInternalServerError },
			func(ti *testIssuer) KeySource { return KeySource{JWKSURL: ti.URL() + "/keys"} }},
		{"JWKSNotJSON", func(ti *testIssuer) { ti.jwksBody = []byte("<html>") },
			func(ti *testIssuer) KeySource { return KeySource{JWKSURL: ti.URL() + "/keys"} }},
		// API Gateway's quota: a JWKS response of at most 150000 bytes.
		{"JWKSOverQuota", func(ti *testIssuer) {
			ti.jwksBody = []byte(`{"keys":[],"pad":"` + strings.Repeat("x", MaxJWKSBytes) + `"}`)
		}, func(ti *testIssuer) KeySource { return KeySource{JWKSURL: ti.URL() + "/keys"} }},
		{"DiscoveryDown", func(ti *testIssuer) { ti.discoveryFails.Store(true) },
			func(ti *testIssuer) KeySource {
				return KeySource{Discovery: ti.URL() + "/.well-known/openid-configuration"}
			}},
		// "the issuer's OIDC discovery document must name this exact
		// issuer" (API Reference JwtIssuerInput).
		{"DiscoveryNamesAnotherIssuer", func(ti *testIssuer) { ti.discoveryIss = "https://elsewhere.example" },
			func(ti *testIssuer) KeySource {
				return KeySource{Discovery: ti.URL() + "/.well-known/openid-configuration", Issuer: ti.URL()}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ti := newTestIssuer(t)
			ti.publish(t, "k1", false)
			tt.setup(ti)
			keys := newKeySet(t, tt.src(ti), KeyOptions{})
			v := newVerifier(t, Options{Issuers: []Issuer{{Issuer: ti.URL(), Audiences: []string{"api"}, Keys: keys}}})
			for i := range 2 {
				_, err := v.Verify(context.Background(), Request{Token: ti.sign(t, jwt.SigningMethodRS256, "k1", ti.claims())})
				e := errOf(t, err)
				if e.Kind != KeysUnavailable || e.Status != http.StatusInternalServerError || e.WWWAuthenticate != "" {
					t.Fatalf("request %d: %v (status %d, www-authenticate %q), want KeysUnavailable 500 without challenge", i+1, err, e.Status, e.WWWAuthenticate)
				}
			}
		})
	}
}

// TestKeySet_DiscoveryRecovers: an issuer unreachable at start is retried
// by later tokens, paced by UnknownKIDInterval.
func TestKeySet_DiscoveryRecovers(t *testing.T) {
	ti := newTestIssuer(t)
	ti.publish(t, "k1", false)
	ti.discoveryFails.Store(true)
	keys := newKeySet(t, KeySource{Discovery: ti.URL() + "/.well-known/openid-configuration"}, KeyOptions{UnknownKIDInterval: time.Nanosecond})
	v := newVerifier(t, Options{Issuers: []Issuer{{Issuer: ti.URL(), Audiences: []string{"api"}, Keys: keys}}})
	tok := ti.sign(t, jwt.SigningMethodRS256, "k1", ti.claims())
	if _, err := v.Verify(context.Background(), Request{Token: tok}); !errors.Is(err, KeysUnavailable) {
		t.Fatalf("while discovery fails: %v, want KeysUnavailable", err)
	}
	ti.discoveryFails.Store(false)
	if _, err := v.Verify(context.Background(), Request{Token: tok}); err != nil {
		t.Fatalf("after discovery recovered: %v, want none", err)
	}
}

// TestKeySet_FileAndStatic: keys mapped locally (a JWKS file, or keys
// given in code) need no network.
func TestKeySet_FileAndStatic(t *testing.T) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keys := newKeySet(t, KeySource{Static: []StaticKey{{KID: "local", ALG: "RS256", Key: &k.PublicKey}}}, KeyOptions{})
	const iss = "https://issuer.local"
	v := newVerifier(t, Options{Issuers: []Issuer{{Issuer: iss, Audiences: []string{"api"}, Keys: keys}}})
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"iss": iss, "aud": "api", "exp": testNow.Add(time.Hour).Unix()})
	tok.Header["kid"] = "local"
	s, _ := tok.SignedString(k)
	if _, err := v.Verify(context.Background(), Request{Token: s}); err != nil {
		t.Fatal(err)
	}
}

func TestNew_ConfigurationErrors(t *testing.T) {
	k, _ := rsa.GenerateKey(rand.Reader, 2048)
	keys := newKeySet(t, KeySource{Static: []StaticKey{{KID: "a", Key: &k.PublicKey}}}, KeyOptions{})
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"NoIssuers", Options{}, "no issuers"},
		{"HS256", Options{Algorithms: []string{"HS256"}, Issuers: []Issuer{{Issuer: "https://a", Keys: keys}}}, `algorithm "HS256"`},
		{"NoAlgorithms", Options{Algorithms: []string{}, Issuers: []Issuer{{Issuer: "https://a", Keys: keys}}}, "no algorithms"},
		{"Duplicate", Options{Issuers: []Issuer{{Issuer: "https://a", Keys: keys}, {Issuer: "https://a", Keys: keys}}}, "configured twice"},
		{"NoKeys", Options{Issuers: []Issuer{{Issuer: "https://a"}}}, "no key set"},
		{"EmptyAudience", Options{Issuers: []Issuer{{Issuer: "https://a", Audiences: []string{""}, Keys: keys}}}, "audience is empty"},
		{"ReservedClaim", Options{Issuers: []Issuer{{Issuer: "https://a", Keys: keys, Claims: []ClaimRule{{Name: "scp"}}}}}, "claim scp cannot have a rule"},
		{"DuplicateClaim", Options{Issuers: []Issuer{{Issuer: "https://a", Keys: keys, Claims: []ClaimRule{{Name: "x"}, {Name: "x"}}}}}, "two rules"},
		{"EmptyExpectedValue", Options{Issuers: []Issuer{{Issuer: "https://a", Keys: keys, Claims: []ClaimRule{{Name: "x", Values: []string{""}}}}}}, "expected value is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	for _, src := range []KeySource{{}, {JWKSURL: "file:///etc/jwks.json"}, {Discovery: "https://a/x", JWKSURL: "https://a/y"}, {JWKSFile: "testdata/nope.json"}} {
		if k, err := NewKeySet(context.Background(), "x", src, KeyOptions{}); err == nil {
			k.Close()
			t.Errorf("NewKeySet(%+v) succeeded, want an error", src)
		}
	}
}

func BenchmarkVerify_CachedKey(b *testing.B) {
	ti := newTestIssuer(b)
	ti.publish(b, "k1", false)
	keys := newKeySet(b, KeySource{Discovery: ti.URL() + "/.well-known/openid-configuration"}, KeyOptions{})
	v := newVerifier(b, Options{ClientIDAudience: true, Issuers: []Issuer{{Issuer: ti.URL(), Audiences: []string{"api"}, Keys: keys}}})
	req := Request{Token: "Bearer " + ti.sign(b, jwt.SigningMethodRS256, "k1", ti.claims()), Scopes: []string{"pets/read"}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// TestVerify_ConcurrentDuringRefetch: verifications running while unknown
// kids make the key set refetch and replace its keys always see a whole
// set: the published key keeps verifying, the unknown one never does (run
// with -race).
func TestVerify_ConcurrentDuringRefetch(t *testing.T) {
	ti := newTestIssuer(t)
	ti.publish(t, "k1", false)
	ti.publish(t, "gone", false)
	ti.retire("gone")
	keys := newKeySet(t, KeySource{Discovery: ti.URL() + "/.well-known/openid-configuration"}, KeyOptions{UnknownKIDInterval: time.Nanosecond})
	v := newVerifier(t, Options{Issuers: []Issuer{{Issuer: ti.URL(), Audiences: []string{"api"}, Keys: keys}}})
	known := ti.sign(t, jwt.SigningMethodRS256, "k1", ti.claims())
	unknown := ti.sign(t, jwt.SigningMethodRS256, "gone", ti.claims())
	var wg sync.WaitGroup
	errs := make(chan error, 128)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 8 {
				if g%2 == 0 {
					if _, err := v.Verify(context.Background(), Request{Token: known}); err != nil {
						errs <- fmt.Errorf("published key: %w", err)
					}
				} else if _, err := v.Verify(context.Background(), Request{Token: unknown}); !errors.Is(err, Unauthorized) {
					errs <- fmt.Errorf("retired key: %v, want Unauthorized", err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if ti.jwksHits.Load() < 2 {
		t.Errorf("JWKS fetches = %d, want refetches during the run", ti.jwksHits.Load())
	}
}
