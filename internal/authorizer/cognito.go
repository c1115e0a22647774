package authorizer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/authcache"
	"github.com/portcullis-gateway/portcullis/internal/cognito"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// TokenVerifier verifies Cognito user pool tokens (cognito.Verifier).
type TokenVerifier interface {
	Verify(ctx context.Context, token string, providerARNs, scopes []string, validationExpr string) (*cognito.Identity, error)
}

var _ TokenVerifier = (*cognito.Verifier)(nil)

// cognitoAuth is the COGNITO_USER_POOLS step of one method (docs/behaviour.md#COGNITO-1). Its
// results are cached by token with the authorizer's TTL in the same cache
// as Lambda results; since the method's scopes decide which tokens pass,
// they are part of the key.
type cognitoAuth struct {
	opts   Options
	api    *apimodel.API
	auth   *apimodel.Authorizer
	source identitySource
	scopes []string
	ttl    time.Duration
}

func newCognitoAuth(api *apimodel.API, a *apimodel.Authorizer, m *apimodel.Method, opts Options) (*cognitoAuth, error) {
	if opts.Cognito == nil {
		return nil, fmt.Errorf("authorizer %s: no Cognito user pools are configured", a.ID)
	}
	if len(a.ProviderARNs) == 0 {
		return nil, fmt.Errorf("authorizer %s: a COGNITO_USER_POOLS authorizer needs providerARNs", a.ID)
	}
	src := a.IdentitySource
	if src == "" {
		src = "method.request.header.Authorization"
	}
	srcs, err := parseIdentitySources(src)
	if err != nil {
		return nil, fmt.Errorf("authorizer %s: %w", a.ID, err)
	}
	if len(srcs) != 1 || !srcs[0].isHeader() {
		return nil, fmt.Errorf("authorizer %s: a Cognito authorizer needs exactly one method.request.header.X identity source, got %q", a.ID, src)
	}
	if a.IdentityValidationExpression != "" {
		if _, err := cognito.CompileValidationExpression(a.IdentityValidationExpression); err != nil {
			return nil, fmt.Errorf("authorizer %s: identityValidationExpression: %v", a.ID, err)
		}
	}
	if a.ResultTTL < 0 || a.ResultTTL > apimodel.MaxResultTTL {
		return nil, fmt.Errorf("authorizer %s: authorizerResultTtlInSeconds %d is outside 0..%d", a.ID, a.ResultTTL, apimodel.MaxResultTTL)
	}
	c := &cognitoAuth{opts: opts, api: api, auth: a, source: srcs[0], scopes: m.AuthorizationScopes, ttl: time.Duration(a.ResultTTL) * time.Second}
	if opts.Cache == nil {
		c.ttl = 0
	}
	return c, nil
}

// cognitoResult is a verified token as cached.
type cognitoResult struct {
	Claims map[string]string `json:"claims"`
	Scopes []string          `json:"scopes,omitempty"`
	// Exp is the token's expiry; a cached result is not used past it.
	Exp time.Time `json:"exp"`
}

// cognitoRawPrefix marks a cached Cognito result in the shared tier, where
// Decode must tell it from a Lambda authorizer's JSON answer.
const cognitoRawPrefix = "\x00cognito\n"

