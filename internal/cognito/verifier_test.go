package cognito

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testNow is the issue time of the real proxy event quoted in docs/behaviour.md#COGNITO-1
// (auth_time 1781499381, iat Mon Jun 15 04:56:21 UTC 2026).
var testNow = time.Unix(1781499381, 0).UTC()

func clockAt(t time.Time) func() time.Time { return func() time.Time { return t } }

const (
	localARN        = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Local"
	remoteARN       = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Remote"
	fileARN         = "arn:aws:cognito-idp:us-west-2:123456789012:userpool/us-west-2_File"
	unconfiguredARN = "arn:aws:cognito-idp:ap-south-1:123456789012:userpool/ap-south-1_Nobody"

	remoteIssuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Remote"
	fileIssuer   = "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_File"
	testKID      = "test-key-1" // kid of testdata/test-key.pem in testdata/pool-jwks.json
)

func readRSAKey(t testing.TB, path string) *rsa.PrivateKey {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k.(*rsa.PrivateKey)
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func testLocalKey(t testing.TB) *LocalKey {
	t.Helper()
	k, err := NewLocalKey(readRSAKey(t, "testdata/local-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// jwksServer serves a JWKS document and counts the fetches.
type jwksServer struct {
	*httptest.Server
	hits   atomic.Int32
	mu     sync.Mutex
	status int
	body   []byte
}

func newJWKSServer(t testing.TB, body []byte) *jwksServer {
	t.Helper()
	s := &jwksServer{status: http.StatusOK, body: body}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		s.mu.Lock()
		status, body := s.status, s.body
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) serve(status int, body []byte) {
	s.mu.Lock()
	s.status, s.body = status, body
	s.mu.Unlock()
}

func newVerifier(t testing.TB, o Options) *Verifier {
	t.Helper()
	if o.Clock == nil {
		o.Clock = clockAt(testNow)
	}
	v, err := New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	return v
}

// idClaims are the claims of a Cognito ID token of the given issuer, valid
// for an hour from testNow.
func idClaims(iss string) jwt.MapClaims {
	return jwt.MapClaims{
		"sub":              "alice-sub",
		"iss":              iss,
		"aud":              "app-client-1",
		"token_use":        "id",
		"auth_time":        testNow.Unix(),
		"iat":              testNow.Unix(),
		"exp":              testNow.Add(time.Hour).Unix(),
		"cognito:username": "alice",
	}
}

func accessClaims(iss, scope string) jwt.MapClaims {
	return jwt.MapClaims{
		"sub":       "alice-sub",
		"iss":       iss,
		"client_id": "app-client-1",
		"token_use": "access",
		"scope":     scope,
		"auth_time": testNow.Unix(),
		"iat":       testNow.Unix(),
		"exp":       testNow.Add(time.Hour).Unix(),
		"username":  "alice",
	}
}

func with(c jwt.MapClaims, k string, v any) jwt.MapClaims {
	out := jwt.MapClaims{}
	for n, x := range c {
		out[n] = x
	}
	if v == nil {
		delete(out, k)
	} else {
		out[k] = v
	}
	return out
}

func sign(t testing.TB, key *rsa.PrivateKey, kid string, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	tok.Header = map[string]any{"alg": "RS256", "kid": kid}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mint(t testing.TB, key *LocalKey, o MintOptions) string {
	t.Helper()
	s, err := Mint(key, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// tamperPayload swaps the token's payload for one naming another subject,
// keeping the original signature.
func tamperPayload(t testing.TB, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	c["sub"] = "mallory"
	raw, _ = json.Marshal(c)
	parts[1] = base64.RawURLEncoding.EncodeToString(raw)
	return strings.Join(parts, ".")
}

func tamperSignature(token string) string {
	i := strings.LastIndexByte(token, '.') + 20
	b := []byte(token)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// errKind is the Kind of err, 0 for nil.
func errKind(t testing.TB, err error) Kind {
	t.Helper()
	if err == nil {
		return 0
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *cognito.Error", err, err)
	}
	return e.Kind
}

// TestVerify pins the checks of API Gateway's COGNITO_USER_POOLS authorizer
// (docs/behaviour.md#COGNITO-1): every failure is 401 Unauthorized except keys that cannot be
// obtained (docs/behaviour.md#DEC-AUTHORIZER-FAILURE).
func TestVerify(t *testing.T) {
	testKey := readRSAKey(t, "testdata/test-key.pem")
	otherKey := readRSAKey(t, "testdata/other-key.pem")
	local := testLocalKey(t)
	srv := newJWKSServer(t, readFile(t, "testdata/pool-jwks.json"))
	v := newVerifier(t, Options{
		LocalKey: local,
		Pools: []PoolConfig{
			{ARN: localARN, Local: true},
			{ARN: remoteARN, JWKSURL: srv.URL},
			{ARN: fileARN, JWKSFile: "testdata/pool-jwks.json"},
		},
	})

	localID := mint(t, local, MintOptions{PoolID: "us-east-1_Local", Sub: "alice-sub", ClientID: "app-client-1", Now: testNow})
	localAccess := mint(t, local, MintOptions{PoolID: "us-east-1_Local", Sub: "alice-sub", Access: true, Scope: []string{"pets/read", "pets/write"}, Now: testNow})
	remoteID := sign(t, testKey, testKID, idClaims(remoteIssuer))
	remoteAccess := sign(t, testKey, testKID, accessClaims(remoteIssuer, "openid pets/read"))

	hs256 := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, idClaims(remoteIssuer))
		tok.Header["kid"] = testKID
		// The classic confusion attack: the public key as an HMAC secret.
		pub, _ := x509.MarshalPKIXPublicKey(&testKey.PublicKey)
		s, err := tok.SignedString(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}()
	algNone := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodNone, idClaims(remoteIssuer))
		tok.Header["kid"] = testKID
		s, err := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}()
	noKID := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, idClaims(remoteIssuer))
		s, err := tok.SignedString(testKey)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}()

	tests := []struct {
		name       string
		token      string
		arns       []string
		scopes     []string
		expr       string
		wantKind   Kind
		wantSub    string
		wantScopes []string
	}{
		{name: "ValidIDToken_MintedLocally_Passes", token: localID, arns: []string{localARN}, wantSub: "alice-sub"},
		{name: "ValidIDToken_KeyFromJWKSURL_Passes", token: remoteID, arns: []string{remoteARN}, wantSub: "alice-sub"},
		{name: "ValidIDToken_KeyFromJWKSFile_Passes", token: sign(t, testKey, testKID, idClaims(fileIssuer)), arns: []string{fileARN}, wantSub: "alice-sub"},
		{name: "ValidIDToken_SecondOfSeveralProviderARNs_Passes", token: remoteID, arns: []string{localARN, remoteARN}, wantSub: "alice-sub"},
		{name: "BearerPrefix_Stripped_D16", token: "Bearer " + remoteID, arns: []string{remoteARN}, wantSub: "alice-sub"},
		{name: "BearerPrefixLowerCase_Stripped_D16", token: "bearer " + localID, arns: []string{localARN}, wantSub: "alice-sub"},
		{name: "AccessTokenWithMethodScope_Passes", token: remoteAccess, arns: []string{remoteARN}, scopes: []string{"pets/read"}, wantSub: "alice-sub", wantScopes: []string{"openid", "pets/read"}},
		{name: "AccessTokenWithOneOfSeveralMethodScopes_Passes", token: localAccess, arns: []string{localARN}, scopes: []string{"admin", "pets/write"}, wantSub: "alice-sub", wantScopes: []string{"pets/read", "pets/write"}},
		{name: "AccessTokenWithoutMethodScope_401", token: remoteAccess, arns: []string{remoteARN}, scopes: []string{"pets/write"}, wantKind: Unauthorized},
		{name: "AccessTokenScopePrefixIsNotTheScope_401", token: sign(t, testKey, testKID, accessClaims(remoteIssuer, "pets/readonly")), arns: []string{remoteARN}, scopes: []string{"pets/read"}, wantKind: Unauthorized},
		{name: "AccessTokenOnMethodWithoutScopes_401", token: remoteAccess, arns: []string{remoteARN}, wantKind: Unauthorized},
		{name: "IDTokenOnMethodWithScopes_401", token: remoteID, arns: []string{remoteARN}, scopes: []string{"pets/read"}, wantKind: Unauthorized},
		{name: "TokenUseRefresh_401", token: sign(t, testKey, testKID, with(idClaims(remoteIssuer), "token_use", "refresh")), arns: []string{remoteARN}, wantKind: Unauthorized},
		{name: "TokenUseMissing_401", token: sign(t, testKey, testKID, with(idClaims(remoteIssuer), "token_use", nil)), arns: []string{remoteARN}, wantKind: Unauthorized},
		{name: "Expired_401", token: sign(t, testKey, testKID, with(idClaims(remoteIssuer), "exp", testNow.Add(-2*time.Second).Unix())), arns: []string{remoteARN}, wantKind: Unauthorized},
		{name: "ExpiringThisSecond_PassesWithinLeeway", token: sign(t, testKey, testKID, with(idClaims(remoteIssuer), "exp", testNow.Unix())), arns: []string{remoteARN}, wantSub: "alice-sub"},
		{name: "ExpMissing_401", token: sign(t, testKey, testKID, with(idClaims(remoteIssuer), "exp", nil)), arns: []string{remoteARN}, wantKind: Unauthorized},
		{name: "NotYetValid_401", token: sign(t, testKey, testKID, with(idClaims(remoteIssuer), "nbf", testNow.Add(time.Minute).Unix())), arns: []string{remoteARN}, wantKind: Unauthorized},
		{name: "NotBeforeWithinLeeway_Passes", token: sign(t, testKey, testKID, with(idClaims(remoteIssuer), "nbf", testNow.Add(time.Second).Unix())), arns: []string{remoteARN}, wantSub: "alice-sub"},
		{name: "IssuerOfAnotherConfiguredPool_401", token: remoteID, arns: []string{localARN}, wantKind: Unauthorized},
		{name: "IssuerOfNoPool_401", token: sign(t, testKey, testKID, with(idClaims(remoteIssuer), "iss", "https://evil.example.com/eu-west-1_Remote")), arns: []string{remoteARN}, wantKind: Unauthorized},
		{name: "IssuerMissing_401", token: sign(t, testKey, testKID, with(idClaims(remoteIssuer), "iss", nil)), arns: []string{remoteARN}, wantKind: Unauthorized},
		{name: "IssuerOfNamedPoolWithoutKeys_KeysUnavailable", token: sign(t, testKey, testKID, idClaims("https://cognito-idp.ap-south-1.amazonaws.com/ap-south-1_Nobody")), arns: []string{unconfiguredARN}, wantKind: KeysUnavailable},
		{name: "LocalTokenOnRemotePool_401", token: localID, arns: []string{remoteARN}, wantKind: Unauthorized},
		{name: "PayloadTampered_401", token: tamperPayload(t, remoteID), arns: []string{remoteARN}, wantKind: Unauthorized},
		{name: "SignatureTampered_401", token: tamperSignature(remoteID), arns: []string{remoteARN}, wantKind: Unauthorized},
		{name: "SignedByAnotherKeyUnderThePoolsKid_401", token: sign(t, otherKey, testKID, idClaims(remoteIssuer)), arns: []string{remoteARN}, wantKind: Unauthorized},
		{name: "LocalKidOnFilePool_401", token: sign(t, local.priv, local.KID(), idClaims(fileIssuer)), arns: []string{fileARN}, wantKind: Unauthorized},
		{name: "UnknownKidOnFilePool_401", token: sign(t, otherKey, "other-key-1", idClaims(fileIssuer)), arns: []string{fileARN}, wantKind: Unauthorized},
		{name: "NoKid_401", token: noKID, arns: []string{remoteARN}, wantKind: Unauthorized},
		{name: "HS256WithPublicKeyAsSecret_401", token: hs256, arns: []string{remoteARN}, wantKind: Unauthorized},
		{name: "AlgNone_401", token: algNone, arns: []string{remoteARN}, wantKind: Unauthorized},
		{name: "Empty_401", token: "", arns: []string{remoteARN}, wantKind: Unauthorized},
		{name: "BearerAlone_401", token: "Bearer ", arns: []string{remoteARN}, wantKind: Unauthorized},
		{name: "NotAJWT_401", token: "allow", arns: []string{remoteARN}, wantKind: Unauthorized},
		{name: "NoProviderARNs_401", token: remoteID, wantKind: Unauthorized},
		{name: "ValidationExpressionMatchesAud_Passes", token: remoteID, arns: []string{remoteARN}, expr: "app-client-[0-9]", wantSub: "alice-sub"},
		{name: "ValidationExpressionMismatch_401", token: remoteID, arns: []string{remoteARN}, expr: "other-client", wantKind: Unauthorized},
		{name: "ValidationExpressionMatchesPartOfAud_401_D2", token: remoteID, arns: []string{remoteARN}, expr: "app-client", wantKind: Unauthorized},
		{name: "ValidationExpressionWithAccessToken_401", token: remoteAccess, arns: []string{remoteARN}, scopes: []string{"pets/read"}, expr: ".*", wantKind: Unauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := v.Verify(context.Background(), tt.token, tt.arns, tt.scopes, tt.expr)
			if got := errKind(t, err); got != tt.wantKind {
				t.Fatalf("Verify error = %v, want kind %v", err, tt.wantKind)
			}
			if tt.wantKind != 0 {
				if id != nil {
					t.Errorf("Verify returned an identity with error %v", err)
				}
				if !errors.Is(err, tt.wantKind) {
					t.Errorf("errors.Is(%v, %v) = false", err, tt.wantKind)
				}
				return
			}
			if id.Subject != tt.wantSub {
				t.Errorf("Subject = %q, want %q", id.Subject, tt.wantSub)
			}
			if diff := cmp.Diff(tt.wantScopes, id.Scopes); diff != "" {
				t.Errorf("Scopes (-want +got):\n%s", diff)
			}
		})
	}
}

// TestVerify_Leeway pins the exp boundary with the default leeway and with
// none.
func TestVerify_Leeway(t *testing.T) {
	testKey := readRSAKey(t, "testdata/test-key.pem")
	token := sign(t, testKey, testKID, with(idClaims(fileIssuer), "exp", testNow.Unix()))
	tests := []struct {
		name     string
		leeway   time.Duration
		now      time.Time
		wantKind Kind
	}{
		{"DefaultLeeway_HalfASecondAfterExp_Passes", 0, testNow.Add(500 * time.Millisecond), 0},
		{"DefaultLeeway_OneSecondAfterExp_401", 0, testNow.Add(time.Second), Unauthorized},
		{"NoLeeway_AtExp_401", -1, testNow, Unauthorized},
		{"NoLeeway_JustBeforeExp_Passes", -1, testNow.Add(-time.Millisecond), 0},
		{"FiveSecondLeeway_FourSecondsAfterExp_Passes", 5 * time.Second, testNow.Add(4 * time.Second), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier(t, Options{
				Clock:  clockAt(tt.now),
				Leeway: tt.leeway,
				Pools:  []PoolConfig{{ARN: fileARN, JWKSFile: "testdata/pool-jwks.json"}},
			})
			_, err := v.Verify(context.Background(), token, []string{fileARN}, nil, "")
			if got := errKind(t, err); got != tt.wantKind {
				t.Errorf("Verify error = %v, want kind %v", err, tt.wantKind)
			}
		})
	}
}

// TestVerify_JWKSUnobtainable_KeysUnavailable: a pool whose keys cannot be
// fetched answers AUTHORIZER_FAILURE (docs/behaviour.md#DEC-AUTHORIZER-FAILURE), not 401, on every request.
func TestVerify_JWKSUnobtainable_KeysUnavailable(t *testing.T) {
	testKey := readRSAKey(t, "testdata/test-key.pem")
	token := sign(t, testKey, testKID, idClaims(remoteIssuer))

	// A port nobody listens on: take one and release it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	downURL := "http://" + ln.Addr().String() + "/.well-known/jwks.json"
	ln.Close()

	tests := []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"Unreachable", func(*testing.T) string { return downURL }},
		{"Status500", func(t *testing.T) string {
			s := newJWKSServer(t, []byte(`{"message":"Internal server error"}`))
			s.serve(http.StatusInternalServerError, []byte(`{"message":"Internal server error"}`))
			return s.URL
		}},
		{"NotJSON", func(t *testing.T) string { return newJWKSServer(t, []byte(`<html>`)).URL }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier(t, Options{Pools: []PoolConfig{{ARN: remoteARN, JWKSURL: tt.url(t)}}})
			// The first request may refresh (and fail again), the second is
			// refused by the unknown-kid limiter without a fetch: both are
			// KeysUnavailable.
			for i := range 2 {
				_, err := v.Verify(context.Background(), token, []string{remoteARN}, nil, "")
				if got := errKind(t, err); got != KeysUnavailable {
					t.Fatalf("request %d: Verify error = %v, want kind KeysUnavailable", i+1, err)
				}
			}
		})
	}
}

