package jwtverify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// DefaultLeeway is the clock-skew tolerance on exp, nbf and iat when
// Options.Leeway is zero. JWT dates have whole-second resolution and a
// development machine's clock is rarely synchronised with the issuer's to
// better than a second; one second absorbs both while a token that AWS
// refuses as expired is refused here at most a second later.
const DefaultLeeway = time.Second

// RSAAlgorithms are the algorithms of HTTP API JWT authorizers ("Currently,
// only RSA-based algorithms are supported").
func RSAAlgorithms() []string { return []string{"RS256", "RS384", "RS512"} }

// RESTAlgorithms are the values a REST JwtConfiguration's
// defaultAlgorithms may hold (API Reference JwtConfigurationInput).
func RESTAlgorithms() []string {
	return []string{"RS256", "RS384", "RS512", "ES256", "ES384", "ES512"}
}

// reservedClaims cannot carry additional claim rules.
func reservedClaims() []string { return []string{"iss", "aud", "exp", "nbf", "iat", "scope", "scp"} }

// Issuer is one trusted issuer.
type Issuer struct {
	// Issuer must equal the token's iss exactly, trailing slash included.
	Issuer string
	// Audiences accepted from this issuer; empty means aud is not checked
	// (Cognito user pool authorizers do not check it).
	Audiences []string
	// Claims are additional claim rules (REST's additionalClaims).
	Claims []ClaimRule
	// Keys verify the issuer's signatures. Required.
	Keys *KeySet
}

// ClaimRule is a REST JwtAdditionalClaim of format SINGLE_STRING: when the
// claim is present it must be a single string, equal to one of Values if
// any are given; Required makes it mandatory (API Reference
// JwtAdditionalClaim).
type ClaimRule struct {
	Name     string
	Values   []string
	Required bool
}

// Options configure a Verifier. Zero values are documented per field.
type Options struct {
	Issuers []Issuer
	// Algorithms are the accepted alg values; nil means RSAAlgorithms().
	Algorithms []string
	// ClientIDAudience checks client_id against the audiences when the
	// token has no aud, as HTTP API JWT authorizers do ("API Gateway
	// validates client_id only if aud is not present").
	ClientIDAudience bool
	// IgnoreIssuedAt skips the iat check; Cognito user pool authorizers do
	// not make it.
	IgnoreIssuedAt bool
	// Clock tells the time; nil means time.Now.
	Clock func() time.Time
	// Leeway tolerates clock skew; zero means DefaultLeeway, negative none.
	Leeway time.Duration
}

// Verifier verifies tokens of its issuers. It is safe for concurrent use.
type Verifier struct {
	issuers  map[string]*Issuer
	parser   *jwt.Parser
	clientID bool
}