// authenticate verifies the request's token and returns what the backend
// sees as requestContext.authorizer.
func (c *cognitoAuth) authenticate(ctx context.Context, r *reqctx.Request, log *slog.Logger) (*reqctx.AuthorizerContext, error) {
	if c.source.conflict(r) {
		return nil, gwresponse.Errorf(gwresponse.Unauthorized, "Unauthorized", "identity source %s was sent on several lines with different values", c.source.Source)
	}
	token := c.source.value(r)
	if token == "" {
		log.Debug("Cognito token header missing or empty; 401", "authorizer", c.auth.ID, "source", c.source.Source)
		return nil, gwresponse.Errorf(gwresponse.Unauthorized, "Unauthorized", "identity source %s is missing or empty", c.source.Source)
	}
	log.Info(fmt.Sprintf("Starting authorizer: %s for request: %s", c.auth.ID, r.ID))
	log.Info("Incoming identity: " + mask(token))
	fill := func(ctx context.Context) (authcache.Entry, error) {
		id, err := c.opts.Cognito.Verify(ctx, token, c.auth.ProviderARNs, c.scopes, c.auth.IdentityValidationExpression)
		if err != nil {
			return authcache.Entry{}, c.failure(err, log)
		}
		res := &cognitoResult{Claims: id.Claims, Scopes: id.Scopes, Exp: claimTime(id.Claims["exp"])}
		raw, err := json.Marshal(res)
		if err != nil {
			return authcache.Entry{}, gwresponse.Null(gwresponse.AuthorizerFailure, err)
		}
		return authcache.Entry{Raw: append([]byte(cognitoRawPrefix), raw...), Value: res, FilledBy: r.MethodARN, FilledAt: c.opts.Now()}, nil
	}
	var (
		entry authcache.Entry
		hit   bool
		err   error
	)
	if c.ttl > 0 {
		key := authcache.Key{APIID: c.api.ID, Stage: r.Stage, AuthorizerID: c.auth.ID, Identity: cacheIdentity([]string{token, strings.Join(c.scopes, " ")})}
		entry, hit, err = c.opts.Cache.Get(ctx, key, c.ttl, fill)
	} else {
		entry, err = fill(ctx)
	}
	if err != nil {
		return nil, err
	}
	res, ok := entry.Value.(*cognitoResult)
	if !ok {
		return nil, gwresponse.Null(gwresponse.AuthorizerFailure, errors.New("cached Cognito result is unreadable"))
	}
	if hit {
		log.Info(fmt.Sprintf("Authorizer cache hit: entry filled by %s %s ago (TTL %ds)", entry.FilledBy,
			c.opts.Now().Sub(entry.FilledAt).Round(time.Millisecond), int(c.ttl/time.Second)))
		// A token that expired while its result was cached is refused as
		// it would be on verification: the cache never extends a token's
		// life.
		if !res.Exp.IsZero() && c.opts.Now().After(res.Exp.Add(cognito.DefaultLeeway)) {
			log.Info("Unauthorized: the cached token expired at " + res.Exp.UTC().Format(time.RFC3339))
			return nil, gwresponse.Errorf(gwresponse.Unauthorized, "Unauthorized", "authorizer %s: token expired at %s", c.auth.ID, res.Exp.UTC().Format(time.RFC3339))
		}
	} else if c.ttl > 0 {
		log.Info(fmt.Sprintf("Authorizer cache miss: result cached for %ds", int(c.ttl/time.Second)))
	}
	log.Info("Successfully completed authorizer execution")
	return &reqctx.AuthorizerContext{Claims: res.Claims, Scopes: res.Scopes}, nil
}

// failure maps a verification error to its gateway response: 401 for any
// token fault, AUTHORIZER_FAILURE 500 when the pool's keys cannot be
// obtained (docs/behaviour.md#DEC-AUTHORIZER-FAILURE). Neither is cached (docs/behaviour.md#DEC-CACHE-WHAT).
func (c *cognitoAuth) failure(err error, log *slog.Logger) error {
	if errors.Is(err, cognito.KeysUnavailable) {
		log.Info("Execution failed: the signing keys of the user pool are unavailable: " + err.Error())
		return gwresponse.Null(gwresponse.AuthorizerFailure, fmt.Errorf("authorizer %s: %w", c.auth.ID, err))
	}
	log.Info("Unauthorized: " + err.Error())
	return gwresponse.Errorf(gwresponse.Unauthorized, "Unauthorized", "authorizer %s: %v", c.auth.ID, err)
}

// claimTime parses an exp claim as RenderClaims renders it; the zero time
// when it cannot.
func claimTime(s string) time.Time {
	t, err := time.Parse("Mon Jan 02 15:04:05 UTC 2006", s)
	if err != nil {
		return time.Time{}
	}
	return t
}

func decodeCognito(raw []byte) (any, error) {
	var res cognitoResult
	if err := json.Unmarshal(bytes.TrimPrefix(raw, []byte(cognitoRawPrefix)), &res); err != nil {
		return nil, fmt.Errorf("cached Cognito result: %w", err)
	}
	return &res, nil
}