// TestVerify_JWKSRecovers_UnknownKidRefetches: once the JWKS URL answers
// again, the next token whose kid is unknown fetches the keys and passes.
func TestVerify_JWKSRecovers_UnknownKidRefetches(t *testing.T) {
	testKey := readRSAKey(t, "testdata/test-key.pem")
	token := sign(t, testKey, testKID, idClaims(remoteIssuer))
	srv := newJWKSServer(t, nil)
	srv.serve(http.StatusServiceUnavailable, nil)
	v := newVerifier(t, Options{
		Pools:              []PoolConfig{{ARN: remoteARN, JWKSURL: srv.URL}},
		UnknownKIDInterval: time.Nanosecond, // no limit: this test is about recovery
	})
	if _, err := v.Verify(context.Background(), token, []string{remoteARN}, nil, ""); errKind(t, err) != KeysUnavailable {
		t.Fatalf("while the JWKS URL fails: Verify error = %v, want KeysUnavailable", err)
	}
	srv.serve(http.StatusOK, readFile(t, "testdata/pool-jwks.json"))
	if _, err := v.Verify(context.Background(), token, []string{remoteARN}, nil, ""); err != nil {
		t.Fatalf("after the JWKS URL recovered: Verify error = %v, want none", err)
	}
	// With the keys obtained again, an unknown kid is the caller's fault.
	otherKey := readRSAKey(t, "testdata/other-key.pem")
	_, err := v.Verify(context.Background(), sign(t, otherKey, "forged-1", idClaims(remoteIssuer)), []string{remoteARN}, nil, "")
	if got := errKind(t, err); got != Unauthorized {
		t.Fatalf("unknown kid after recovery: Verify error = %v, want kind Unauthorized", err)
	}
}

