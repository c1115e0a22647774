package authorizer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/jwtverify"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// MaxJWTScopes is API Gateway's limit of authorization scopes per route or
// method (HTTP API quotas, docs/behaviour.md#LIMIT-3).
const MaxJWTScopes = 10

// JWTConfig is a REST JWT authorizer (AWS::ApiGateway::Authorizer with
// JwtConfiguration) on one method, as the loaders parse it: the values of
// "Control access to REST APIs using JWT authorizers" and of the API
// Reference's JwtConfigurationInput, JwtIssuerInput and JwtAdditionalClaim.
type JWTConfig struct {
	// ID names the authorizer in the log.
	ID string
	// IdentitySource is method.request.header.X; "" means
	// method.request.header.Authorization.
	IdentitySource string
	// Issuers are the trusted issuers with their audiences, additional
	// claim rules and key sets.
	Issuers []jwtverify.Issuer
	// Algorithms are defaultAlgorithms, required as in
	// JwtConfigurationInput.
	Algorithms []string
	// Scopes are the method's authorizationScopes; the token must hold one.
	Scopes []string
	// Clock tells the time; nil means time.Now.
	Clock func() time.Time
}

// JWT is the JWT authorization step of one method.
type JWT struct {
	id     string
	source identitySource
	scopes []string
	v      *jwtverify.Verifier
}

// JWTResult is a verified token as the integration sees it. REST APIs
// give a Lambda proxy integration each claim with its JSON type, and
// $context.authorizer.claims.X its JSON text ("Pass JWT claims to your
// integration").
type JWTResult struct {
	// Claims are the token's claims, numbers as json.Number.
	Claims map[string]any
	// ContextClaims are $context.authorizer.claims.X: each claim's JSON
	// text (jwtverify.ClaimJSON).
	ContextClaims map[string]string
	// Scopes are the token's scopes, nil when it has none.
	Scopes []string
	// Expires is the token's exp.
	Expires time.Time
}

// NewJWT checks cfg and builds the method's JWT step. Every mistake is an
// error at load, never a route served more open than AWS would serve it.
func NewJWT(cfg JWTConfig) (*JWT, error) {
	src := cfg.IdentitySource
	if src == "" {
		src = "method.request.header.Authorization"
	}
	srcs, err := parseIdentitySources(src)
	if err != nil {
		return nil, fmt.Errorf("authorizer %s: %w", cfg.ID, err)
	}
	if len(srcs) != 1 || !srcs[0].isHeader() {
		return nil, fmt.Errorf("authorizer %s: a JWT authorizer needs exactly one method.request.header.X identity source, got %q", cfg.ID, src)
	}
	if len(cfg.Algorithms) == 0 {
		return nil, fmt.Errorf("authorizer %s: a JWT authorizer needs defaultAlgorithms (%v)", cfg.ID, jwtverify.RESTAlgorithms())
	}
	if len(cfg.Scopes) > MaxJWTScopes {
		return nil, fmt.Errorf("authorizer %s: %d authorization scopes, at most %d are allowed", cfg.ID, len(cfg.Scopes), MaxJWTScopes)
	}
	for _, is := range cfg.Issuers {
		if len(is.Audiences) == 0 {
			return nil, fmt.Errorf("authorizer %s: issuer %s has no audiences", cfg.ID, is.Issuer)
		}
	}
	v, err := jwtverify.New(jwtverify.Options{Issuers: cfg.Issuers, Algorithms: cfg.Algorithms, Clock: cfg.Clock})
	if err != nil {
		return nil, fmt.Errorf("authorizer %s: %w", cfg.ID, err)
	}
	return &JWT{id: cfg.ID, source: srcs[0], scopes: cfg.Scopes, v: v}, nil
}

// Authenticate verifies the request's token. A failure is a
// *gwresponse.Error whose cause is the *jwtverify.Error (see
// WWWAuthenticate): UNAUTHORIZED 401 for a bad token, ACCESS_DENIED 403
// {"message":"Forbidden"} for a valid one without the method's scopes
// (rest-api-jwt-authorizer-methods.html), AUTHORIZER_FAILURE 500 when the
// issuer's keys cannot be obtained (docs/behaviour.md#DEC-AUTHORIZER-FAILURE).
func (a *JWT) Authenticate(ctx context.Context, r *reqctx.Request, log *slog.Logger) (*JWTResult, error) {
	if a.source.conflict(r) {
		return nil, gwresponse.Errorf(gwresponse.Unauthorized, "Unauthorized", "identity source %s was sent on several lines with different values", a.source.Source)
	}
	token := a.source.value(r)
	if token == "" {
		log.Debug("JWT header missing or empty; 401", "authorizer", a.id, "source", a.source.Source)
		return nil, gwresponse.Errorf(gwresponse.Unauthorized, "Unauthorized", "identity source %s is missing or empty", a.source.Source)
	}
	log.Info(fmt.Sprintf("Starting authorizer: %s for request: %s", a.id, r.ID))
	log.Info("Incoming identity: " + mask(token))
	tok, err := a.v.Verify(ctx, jwtverify.Request{Token: token, Scopes: a.scopes})
	if err != nil {
		var je *jwtverify.Error
		if !errors.As(err, &je) {
			return nil, gwresponse.Null(gwresponse.AuthorizerFailure, err)
		}
		switch je.Kind {
		case jwtverify.Forbidden:
			log.Info("Forbidden: " + je.Error())
			return nil, &gwresponse.Error{Type: gwresponse.AccessDenied, Message: "Forbidden", Cause: fmt.Errorf("authorizer %s: %w", a.id, je)}
		case jwtverify.KeysUnavailable:
			log.Info("Execution failed: the signing keys of the issuer are unavailable: " + je.Error())
			return nil, gwresponse.Null(gwresponse.AuthorizerFailure, fmt.Errorf("authorizer %s: %w", a.id, je))
		}
		log.Info("Unauthorized: " + je.Error())
		return nil, &gwresponse.Error{Type: gwresponse.Unauthorized, Message: "Unauthorized", Cause: fmt.Errorf("authorizer %s: %w", a.id, je)}
	}
	res := &JWTResult{Claims: tok.Claims, ContextClaims: make(map[string]string, len(tok.Claims)), Scopes: tok.Scopes, Expires: tok.Expires}
	for name, v := range tok.Claims {
		s, err := jwtverify.ClaimJSON(v)
		if err != nil {
			return nil, gwresponse.Null(gwresponse.AuthorizerFailure, err)
		}
		res.ContextClaims[name] = s
	}
	log.Info("Successfully completed authorizer execution")
	return res, nil
}

// WWWAuthenticate is the www-authenticate value a JWT failure is answered
// with, "" when err carries none.
func WWWAuthenticate(err error) string {
	var je *jwtverify.Error
	if errors.As(err, &je) {
		return je.WWWAuthenticate
	}
	return ""
}
