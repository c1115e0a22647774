package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/authorizer"
	"github.com/portcullis-gateway/portcullis/internal/cognito"
	"github.com/portcullis-gateway/portcullis/internal/config"
	"github.com/portcullis-gateway/portcullis/internal/function"
	"github.com/portcullis-gateway/portcullis/internal/gateway"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/integration"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
	"github.com/portcullis-gateway/portcullis/internal/router"
)

// compiler builds what the gateway needs per method from the model: the
// authorization step and the AWS_PROXY integration.
type compiler struct {
	model   *apimodel.Model
	invoker integration.Invoker
	// services sends AWS service integration requests.
	services integration.ServiceCaller
	auth     authorizer.Options
	// err is a configuration problem (an identity naming a role the model
	// lacks); every method then fails to compile with it.
	err error
	// apis holds what the methods of each API share.
	apis map[*apimodel.API]*authorizer.APIAuthorizers
}

var _ gateway.Compiler = (*compiler)(nil)

// newCompiler prepares the compilation of model m. authz is the --config
// file's contribution (nil without one); limiter, when it also counts
// quotas, enforces usage plans.
func newCompiler(m *apimodel.Model, inv integration.Invoker, auth authorizer.Options, authz *authorization, limiter gateway.Limiter) *compiler {
	c := &compiler{model: m, invoker: inv, auth: auth, apis: map[*apimodel.API]*authorizer.APIAuthorizers{}}
	c.auth.Functions = c.function
	if limiter != nil {
		c.auth.Limiter = limiter
		if q, ok := limiter.(authorizer.Quota); ok {
			c.auth.Quota = q
		}
	}
	if authz != nil {
		c.err = authz.apply(m, &c.auth)
	}
	return c
}

// function resolves a function by logical id or, for one given by ARN
// only, makes it a remote function (spec: an authorizer outside the
// template is invoked on AWS Lambda).
func (c *compiler) function(logicalID, arn string) *apimodel.Function {
	if logicalID != "" {
		return c.model.Functions[logicalID]
	}
	if arn == "" {
		return nil
	}
	for _, f := range c.model.Functions {
		if f.ARN == arn {
			return f
		}
	}
	name := arn
	if i := strings.LastIndex(arn, ":function:"); i >= 0 {
		name = arn[i+len(":function:"):]
	}
	return &apimodel.Function{LogicalID: name, Name: name, ARN: arn, Remote: true}
}

func (c *compiler) api(api *apimodel.API) (*authorizer.APIAuthorizers, error) {
	if c.err != nil {
		return nil, c.err
	}
	if a := c.apis[api]; a != nil {
		return a, nil
	}
	a, err := authorizer.NewAPI(api, c.auth)
	if err != nil {
		return nil, err
	}
	c.apis[api] = a
	return a, nil
}

// Authorizer returns the method's authorization step: resource policy,
// authorizer and API key (docs/behaviour.md#PIPE-1), nil when there is nothing to
// check.
func (c *compiler) Authorizer(api *apimodel.API, m *apimodel.Method) (gateway.Authorizer, error) {
	a, err := c.api(api)
	if err != nil {
		return nil, err
	}
	ch, err := a.Method(m, methodLabel(api, m))
	if err != nil || ch == nil {
		return nil, err
	}
	return ch, nil
}

// methodLabel is "VERB /path" of m, for the execution log.
func methodLabel(api *apimodel.API, m *apimodel.Method) string {
	for _, r := range api.Resources {
		for v, mm := range r.Methods {
			if mm == m {
				return v + " " + r.Path
			}
		}
	}
	return m.HTTPMethod
}

