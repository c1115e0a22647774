package jwtverify

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
)

// testNow is the clock of every verification.
var testNow = time.Unix(1781499381, 0).UTC()

// testIssuer is a real OpenID issuer on 127.0.0.1: a discovery document
// and a JWKS served over HTTP, with keys generated for the test and
// rotatable while it runs.
type testIssuer struct {
	srv            *httptest.Server
	mu             sync.Mutex
	keys           map[string]crypto.Signer // kid → key
	published      []string                 // kids in the JWKS
	discoveryIss   string                   // issuer named by the discovery document; "" = URL
	jwksStatus     int
	jwksBody       []byte // overrides the JWKS when set
	discoveryHits  atomic.Int32
	jwksHits       atomic.Int32
	discoveryFails atomic.Bool
}

func newTestIssuer(t testing.TB) *testIssuer {
	t.Helper()
	ti := &testIssuer{keys: map[string]crypto.Signer{}, jwksStatus: http.StatusOK}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		ti.discoveryHits.Add(1)
		if ti.discoveryFails.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		ti.mu.Lock()
		iss := ti.discoveryIss
		ti.mu.Unlock()
		if iss == "" {
			iss = ti.URL()
		}
		json.NewEncoder(w).Encode(map[string]string{"issuer": iss, "jwks_uri": ti.URL() + "/keys"})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) {
		ti.jwksHits.Add(1)
		ti.mu.Lock()
		defer ti.mu.Unlock()
		if ti.jwksStatus != http.StatusOK {
			w.WriteHeader(ti.jwksStatus)
			return
		}
		if ti.jwksBody != nil {
			w.Write(ti.jwksBody)
			return
		}
		var set jwkset.JWKSMarshal
		for _, kid := range ti.published {
			jwk, err := jwkset.NewJWKFromKey(ti.keys[kid].Public(), jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{KID: kid, USE: jwkset.UseSig}})
			if err != nil {
				panic(err)
			}
			set.Keys = append(set.Keys, jwk.Marshal())
		}
		json.NewEncoder(w).Encode(set)
	})
	ti.srv = httptest.NewServer(mux)
	t.Cleanup(ti.srv.Close)
	return ti
}

func (ti *testIssuer) URL() string { return ti.srv.URL }

// publish generates a key (RSA, or ECDSA P-256 when ec) and publishes it.
func (ti *testIssuer) publish(t testing.TB, kid string, ec bool) {
	t.Helper()
	var k crypto.Signer
	var err error
	if ec {
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	} else {
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		t.Fatal(err)
	}
	ti.mu.Lock()
	ti.keys[kid] = k
	ti.published = append(ti.published, kid)
	ti.mu.Unlock()
}

// retire removes kid from the JWKS, keeping the private key for signing.
func (ti *testIssuer) retire(kid string) {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	for i, k := range ti.published {
		if k == kid {
			ti.published = append(ti.published[:i], ti.published[i+1:]...)
			return
		}
	}
}

func (ti *testIssuer) sign(t testing.TB, alg jwt.SigningMethod, kid string, c jwt.MapClaims) string {
	t.Helper()
	ti.mu.Lock()
	key := ti.keys[kid]
	ti.mu.Unlock()
	tok := jwt.NewWithClaims(alg, c)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// claims are an access token of the issuer for audience "api", valid for
// an hour from testNow.
func (ti *testIssuer) claims() jwt.MapClaims {
	return jwt.MapClaims{
		"iss":   ti.URL(),
		"sub":   "alice",
		"aud":   "api",
		"iat":   testNow.Unix(),
		"exp":   testNow.Add(time.Hour).Unix(),
		"scope": "pets/read pets/write",
	}
}

func with(c jwt.MapClaims, kv ...any) jwt.MapClaims {
	out := jwt.MapClaims{}
	for k, v := range c {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

func newKeySet(t testing.TB, src KeySource, o KeyOptions) *KeySet {
	t.Helper()
	k, err := NewKeySet(context.Background(), "test issuer", src, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.Close)
	return k
}

func newVerifier(t testing.TB, o Options) *Verifier {
	t.Helper()
	if o.Clock == nil {
		o.Clock = func() time.Time { return testNow }
	}
	v, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
