package authorizer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/authcache"
	"github.com/portcullis-gateway/portcullis/internal/decision"
	"github.com/portcullis-gateway/portcullis/internal/function"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/lambdaevent"
	"github.com/portcullis-gateway/portcullis/internal/policy"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// DefaultTimeout bounds one authorizer invocation (docs/behaviour.md#DEC-AUTHORIZER-TIMEOUT).
const DefaultTimeout = 10 * time.Second

// Invoker runs a function.
type Invoker interface {
	Invoke(ctx context.Context, fn *apimodel.Function, payload []byte) (function.Result, error)
}

// Cache is the result cache (authcache.Memory or authcache.Redis).
type Cache interface {
	Get(ctx context.Context, key authcache.Key, ttl time.Duration, fill authcache.FillFunc) (authcache.Entry, bool, error)
}

// Observer counts authorizer invocations and decisions (metrics).
type Observer interface {
	AuthorizerInvoked(api, authorizer string, d time.Duration, err error)
}

// Options are what every authorizer of a gateway shares.
type Options struct {
	// Invoker runs Lambda authorizer functions; nil refuses CUSTOM methods.
	Invoker Invoker
	// Cache holds Lambda and Cognito results; nil disables caching for
	// every authorizer.
	Cache  Cache
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Timeout bounds an invocation; 0 means DefaultTimeout.
	Timeout  time.Duration
	Observer Observer

	// Functions resolves an authorizer's function by logical id or, when
	// the id is empty, by ARN; nil resolves nothing (CUSTOM methods are
	// refused).
	Functions func(logicalID, arn string) *apimodel.Function
	// Identities are the callers AWS_IAM methods accept; none means every
	// signed request is answered with an unknown key.
	Identities []IAMIdentity
	// Cognito verifies user pool tokens; nil refuses COGNITO_USER_POOLS
	// methods.
	Cognito TokenVerifier
	// APIKeys are keys from the configuration, added to the template's.
	APIKeys []APIKey
	// Limiter enforces usage-plan rate and burst; nil disables it.
	Limiter Limiter
	// Quota counts usage-plan quotas; nil disables them.
	Quota Quota
	// Mocks stand in for Lambda authorizer invocations; nil invokes the
	// functions.
	Mocks *Mocks
	// DisableAuthorizers serves CUSTOM and COGNITO_USER_POOLS methods
	// without their authorizer (SAM CLI's --disable-authorizer): insecure,
	// and logged as such.
	DisableAuthorizers bool
}

// Lambda is one compiled TOKEN or REQUEST authorizer attached to one API.
type Lambda struct {
	opts    Options
	api     *apimodel.API
	auth    *apimodel.Authorizer
	fn      *apimodel.Function
	sources []identitySource
	// validation is identityValidationExpression, anchored (docs/behaviour.md#DEC-VALIDATION-ANCHORED).
	validation *regexp.Regexp
	ttl        time.Duration
	event      lambdaevent.Context
	endpoint   string
	// quiet stands in for the logger when it would drop the execution log,
	// so that the cached path formats no log lines (see requestLogger).
	quiet *slog.Logger
}