func (c *compiler) LambdaProxy(api *apimodel.API, r *apimodel.Resource, m *apimodel.Method) (integration.Integration, error) {
	in := m.Integration
	if in.Type == apimodel.IntegrationAWS && !strings.Contains(in.URI, ":lambda:path/") {
		return integration.NewAWSService(in, integration.RouteOf(api, r), c.services)
	}
	fn := c.function(in.Function, "")
	if fn == nil && in.Function == "" {
		arn, _ := apimodel.ParseLambdaURI(in.URI)
		fn = c.function("", arn)
	}
	var lp integration.Integration
	var err error
	if in.Type == apimodel.IntegrationAWS {
		lp, err = integration.NewLambda(in, integration.RouteOf(api, r), fn, c.invoker)
	} else {
		lp, err = integration.NewLambdaProxy(api, in, fn, c.invoker)
	}
	if err != nil {
		return nil, err
	}
	if in.Credentials != authorizer.CallerCredentials {
		return lp, nil
	}
	a, err := c.api(api)
	if err != nil {
		return nil, err
	}
	return &callerCredentials{next: lp, check: a, functionARN: fn.ARN}, nil
}

// callerCredentials is an AWS_PROXY integration that runs with the
// caller's own credentials (SAM writes arn:aws:iam::*:user/* for AWS_IAM
// methods without an InvokeRole): API Gateway invokes the function as the
// caller, whose policies must allow lambda:InvokeFunction on it.
type callerCredentials struct {
	next        integration.Integration
	check       *authorizer.APIAuthorizers
	functionARN string
}

func (c *callerCredentials) Invoke(ctx context.Context, r *reqctx.Request) (*integration.Response, error) {
	if err := c.check.CallerMayInvoke(r, c.functionARN); err != nil {
		return nil, err
	}
	return c.next.Invoke(ctx, r)
}

// authorization is what the --config file adds to authorization: IAM
// identities, Cognito key sources and API keys.
type authorization struct {
	file    *config.File
	cognito *cognito.Verifier
}

// loadAuthorization reads the configuration file at path ("" for none)
// and starts the Cognito key sources the model's authorizers need. It
// checks the identities against m and logs what cannot be honoured.
func loadAuthorization(ctx context.Context, path string, m *apimodel.Model, log *slog.Logger) (*authorization, error) {
	a := &authorization{file: &config.File{}}
	if path != "" {
		f, err := config.Load(path)
		if err != nil {
			return nil, err
		}
		a.file = f
	}
	_, warnings, err := a.file.Resolve(m)
	if err != nil {
		return nil, err
	}
	for _, w := range warnings {
		log.Warn(w)
	}
	configured := map[string]bool{}
	for _, p := range a.file.Cognito.UserPools {
		configured[p.ARN] = true
	}
	needed := false
	for _, api := range m.APIs {
		for _, az := range api.Authorizers {
			if az.Type != apimodel.AuthorizerCognito {
				continue
			}
			needed = true
			for _, arn := range az.ProviderARNs {
				if !configured[arn] {
					log.Warn(fmt.Sprintf("user pool %s of authorizer %s has no key source: its tokens are answered with 500 AUTHORIZER_FAILURE; configure it under cognito.userPools of --config (local: true trusts tokens from portcullis token)", arn, az.ID))
					configured[arn] = true
				}
			}
		}
	}
	if !needed && len(a.file.Cognito.UserPools) == 0 {
		return a, nil
	}
	opts := cognito.Options{Logger: log}
	for _, p := range a.file.Cognito.UserPools {
		opts.Pools = append(opts.Pools, cognito.PoolConfig(p))
	}
	for _, p := range a.file.Cognito.UserPools {
		if p.Local {
			key, err := cognito.LoadOrCreateLocalKey(a.file.Cognito.LocalKeyFile)
			if err != nil {
				return nil, err
			}
			opts.LocalKey = key
			break
		}
	}
	v, err := cognito.New(ctx, opts)
	if err != nil {
		return nil, err
	}
	a.cognito = v
	return a, nil
}

