package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"log/slog"

	"github.com/portcullis-gateway/portcullis/internal/config"
	"github.com/portcullis-gateway/portcullis/internal/httpapi"
	"github.com/portcullis-gateway/portcullis/internal/jwtverify"
	"github.com/portcullis-gateway/portcullis/internal/lambdaevent"
	"github.com/portcullis-gateway/portcullis/internal/policy"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
	"github.com/portcullis-gateway/portcullis/internal/sigv4"
)

// httpIdentities are the --config identities as the HTTP API pipeline
// reads them: the secret of an access key for SigV4, and the caller for
// requestContext.authorizer.iam.
type httpIdentities map[string]config.ResolvedIdentity

func (h httpIdentities) Lookup(key string) (secret, token string, ok bool) {
	id, ok := h[key]
	return id.SecretAccessKey, id.SessionToken, ok
}

func (h httpIdentities) Identity(key string) (lambdaevent.IAMAuthorization, bool) {
	id, ok := h[key]
	if !ok {
		return lambdaevent.IAMAuthorization{}, false
	}
	return lambdaevent.IAMAuthorization{AccessKey: key, AccountID: id.AccountID, CallerID: id.UserID, UserARN: id.ARN, UserID: id.UserID}, true
}

// Allowed evaluates the caller's identity policies for execute-api:Invoke on
// the route ARN with IAM's rule. HTTP APIs have no resource policies, so the
// identity policies alone decide; an unknown key or no allowing statement
// denies.
func (h httpIdentities) Allowed(key, routeARN string) bool {
	id, ok := h[key]
	if !ok {
		return false
	}
	docs := make([]*policy.Document, 0, len(id.Policies))
	for _, p := range id.Policies {
		docs = append(docs, p.Document)
	}
	d := policy.Evaluate(docs, &policy.Request{Action: policy.ActionInvoke, Resource: routeARN,
		Principal: policy.Principal{ARN: id.ARN, AccountID: id.AccountID}})
	return d.Effect == policy.Allow
}

var (
	_ sigv4.KeyStore        = httpIdentities(nil)
	_ httpapi.IAMIdentities = httpIdentities(nil)
)

// jwtVerifiers verify the tokens of HTTP API JWT authorizers: one
// jwtverify.Verifier per (issuer, audiences), over one key set per issuer
// found through the issuer's OpenID discovery document, as API Gateway
// finds it ("Control access to HTTP APIs with JWT authorizers": the issuer's
// {issuer}/.well-known/openid-configuration names jwks_uri).
type jwtVerifiers struct {
	byKey map[string]*jwtverify.Verifier
	sets  []*jwtverify.KeySet
}

func jwtKey(issuer string, aud []string) string { return issuer + "\x00" + strings.Join(aud, "\x00") }

func newJWTVerifiers(ctx context.Context, m *apimodel.Model, log *slog.Logger) (*jwtVerifiers, error) {
	j := &jwtVerifiers{byKey: map[string]*jwtverify.Verifier{}}
	sets := map[string]*jwtverify.KeySet{}
	for _, a := range m.HTTPAPIs {
		for _, au := range a.Authorizers {
			if au.Type != apimodel.HTTPAuthorizerJWT || j.byKey[jwtKey(au.Issuer, au.Audience)] != nil {
				continue
			}
			ks := sets[au.Issuer]
			if ks == nil {
				var err error
				ks, err = jwtverify.NewKeySet(ctx, au.Issuer, jwtverify.KeySource{
					Discovery: strings.TrimSuffix(au.Issuer, "/") + "/.well-known/openid-configuration", Issuer: au.Issuer,
				}, jwtverify.KeyOptions{Logger: log})
				if err != nil {
					j.close()
					return nil, fmt.Errorf("HTTP API %s: JWT authorizer %s: %w", a.LogicalID, au.Name, err)
				}
				sets[au.Issuer] = ks
				j.sets = append(j.sets, ks)
			}
			v, err := jwtverify.New(jwtverify.Options{
				Issuers:          []jwtverify.Issuer{{Issuer: au.Issuer, Audiences: au.Audience, Keys: ks}},
				ClientIDAudience: true,
			})
			if err != nil {
				j.close()
				return nil, fmt.Errorf("HTTP API %s: JWT authorizer %s: %w", a.LogicalID, au.Name, err)
			}
			j.byKey[jwtKey(au.Issuer, au.Audience)] = v
		}
	}
	return j, nil
}