// New checks the configuration and builds a Verifier.
func New(o Options) (*Verifier, error) {
	algs := o.Algorithms
	if algs == nil {
		algs = RSAAlgorithms()
	}
	var errs []error
	if len(algs) == 0 {
		errs = append(errs, errors.New("no algorithms allowed"))
	}
	for _, a := range algs {
		if !slices.Contains(RESTAlgorithms(), a) {
			errs = append(errs, fmt.Errorf("algorithm %q is none of %s", a, strings.Join(RESTAlgorithms(), ", ")))
		}
	}
	if len(o.Issuers) == 0 {
		errs = append(errs, errors.New("no issuers"))
	}
	v := &Verifier{issuers: make(map[string]*Issuer, len(o.Issuers)), clientID: o.ClientIDAudience}
	for i := range o.Issuers {
		is := o.Issuers[i]
		if is.Issuer == "" {
			errs = append(errs, errors.New("an issuer is empty"))
			continue
		}
		if _, dup := v.issuers[is.Issuer]; dup {
			errs = append(errs, fmt.Errorf("issuer %s configured twice", is.Issuer))
			continue
		}
		if is.Keys == nil {
			errs = append(errs, fmt.Errorf("issuer %s has no key set", is.Issuer))
		}
		if slices.Contains(is.Audiences, "") {
			errs = append(errs, fmt.Errorf("issuer %s: an audience is empty", is.Issuer))
		}
		seen := map[string]bool{}
		for _, c := range is.Claims {
			switch {
			case c.Name == "":
				errs = append(errs, fmt.Errorf("issuer %s: a claim rule has no name", is.Issuer))
			case slices.Contains(reservedClaims(), c.Name):
				errs = append(errs, fmt.Errorf("issuer %s: claim %s cannot have a rule (%s are checked by the authorizer)", is.Issuer, c.Name, strings.Join(reservedClaims(), ", ")))
			case seen[c.Name]:
				errs = append(errs, fmt.Errorf("issuer %s: claim %s has two rules", is.Issuer, c.Name))
			case slices.Contains(c.Values, ""):
				errs = append(errs, fmt.Errorf("issuer %s: claim %s: an expected value is empty", is.Issuer, c.Name))
			}
			seen[c.Name] = true
		}
		v.issuers[is.Issuer] = &is
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("jwt: %w", err)
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
	popts := []jwt.ParserOption{
		jwt.WithValidMethods(slices.Clone(algs)),
		jwt.WithJSONNumber(),
		// One spelling per token: base64 with stray trailing bits is
		// refused, so a passing token is byte for byte what was signed.
		jwt.WithStrictDecoding(),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(leeway),
		jwt.WithTimeFunc(clock),
	}
	if !o.IgnoreIssuedAt {
		popts = append(popts, jwt.WithIssuedAt())
	}
	v.parser = jwt.NewParser(popts...)
	return v, nil
}

// Request is one verification.
type Request struct {
	// Token is the identity source value, bare or "Bearer TOKEN".
	Token string
	// Scopes are the route's or method's authorization scopes; when any
	// are given the token must hold one.
	Scopes []string
	// AllowIssuer, when set, is asked about the token's iss before its key
	// is looked up; an error refuses the token and is returned as is.
	AllowIssuer func(iss string) error
}

// Token is a verified token.
type Token struct {
	// Issuer is the configured issuer that signed it.
	Issuer string
	// Claims are the decoded claims; numbers are json.Number.
	Claims map[string]any
	// Scopes are the token's scopes (scope or scp), nil when it has none.
	Scopes []string
	// Expires is the exp claim.
	Expires time.Time
}

// Verify checks a token. Every failure is an *Error, or AllowIssuer's
// error.
func (v *Verifier) Verify(ctx context.Context, r Request) (*Token, error) {
	raw := StripBearer(r.Token)
	if raw == "" {
		return nil, &Error{Kind: Unauthorized, Status: Unauthorized.Status(), Reason: "no token"}
	}
	// The key lookup runs inside the parser, after the header and claims
	// are decoded and the alg is known to be allowed, before the signature
	// is checked; its verdict is kept aside because the parser wraps it.
	var (
		keyErr error
		is     *Issuer
	)
	claims := jwt.MapClaims{}
	_, err := v.parser.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		iss, _ := claims["iss"].(string)
		if iss == "" {
			keyErr = invalidToken(DescIssuer, "token has no iss claim", nil)
			return nil, keyErr
		}
		if r.AllowIssuer != nil {
			if err := r.AllowIssuer(iss); err != nil {
				keyErr = err
				return nil, err
			}
		}
		is = v.issuers[iss]
		if is == nil {
			keyErr = invalidToken(DescIssuer, fmt.Sprintf("issuer %q is not configured", iss), nil)
			return nil, keyErr
		}
		key, kerr := is.Keys.Key(ctx, t)
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
		return nil, parseError(err)
	}

	if len(is.Audiences) > 0 {
		if err := v.checkAudience(is, claims); err != nil {
			return nil, err
		}
	}
	for _, rule := range is.Claims {
		if err := checkClaim(rule, claims); err != nil {
			return nil, err
		}
	}
	scopes, serr := tokenScopes(claims)
	if serr != nil {
		return nil, serr
	}
	if len(r.Scopes) > 0 && !slices.ContainsFunc(scopes, func(s string) bool { return slices.Contains(r.Scopes, s) }) {
		return nil, insufficientScope(r.Scopes, fmt.Sprintf("token scopes %q include none of %q", scopes, r.Scopes))
	}
	exp, _ := claims.GetExpirationTime() // required and valid: the parser checked it
	return &Token{Issuer: is.Issuer, Claims: claims, Scopes: scopes, Expires: exp.Time}, nil
}