// TestVerify_UnknownKid_RefreshRateLimited: a token with an unknown kid
// refetches the JWKS at most once per UnknownKIDInterval, so a flood of
// forged kids cannot hammer the pool's JWKS URL; a key rotated in since the
// last fetch is found by that refresh.
func TestVerify_UnknownKid_RefreshRateLimited(t *testing.T) {
	testKey := readRSAKey(t, "testdata/test-key.pem")
	otherKey := readRSAKey(t, "testdata/other-key.pem")
	srv := newJWKSServer(t, readFile(t, "testdata/pool-jwks.json"))
	v := newVerifier(t, Options{Pools: []PoolConfig{{ARN: remoteARN, JWKSURL: srv.URL}}})
	if got := srv.hits.Load(); got != 1 {
		t.Fatalf("JWKS fetches after New = %d, want 1", got)
	}
	verify := func(token string) error {
		_, err := v.Verify(context.Background(), token, []string{remoteARN}, nil, "")
		return err
	}

	// The pool rotates in other-key-1; the first token signed with it
	// triggers a refresh that finds it.
	srv.serve(http.StatusOK, readFile(t, "testdata/rotated-jwks.json"))
	if err := verify(sign(t, otherKey, "other-key-1", idClaims(remoteIssuer))); err != nil {
		t.Fatalf("token with the rotated-in kid: Verify error = %v, want none", err)
	}
	if got := srv.hits.Load(); got != 2 {
		t.Fatalf("JWKS fetches after the rotated-in kid = %d, want 2", got)
	}
	// The refresh replaced the set: the retired key no longer verifies.
	if err := verify(sign(t, testKey, testKID, idClaims(remoteIssuer))); errKind(t, err) != Unauthorized {
		t.Fatalf("token with the retired kid: Verify error = %v, want Unauthorized", err)
	}
	for _, kid := range []string{"forged-1", "forged-2", "forged-3"} {
		if err := verify(sign(t, otherKey, kid, idClaims(remoteIssuer))); errKind(t, err) != Unauthorized {
			t.Fatalf("token with kid %s: Verify error = %v, want Unauthorized", kid, err)
		}
	}
	if got := srv.hits.Load(); got != 2 {
		t.Errorf("JWKS fetches after a flood of unknown kids = %d, want still 2", got)
	}
}