// VerifyJWT implements httpapi.JWTVerifier.
func (j *jwtVerifiers) VerifyJWT(ctx context.Context, token, issuer string, audience []string) (*httpapi.JWTClaims, error) {
	v := j.byKey[jwtKey(issuer, audience)]
	if v == nil {
		return nil, errors.New("no verifier for issuer " + issuer)
	}
	tok, err := v.Verify(ctx, jwtverify.Request{Token: token})
	if err != nil {
		return nil, err
	}
	return &httpapi.JWTClaims{Claims: jwtverify.HTTPClaims(tok.Claims), Scopes: tok.Scopes}, nil
}

func (j *jwtVerifiers) close() {
	if j == nil {
		return
	}
	for _, ks := range j.sets {
		ks.Close()
	}
}

// compileHTTPAPIs compiles every HTTP API of m over the function runtime
// inv, the shared authorizer cache, the --config identities and jwt (nil
// when only checking, as validate does: no issuer is contacted).
func (s *Server) compileHTTPAPIs(m *apimodel.Model, inv httpapi.Invoker, jwt httpapi.JWTVerifier) ([]*httpapi.API, error) {
	ids := httpIdentities{}
	if s.authz != nil {
		resolved, _, err := s.authz.file.Resolve(m)
		if err != nil {
			return nil, err
		}
		for _, id := range resolved {
			ids[id.AccessKeyID] = id
		}
	}
	var out []*httpapi.API
	var errs []string
	for _, a := range m.HTTPAPIs {
		opts := httpapi.Options{Functions: m.Functions, Cache: s.cache, IAMIdentities: ids,
			Upstream: httpapi.HTTPUpstream{Client: &http.Client{}}, Edge: &reqctx.Edge{TrustedProxies: s.cfg.TrustedProxies}}
		if inv != nil {
			opts.Invoker = inv
		}
		v, err := sigv4.New(sigv4.Options{Region: a.Region, Keys: ids})
		if err != nil {
			return nil, err
		}
		opts.IAM = v
		opts.JWT = jwt
		c, err := httpapi.Compile(a, opts)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", a.Pos, err))
			continue
		}
		out = append(out, c)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return out, nil
}

// HTTPRouteTable lists every route of an HTTP API as "ROUTE-KEY  auth
// integration", as RouteTable does for REST APIs.
func HTTPRouteTable(a *apimodel.HTTPAPI) []string {
	out := make([]string, 0, len(a.Routes))
	for _, r := range a.Routes {
		auth := r.AuthorizationType
		if auth == "" {
			auth = apimodel.HTTPAuthNone
		}
		if r.Authorizer != "" {
			auth += "(" + r.Authorizer + ")"
		}
		if len(r.AuthorizationScopes) > 0 {
			auth += "[" + strings.Join(r.AuthorizationScopes, " ") + "]"
		}
		integ := "-"
		if in := a.Integrations[r.Integration]; in != nil {
			integ = in.Type
			switch in.Type {
			case apimodel.HTTPIntegrationLambda:
				v := in.PayloadFormatVersion
				if v == "" {
					v = apimodel.PayloadFormat2
				}
				integ += " " + in.Function + " (payload " + v + ")"
			case apimodel.HTTPIntegrationHTTP:
				integ += " " + in.URI
			}
		}
		out = append(out, strings.TrimRight(fmt.Sprintf("%-36s %-28s %s", r.RouteKey, auth, integ), " "))
	}
	return out
}
