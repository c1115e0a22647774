package telemetry

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/portcullis-gateway/portcullis/internal/function"
)

// Namespace prefixes every metric name.
const Namespace = "portcullis"

// latencyBuckets span a cached authorizer hit on loopback (sub-millisecond)
// to API Gateway's 29 s integration timeout.
var latencyBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// MetricsOptions configure Metrics. The zero value is usable.
type MetricsOptions struct {
	// Registry receives the collectors; nil means a new private registry.
	Registry *prometheus.Registry
	// NoRuntimeCollectors leaves out the Go runtime and process collectors
	// (memory, goroutines, RSS, open files), which are on by default.
	NoRuntimeCollectors bool
}

// Metrics is the gateway's Prometheus instrumentation. It is safe for
// concurrent use; its methods run on the request path and only update
// in-memory counters.
type Metrics struct {
	reg *prometheus.Registry

	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	throttled *prometheus.CounterVec

	authInvocations *prometheus.CounterVec
	authErrors      *prometheus.CounterVec
	authLatency     *prometheus.HistogramVec

	cacheHits, cacheMisses, cacheEvictions, cacheExpirations prometheus.Counter

	coldStarts      *prometheus.CounterVec
	coldStartTime   *prometheus.HistogramVec
	invocations     *prometheus.HistogramVec
	invocationError *prometheus.CounterVec
	workers         *prometheus.GaugeVec
}

// NewMetrics registers the gateway's collectors.
func NewMetrics(opts MetricsOptions) *Metrics {
	reg := opts.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m := &Metrics{reg: reg}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help}, labels)
	}
	histogram := func(name, help string, labels ...string) *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: name, Help: help, Buckets: latencyBuckets}, labels)
	}
	plain := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help})
	}
	m.requests = counter("requests_total", "Requests answered, by API, stage, route (\"VERB /resource\", empty when no route matched) and status code.", "api", "stage", "route", "status")
	m.latency = histogram("request_duration_seconds", "Time from receiving a request to answering it, by API, stage and route.", "api", "stage", "route")
	m.throttled = counter("throttled_requests_total", "Requests refused with 429 by stage or method throttling, by API, stage and route.", "api", "stage", "route")
	m.authInvocations = counter("authorizer_invocations_total", "Lambda authorizer function invocations (cache misses and uncached calls), by API and authorizer.", "api", "authorizer")
	m.authErrors = counter("authorizer_errors_total", "Lambda authorizer invocations that did not complete (timeout, crash, unreachable function), by API and authorizer.", "api", "authorizer")
	m.authLatency = histogram("authorizer_duration_seconds", "Duration of Lambda authorizer invocations, by API and authorizer.", "api", "authorizer")
	m.cacheHits = plain("authorizer_cache_hits_total", "Authorizer cache lookups answered from the cache.")
	m.cacheMisses = plain("authorizer_cache_misses_total", "Authorizer cache lookups that invoked the authorizer.")
	m.cacheEvictions = plain("authorizer_cache_evictions_total", "Authorizer cache entries dropped to stay within the size limit.")
	m.cacheExpirations = plain("authorizer_cache_expirations_total", "Authorizer cache entries dropped because their TTL ran out.")
	m.coldStarts = counter("function_cold_starts_total", "Function worker processes started, by function.", "function")
	m.coldStartTime = histogram("function_cold_start_duration_seconds", "Time from starting a function worker to its first request for work, by function.", "function")
	m.invocations = histogram("function_invocation_duration_seconds", "Duration of local function invocations as the caller saw them (queueing and cold start included), by function.", "function")
	m.invocationError = counter("function_invocation_errors_total", "Local function invocations that did not complete, by function and kind (Timeout, Runtime.ExitError, ...).", "function", "kind")
	m.workers = prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: Namespace, Name: "function_workers_alive", Help: "Live worker processes, by function."}, []string{"function"})

	reg.MustRegister(m.requests, m.latency, m.throttled,
		m.authInvocations, m.authErrors, m.authLatency,
		m.cacheHits, m.cacheMisses, m.cacheEvictions, m.cacheExpirations,
		m.coldStarts, m.coldStartTime, m.invocations, m.invocationError, m.workers)
	if !opts.NoRuntimeCollectors {
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	return m
}

// Registry is the registry the collectors are on.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Request counts one answered request (the gateway's Observer).
func (m *Metrics) Request(api, stage, route string, status int, d time.Duration) {
	m.requests.WithLabelValues(api, stage, route, statusText(status)).Inc()
	m.latency.WithLabelValues(api, stage, route).Observe(d.Seconds())
}

// Throttled counts one request refused by throttling (the gateway's
// Observer).
func (m *Metrics) Throttled(api, stage, route string) {
	m.throttled.WithLabelValues(api, stage, route).Inc()
}

// AuthorizerInvoked counts one authorizer function invocation (the
// authorizer's Observer). err is an invocation that did not complete; a
// function that answered, even with a deny or an error document, counts
// as invoked only.
func (m *Metrics) AuthorizerInvoked(api, authorizer string, d time.Duration, err error) {
	m.authInvocations.WithLabelValues(api, authorizer).Inc()
	m.authLatency.WithLabelValues(api, authorizer).Observe(d.Seconds())
	if err != nil {
		m.authErrors.WithLabelValues(api, authorizer).Inc()
	}
}

// Hit counts an authorizer cache hit (authcache.Metrics).
func (m *Metrics) Hit() { m.cacheHits.Inc() }

// Miss counts an authorizer cache miss (authcache.Metrics).
func (m *Metrics) Miss() { m.cacheMisses.Inc() }

// Evicted counts an entry dropped for size (authcache.Metrics).
func (m *Metrics) Evicted() { m.cacheEvictions.Inc() }

// Expired counts an entry dropped for age (authcache.Metrics).
func (m *Metrics) Expired() { m.cacheExpirations.Inc() }

// ColdStart counts one worker start (function.Metrics).
func (m *Metrics) ColdStart(fn string, d time.Duration) {
	m.coldStarts.WithLabelValues(fn).Inc()
	m.coldStartTime.WithLabelValues(fn).Observe(d.Seconds())
}

// Invoked records one local invocation (function.Metrics).
func (m *Metrics) Invoked(fn string, d time.Duration, err error) {
	m.invocations.WithLabelValues(fn).Observe(d.Seconds())
	if err != nil {
		kind := "Transport"
		var ie *function.InvokeError
		if errors.As(err, &ie) {
			kind = ie.Kind.String()
		}
		m.invocationError.WithLabelValues(fn, kind).Inc()
	}
}

// WorkersAlive sets a function's live worker count (function.Metrics).
func (m *Metrics) WorkersAlive(fn string, n int) {
	m.workers.WithLabelValues(fn).Set(float64(n))
}

// statusText avoids an allocation for the status codes a gateway answers
// with almost always.
func statusText(code int) string {
	switch code {
	case 200:
		return "200"
	case 201:
		return "201"
	case 204:
		return "204"
	case 400:
		return "400"
	case 401:
		return "401"
	case 403:
		return "403"
	case 404:
		return "404"
	case 429:
		return "429"
	case 500:
		return "500"
	case 502:
		return "502"
	case 504:
		return "504"
	}
	return strconv.Itoa(code)
}
