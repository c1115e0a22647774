package httpapi

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/lambdaevent"
	"github.com/portcullis-gateway/portcullis/internal/sigv4"
)

type keys map[string]string

func (k keys) Lookup(ak string) (string, string, bool) { s, ok := k[ak]; return s, "", ok }

type identities map[string]lambdaevent.IAMAuthorization

func (m identities) Identity(ak string) (lambdaevent.IAMAuthorization, bool) {
	v, ok := m[ak]
	return v, ok
}

// Allowed admits the known keys on every route but /iam-denied, standing in
// for an identity policy.
func (m identities) Allowed(ak, routeARN string) bool {
	_, ok := m[ak]
	return ok && !strings.HasSuffix(routeARN, "/iam-denied")
}

// rsaJWT verifies RS256 tokens of one key: a real verifier of the test's
// own, standing in for the shared JWT verifier behind JWTVerifier.
type rsaJWT struct{ key *rsa.PublicKey }

func (v rsaJWT) VerifyJWT(_ context.Context, token, issuer string, audience []string) (*JWTClaims, error) {
	token = strings.TrimPrefix(token, "Bearer ")
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return v.key, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(issuer), jwt.WithExpirationRequired())
	if err != nil {
		return nil, err
	}
	aud, _ := claims.GetAudience()
	if !slices.ContainsFunc(aud, func(a string) bool { return slices.Contains(audience, a) }) {
		return nil, errors.New("audience")
	}
	out := &JWTClaims{Claims: map[string]string{}}
	for k, c := range claims {
		if s, ok := c.(string); ok {
			out.Claims[k] = s
		}
	}
	if s, ok := claims["scope"].(string); ok {
		out.Scopes = strings.Fields(s)
	}
	return out, nil
}

func authAPI() *apimodel.HTTPAPI {
	return &apimodel.HTTPAPI{
		ID: "f6g7h8i9j0", LogicalID: "AuthApi", Region: "us-east-1", AccountID: "123456789012", Kind: apimodel.KindHTTP,
		Stages: []*apimodel.HTTPStage{{Name: "$default"}},
		Routes: []*apimodel.HTTPRoute{
			{RouteKey: "GET /iam", Integration: "node", AuthorizationType: "AWS_IAM"},
			{RouteKey: "GET /jwt", Integration: "node", AuthorizationType: "JWT", Authorizer: "jwt"},
			{RouteKey: "GET /jwt/admin", Integration: "node", AuthorizationType: "JWT", Authorizer: "jwt", AuthorizationScopes: []string{"admin"}},
			{RouteKey: "$default", Integration: "upstream"},
		},
		Integrations: map[string]*apimodel.HTTPIntegration{
			"node":     {ID: "node", Type: apimodel.HTTPIntegrationLambda, Function: "Backend", PayloadFormatVersion: "2.0"},
			"upstream": {ID: "upstream", Type: apimodel.HTTPIntegrationHTTP, URI: "http://set-by-test"},
		},
		Authorizers: map[string]*apimodel.HTTPAuthorizer{
			"jwt": {Name: "jwt", Type: "JWT", IdentitySource: []string{"$request.header.Authorization"},
				Issuer: "https://issuer.example", Audience: []string{"my-app"}},
		},
	}
}

