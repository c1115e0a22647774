package authorizer

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// Limiter is a token bucket keyed by name (throttle.Local, throttle.Redis).
type Limiter interface {
	Allow(ctx context.Context, key string, rate float64, burst int) (bool, error)
}

// Quota counts requests per calendar period (throttle.Local,
// throttle.Redis).
type Quota interface {
	Consume(ctx context.Context, key string, limit int, period string, now time.Time) (bool, error)
}

// APIKey is an API key from the configuration file. It is usable with the
// usage plans it names (by id; "*" is every plan of every API), like an
// AWS::ApiGateway::UsagePlanKey binds a template key.
type APIKey struct {
	ID         string
	Name       string
	Value      string
	Enabled    bool
	UsagePlans []string
}

// apiKeyHeader is where source HEADER keys are read, case-insensitively
// (docs/behaviour.md#KEY-1).
const apiKeyHeader = "X-API-Key"

// keyRing is the API keys usable with one API and the usage plans each
// belongs to.
type keyRing struct {
	api     *apimodel.API
	byValue map[string]*ringKey
}

type ringKey struct {
	id, name string
	enabled  bool
	plans    []*apimodel.UsagePlan
}

func newKeyRing(api *apimodel.API, extra []APIKey) (*keyRing, error) {
	kr := &keyRing{api: api, byValue: map[string]*ringKey{}}
	for _, k := range api.APIKeys {
		if k.Value == "" {
			continue
		}
		rk := &ringKey{id: k.ID, name: k.Name, enabled: k.Enabled}
		for _, p := range api.UsagePlans {
			if slices.Contains(p.KeyIDs, k.ID) {
				rk.plans = append(rk.plans, p)
			}
		}
		kr.byValue[k.Value] = rk
	}
	for _, k := range extra {
		if _, dup := kr.byValue[k.Value]; dup {
			return nil, fmt.Errorf("API key %s from the configuration has the value of another key of API %s", k.ID, api.LogicalID)
		}
		rk := &ringKey{id: k.ID, name: k.Name, enabled: k.Enabled}
		for _, p := range api.UsagePlans {
			if slices.Contains(k.UsagePlans, "*") || slices.Contains(k.UsagePlans, p.ID) {
				rk.plans = append(rk.plans, p)
			}
		}
		kr.byValue[k.Value] = rk
	}
	return kr, nil
}

// apiKeyCheck is the API key and usage-plan step of a method (docs/behaviour.md#PIPE-1, docs/behaviour.md#KEY-1): the key must exist, be enabled and belong to a usage plan
// bound to the stage; the plan's rate, burst and quota then apply.
type apiKeyCheck struct {
	ring    *keyRing
	label   string // "GET /pets", for the log
	limiter Limiter
	quota   Quota
	now     func() time.Time
}

func forbidden(format string, args ...any) error {
	return gwresponse.Errorf(gwresponse.InvalidAPIKey, "Forbidden", format, args...)
}

func (c *apiKeyCheck) check(ctx context.Context, r *reqctx.Request, log *slog.Logger) error {
	api := c.ring.api
	var value string
	if strings.EqualFold(api.APIKeySource, "AUTHORIZER") {
		if r.Authorizer != nil {
			value = r.Authorizer.UsageIdentifierKey
		}
	} else {
		value, _ = r.HeaderValue(apiKeyHeader)
	}
	stage := api.ID + "/" + r.Stage
	masked := maskAPIKey(value)
	log.Info(fmt.Sprintf("Verifying Usage Plan for request: %s. API Key: %s API Stage: %s", r.ID, masked, stage))
	if value == "" {
		log.Info(fmt.Sprintf("API Key not found for method '%s': the method requires an API key (source %s)", c.label, keySource(api)))
		return forbidden("method %s requires an API key and the request has none", c.label)
	}
	k := c.ring.byValue[value]
	if k == nil {
		log.Info(fmt.Sprintf("API Key %s not authorized: no API key of API %s has this value", masked, api.LogicalID))
		return forbidden("unknown API key")
	}
	if !k.enabled {
		log.Info(fmt.Sprintf("API Key %s not authorized: API key %s is disabled", masked, k.id))
		return forbidden("API key %s is disabled", k.id)
	}
	var plan *apimodel.UsagePlan
	for _, p := range k.plans {
		if slices.Contains(p.Stages, r.Stage) {
			plan = p
			break
		}
	}
	if plan == nil {
		log.Info(fmt.Sprintf("API Key %s not authorized because API key %s is not attached to a usage plan for API Stage %s", masked, k.id, stage))
		return forbidden("API key %s is in no usage plan of stage %s", k.id, r.Stage)
	}
	if c.limiter != nil && (plan.RateLimit > 0 || plan.BurstLimit > 0) {
		ok, err := c.limiter.Allow(ctx, "usageplan/"+api.ID+"/"+plan.ID+"/"+k.id, plan.RateLimit, plan.BurstLimit)
		switch {
		case err != nil:
			log.Warn("usage plan throttle check failed; request allowed", "err", err)
		case !ok:
			log.Info(fmt.Sprintf("API Key %s exceeded throttle limit for API Stage %s: Key throttle limit exceeded for Usage Plan ID %s, RestApi %s, Stage %s, Resource %s, HttpMethod %s. Limit: %.2f Burst: %d",
				masked, stage, plan.ID, api.ID, r.Stage, r.ResourceID, r.Method, plan.RateLimit, plan.BurstLimit))
			return gwresponse.Errorf(gwresponse.Throttled, "Too Many Requests", "usage plan %s: key %s exceeded its throttle limit", plan.ID, k.id)
		}
	}
	if c.quota != nil && plan.QuotaLimit > 0 {
		ok, err := c.quota.Consume(ctx, "usageplan/"+api.ID+"/"+plan.ID+"/"+k.id, plan.QuotaLimit, plan.QuotaPeriod, c.now())
		switch {
		case err != nil:
			log.Warn("usage plan quota check failed; request allowed", "err", err)
		case !ok:
			log.Info(fmt.Sprintf("API Key %s exceeded quota limit for API Stage %s: Key quota exhausted for Usage Plan ID %s, RestApi %s, Stage %s, Resource %s, HttpMethod %s. Limit: %d Period: %s",
				masked, stage, plan.ID, api.ID, r.Stage, r.ResourceID, r.Method, plan.QuotaLimit, plan.QuotaPeriod))
			return gwresponse.Errorf(gwresponse.QuotaExceeded, "Limit Exceeded", "usage plan %s: key %s exhausted its %s quota of %d", plan.ID, k.id, plan.QuotaPeriod, plan.QuotaLimit)
		}
	}
	log.Info(fmt.Sprintf("Usage Plan check succeeded for API Key %s and API Stage %s", masked, stage))
	r.Identity.APIKey = value
	r.Identity.APIKeyID = k.id
	return nil
}

func keySource(api *apimodel.API) string {
	if strings.EqualFold(api.APIKeySource, "AUTHORIZER") {
		return "AUTHORIZER"
	}
	return "HEADER"
}

// maskAPIKey hides all but the last six characters, as the execution log
// of docs/behaviour.md#LOG-1 does ("**********F0yrv6").
func maskAPIKey(s string) string {
	if len(s) <= 6 {
		return strings.Repeat("*", len(s))
	}
	return "**********" + s[len(s)-6:]
}
