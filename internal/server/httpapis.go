package server

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/config"
	"github.com/portcullis-gateway/portcullis/internal/httpapi"
	"github.com/portcullis-gateway/portcullis/internal/lambdaevent"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
	"github.com/portcullis-gateway/portcullis/internal/sigv4"
)

// httpIdentities are the --config identities as the HTTP API pipeline
// reads them: the secret of an access key for SigV4, and the caller for
// requestContext.authorizer.iam.
type httpIdentities map[string]config.Identity

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

var (
	_ sigv4.KeyStore        = httpIdentities(nil)
	_ httpapi.IAMIdentities = httpIdentities(nil)
)

// compileHTTPAPIs compiles every HTTP API of m over the function runtime
// inv (nil when only checking, as validate does), the shared authorizer
// cache and the --config identities.
func (s *Server) compileHTTPAPIs(m *apimodel.Model, inv httpapi.Invoker) ([]*httpapi.API, error) {
	ids := httpIdentities{}
	if s.authz != nil {
		resolved, _, err := s.authz.file.Resolve(m)
		if err != nil {
			return nil, err
		}
		for _, id := range resolved {
			ids[id.AccessKeyID] = config.Identity{AccessKeyID: id.AccessKeyID, SecretAccessKey: id.SecretAccessKey,
				SessionToken: id.SessionToken, ARN: id.ARN, AccountID: id.AccountID, UserID: id.UserID}
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
		for _, au := range a.Authorizers {
			if au.Type == apimodel.HTTPAuthorizerJWT {
				// No JWT verifier is wired yet: such routes answer 500
				// (fail closed), never reach the integration.
				s.log.Warn(fmt.Sprintf("HTTP API %s: JWT authorizer %s (issuer %s) cannot verify tokens yet: its routes answer 500 Internal Server Error", a.LogicalID, au.Name, au.Issuer))
			}
		}
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
