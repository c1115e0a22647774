package authorizer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/authcache"
	"github.com/portcullis-gateway/portcullis/internal/function"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/lambdaevent"
	"github.com/portcullis-gateway/portcullis/internal/policy"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// DefaultTimeout bounds one authorizer invocation (D1).
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

// Options are what every Lambda authorizer of a gateway shares.
type Options struct {
	Invoker Invoker
	// Cache holds results; nil disables caching for every authorizer.
	Cache  Cache
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Timeout bounds an invocation; 0 means DefaultTimeout.
	Timeout  time.Duration
	Observer Observer
}

// Lambda is one compiled TOKEN or REQUEST authorizer attached to one API.
type Lambda struct {
	opts    Options
	api     *apimodel.API
	auth    *apimodel.Authorizer
	fn      *apimodel.Function
	sources []identitySource
	// validation is identityValidationExpression, anchored (D2).
	validation *regexp.Regexp
	ttl        time.Duration
	event      lambdaevent.Context
	endpoint   string
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
	l := &Lambda{opts: opts, api: api, auth: a, fn: fn, ttl: time.Duration(a.ResultTTL) * time.Second}
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
		if len(srcs) != 1 || srcs[0].kind != srcHeader {
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
	log := l.opts.Logger.With("requestId", r.ID)
	values := make([]string, len(l.sources))
	for i, s := range l.sources {
		values[i] = s.value(r)
	}
	// Identity sources are checked before anything else; a failure is 401
	// without invoking the function and without an execution log (spec
	// §2.3, §3.2). With caching off a REQUEST authorizer is invoked anyway
	// (D3).
	if l.auth.Type == apimodel.AuthorizerToken || l.ttl > 0 {
		for i, v := range values {
			if v == "" {
				log.Debug("identity source missing or empty; 401 without invoking the authorizer", "authorizer", l.auth.ID, "source", l.sources[i].expr)
				return gwresponse.Errorf(gwresponse.Unauthorized, "Unauthorized", "identity source %s is missing or empty", l.sources[i].expr)
			}
		}
	}
	if l.validation != nil && !l.validation.MatchString(values[0]) {
		log.Debug("token does not match identityValidationExpression; 401 without invoking the authorizer", "authorizer", l.auth.ID)
		return gwresponse.Errorf(gwresponse.Unauthorized, "Unauthorized", "token does not match identityValidationExpression")
	}

	log.Info(fmt.Sprintf("Starting authorizer: %s for request: %s", l.auth.ID, r.ID))
	log.Info("Incoming identity: " + l.describeIdentity(values))

	var (
		entry authcache.Entry
		hit   bool
		err   error
	)
	fill := func(ctx context.Context) (authcache.Entry, error) { return l.invoke(ctx, r, log) }
	t0 := l.opts.Now()
	if l.ttl > 0 {
		key := authcache.Key{APIID: l.api.ID, Stage: r.Stage, AuthorizerID: l.auth.ID, Identity: cacheIdentity(values)}
		entry, hit, err = l.opts.Cache.Get(ctx, key, l.ttl, fill)
	} else {
		entry, err = fill(ctx)
	}
	if err != nil {
		return err
	}
	res, ok := entry.Value.(*Result)
	if !ok {
		// A shared-tier entry that could not be decoded fails closed.
		return gwresponse.Null(gwresponse.AuthorizerConfigurationError, errors.New("cached authorizer result is unreadable"))
	}
	age := l.opts.Now().Sub(entry.FilledAt).Round(time.Millisecond)
	if hit {
		log.Info(fmt.Sprintf("Authorizer cache hit: entry filled by %s %s ago (TTL %ds)", entry.FilledBy, age, int(l.ttl/time.Second)))
	} else if l.ttl > 0 {
		log.Info(fmt.Sprintf("Authorizer cache miss: result cached for %ds", int(l.ttl/time.Second)))
	}

	// The cached or fresh policy is evaluated against this request's own
	// methodArn (spec §0 point 2, §6).
	dec := res.Policy.Evaluate(&policy.Request{Action: policy.ActionInvoke, Resource: r.MethodARN})
	if dec.Effect != policy.Allow {
		msg := "User is not authorized to access this resource"
		if dec.Effect == policy.ExplicitDeny {
			msg += " with an explicit deny"
		}
		why := dec.Reason() + " for " + r.MethodARN
		log.Info("Policy decision: " + dec.Effect.String() + ": " + why)
		if hit && entry.FilledBy != r.MethodARN {
			first := res.Policy.Evaluate(&policy.Request{Action: policy.ActionInvoke, Resource: entry.FilledBy})
			if first.Effect == policy.Allow {
				log.Warn(fmt.Sprintf("The cached policy of authorizer %s allowed %s, which filled the cache entry %s ago, but denies %s: the authorizer cache is keyed by identity only and reuses the policy for every path for %ds. Fix: return a wildcard resource (for example arn:aws:execute-api:%s:%s:%s/%s/*/*) or set the authorizer's TTL to 0.",
					l.auth.ID, entry.FilledBy, age, r.MethodARN, int(l.ttl/time.Second), l.api.Region, l.api.AccountID, l.api.ID, r.Stage))
			}
		}
		log.Info("The client is not authorized to perform this operation.")
		return gwresponse.Errorf(gwresponse.AccessDenied, msg, "authorizer %s: %s", l.auth.ID, why)
	}
	log.Info("Policy decision: Allow: " + dec.Reason() + " for " + r.MethodARN)
	r.Authorizer = &reqctx.AuthorizerContext{PrincipalID: res.PrincipalID, Context: res.Context, UsageIdentifierKey: res.UsageIdentifierKey}
	if !hit {
		// integrationLatency is the authorizer's own latency; 0 on a hit.
		r.Authorizer.IntegrationLatency = l.opts.Now().Sub(t0).Milliseconds()
	}
	return nil
}

func (l *Lambda) describeIdentity(values []string) string {
	if l.auth.Type == apimodel.AuthorizerToken {
		return mask(values[0])
	}
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = l.sources[i].expr + "=" + mask(v)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// invoke calls the function and parses its answer. Every failure is a
// *gwresponse.Error and is never cached (D7).
func (l *Lambda) invoke(ctx context.Context, r *reqctx.Request, log *slog.Logger) (authcache.Entry, error) {
	var payload []byte
	if l.auth.Type == apimodel.AuthorizerToken {
		tok, _ := r.HeaderValue(l.sources[0].name)
		payload = lambdaevent.TokenAuthorizerEvent(tok, r.MethodARN)
	} else {
		p, err := lambdaevent.RequestAuthorizerEvent(r, l.event)
		if err != nil {
			return authcache.Entry{}, gwresponse.Null(gwresponse.AuthorizerConfigurationError, err)
		}
		payload = p
	}
	log.Info("Endpoint request URI: " + l.endpoint)
	log.Info("Endpoint request body after transformations: " + string(payload))
	log.Info("Sending request to " + l.endpoint)
	ictx, cancel := context.WithTimeout(ctx, l.opts.Timeout)
	defer cancel()
	start := l.opts.Now()
	res, err := l.opts.Invoker.Invoke(ictx, l.fn, payload)
	if l.opts.Observer != nil {
		l.opts.Observer.AuthorizerInvoked(l.api.LogicalID, l.auth.ID, l.opts.Now().Sub(start), err)
	}
	if err != nil {
		log.Info("Execution failed due to configuration error: Authorizer error", "cause", err.Error())
		log.Info("AuthorizerConfigurationException")
		return authcache.Entry{}, gwresponse.Null(gwresponse.AuthorizerConfigurationError, fmt.Errorf("authorizer %s: %w", l.auth.ID, err))
	}
	log.Info("Authorizer result body before parsing: " + string(res.Payload))
	if res.FunctionError != "" {
		// Only an error whose message is exactly "Unauthorized" is a 401
		// (spec §4.2); anything else is a configuration error.
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

// Decode turns a shared-tier entry back into a *Result (authcache's Decode
// hook).
func Decode(raw []byte) (any, error) { return ParseResult(raw) }