// parseError maps the parser's verdict to the answer for it.
func parseError(err error) *Error {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return invalidToken(DescMalformed, "token is not a well-formed JWT", err)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		if strings.Contains(err.Error(), "signing method") {
			return invalidToken(DescAlgorithm, "the token's alg is not allowed", err)
		}
		return invalidToken(DescSignature, "signature does not verify", err)
	case errors.Is(err, jwt.ErrTokenExpired):
		return invalidToken(DescExpired, "token expired", err)
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return invalidToken(DescNotYetValid, "token not valid yet (nbf)", err)
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return invalidToken(DescIssuedLater, "token issued in the future (iat)", err)
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return invalidToken(DescExpired, "token has no exp claim", err)
	}
	return invalidToken(DescMalformed, "token rejected", err)
}

// checkAudience: aud (a string or an array) must hold one of the issuer's
// audiences; with ClientIDAudience a token without aud is judged by its
// client_id instead ("When both aud and client_id are present, API Gateway
// evaluates aud").
func (v *Verifier) checkAudience(is *Issuer, claims jwt.MapClaims) *Error {
	var got []string
	if _, has := claims["aud"]; has {
		aud, err := claims.GetAudience()
		if err != nil {
			return invalidToken(DescAudience, "aud is neither a string nor an array of strings", err)
		}
		got = aud
	} else if v.clientID {
		if id, ok := claims["client_id"].(string); ok {
			got = []string{id}
		}
	}
	if slices.ContainsFunc(got, func(a string) bool { return slices.Contains(is.Audiences, a) }) {
		return nil
	}
	return invalidToken(DescAudience, fmt.Sprintf("audience %q is none of %q", got, is.Audiences), nil)
}

func checkClaim(rule ClaimRule, claims jwt.MapClaims) *Error {
	val, has := claims[rule.Name]
	if !has {
		if rule.Required {
			return invalidToken(DescClaim, fmt.Sprintf("required claim %s is missing", rule.Name), nil)
		}
		return nil
	}
	s, ok := val.(string)
	if !ok {
		return invalidToken(DescClaim, fmt.Sprintf("claim %s is not a single string", rule.Name), nil)
	}
	if len(rule.Values) > 0 && !slices.Contains(rule.Values, s) {
		return invalidToken(DescClaim, fmt.Sprintf("claim %s is %q, none of %q", rule.Name, s, rule.Values), nil)
	}
	return nil
}

// tokenScopes reads scope (space-separated string) or, without it, scp (an
// array of strings, or a space-separated string as some issuers send).
func tokenScopes(claims jwt.MapClaims) ([]string, *Error) {
	name := "scope"
	v, ok := claims[name]
	if !ok {
		name = "scp"
		if v, ok = claims[name]; !ok {
			return nil, nil
		}
	}
	switch v := v.(type) {
	case string:
		if f := strings.Fields(v); len(f) > 0 {
			return f, nil
		}
		return nil, nil
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, invalidToken(DescMalformed, fmt.Sprintf("claim %s holds a non-string", name), nil)
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, invalidToken(DescMalformed, fmt.Sprintf("claim %s is neither a string nor an array", name), nil)
}

// StripBearer removes an optional "Bearer " prefix. The scheme is compared
// case-insensitively, as HTTP authentication schemes are.
func StripBearer(token string) string {
	const prefix = "bearer "
	if len(token) >= len(prefix) && strings.EqualFold(token[:len(prefix)], prefix) {
		return strings.TrimLeft(token[len(prefix):], " ")
	}
	return token
}
