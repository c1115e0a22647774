package server

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/authorizer"
	"github.com/portcullis-gateway/portcullis/internal/cognito"
	"github.com/portcullis-gateway/portcullis/internal/config"
	"github.com/portcullis-gateway/portcullis/internal/gateway"
	"github.com/portcullis-gateway/portcullis/internal/integration"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// compiler builds what the gateway needs per method from the model: the
// authorization step and the AWS_PROXY integration.
type compiler struct {
	model   *apimodel.Model
	invoker integration.Invoker
	auth    authorizer.Options
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
// authorizer and API key (spec §1 steps 3–6), nil when there is nothing to
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
	fn := c.function(in.Function, "")
	if fn == nil && in.Function == "" {
		fn = c.function("", lambdaARNFromURI(in.URI))
	}
	lp, err := integration.NewLambdaProxy(api, in, fn, c.invoker)
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

// lambdaARNFromURI extracts the function ARN of an API Gateway Lambda
// invocation URI (arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/ARN/invocations).
func lambdaARNFromURI(uri string) string {
	_, after, ok := strings.Cut(uri, "/functions/")
	if !ok {
		return ""
	}
	arn, _, _ := strings.Cut(after, "/invocations")
	return arn
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