// TestVerify_Claims pins what the backend receives for a minted ID token:
// every claim a string, dates as Java's Date.toString(), groups per docs/behaviour.md#DEC-COGNITO-MULTIVALUE
// (docs/behaviour.md#COGNITO-1).
func TestVerify_Claims(t *testing.T) {
	local := testLocalKey(t)
	v := newVerifier(t, Options{LocalKey: local, Pools: []PoolConfig{{ARN: localARN, Local: true}}})
	token := mint(t, local, MintOptions{
		PoolID: "us-east-1_Local", Sub: "alice-sub", Username: "alice", Email: "alice@example.com",
		Groups: []string{"admin", "dev"}, ClientID: "app-client-1", Now: testNow,
		Extra: map[string]any{"jti": "j-1", "origin_jti": "o-1", "event_id": "e-1", "custom:tier": "gold"},
	})
	id, err := v.Verify(context.Background(), token, []string{localARN}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"sub":              "alice-sub",
		"iss":              "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Local",
		"aud":              "app-client-1",
		"token_use":        "id",
		"auth_time":        "1781499381",
		"iat":              "Mon Jun 15 04:56:21 UTC 2026",
		"exp":              "Mon Jun 15 05:56:21 UTC 2026",
		"jti":              "j-1",
		"origin_jti":       "o-1",
		"event_id":         "e-1",
		"cognito:username": "alice",
		"cognito:groups":   "[admin dev]",
		"email":            "alice@example.com",
		"email_verified":   "true",
		"custom:tier":      "gold",
	}
	if diff := cmp.Diff(want, id.Claims); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
}

