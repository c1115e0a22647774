// The authorization step of a method, in API Gateway's order (docs/behaviour.md#PIPE-1, docs/behaviour.md#RP-2):
//
//  1. Resource policy pre-check. With a Lambda authorizer only an explicit
//     Deny is looked for, and it denies before the authorizer is called.
//  2. The method's authorization: NONE, AWS_IAM (SigV4 against the
//     configured identities, then their identity policies), CUSTOM (the
//     Lambda authorizer and its policy) or COGNITO_USER_POOLS (the token).
//  3. The combined decision: the identity side (IAM policies, or the
//     Lambda authorizer's policy) and the resource policy merged with
//     policy.Combine, Table A when caller and API share an account (always
//     for Lambda authorizers), Table B across accounts. A Cognito
//     authorizer returns no policy, so with a resource policy attached it
//     counts as "Neither" and the resource policy must allow explicitly, as
//     AWS's prose for Cognito says; this also satisfies Table A. NONE
//     methods are the same: an attached resource policy must allow.
//  4. The API key and usage plan.
//
// Every step logs what it decided and which document and statement decided
// it, so that every denial can be explained.

package authorizer

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/decision"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/policy"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
	"github.com/portcullis-gateway/portcullis/internal/sigv4"
)

// APIAuthorizers is the authorization of one API, shared by its methods:
// the compiled resource policy, API keys, SigV4 verifier and authorizers.
type APIAuthorizers struct {
	api      *apimodel.API
	opts     Options
	resource *policy.Document
	keys     *keyRing
	iam      *iamAuth
	store    *iamStore
	lambdas  map[string]*Lambda
	// quiet stands in for the logger when INFO lines would be dropped.
	quiet *slog.Logger
}

// NewAPI compiles what the methods of api share. A resource policy that
// does not parse is an error: the API is refused, never served open.
func NewAPI(api *apimodel.API, opts Options) (*APIAuthorizers, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	a := &APIAuthorizers{api: api, opts: opts, lambdas: map[string]*Lambda{}, quiet: slog.New(slog.DiscardHandler)}
	if len(api.ResourcePolicy) > 0 {
		doc, err := policy.ParseResourcePolicy(api.ResourcePolicy, api.Region, api.AccountID, api.ID)
		if err != nil {
			return nil, fmt.Errorf("resource policy: %w", err)
		}
		for _, w := range doc.Warnings() {
			opts.Logger.Warn("resource policy of API "+api.LogicalID+": "+w, "api", api.ID)
		}
		a.resource = doc
	}
	keys, err := newKeyRing(api, opts.APIKeys)
	if err != nil {
		return nil, err
	}
	a.keys = keys
	store, err := newIAMStore(opts.Identities)
	if err != nil {
		return nil, err
	}
	a.store = store
	return a, nil
}

// iamStep returns the API's SigV4 step, built for its first AWS_IAM method.
func (a *APIAuthorizers) iamStep() (*iamAuth, error) {
	if a.iam != nil {
		return a.iam, nil
	}
	v, err := sigv4.New(sigv4.Options{Region: a.api.Region, Keys: a.store, Clock: a.opts.Now})
	if err != nil {
		return nil, err
	}
	if len(a.store.byKey) == 0 {
		a.opts.Logger.Warn("API " + a.api.LogicalID + " has AWS_IAM methods but no identities are configured: every signed request will be refused as an unknown access key (add identities to the --config file)")
	}
	a.iam = &iamAuth{verifier: v, store: a.store}
	return a.iam, nil
}

// Chain is the authorization step of one method. It implements the
// gateway's Authorizer.
type Chain struct {
	a     *APIAuthorizers
	m     *apimodel.Method
	label string
	kind  string
	// disabled names the authorizer --disable-authorizer removed.
	disabled string
	lambda   *Lambda
	cog      *cognitoAuth
	keys     *apiKeyCheck
}