// apply adds the configuration to the authorizer options for model m.
func (a *authorization) apply(m *apimodel.Model, o *authorizer.Options) error {
	ids, _, err := a.file.Resolve(m)
	if err != nil {
		return err
	}
	o.Identities = nil
	for _, id := range ids {
		out := authorizer.IAMIdentity{AccessKeyID: id.AccessKeyID, SecretAccessKey: id.SecretAccessKey, SessionToken: id.SessionToken,
			ARN: id.ARN, AccountID: id.AccountID, UserID: id.UserID}
		for _, p := range id.Policies {
			out.Policies = append(out.Policies, authorizer.NamedPolicy(p))
		}
		o.Identities = append(o.Identities, out)
	}
	o.APIKeys = nil
	for _, k := range a.file.APIKeys {
		o.APIKeys = append(o.APIKeys, authorizer.APIKey(k))
	}
	if a.cognito != nil {
		o.Cognito = a.cognito
	}
	return nil
}

// close stops the JWKS refreshes.
func (a *authorization) close() {
	if a != nil && a.cognito != nil {
		a.cognito.Close()
	}
}

// compileModel runs, method by method, every step gateway.New runs when it
// compiles a model (routing tree, gateway responses, stages, each method's
// authorization and integration) and returns every failure positioned at
// the model node it concerns. serve runs it before gateway.New, and validate
// runs it in place of starting anything, so a definition that validates is
// one that serve compiles, and a compile error always says file:line:col.
func compileModel(m *apimodel.Model, comp gateway.Compiler, mountStage, file string) apimodel.Errors {
	var errs apimodel.Errors
	// A problem of the whole API (its resource policy, say) surfaces at
	// every method's compile; it is reported once, at the first.
	seen := map[string]bool{}
	add := func(pos apimodel.Pos, api *apimodel.API, path string, err error) {
		if key := api.LogicalID + "\x00" + err.Error(); !seen[key] {
			seen[key] = true
			errs = append(errs, apimodel.Diagnostic{Pos: pos, LogicalID: api.LogicalID, Path: path, Message: err.Error()})
		}
	}
	if served := servedModel(m); len(served.APIs) == 0 && len(m.HTTPAPIs) == 0 {
		return apimodel.Errors{{Pos: apimodel.Pos{File: file, Line: 1, Col: 1}, Message: nothingToServe(m)}}
	}
	upstream := integration.NewUpstream()
	for _, a := range m.APIs {
		if _, err := router.New(a.Resources); err != nil {
			add(a.Pos, a, "", err)
		}
		if _, err := gwresponse.Compile(a); err != nil {
			add(a.Pos, a, "", err)
		}
		if mountStage != "" && !slices.ContainsFunc(a.Stages, func(s *apimodel.Stage) bool { return s.Name == mountStage }) {
			add(a.Pos, a, "", fmt.Errorf("the API has no stage %q (--stage)", mountStage))
		}
		for _, r := range a.Resources {
			for _, verb := range slices.Sorted(maps.Keys(r.Methods)) {
				me := r.Methods[verb]
				pos, label := cmp.Or(me.Pos, r.Pos, a.Pos), verb+" "+r.Path
				needsAuth := me.AuthorizationType != "" && me.AuthorizationType != apimodel.AuthNone
				az, err := comp.Authorizer(a, me)
				switch {
				case err != nil:
					add(pos, a, label, err)
				case needsAuth && az == nil:
					add(pos, a, label, fmt.Errorf("authorization %s cannot be enforced", me.AuthorizationType))
				}
				in := me.Integration
				if in == nil {
					add(pos, a, label, errors.New("the method has no integration"))
					continue
				}
				ipos := cmp.Or(in.Pos, pos)
				_, err = gateway.CompileIntegration(a, r, me, comp, upstream)
				if err != nil {
					add(ipos, a, label, err)
				}
			}
		}
	}
	if len(errs) == 0 {
		return nil
	}
	slices.SortStableFunc(errs, func(x, y apimodel.Diagnostic) int {
		return cmp.Or(cmp.Compare(x.Pos.File, y.Pos.File), cmp.Compare(x.Pos.Line, y.Pos.Line), cmp.Compare(x.Pos.Col, y.Pos.Col))
	})
	return errs
}

