package cognito

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/portcullis-gateway/portcullis/internal/jwtverify"
)

// DefaultLeeway is the clock-skew tolerance on exp and nbf when
// Options.Leeway is zero. JWT dates have whole-second resolution and a
// development machine's clock is rarely synchronised with Cognito's to
// better than a second; one second absorbs both while a token that
// production refuses as expired is refused here at most a second later.
const DefaultLeeway = jwtverify.DefaultLeeway

// Defaults for key retrieval, used when the Options field is zero.
const (
	// DefaultFetchTimeout is API Gateway's own timeout for a JWKS endpoint
	// (HTTP API JWT authorizer quotas, docs/behaviour.md#LIMIT-3).
	DefaultFetchTimeout = jwtverify.DefaultFetchTimeout
	// DefaultRefreshInterval: Cognito rotates keys rarely; an hourly
	// refresh plus the unknown-kid refresh keeps up.
	DefaultRefreshInterval = jwtverify.DefaultRefreshInterval
	// DefaultUnknownKIDInterval spaces the refreshes a token with an unknown
	// kid may trigger, so a flood of forged kids cannot hammer the JWKS URL.
	DefaultUnknownKIDInterval = jwtverify.DefaultUnknownKIDInterval
)

// Options configure a Verifier. Zero values are documented per field.
type Options struct {
	// Pools are the user pools whose tokens can be verified.
	Pools []PoolConfig
	// LocalKey is trusted by pools with Local set; required when one is.
	LocalKey *LocalKey
	// Clock tells the time for exp and nbf; nil means time.Now.
	Clock func() time.Time
	// Leeway tolerates clock skew on exp and nbf; zero means DefaultLeeway,
	// a negative value means none.
	Leeway time.Duration
	// Logger receives JWKS fetch failures and recoveries; nil discards.
	Logger *slog.Logger
	// HTTPClient fetches JWKS URLs; nil means a client of New's own.
	HTTPClient *http.Client
	// FetchTimeout bounds one JWKS fetch; zero means DefaultFetchTimeout.
	FetchTimeout time.Duration
	// RefreshInterval is how often JWKS URLs are fetched again; zero means
	// DefaultRefreshInterval.
	RefreshInterval time.Duration
	// UnknownKIDInterval is the least time between two refreshes caused by
	// tokens whose kid is not in a pool's key set; zero means
	// DefaultUnknownKIDInterval.
	UnknownKIDInterval time.Duration
}

// Identity is a verified token as the backend sees it.
type Identity struct {
	// Claims are rendered as API Gateway renders them (RenderClaims).
	Claims map[string]string
	// Scopes are an access token's scopes, nil for an ID token.
	Scopes []string
	// Subject is the sub claim.
	Subject string
}

// Verifier checks Cognito user pool tokens. It is safe for concurrent use.
type Verifier struct {
	pools map[string]*pool // by ARN
	// jwt verifies signature, issuer and dates with the pools as issuers;
	// nil when no pool is configured.
	jwt     *jwtverify.Verifier
	exprs   sync.Map // identityValidationExpression → *regexp.Regexp
	closeMu sync.Once
}

// New builds a Verifier, reading JWKS files and fetching JWKS URLs once.
// Configuration mistakes (bad ARN, missing key source, unreadable JWKS file)
// are errors; an unreachable JWKS URL is not (it is logged, and tokens of
// that pool fail with KeysUnavailable until a refresh succeeds). ctx bounds
// the life of the background refreshes, as does Close.
func New(ctx context.Context, o Options) (*Verifier, error) {
	ko := jwtverify.KeyOptions{
		HTTPClient:         o.HTTPClient,
		FetchTimeout:       o.FetchTimeout,
		RefreshInterval:    o.RefreshInterval,
		UnknownKIDInterval: o.UnknownKIDInterval,
		Logger:             o.Logger,
	}
	v := &Verifier{pools: make(map[string]*pool, len(o.Pools))}
	var (
		errs    []error
		issuers []jwtverify.Issuer
	)
	for _, c := range o.Pools {
		if _, dup := v.pools[c.ARN]; dup {
			errs = append(errs, fmt.Errorf("user pool %s configured twice", c.ARN))
			continue
		}
		p, err := newPool(ctx, c, o.LocalKey, ko)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		v.pools[c.ARN] = p
		issuers = append(issuers, jwtverify.Issuer{Issuer: p.issuer, Keys: p.keys})
	}
	if len(errs) == 0 && len(issuers) > 0 {
		// A COGNITO_USER_POOLS authorizer checks neither aud (the
		// validation expression may) nor iat, and takes RS256 only, the
		// algorithm Cognito signs with.
		jv, err := jwtverify.New(jwtverify.Options{
			Issuers:        issuers,
			Algorithms:     []string{"RS256"},
			IgnoreIssuedAt: true,
			Clock:          o.Clock,
			Leeway:         o.Leeway,
		})
		if err != nil {
			errs = append(errs, err)
		}
		v.jwt = jv
	}
	if err := errors.Join(errs...); err != nil {
		v.Close()
		return nil, fmt.Errorf("cognito: %w", err)
	}
	return v, nil
}

// Close stops the JWKS refreshes. It is safe to call more than once.
func (v *Verifier) Close() {
	v.closeMu.Do(func() {
		for _, p := range v.pools {
			p.keys.Close()
		}
	})
}

