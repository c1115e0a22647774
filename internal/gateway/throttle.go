package gateway

import (
	"context"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
)

// Limiter is a token bucket keyed by name; throttle.Local and
// throttle.Redis implement it.
type Limiter interface {
	Allow(ctx context.Context, key string, rate float64, burst int) (bool, error)
}

// throttleRule is one stage MethodSetting with throttling. API Gateway
// applies the most specific setting: a method's own over the stage-wide
// "/*/*" one (docs/behaviour.md#THROTTLE-1).
type throttleRule struct {
	resourcePath string // "*" = every resource
	httpMethod   string // "*" = every verb
	rate         float64
	burst        int
}

func compileThrottle(s *apimodel.Stage) []throttleRule {
	var rules []throttleRule
	for _, ms := range s.MethodSettings {
		if !ms.HasThrottling {
			continue
		}
		// AWS writes a setting's resource path as a JSON-Pointer-like key:
		// "/" then the path with its slashes escaped as "~1"
		// (/~1users~1{id} is /users/{id}).
		rp := ms.ResourcePath
		if strings.Contains(rp, "~1") {
			rp = strings.ReplaceAll(strings.TrimPrefix(rp, "/"), "~1", "/")
		}
		if rp == "" || rp == "/*" {
			rp = "*"
		}
		hm := strings.ToUpper(ms.HTTPMethod)
		if hm == "" {
			hm = "*"
		}
		rules = append(rules, throttleRule{resourcePath: rp, httpMethod: hm, rate: ms.ThrottlingRateLimit, burst: ms.ThrottlingBurstLimit})
	}
	return rules
}

// rule returns the most specific throttle rule for a method, if any.
func (s *stage) rule(resourcePath, verb string) (throttleRule, bool) {
	best, score := throttleRule{}, -1
	for _, r := range s.throttle {
		sc := 0
		if r.resourcePath != "*" {
			if r.resourcePath != resourcePath {
				continue
			}
			sc += 2
		}
		if r.httpMethod != "*" {
			if r.httpMethod != verb {
				continue
			}
			sc++
		}
		if sc > score {
			best, score = r, sc
		}
	}
	return best, score >= 0
}
