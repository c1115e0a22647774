package authorizer

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/jwtverify"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// jwtIssuer serves an OpenID discovery document and its JWKS on 127.0.0.1
// with a key generated for the test.
func jwtIssuer(t *testing.T) (url string, key *rsa.PrivateKey) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	jwk, err := jwkset.NewJWKFromKey(&key.PublicKey, jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{KID: "k1", ALG: jwkset.AlgRS256, USE: jwkset.UseSig}})
	if err != nil {
		t.Fatal(err)
	}
	var srv *httptest.Server
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"issuer": srv.URL, "jwks_uri": srv.URL + "/jwks"})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jwkset.JWKSMarshal{Keys: []jwkset.JWKMarshal{jwk.Marshal()}})
	})
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL, key
}

var jwtNow = time.Unix(1_800_000_000, 0).UTC()

func signJWT(t *testing.T, key *rsa.PrivateKey, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	tok.Header["kid"] = "k1"
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newJWTStep(t *testing.T, iss string, scopes []string) *JWT {
	t.Helper()
	keys, err := jwtverify.NewKeySet(context.Background(), "issuer "+iss, jwtverify.KeySource{Discovery: iss + "/.well-known/openid-configuration", Issuer: iss}, jwtverify.KeyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(keys.Close)
	a, err := NewJWT(JWTConfig{
		ID:             "jwtauth",
		IdentitySource: "method.request.header.X-Token",
		Issuers:        []jwtverify.Issuer{{Issuer: iss, Audiences: []string{"orders-api"}, Claims: []jwtverify.ClaimRule{{Name: "tenant", Values: []string{"acme"}, Required: true}}, Keys: keys}},
		Algorithms:     []string{"RS256"},
		Scopes:         scopes,
		Clock:          func() time.Time { return jwtNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestJWT_REST pins the REST JWT authorizer's answers ("Control access to
// REST APIs using JWT authorizers", rest-api-jwt-authorizer-methods.html:
// a valid token without the method's scopes is 403 Forbidden; "Pass JWT
// claims to your integration" for the claim shapes).
func TestJWT_REST(t *testing.T) {
	iss, key := jwtIssuer(t)
	a := newJWTStep(t, iss, []string{"orders:read"})
	claims := jwt.MapClaims{"iss": iss, "aud": "orders-api", "sub": "alice", "tenant": "acme", "name": "Zoë",
		"roles": []string{"user", "editor"}, "iat": jwtNow.Unix(), "exp": jwtNow.Add(time.Hour).Unix(), "scope": "orders:read"}
	req := func(h ...reqctx.Header) *reqctx.Request {
		return &reqctx.Request{ID: "req-1", Method: "GET", Path: "/orders", DecodedPath: "/orders", Stage: "prod", Headers: h}
	}
	log := slog.New(slog.DiscardHandler)
	with := func(k string, v any) jwt.MapClaims {
		c := jwt.MapClaims{}
		for n, x := range claims {
			c[n] = x
		}
		c[k] = v
		return c
	}

	t.Run("ValidToken_ClaimsTypedAndAsJSONText", func(t *testing.T) {
		res, err := a.Authenticate(context.Background(), req(reqctx.Header{Name: "x-token", Value: "Bearer " + signJWT(t, key, claims)}), log)
		if err != nil {
			t.Fatal(err)
		}
		if n, ok := res.Claims["iat"].(json.Number); !ok || n.String() != "1800000000" {
			t.Errorf("Claims[iat] = %#v, want json.Number 1800000000", res.Claims["iat"])
		}
		want := map[string]string{"iss": `"` + iss + `"`, "aud": `"orders-api"`, "sub": `"alice"`, "tenant": `"acme"`, "name": `"Zo\u00EB"`,
			"roles": `["user","editor"]`, "iat": "1800000000", "exp": "1800003600", "scope": `"orders:read"`}
		if diff := cmp.Diff(want, res.ContextClaims); diff != "" {
			t.Errorf("ContextClaims (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"orders:read"}, res.Scopes); diff != "" {
			t.Errorf("Scopes (-want +got):\n%s", diff)
		}
	})
	tests := []struct {
		name       string
		headers    []reqctx.Header
		wantType   gwresponse.Type
		wantMsg    string
		wantHeader string
	}{
		{"MissingHeader_401", nil, gwresponse.Unauthorized, "Unauthorized", ""},
		{"ConflictingHeaderLines_401", []reqctx.Header{{Name: "X-Token", Value: signJWT(t, key, claims)}, {Name: "X-Token", Value: "other"}}, gwresponse.Unauthorized, "Unauthorized", ""},
		{"WrongAudience_401", []reqctx.Header{{Name: "X-Token", Value: signJWT(t, key, with("aud", "web"))}}, gwresponse.Unauthorized, "Unauthorized",
			`Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience"`},
		{"RequiredClaimWrong_401", []reqctx.Header{{Name: "X-Token", Value: signJWT(t, key, with("tenant", "initech"))}}, gwresponse.Unauthorized, "Unauthorized",
			`Bearer scope="" error="invalid_token" error_description="` + jwtverify.DescClaim + `"`},
		{"MissingScope_403Forbidden", []reqctx.Header{{Name: "X-Token", Value: signJWT(t, key, with("scope", "orders:write"))}}, gwresponse.AccessDenied, "Forbidden",
			`Bearer scope="orders:read" error="insufficient_scope" error_description="` + jwtverify.DescScope + `"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := a.Authenticate(context.Background(), req(tt.headers...), log)
			if res != nil {
				t.Fatalf("Authenticate passed with %v", res.Claims)
			}
			var ge *gwresponse.Error
			if !errors.As(err, &ge) || ge.Type != tt.wantType || ge.Message != tt.wantMsg {
				t.Fatalf("Authenticate error = %v, want %s %q", err, tt.wantType, tt.wantMsg)
			}
			if got := WWWAuthenticate(err); got != tt.wantHeader {
				t.Errorf("WWWAuthenticate = %s\nwant             %s", got, tt.wantHeader)
			}
		})
	}
}

// TestJWT_IssuerDown_AuthorizerFailure: keys that cannot be obtained are
// AUTHORIZER_FAILURE (docs/behaviour.md#DEC-AUTHORIZER-FAILURE), never a pass.
func TestJWT_IssuerDown_AuthorizerFailure(t *testing.T) {
	iss, key := jwtIssuer(t)
	a := newJWTStep(t, iss, nil)
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()
	keys, err := jwtverify.NewKeySet(context.Background(), "down", jwtverify.KeySource{JWKSURL: downURL + "/jwks"}, jwtverify.KeyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(keys.Close)
	b, err := NewJWT(JWTConfig{ID: "down", Issuers: []jwtverify.Issuer{{Issuer: iss, Audiences: []string{"orders-api"}, Keys: keys}}, Algorithms: []string{"RS256"}, Clock: func() time.Time { return jwtNow }})
	if err != nil {
		t.Fatal(err)
	}
	tok := signJWT(t, key, jwt.MapClaims{"iss": iss, "aud": "orders-api", "tenant": "acme", "iat": jwtNow.Unix(), "exp": jwtNow.Add(time.Hour).Unix()})
	r := &reqctx.Request{ID: "r", Headers: []reqctx.Header{{Name: "Authorization", Value: tok}, {Name: "X-Token", Value: tok}}}
	if _, err := a.Authenticate(context.Background(), r, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatalf("issuer up: %v", err)
	}
	// b reads the default source, method.request.header.Authorization.
	_, err = b.Authenticate(context.Background(), r, slog.New(slog.DiscardHandler))
	var ge *gwresponse.Error
	if !errors.As(err, &ge) || ge.Type != gwresponse.AuthorizerFailure {
		t.Fatalf("issuer down: %v, want AUTHORIZER_FAILURE", err)
	}
}

func TestNewJWT_ConfigurationErrors(t *testing.T) {
	keys, err := jwtverify.NewKeySet(context.Background(), "k", jwtverify.KeySource{Static: []jwtverify.StaticKey{{KID: "a", Key: &mustKey(t).PublicKey}}}, jwtverify.KeyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(keys.Close)
	is := []jwtverify.Issuer{{Issuer: "https://a", Audiences: []string{"x"}, Keys: keys}}
	tests := []struct {
		name string
		cfg  JWTConfig
		want string
	}{
		{"QueryStringSource", JWTConfig{IdentitySource: "method.request.querystring.t", Issuers: is, Algorithms: []string{"RS256"}}, "exactly one method.request.header.X"},
		{"NoAlgorithms", JWTConfig{Issuers: is}, "defaultAlgorithms"},
		{"BadAlgorithm", JWTConfig{Issuers: is, Algorithms: []string{"HS256"}}, "HS256"},
		{"NoAudiences", JWTConfig{Issuers: []jwtverify.Issuer{{Issuer: "https://a", Keys: keys}}, Algorithms: []string{"RS256"}}, "no audiences"},
		{"ElevenScopes", JWTConfig{Issuers: is, Algorithms: []string{"RS256"}, Scopes: strings.Fields("a b c d e f g h i j k")}, "at most 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewJWT(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewJWT error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func mustKey(t *testing.T) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