// NewLambda compiles a Lambda authorizer of api. fn is the function it
// invokes; an authorizer whose function cannot be resolved is refused here,
// never served open.
func NewLambda(api *apimodel.API, a *apimodel.Authorizer, fn *apimodel.Function, opts Options) (*Lambda, error) {
	if fn == nil {
		return nil, fmt.Errorf("authorizer %s: its function cannot be resolved", a.ID)
	}
	if opts.Invoker == nil {
		return nil, fmt.Errorf("authorizer %s: no function runtime", a.ID)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	l := &Lambda{opts: opts, api: api, auth: a, fn: fn, ttl: time.Duration(a.ResultTTL) * time.Second, quiet: slog.New(slog.DiscardHandler)}
	if a.ResultTTL < 0 || a.ResultTTL > apimodel.MaxResultTTL {
		return nil, fmt.Errorf("authorizer %s: authorizerResultTtlInSeconds %d is outside 0..%d", a.ID, a.ResultTTL, apimodel.MaxResultTTL)
	}
	srcs, err := parseIdentitySources(a.IdentitySource)
	if err != nil {
		return nil, fmt.Errorf("authorizer %s: %w", a.ID, err)
	}
	l.sources = srcs
	switch a.Type {
	case apimodel.AuthorizerToken:
		if len(srcs) != 1 || !srcs[0].isHeader() {
			return nil, fmt.Errorf("authorizer %s: a TOKEN authorizer needs exactly one method.request.header.X identity source, got %q", a.ID, a.IdentitySource)
		}
		if a.IdentityValidationExpression != "" {
			re, err := regexp.Compile(`^(?:` + a.IdentityValidationExpression + `)$`)
			if err != nil {
				return nil, fmt.Errorf("authorizer %s: identityValidationExpression: %v", a.ID, err)
			}
			l.validation = re
		}
	case apimodel.AuthorizerRequest:
		if l.ttl > 0 && len(srcs) == 0 {
			return nil, fmt.Errorf("authorizer %s: a REQUEST authorizer with caching on needs at least one identity source", a.ID)
		}
	default:
		return nil, fmt.Errorf("authorizer %s: type %q is not a Lambda authorizer", a.ID, a.Type)
	}
	if opts.Cache == nil {
		l.ttl = 0
	}
	l.event = lambdaevent.Context{APIID: api.ID, AccountID: api.AccountID, BinaryMediaTypes: api.BinaryMediaTypes}
	arn := fn.ARN
	if arn == "" {
		arn = fn.Name
	}
	l.endpoint = fmt.Sprintf("https://lambda.%s.amazonaws.com/2015-03-31/functions/%s/invocations", api.Region, arn)
	return l, nil
}

// Authorize runs the authorizer for r and, on success, sets r.Authorizer.
func (l *Lambda) Authorize(ctx context.Context, r *reqctx.Request) error {
	log := requestLogger(ctx, l.opts.Logger, l.quiet, r)
	out, err := l.decide(ctx, r, log)
	if err != nil {
		return err
	}
	if out.dec.Effect != policy.Allow {
		return l.deny(r, out, out.dec.Effect, log)
	}
	l.commit(r, out)
	return nil
}

// lambdaOutcome is the authorizer's answer for one request: the (possibly
// cached) result and its policy's decision for this request's methodArn,
// before any resource policy is combined with it (docs/behaviour.md#RP-2).
type lambdaOutcome struct {
	res   *Result
	dec   policy.Decision
	hit   bool
	entry authcache.Entry
	age   time.Duration
	// latency is the invocation's own latency (0 on a cache hit).
	latency time.Duration
}

// decide reads the identity sources, consults the cache, invokes the
// function on a miss and evaluates the policy against r.MethodARN. Errors
// are the 401 and 500 outcomes of docs/behaviour.md#GWR-1; a policy that denies is not an
// error here, so that the caller can combine it with a resource policy.
func (l *Lambda) decide(ctx context.Context, r *reqctx.Request, log *slog.Logger) (*lambdaOutcome, error) {
	values := make([]string, len(l.sources))
	for i, s := range l.sources {
		if s.conflict(r) {
			log.Debug("identity source sent with different values; 401 without invoking the authorizer", "authorizer", l.auth.ID, "source", s.Source)
			return nil, gwresponse.Errorf(gwresponse.Unauthorized, "Unauthorized", "identity source %s was sent on several lines with different values", s.Source)
		}
		values[i] = s.value(r)
	}
	// Identity sources are checked before anything else; a failure is 401
	// without invoking the function and without an execution log (docs/behaviour.md#ID-1, docs/behaviour.md#ID-2). With caching off a REQUEST authorizer is invoked anyway
	// (docs/behaviour.md#DEC-REQUEST-TTL0-SOURCES).
	if l.auth.Type == apimodel.AuthorizerToken || l.ttl > 0 {
		for i, v := range values {
			if v == "" {
				log.Debug("identity source missing or empty; 401 without invoking the authorizer", "authorizer", l.auth.ID, "source", l.sources[i].Source)
				return nil, gwresponse.Errorf(gwresponse.Unauthorized, "Unauthorized", "identity source %s is missing or empty", l.sources[i].Source)
			}
		}
	}
	if l.validation != nil && !l.validation.MatchString(values[0]) {
		log.Debug("token does not match identityValidationExpression; 401 without invoking the authorizer", "authorizer", l.auth.ID)
		return nil, gwresponse.Errorf(gwresponse.Unauthorized, "Unauthorized", "token does not match identityValidationExpression")
	}

	tr := decision.From(ctx)
	if tr != nil {
		l.recordIdentity(tr, values)
	}
	// Execution-log lines are formatted only when they will be written;
	// the decision view keeps them unformatted (info).
	on := decision.Enabled(ctx, log, slog.LevelInfo)
	if on || tr != nil {
		info(log, on, tr, decision.Textf("Starting authorizer: %s for request: %s", decision.Str(l.auth.ID), decision.Str(r.ID)))
		identity := decision.Masked(values[0])
		if l.auth.Type != apimodel.AuthorizerToken {
			identity = decision.Str(l.describeIdentity(values))
		}
		info(log, on, tr, decision.Textf("Incoming identity: %s", identity))
	}

	var (
		entry authcache.Entry
		hit   bool
		err   error
	)
	fill := func(ctx context.Context) (authcache.Entry, error) { return l.invoke(ctx, r, log) }
	identity := ""
	if l.opts.Mocks != nil {
		mock, err := l.opts.Mocks.choose(r)
		if err != nil {
			log.Info("Execution failed due to configuration error: " + err.Error())
			return nil, gwresponse.Null(gwresponse.AuthorizerConfigurationError, fmt.Errorf("authorizer %s: %w", l.auth.ID, err))
		}
		if mock != nil {
			log.Info("Mock identity " + mock.name + " answers for authorizer " + l.auth.ID + ": function " + l.fn.Name + " is not invoked")
			if tr != nil {
				tr.SetMock(mock.name)
			}
			// A mock's answer is cached apart from the real authorizer's
			// and from other mocks' for the same identity values.
			identity = "mock:" + mock.name + "\x00"
			fill = func(ctx context.Context) (authcache.Entry, error) { return l.mockAnswer(ctx, r, mock, log) }
		}
	}
	t0 := l.opts.Now()
	var key authcache.Key
	if l.ttl > 0 {
		key = authcache.Key{APIID: l.api.ID, Stage: r.Stage, AuthorizerID: l.auth.ID, Identity: identity + cacheIdentity(values)}
		entry, hit, err = l.opts.Cache.Get(ctx, key, l.ttl, fill)
	} else {
		entry, err = fill(ctx)
	}
	if err != nil {
		return nil, err
	}
	res, ok := entry.Value.(*Result)
	if !ok {
		// A shared-tier entry that could not be decoded fails closed.
		return nil, gwresponse.Null(gwresponse.AuthorizerConfigurationError, errors.New("cached authorizer result is unreadable"))
	}
	out := &lambdaOutcome{res: res, hit: hit, entry: entry}
	out.age = l.opts.Now().Sub(entry.FilledAt).Round(time.Millisecond)
	if hit {
		info(log, on, tr, decision.Textf("Authorizer cache hit: entry filled by %s %s ago (TTL %s)",
			decision.Str(entry.FilledBy), decision.Duration(out.age), decision.Seconds(int(l.ttl/time.Second))))
	} else {
		out.latency = l.opts.Now().Sub(t0)
		if l.ttl > 0 {
			info(log, on, tr, decision.Textf("Authorizer cache miss: result cached for %s", decision.Seconds(int(l.ttl/time.Second))))
		}
	}

	// The cached or fresh policy is evaluated against this request's own
	// methodArn (docs/behaviour.md#CACHE-2, docs/behaviour.md#CACHE-1).
	out.dec = res.Policy.Evaluate(&policy.Request{Action: policy.ActionInvoke, Resource: r.MethodARN})
	info(log, on, tr, decision.Textf("Policy decision: %s: %s for %s", decision.Str(out.dec.Effect.String()), decision.Reason(out.dec), decision.Str(r.MethodARN)))
	if tr != nil {
		l.recordCache(tr, key, out)
		recordPolicy(tr, "authorizer policy of %s: %s (%s)", l.auth.ID, entry.Raw, "policyDocument", out.dec, r.MethodARN)
	}
	return out, nil
}

// deny is the 403 of a request the authorizer's policy (combined with the
// resource policy, if any) does not allow; effect is the final decision.
func (l *Lambda) deny(r *reqctx.Request, out *lambdaOutcome, effect policy.Effect, log *slog.Logger) error {
	// A denying authorizer still set the principal and context that gateway
	// response templates read as $context.authorizer.* (docs/behaviour.md#GWR-5).
	l.commit(r, out)
	why := out.dec.Reason() + " for " + r.MethodARN
	if out.hit && out.entry.FilledBy != r.MethodARN {
		first := out.res.Policy.Evaluate(&policy.Request{Action: policy.ActionInvoke, Resource: out.entry.FilledBy})
		if first.Effect == policy.Allow {
			log.Warn(fmt.Sprintf("The cached policy of authorizer %s allowed %s, which filled the cache entry %s ago, but denies %s: the authorizer cache is keyed by identity only and reuses the policy for every path for %ds. Fix: return a wildcard resource (for example arn:aws:execute-api:%s:%s:%s/%s/*/*) or set the authorizer's TTL to 0.",
				l.auth.ID, out.entry.FilledBy, out.age, r.MethodARN, int(l.ttl/time.Second), l.api.Region, l.api.AccountID, l.api.ID, r.Stage))
		}
	}
	log.Info("The client is not authorized to perform this operation.")
	return gwresponse.Errorf(gwresponse.AccessDenied, policy.AuthorizerDenyMessage(effect), "authorizer %s: %s", l.auth.ID, why)
}

// commit hands the authorizer's principal and context downstream.
func (l *Lambda) commit(r *reqctx.Request, out *lambdaOutcome) {
	res := out.res
	r.Authorizer = &reqctx.AuthorizerContext{PrincipalID: res.PrincipalID, Context: res.Context, UsageIdentifierKey: res.UsageIdentifierKey}
	// integrationLatency is the authorizer's own latency; 0 on a hit.
	r.Authorizer.IntegrationLatency = out.latency.Milliseconds()
}

func (l *Lambda) describeIdentity(values []string) string {
	if l.auth.Type == apimodel.AuthorizerToken {
		return mask(values[0])
	}
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = l.sources[i].Source + "=" + mask(v)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// invoke calls the function and parses its answer. Every failure is a
// *gwresponse.Error and is never cached (docs/behaviour.md#DEC-CACHE-WHAT).
func (l *Lambda) invoke(ctx context.Context, r *reqctx.Request, log *slog.Logger) (authcache.Entry, error) {
	var payload []byte
	if l.auth.Type == apimodel.AuthorizerToken {
		tok := l.sources[0].value(r)
		payload = lambdaevent.TokenAuthorizerEvent(tok, r.MethodARN)
	} else {
		p, err := lambdaevent.RequestAuthorizerEvent(r, l.event)
		if err != nil {
			return authcache.Entry{}, gwresponse.Null(gwresponse.AuthorizerConfigurationError, err)
		}
		payload = p
	}
	tr := decision.From(ctx)
	log.Info("Endpoint request URI: " + l.endpoint)
	log.Info("Endpoint request body after transformations: " + string(payload))
	log.Info("Sending request to " + l.endpoint)
	ictx, cancel := context.WithTimeout(function.WithTraceID(ctx, r.TraceID), l.opts.Timeout)
	defer cancel()
	start := l.opts.Now()
	res, err := l.opts.Invoker.Invoke(ictx, l.fn, payload)
	if l.opts.Observer != nil {
		l.opts.Observer.AuthorizerInvoked(l.api.LogicalID, l.auth.ID, l.opts.Now().Sub(start), err)
	}
	if tr != nil {
		l.recordInvocation(tr, payload, res, err, l.opts.Now().Sub(start))
	}
	if err != nil {
		log.Info("Execution failed due to configuration error: Authorizer error", "cause", err.Error())
		log.Info("AuthorizerConfigurationException")
		return authcache.Entry{}, gwresponse.Null(gwresponse.AuthorizerConfigurationError, fmt.Errorf("authorizer %s: %w", l.auth.ID, err))
	}
	log.Info("Authorizer result body before parsing: " + string(res.Payload))
	if res.FunctionError != "" {
		// Only an error whose message is exactly "Unauthorized" is a 401
		// (docs/behaviour.md#LAMBDA-4); anything else is a configuration error.
		if msg, err := functionErrorMessage(res.Payload); err == nil && msg == "Unauthorized" {
			return authcache.Entry{}, gwresponse.Errorf(gwresponse.Unauthorized, "Unauthorized", "authorizer %s answered Unauthorized", l.auth.ID)
		}
		log.Info("Execution failed due to configuration error: Authorizer error")
		log.Info("AuthorizerConfigurationException")
		return authcache.Entry{}, gwresponse.Null(gwresponse.AuthorizerConfigurationError, fmt.Errorf("authorizer %s failed: %s", l.auth.ID, res.Payload))
	}
	parsed, err := ParseResult(res.Payload)
	if err != nil {
		log.Info(err.Error())
		log.Info("AuthorizerConfigurationException")
		return authcache.Entry{}, gwresponse.Null(gwresponse.AuthorizerConfigurationError, fmt.Errorf("authorizer %s: %w", l.auth.ID, err))
	}
	log.Info("Using valid authorizer policy for principal: " + mask(parsed.PrincipalID))
	log.Info("Successfully completed authorizer execution")
	return authcache.Entry{Raw: res.Payload, Value: parsed, FilledBy: r.MethodARN, FilledAt: l.opts.Now()}, nil
}

// Decode turns a shared-tier entry back into a Lambda *Result or a cached
// Cognito result (authcache's Decode hook).
func Decode(raw []byte) (any, error) {
	if bytes.HasPrefix(raw, []byte(cognitoRawPrefix)) {
		return decodeCognito(raw)
	}
	return ParseResult(raw)
}

// info writes an execution-log line: formatted for the log when it keeps
// INFO (the log tees it into the request's trace, if any), else kept
// unformatted by the trace alone, so that the decision view costs the
// request no formatting.
func info(log *slog.Logger, on bool, tr *decision.Trace, t decision.Text) {
	switch {
	case on:
		log.Info(t.String())
	case tr != nil:
		tr.LineText(slog.LevelInfo, t)
	}
}

// requestLogger returns the execution logger of one request: the logger
// with the request id when it keeps INFO lines, else quiet, which drops
// everything without the per-request With allocation.
func requestLogger(ctx context.Context, l, quiet *slog.Logger, r *reqctx.Request) *slog.Logger {
	if tr := decision.From(ctx); tr != nil {
		// The decision view keeps the execution log whatever the level.
		if l.Enabled(ctx, slog.LevelInfo) {
			return decision.Logger(l, tr).With("requestId", r.ID)
		}
		return decision.Logger(quiet, tr)
	}
	if l.Enabled(ctx, slog.LevelInfo) {
		return l.With("requestId", r.ID)
	}
	return quiet
}