// Method compiles the authorization step of m, the method label being "VERB
// /path". It returns nil when the method has nothing to check: authorization
// NONE, no resource policy and no API key.
func (a *APIAuthorizers) Method(m *apimodel.Method, label string) (*Chain, error) {
	c := &Chain{a: a, m: m, label: label, kind: m.AuthorizationType}
	if c.kind == "" {
		c.kind = apimodel.AuthNone
	}
	if a.opts.DisableAuthorizers && (c.kind == apimodel.AuthCustom || c.kind == apimodel.AuthCognito) {
		// SAM CLI's --disable-authorizer: the method is served as NONE. The
		// resource policy and API keys still apply.
		c.disabled = m.AuthorizerID
		c.kind = apimodel.AuthNone
		a.opts.Logger.Warn("INSECURE: --disable-authorizer: API " + a.api.LogicalID + " " + label + " is served without its authorizer " + m.AuthorizerID + "; every caller is let through")
	}
	switch c.kind {
	case apimodel.AuthNone:
	case apimodel.AuthIAM:
		if _, err := a.iamStep(); err != nil {
			return nil, err
		}
	case apimodel.AuthCustom:
		az := a.api.Authorizers[m.AuthorizerID]
		if az == nil {
			return nil, fmt.Errorf("authorizer %q is not defined", m.AuthorizerID)
		}
		l := a.lambdas[az.ID]
		if l == nil {
			var fn *apimodel.Function
			if a.opts.Functions != nil {
				fn = a.opts.Functions(az.Function, az.FunctionARN)
			}
			var err error
			if l, err = NewLambda(a.api, az, fn, a.opts); err != nil {
				return nil, err
			}
			a.lambdas[az.ID] = l
		}
		c.lambda = l
	case apimodel.AuthCognito:
		az := a.api.Authorizers[m.AuthorizerID]
		if az == nil {
			return nil, fmt.Errorf("authorizer %q is not defined", m.AuthorizerID)
		}
		if az.Type != apimodel.AuthorizerCognito {
			return nil, fmt.Errorf("authorizer %s is of type %s, not COGNITO_USER_POOLS", az.ID, az.Type)
		}
		cog, err := newCognitoAuth(a.api, az, m, a.opts)
		if err != nil {
			return nil, err
		}
		c.cog = cog
	default:
		return nil, fmt.Errorf("authorization type %s is not supported", m.AuthorizationType)
	}
	if m.APIKeyRequired {
		c.keys = &apiKeyCheck{ring: a.keys, label: label, limiter: a.opts.Limiter, quota: a.opts.Quota, now: a.opts.Now}
	}
	if c.kind == apimodel.AuthNone && a.resource == nil && c.keys == nil && c.disabled == "" {
		return nil, nil
	}
	return c, nil
}

// Authorize runs the method's authorization step for r. On success it sets
// r.Authorizer (CUSTOM, COGNITO_USER_POOLS) or r.Identity (AWS_IAM, API
// key); otherwise it returns the *gwresponse.Error to answer with.
func (c *Chain) Authorize(ctx context.Context, r *reqctx.Request) error {
	log := requestLogger(ctx, c.a.opts.Logger, c.a.quiet, r)
	if c.disabled != "" {
		c.a.opts.Logger.Warn("INSECURE: authorizer "+c.disabled+" disabled by --disable-authorizer: "+c.label+" served without authorization", "requestId", r.ID)
		if tr := decision.From(ctx); tr != nil {
			tr.Line(slog.LevelWarn, "INSECURE: authorizer "+c.disabled+" disabled by --disable-authorizer: "+c.label+" served without authorization")
			tr.Step(decision.Step{Name: decision.StepAuthorizer, Outcome: decision.Error, Summary: "authorizer " + c.disabled + " disabled (--disable-authorizer)"})
		}
	}
	var err error
	switch c.kind {
	case apimodel.AuthNone:
		err = c.none(r, log, decision.From(ctx))
	case apimodel.AuthCustom:
		err = c.custom(ctx, r, log)
	case apimodel.AuthCognito:
		err = c.cognito(ctx, r, log)
	case apimodel.AuthIAM:
		err = c.awsIAM(r, log, decision.From(ctx))
	}
	if err != nil {
		return err
	}
	if c.keys != nil {
		return c.keys.check(ctx, r, log)
	}
	if log.Enabled(ctx, slog.LevelDebug) {
		log.Debug(fmt.Sprintf("API Key authorized because method '%s' does not require API Key. Request will not contribute to throttle or quota limits", c.label))
	}
	return nil
}

// evalResource decides r against the resource policy for caller (nil for
// everyone but IAM callers) and logs the decision.
func (c *Chain) evalResource(r *reqctx.Request, caller *iamCaller, phase string, log *slog.Logger, tr *decision.Trace) policy.Decision {
	req := &policy.Request{Action: policy.ActionInvoke, Resource: r.MethodARN, Context: conditionContext(r, caller)}
	if caller != nil {
		req.Principal = caller.principal()
	}
	dec := c.a.resource.Evaluate(req)
	info(log, decision.Enabled(context.Background(), log, slog.LevelInfo), tr,
		decision.Textf(resourcePolicyLine(phase), decision.Str(dec.Effect.String()), decision.Reason(dec), decision.Str(r.MethodARN)))
	if tr != nil {
		recordPolicy(tr, "resource policy %s: %s (%s)", phase, c.a.api.ResourcePolicy, "", dec, r.MethodARN)
	}
	return dec
}