// "Control access to HTTP APIs with IAM authorization": a SigV4-signed
// request (signed by aws-sdk-go-v2) reaches the function with
// requestContext.authorizer.iam filled; an unsigned one is 403.
func TestIAM_SignedBySDK(t *testing.T) {
	const ak, secret = "AKIDHTTPAPI", "c2VjcmV0LWZvci10aGUtaHR0cC1hcGktdGVzdA"
	v, err := sigv4.New(sigv4.Options{Region: "us-east-1", Keys: keys{ak: secret}})
	if err != nil {
		t.Fatal(err)
	}
	id := lambdaevent.IAMAuthorization{AccountID: "210987654321", CallerID: "AIDAALICE", UserARN: "arn:aws:iam::210987654321:user/alice", UserID: "AIDAALICE"}
	f := newFixture(t, authAPI(), func(o *Options) { o.IAM = v; o.IAMIdentities = identities{ak: id} })
	srv := httptest.NewServer(f.api)
	defer srv.Close()

	req, _ := http.NewRequest("GET", srv.URL+"/iam", nil)
	sum := sha256.Sum256(nil)
	creds := aws.Credentials{AccessKeyID: ak, SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "execute-api", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	status, body := send(t, req)
	if status != 200 {
		t.Fatalf("signed: got %d %s", status, body)
	}
	got := eventOf(t, body)["requestContext"].(map[string]any)["authorizer"]
	want := map[string]any{"iam": map[string]any{"accessKey": ak, "accountId": "210987654321", "callerId": "AIDAALICE",
		"cognitoIdentity": nil, "principalOrgId": nil, "userArn": "arn:aws:iam::210987654321:user/alice", "userId": "AIDAALICE"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requestContext.authorizer (-want +got):\n%s", diff)
	}

	unsigned, _ := http.NewRequest("GET", srv.URL+"/iam", nil)
	if status, body := send(t, unsigned); status != 403 {
		t.Errorf("unsigned: got %d %s", status, body)
	}
}

// "Control access to HTTP APIs with JWT authorizers": a valid token (bare
// or Bearer) reaches the function with its claims and scopes at
// requestContext.authorizer.jwt; a bad or missing token is 401, a token
// without a required scope 403, both with www-authenticate.
func TestJWTAuthorizer(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, authAPI(), func(o *Options) { o.JWT = rsaJWT{&key.PublicKey} })
	mint := func(claims jwt.MapClaims, k *rsa.PrivateKey) string {
		s, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(k)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	exp := time.Now().Add(time.Hour).Unix()
	good := mint(jwt.MapClaims{"iss": "https://issuer.example", "aud": "my-app", "sub": "u1", "scope": "read write", "exp": exp}, key)

	for _, auth := range []string{good, "Bearer " + good} {
		r := f.do(t, "GET", "/jwt", "Authorization: "+auth)
		if r.Status != 200 {
			t.Fatalf("valid token: got %d %s", r.Status, r.Body)
		}
		jwtCtx := event(t, r)["requestContext"].(map[string]any)["authorizer"].(map[string]any)["jwt"].(map[string]any)
		if jwtCtx["claims"].(map[string]any)["sub"] != "u1" || cmp.Diff([]any{"read", "write"}, jwtCtx["scopes"]) != "" {
			t.Errorf("jwt context %v", jwtCtx)
		}
	}

	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	for name, auth := range map[string]string{
		"missing":      "",
		"other key":    mint(jwt.MapClaims{"iss": "https://issuer.example", "aud": "my-app", "exp": exp}, other),
		"wrong issuer": mint(jwt.MapClaims{"iss": "https://evil.example", "aud": "my-app", "exp": exp}, key),
		"wrong aud":    mint(jwt.MapClaims{"iss": "https://issuer.example", "aud": "else", "exp": exp}, key),
		"expired":      mint(jwt.MapClaims{"iss": "https://issuer.example", "aud": "my-app", "exp": time.Now().Add(-time.Hour).Unix()}, key),
	} {
		var hs []string
		if auth != "" {
			hs = append(hs, "Authorization: "+auth)
		}
		r := f.do(t, "GET", "/jwt", hs...)
		if r.Status != 401 || string(r.Body) != `{"message":"Unauthorized"}` || len(header(r, "www-authenticate")) != 1 {
			t.Errorf("%s: got %d %v %s", name, r.Status, r.Headers, r.Body)
		}
	}

	r := f.do(t, "GET", "/jwt/admin", "Authorization: Bearer "+good)
	if r.Status != 403 || string(r.Body) != `{"message":"Forbidden"}` || !strings.Contains(strings.Join(header(r, "www-authenticate"), ""), `error="insufficient_scope"`) {
		t.Errorf("missing scope: got %d %v %s", r.Status, r.Headers, r.Body)
	}
}

// $default sends the full request path to an HTTP_PROXY integration
// ("Create routes for HTTP APIs": Working with the $default route).
func TestDefaultRoute_HTTPProxy_FullPath(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Seen", r.Method+" "+r.URL.RequestURI())
		w.WriteHeader(201)
		io.WriteString(w, "from backend")
	}))
	defer backend.Close()
	model := authAPI()
	model.Integrations["upstream"].URI = backend.URL
	f := newFixture(t, model, func(o *Options) { o.Upstream = HTTPUpstream{} })
	r := f.do(t, "POST", "/store/checkout?x=1")
	if r.Status != 201 || string(r.Body) != "from backend" || cmp.Diff([]string{"POST /store/checkout?x=1"}, header(r, "X-Seen")) != "" {
		t.Errorf("got %d %v %s", r.Status, r.Headers, r.Body)
	}
}

func send(t *testing.T, req *http.Request) (int, []byte) {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

func eventOf(t *testing.T, body []byte) map[string]any {
	t.Helper()
	return event(t, Response{Body: body})
}