// Verify checks token for a COGNITO_USER_POOLS authorizer naming
// providerARNs, on a method with the given authorization scopes, with the
// authorizer's identity validation expression ("" for none). Every failure
// is an *Error: Unauthorized, or KeysUnavailable when the pool's keys
// cannot be obtained.
func (v *Verifier) Verify(ctx context.Context, token string, providerARNs, scopes []string, validationExpr string) (*Identity, error) {
	token = jwtverify.StripBearer(token)
	if token == "" {
		return nil, unauthorized("empty token", nil)
	}
	claims, err := v.verifyJWT(ctx, token, providerARNs)
	if err != nil {
		return nil, err
	}

	// Without scopes the method takes ID tokens, with scopes access tokens
	// holding at least one of them (docs/behaviour.md#COGNITO-1).
	tokenUse, _ := claims["token_use"].(string)
	var granted []string
	if len(scopes) == 0 {
		if tokenUse != "id" {
			return nil, unauthorized(fmt.Sprintf("token_use is %q; a method without authorization scopes accepts ID tokens only", tokenUse), nil)
		}
	} else {
		if tokenUse != "access" {
			return nil, unauthorized(fmt.Sprintf("token_use is %q; a method with authorization scopes accepts access tokens only", tokenUse), nil)
		}
		scope, _ := claims["scope"].(string)
		granted = strings.Fields(scope)
		if !slices.ContainsFunc(granted, func(s string) bool { return slices.Contains(scopes, s) }) {
			return nil, unauthorized(fmt.Sprintf("access token scopes %q include none of the method's %q", scope, scopes), nil)
		}
	}

	// The expression is matched against the ID token's aud, whole (docs/behaviour.md#DEC-VALIDATION-ANCHORED);
	// access tokens have no aud and fail it.
	if validationExpr != "" {
		re, err := v.validationRegexp(validationExpr)
		if err != nil {
			return nil, unauthorized("identity validation expression does not compile", err)
		}
		aud, ok := claims["aud"].(string)
		if !ok {
			return nil, unauthorized("identity validation expression set but the token has no aud claim", nil)
		}
		if !re.MatchString(aud) {
			return nil, unauthorized(fmt.Sprintf("aud %q does not match the identity validation expression %q", aud, validationExpr), nil)
		}
	}

	sub, _ := claims["sub"].(string)
	return &Identity{Claims: RenderClaims(claims), Scopes: granted, Subject: sub}, nil
}

// verifyJWT checks the signature, issuer and dates with package jwtverify,
// the token's pool being the one among providerARNs whose issuer is the
// token's iss.
func (v *Verifier) verifyJWT(ctx context.Context, token string, providerARNs []string) (map[string]any, error) {
	allow := func(iss string) error {
		if _, perr := v.poolFor(iss, providerARNs); perr != nil {
			return perr
		}
		return nil
	}
	if v.jwt == nil {
		// No pool is configured: the token cannot pass, and poolFor says
		// whether that is the caller's fault or the configuration's.
		c := jwt.MapClaims{}
		if _, _, err := jwt.NewParser().ParseUnverified(token, c); err != nil {
			return nil, unauthorized("token rejected", err)
		}
		iss, _ := c["iss"].(string)
		if iss == "" {
			return nil, unauthorized("token has no iss claim", nil)
		}
		if err := allow(iss); err != nil {
			return nil, err
		}
		return nil, unauthorized(fmt.Sprintf("issuer %q is no configured user pool", iss), nil)
	}
	tok, err := v.jwt.Verify(ctx, jwtverify.Request{Token: token, AllowIssuer: allow})
	if err == nil {
		return tok.Claims, nil
	}
	var ce *Error
	if errors.As(err, &ce) {
		return nil, ce
	}
	var je *jwtverify.Error
	if errors.As(err, &je) {
		if je.Kind == jwtverify.KeysUnavailable {
			return nil, keysUnavailable(je.Reason, je.Err)
		}
		return nil, unauthorized(je.Reason, je.Err)
	}
	return nil, unauthorized("token rejected", err)
}

func (v *Verifier) poolFor(iss string, providerARNs []string) (*pool, *Error) {
	if len(providerARNs) == 0 {
		return nil, unauthorized("the authorizer names no user pools", nil)
	}
	for _, arn := range providerARNs {
		if p := v.pools[arn]; p != nil && p.issuer == iss {
			return p, nil
		}
	}
	// A pool the authorizer names but nobody configured keys for: the token
	// may well be genuine, so this is the gateway's failure, not the
	// caller's.
	for _, arn := range providerARNs {
		if v.pools[arn] != nil {
			continue
		}
		partition, region, id, err := parseUserPoolARN(arn)
		if err == nil && issuer(partition, region, id) == iss {
			return nil, keysUnavailable(fmt.Sprintf("user pool %s has no key source configured", arn), nil)
		}
	}
	return nil, unauthorized(fmt.Sprintf("issuer %q is none of the authorizer's user pools %q", iss, providerARNs), nil)
}

// validationRegexp compiles expr once; expressions come from the
// configuration, so the cache is bounded by it.
func (v *Verifier) validationRegexp(expr string) (*regexp.Regexp, error) {
	if re, ok := v.exprs.Load(expr); ok {
		return re.(*regexp.Regexp), nil
	}
	re, err := CompileValidationExpression(expr)
	if err != nil {
		return nil, err
	}
	v.exprs.Store(expr, re)
	return re, nil
}

// CompileValidationExpression compiles an identityValidationExpression
// anchored at both ends: the whole value must match (docs/behaviour.md#DEC-VALIDATION-ANCHORED). Loaders call it
// to reject a bad expression at load time.
func CompileValidationExpression(expr string) (*regexp.Regexp, error) {
	return regexp.Compile(`^(?:` + expr + `)$`)
}