// resourcePolicyLine is the execution-log sentence of a resource policy
// phase, a constant for the phases the chain runs.
func resourcePolicyLine(phase string) string {
	switch phase {
	case "pre-check":
		return "Resource policy pre-check: %s: %s for %s"
	case "decision":
		return "Resource policy decision: %s: %s for %s"
	}
	return "Resource policy " + phase + ": %s: %s for %s"
}

// anonymousDenied is the 403 of a resource policy denying a caller that is
// not an IAM principal (docs/behaviour.md#GWR-1, docs/behaviour.md#RP-2).
func anonymousDenied(r *reqctx.Request, effect policy.Effect, why string, log *slog.Logger) error {
	log.Info("The client is not authorized to perform this operation.")
	return gwresponse.Errorf(gwresponse.AccessDenied, policy.InvokeDenyMessage("", r.MethodARN, effect), "%s", why)
}

// none: a resource policy alone must allow explicitly.
func (c *Chain) none(r *reqctx.Request, log *slog.Logger, tr *decision.Trace) error {
	if c.a.resource == nil {
		return nil
	}
	dec := c.evalResource(r, nil, "decision", log, tr)
	if dec.Effect != policy.Allow {
		return anonymousDenied(r, dec.Effect, "resource policy: "+dec.Reason()+"; a method without authorization needs an explicit Allow", log)
	}
	return nil
}

// custom: explicit-deny pre-check, the Lambda authorizer, then Table A.
func (c *Chain) custom(ctx context.Context, r *reqctx.Request, log *slog.Logger) error {
	var rp policy.Decision
	if c.a.resource != nil {
		rp = c.evalResource(r, nil, "pre-check", log, decision.From(ctx))
		if rp.Effect == policy.ExplicitDeny {
			log.Info("Explicit deny in the resource policy: the authorizer is not called")
			return anonymousDenied(r, policy.ExplicitDeny, "resource policy pre-check: "+rp.Reason(), log)
		}
	}
	out, err := c.lambda.decide(ctx, r, log)
	if err != nil {
		return err
	}
	effect := out.dec.Effect
	if c.a.resource != nil {
		// The authorizer and the API live in the same account (Table A).
		combined := policy.Combine(effect, rp.Effect, true)
		info(log, decision.Enabled(ctx, log, slog.LevelInfo), decision.From(ctx), decision.Textf("Combined decision (same account): authorizer %s, resource policy %s: %s",
			decision.Str(effect.String()), decision.Str(rp.Effect.String()), decision.Str(combined.String())))
		effect = combined
	}
	if effect != policy.Allow {
		return c.lambda.deny(r, out, effect, log)
	}
	c.lambda.commit(r, out)
	return nil
}

// cognito: the token, then a resource policy must allow explicitly.
func (c *Chain) cognito(ctx context.Context, r *reqctx.Request, log *slog.Logger) error {
	ac, err := c.cog.authenticate(ctx, r, log)
	if err != nil {
		return err
	}
	tr := decision.From(ctx)
	if c.a.resource != nil {
		dec := c.evalResource(r, nil, "decision", log, tr)
		if dec.Effect != policy.Allow {
			return anonymousDenied(r, dec.Effect, "resource policy: "+dec.Reason()+"; a Cognito-authorized method needs an explicit Allow", log)
		}
	}
	r.Authorizer = ac
	return nil
}

// awsIAM: SigV4, the caller's identity policies and the resource policy,
// Table A in the API's account, Table B from another.
func (c *Chain) awsIAM(r *reqctx.Request, log *slog.Logger, tr *decision.Trace) error {
	caller, err := c.a.iam.authenticate(r, log)
	if err != nil {
		return err
	}
	req := &policy.Request{Action: policy.ActionInvoke, Resource: r.MethodARN, Principal: caller.principal(), Context: conditionContext(r, caller)}
	id := policy.Evaluate(caller.docs, req)
	where := ""
	if id.Document >= 0 {
		where = " in " + caller.policyName(id.Document)
	}
	log.Info(fmt.Sprintf("Identity policy decision: %s: %s%s for %s", id.Effect, id.Reason(), where, r.MethodARN))
	effect := id.Effect
	if c.a.resource != nil {
		rp := c.evalResource(r, caller, "decision", log, tr)
		same := caller.id.AccountID == c.a.api.AccountID
		effect = policy.Combine(id.Effect, rp.Effect, same)
		table := "same account, Table A"
		if !same {
			table = "account " + caller.id.AccountID + " calling account " + c.a.api.AccountID + ", Table B"
		}
		log.Info(fmt.Sprintf("Combined decision (%s): identity policies %s, resource policy %s: %s", table, id.Effect, rp.Effect, effect))
	} else if caller.id.AccountID != c.a.api.AccountID && effect == policy.Allow {
		// Across accounts both sides must allow (Table B); without a
		// resource policy nothing grants the other account access.
		log.Info(fmt.Sprintf("Combined decision (account %s calling account %s, Table B): the API has no resource policy: ImplicitDeny", caller.id.AccountID, c.a.api.AccountID))
		effect = policy.ImplicitDeny
	}
	if effect != policy.Allow {
		log.Info("The client is not authorized to perform this operation.")
		return gwresponse.Errorf(gwresponse.AccessDenied, policy.InvokeDenyMessage(caller.id.ARN, r.MethodARN, effect),
			"IAM caller %s: %s", caller.id.ARN, id.Reason())
	}
	caller.identity(r)
	return nil
}