func TestNew_ConfigurationErrors(t *testing.T) {
	local := testLocalKey(t)
	bad := t.TempDir() + "/bad.json"
	if err := os.WriteFile(bad, []byte(`{"keys": [`), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir() + "/empty.json"
	if err := os.WriteFile(empty, []byte(`{"keys": []}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		options Options
		wantErr string
	}{
		{"NotAnARN", Options{Pools: []PoolConfig{{ARN: "us-east-1_abc", Local: true}}, LocalKey: local}, "not a Cognito user pool ARN"},
		{"NotAUserPoolARN", Options{Pools: []PoolConfig{{ARN: "arn:aws:cognito-identity:us-east-1:1:identitypool/x", Local: true}}, LocalKey: local}, "not a Cognito user pool ARN"},
		{"NoKeySource", Options{Pools: []PoolConfig{{ARN: localARN}}}, "no key source"},
		{"LocalWithoutLocalKey", Options{Pools: []PoolConfig{{ARN: localARN, Local: true}}}, "no local key"},
		{"Duplicate", Options{Pools: []PoolConfig{{ARN: localARN, Local: true}, {ARN: localARN, Local: true}}, LocalKey: local}, "configured twice"},
		{"MissingJWKSFile", Options{Pools: []PoolConfig{{ARN: fileARN, JWKSFile: "testdata/nope.json"}}}, "reading JWKS file"},
		{"MalformedJWKSFile", Options{Pools: []PoolConfig{{ARN: fileARN, JWKSFile: bad}}}, "bad.json"},
		{"EmptyJWKSFile", Options{Pools: []PoolConfig{{ARN: fileARN, JWKSFile: empty}}}, "holds no keys"},
		{"JWKSURLNotHTTP", Options{Pools: []PoolConfig{{ARN: remoteARN, JWKSURL: "file:///etc/jwks.json"}}}, "not an http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := New(context.Background(), tt.options)
			if err == nil {
				v.Close()
				t.Fatalf("New succeeded, want an error containing %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("New error = %q, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

// TestError_ReasonStaysInternal: the reason names the failed check for the
// execution log; callers map only the Kind to a client response.
func TestError_ReasonStaysInternal(t *testing.T) {
	v := newVerifier(t, Options{Pools: []PoolConfig{{ARN: fileARN, JWKSFile: "testdata/pool-jwks.json"}}})
	testKey := readRSAKey(t, "testdata/test-key.pem")
	_, err := v.Verify(context.Background(), sign(t, testKey, testKID, accessClaims(fileIssuer, "a")), []string{fileARN}, nil, "")
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Verify error = %v, want *Error", err)
	}
	want := `token_use is "access"; a method without authorization scopes accepts ID tokens only`
	if e.Reason != want {
		t.Errorf("Reason = %q, want %q", e.Reason, want)
	}
}

func BenchmarkVerify_ValidIDToken(b *testing.B) {
	testKey := readRSAKey(b, "testdata/test-key.pem")
	v := newVerifier(b, Options{Pools: []PoolConfig{{ARN: fileARN, JWKSFile: "testdata/pool-jwks.json"}}})
	token := "Bearer " + sign(b, testKey, testKID, with(idClaims(fileIssuer), "cognito:groups", []string{"admin", "dev"}))
	arns := []string{fileARN}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, token, arns, nil, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// TestVerify_CallerGoneDuringRefresh_PoolNotMarkedFailing: a request
// cancelled while its unknown kid refetches the JWKS says nothing about the
// JWKS URL; later unknown kids are still 401, not AUTHORIZER_FAILURE.
func TestVerify_CallerGoneDuringRefresh_PoolNotMarkedFailing(t *testing.T) {
	otherKey := readRSAKey(t, "testdata/other-key.pem")
	jwks := readFile(t, "testdata/pool-jwks.json")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 2 { // the refresh for the unknown kid
			cancel()
			<-r.Context().Done()
			return
		}
		w.Write(jwks)
	}))
	t.Cleanup(srv.Close)
	v := newVerifier(t, Options{Pools: []PoolConfig{{ARN: remoteARN, JWKSURL: srv.URL}}})

	v.Verify(ctx, sign(t, otherKey, "forged-1", idClaims(remoteIssuer)), []string{remoteARN}, nil, "")
	if got := hits.Load(); got != 2 {
		t.Fatalf("JWKS fetches = %d, want 2 (the first request must have refreshed)", got)
	}
	_, err := v.Verify(context.Background(), sign(t, otherKey, "forged-2", idClaims(remoteIssuer)), []string{remoteARN}, nil, "")
	if got := errKind(t, err); got != Unauthorized {
		t.Errorf("after a cancelled refresh: Verify error = %v, want kind Unauthorized", err)
	}
}