// servedModel is m without the APIs no request can reach: an API that has
// no stage deploys on AWS but serves nothing (the loader warns about it),
// so it is left out of the gateway instead of stopping it.
func servedModel(m *apimodel.Model) *apimodel.Model {
	served := *m
	served.APIs = slices.DeleteFunc(slices.Clone(m.APIs), func(a *apimodel.API) bool { return len(a.Stages) == 0 })
	return &served
}

// nothingToServe is the sentence serve and validate end with when the
// definition deploys no REST or HTTP API: what was found instead, so that
// a template missing its Transform says so.
func nothingToServe(m *apimodel.Model) string {
	var found []string
	if n := len(m.APIs); n > 0 {
		found = append(found, fmt.Sprintf("%d REST API(s) without a stage (%s)", n, strings.Join(apiNames(m.APIs), ", ")))
	}
	var local []string
	for id, f := range m.Functions {
		if !f.Remote {
			local = append(local, id)
		}
	}
	if len(local) > 0 {
		slices.Sort(local)
		found = append(found, fmt.Sprintf("%d function(s) (%s) that no API invokes", len(local), strings.Join(local, ", ")))
	}
	ignored := len(m.Ignored)
	if ignored > 0 {
		found = append(found, fmt.Sprintf("%d resource(s) Portcullis does not emulate", ignored))
	}
	if len(found) == 0 {
		return "nothing to serve: the definition deploys no REST or HTTP API and holds nothing else"
	}
	return "nothing to serve: the definition deploys no REST or HTTP API; it has " + strings.Join(found, ", ")
}

func apiNames(apis []*apimodel.API) []string {
	out := make([]string, len(apis))
	for i, a := range apis {
		out[i] = a.LogicalID
	}
	return out
}

// compile checks that m compiles (compileModel) and that the functions its
// APIs invoke can run (functionProblems), and returns the model the gateway
// serves with the function warnings.
func (s *Server) compile(m *apimodel.Model, comp gateway.Compiler) (*apimodel.Model, []apimodel.Diagnostic, error) {
	errs := compileModel(m, comp, s.cfg.Stage, s.cfg.DefinitionPath)
	served := servedModel(m)
	warns, fatal := functionProblems(served, function.CheckOptions{})
	if errs = append(errs, fatal...); len(errs) > 0 {
		return nil, warns, errs
	}
	return served, warns, nil
}

// functionProblems checks, before the first request, every local function
// the served APIs invoke (integrations and authorizers): runtime, handler
// module and function, interpreter presence and version (issue 12). Each
// problem is positioned at the function's declaration.
func functionProblems(m *apimodel.Model, o function.CheckOptions) (warns []apimodel.Diagnostic, errs apimodel.Errors) {
	used := map[string]bool{}
	for _, a := range m.APIs {
		for _, az := range a.Authorizers {
			used[az.Function] = true
		}
		for _, r := range a.Resources {
			for _, me := range r.Methods {
				if in := me.Integration; in != nil && in.Type == apimodel.IntegrationAWSProxy {
					used[in.Function] = true
				}
			}
		}
	}
	for _, a := range m.HTTPAPIs {
		for _, az := range a.Authorizers {
			if az.Function != "" {
				used[az.Function] = true
			}
		}
		for _, in := range a.Integrations {
			if in.Function != "" {
				used[in.Function] = true
			}
		}
	}
	ch := function.NewChecker(o)
	for _, id := range slices.Sorted(maps.Keys(used)) {
		fn := m.Functions[id]
		if fn == nil {
			continue
		}
		for _, p := range ch.Check(fn) {
			d := apimodel.Diagnostic{Pos: fn.Pos, LogicalID: fn.LogicalID, Message: p.Message}
			if p.Fatal {
				errs = append(errs, d)
			} else {
				warns = append(warns, d)
			}
		}
	}
	return warns, errs
}