// conditionContext supplies the condition keys of docs/behaviour.md#RP-4 that a local
// request carries: the global ones for every caller and the principal keys
// for IAM callers. Keys arrive lower-cased.
func conditionContext(r *reqctx.Request, caller *iamCaller) policy.ConditionContext {
	return policy.ContextFunc(func(key string) ([]string, bool) {
		switch key {
		case "aws:sourceip":
			if r.SourceIP == "" {
				return nil, false
			}
			return []string{r.SourceIP}, true
		case "aws:securetransport":
			return []string{strconv.FormatBool(r.Secure)}, true
		case "aws:currenttime":
			return []string{r.Time.UTC().Format(time.RFC3339)}, true
		case "aws:epochtime":
			return []string{strconv.FormatInt(r.Time.Unix(), 10)}, true
		case "aws:useragent":
			return header(r, "User-Agent")
		case "aws:referer":
			return header(r, "Referer")
		}
		if caller == nil {
			return nil, false
		}
		switch key {
		case "aws:principalarn":
			return []string{caller.id.ARN}, true
		case "aws:principalaccount":
			return []string{caller.id.AccountID}, true
		case "aws:principaltype":
			return []string{caller.kind}, caller.kind != ""
		case "aws:userid":
			return []string{caller.userID}, true
		case "aws:username":
			return []string{caller.username}, caller.username != ""
		}
		return nil, false
	})
}

func header(r *reqctx.Request, name string) ([]string, bool) {
	v, ok := r.HeaderValue(name)
	if !ok {
		return nil, false
	}
	return []string{v}, true
}

// CallerMayInvoke checks, for an integration that runs with the caller's
// credentials (CallerCredentials), that the caller's own identity policies
// allow lambda:InvokeFunction on functionARN. API Gateway calls Lambda as
// the caller there, so a caller whose policies allow execute-api:Invoke but
// not the function gets 500 {"message":"Internal server error"}, with
// "Execution failed due to configuration error: Invalid permissions on
// Lambda function" in the execution log (AWS Knowledge Center: "How do I
// resolve "Invalid permissions on Lambda function" errors from API Gateway
// REST APIs?"; the access log reports API_CONFIGURATION_ERROR).
func (a *APIAuthorizers) CallerMayInvoke(r *reqctx.Request, functionARN string) error {
	log := a.opts.Logger.With("requestId", r.ID)
	fail := func(why string) error {
		log.Info("Sending request to https://lambda." + a.api.Region + ".amazonaws.com/2015-03-31/functions/" + functionARN + "/invocations")
		log.Info("Execution failed due to configuration error: Invalid permissions on Lambda function")
		log.Info("The integration runs with the caller's credentials (" + CallerCredentials + "): " + why)
		return gwresponse.Errorf(gwresponse.APIConfigurationError, "Internal server error", "Invalid permissions on Lambda function: %s", why)
	}
	caller := a.store.byKey[r.Identity.AccessKey]
	if r.Identity.AccessKey == "" || caller == nil {
		return fail("the request has no IAM caller whose credentials could invoke " + functionARN)
	}
	dec := policy.Evaluate(caller.docs, &policy.Request{Action: ActionLambdaInvoke, Resource: functionARN, Principal: caller.principal(), Context: conditionContext(r, caller)})
	if dec.Effect != policy.Allow {
		return fail(fmt.Sprintf("no identity policy of %s allows %s on %s (%s)", caller.id.ARN, ActionLambdaInvoke, functionARN, dec.Reason()))
	}
	log.Info(fmt.Sprintf("Caller %s may invoke %s: %s in %s", caller.id.ARN, functionARN, dec.Reason(), caller.policyName(dec.Document)))
	return nil
}
