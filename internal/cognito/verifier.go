package cognito

import (
	"context"
	"crypto/rsa"
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
)

// DefaultLeeway is the clock-skew tolerance on exp and nbf when
// Options.Leeway is zero. JWT dates have whole-second resolution and a
// development machine's clock is rarely synchronised with Cognito's to
// better than a second; one second absorbs both while a token that
// production refuses as expired is refused here at most a second later.
const DefaultLeeway = time.Second

// Defaults for key retrieval, used when the Options field is zero.
const (
	// DefaultFetchTimeout is API Gateway's own timeout for a JWKS endpoint
	// (HTTP API JWT authorizer quotas, spec §13.2).
	DefaultFetchTimeout = 1500 * time.Millisecond
	// DefaultRefreshInterval: Cognito rotates keys rarely; an hourly
	// refresh plus the unknown-kid refresh keeps up.
	DefaultRefreshInterval = time.Hour
	// DefaultUnknownKIDInterval spaces the refreshes a token with an unknown
	// kid may trigger, so a flood of forged kids cannot hammer the JWKS URL.
	DefaultUnknownKIDInterval = 5 * time.Minute
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
	pools   map[string]*pool // by ARN
	parser  *jwt.Parser
	cancel  context.CancelFunc
	client  *http.Client // owned by the Verifier, closed on Close; nil if given
	exprs   sync.Map     // identityValidationExpression → *regexp.Regexp
	closeMu sync.Once
}

// New builds a Verifier, reading JWKS files and fetching JWKS URLs once.
// Configuration mistakes (bad ARN, missing key source, unreadable JWKS file)
// are errors; an unreachable JWKS URL is not (it is logged, and tokens of
// that pool fail with KeysUnavailable until a refresh succeeds). ctx bounds
// the life of the background refreshes, as does Close.
func New(ctx context.Context, o Options) (*Verifier, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	clock := o.Clock
	if clock == nil {
		clock = time.Now
	}
	leeway := o.Leeway
	switch {
	case leeway == 0:
		leeway = DefaultLeeway
	case leeway < 0:
		leeway = 0
	}
	s := keySettings{
		local:           o.LocalKey,
		client:          o.HTTPClient,
		fetchTimeout:    positiveOr(o.FetchTimeout, DefaultFetchTimeout),
		refreshInterval: positiveOr(o.RefreshInterval, DefaultRefreshInterval),
		unknownKID:      positiveOr(o.UnknownKIDInterval, DefaultUnknownKIDInterval),
		log:             log,
	}
	v := &Verifier{
		pools: make(map[string]*pool, len(o.Pools)),
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{"RS256"}),
			jwt.WithJSONNumber(),
			jwt.WithExpirationRequired(),
			jwt.WithLeeway(leeway),
			jwt.WithTimeFunc(clock),
		),
	}
	if s.client == nil {
		v.client = &http.Client{Timeout: s.fetchTimeout}
		s.client = v.client
	}
	ctx, v.cancel = context.WithCancel(ctx)

	var errs []error
	for _, c := range o.Pools {
		if _, dup := v.pools[c.ARN]; dup {
			errs = append(errs, fmt.Errorf("user pool %s configured twice", c.ARN))
			continue
		}
		p, err := newPool(ctx, c, s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		v.pools[c.ARN] = p
	}
	if err := errors.Join(errs...); err != nil {
		v.Close()
		return nil, fmt.Errorf("cognito: %w", err)
	}
	return v, nil
}

func positiveOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Close stops the JWKS refreshes. It is safe to call more than once.
func (v *Verifier) Close() {
	v.closeMu.Do(func() {
		v.cancel()
		if v.client != nil {
			v.client.CloseIdleConnections()
		}
	})
}

// Verify checks token for a COGNITO_USER_POOLS authorizer naming
// providerARNs, on a method with the given authorization scopes, with the
// authorizer's identity validation expression ("" for none). Every failure
// is an *Error: Unauthorized, or KeysUnavailable when the pool's keys
// cannot be obtained.
func (v *Verifier) Verify(ctx context.Context, token string, providerARNs, scopes []string, validationExpr string) (*Identity, error) {
	token = stripBearer(token)
	if token == "" {
		return nil, unauthorized("empty token", nil)
	}

	// The key lookup runs inside the parser, after the header and claims
	// are decoded and the alg is known to be RS256, before the signature is
	// checked. Its verdict is kept aside because the parser wraps it.
	var keyErr *Error
	claims := jwt.MapClaims{}
	_, err := v.parser.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		key, kerr := v.key(ctx, t, providerARNs)
		if kerr != nil {
			keyErr = kerr
			return nil, kerr
		}
		return key, nil
	})
	if keyErr != nil {
		return nil, keyErr
	}
	if err != nil {
		return nil, unauthorized("token rejected", err)
	}

	// Without scopes the method takes ID tokens, with scopes access tokens
	// holding at least one of them (spec §10).
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

	// The expression is matched against the ID token's aud, whole (D2);
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

// key finds the verification key for t: the pool whose issuer is the
// token's iss among the authorizer's pools, then the key with the token's
// kid in that pool's key set.
func (v *Verifier) key(ctx context.Context, t *jwt.Token, providerARNs []string) (*rsa.PublicKey, *Error) {
	iss, _ := t.Claims.(jwt.MapClaims)["iss"].(string)
	if iss == "" {
		return nil, unauthorized("token has no iss claim", nil)
	}
	p, perr := v.poolFor(iss, providerARNs)
	if perr != nil {
		return nil, perr
	}
	kid, _ := t.Header["kid"].(string)
	if kid == "" {
		return nil, unauthorized("token header has no kid", nil)
	}
	key, err := p.keys.KeyfuncCtx(ctx)(t)
	if err != nil {
		if ferr := p.fetchErr(); ferr != nil {
			return nil, keysUnavailable(fmt.Sprintf("kid %q is not in the cached keys of user pool %s and its JWKS cannot be fetched", kid, p.arn), ferr)
		}
		return nil, unauthorized(fmt.Sprintf("kid %q is not a signing key of user pool %s", kid, p.arn), err)
	}
	rk, ok := key.(*rsa.PublicKey)
	if !ok {
		return nil, unauthorized(fmt.Sprintf("key %q of user pool %s is a %T, not an RSA public key", kid, p.arn, key), nil)
	}
	return rk, nil
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
// anchored at both ends: the whole value must match (D2). Loaders call it
// to reject a bad expression at load time.
func CompileValidationExpression(expr string) (*regexp.Regexp, error) {
	return regexp.Compile(`^(?:` + expr + `)$`)
}

// stripBearer removes an optional "Bearer " prefix (D16). The scheme is
// compared case-insensitively, as HTTP authentication schemes are.
func stripBearer(token string) string {
	const prefix = "bearer "
	if len(token) >= len(prefix) && strings.EqualFold(token[:len(prefix)], prefix) {
		return strings.TrimLeft(token[len(prefix):], " ")
	}
	return token
}
