package telemetry

import (
	"errors"
	"io"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/portcullis-gateway/portcullis/internal/authcache"
	"github.com/portcullis-gateway/portcullis/internal/authorizer"
	"github.com/portcullis-gateway/portcullis/internal/function"
	"github.com/portcullis-gateway/portcullis/internal/gateway"
)

// *Metrics is what every reporting stage is handed.
var (
	_ gateway.Observer    = (*Metrics)(nil)
	_ authorizer.Observer = (*Metrics)(nil)
	_ authcache.Metrics   = (*Metrics)(nil)
	_ function.Metrics    = (*Metrics)(nil)
)

// exposition returns the metric lines of the families named, without
// comments, in the Prometheus text format.
func exposition(t *testing.T, m *Metrics, names ...string) []string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	var out []string
	for _, line := range strings.Split(string(body), "\n") {
		for _, n := range names {
			if strings.HasPrefix(line, n+"{") || strings.HasPrefix(line, n+" ") {
				out = append(out, line)
			}
		}
	}
	return out
}

func TestMetrics_Exposition(t *testing.T) {
	m := NewMetrics(MetricsOptions{NoRuntimeCollectors: true})
	m.Request("Api", "prod", "GET /pets/{id}", 200, 3*time.Millisecond)
	m.Request("Api", "prod", "GET /pets/{id}", 200, time.Millisecond)
	m.Request("Api", "prod", "", 403, time.Millisecond)
	m.Throttled("Api", "prod", "GET /pets/{id}")
	m.AuthorizerInvoked("Api", "TokenAuth", 10*time.Millisecond, nil)
	m.AuthorizerInvoked("Api", "TokenAuth", 10*time.Millisecond, errors.New("timed out"))
	m.Hit()
	m.Hit()
	m.Miss()
	m.Evicted()
	m.Expired()
	m.ColdStart("Auth", 80*time.Millisecond)
	m.Invoked("Auth", 5*time.Millisecond, nil)
	m.Invoked("Auth", 3*time.Second, &function.InvokeError{Kind: function.KindTimeout, Function: "Auth"})
	m.Invoked("Auth", time.Millisecond, errors.New("connection refused"))
	m.WorkersAlive("Auth", 2)
	m.WorkersAlive("Auth", 1)

	got := exposition(t, m,
		"portcullis_requests_total", "portcullis_request_duration_seconds_count", "portcullis_throttled_requests_total",
		"portcullis_authorizer_invocations_total", "portcullis_authorizer_errors_total",
		"portcullis_authorizer_cache_hits_total", "portcullis_authorizer_cache_misses_total",
		"portcullis_authorizer_cache_evictions_total", "portcullis_authorizer_cache_expirations_total",
		"portcullis_function_cold_starts_total", "portcullis_function_invocation_duration_seconds_count",
		"portcullis_function_invocation_errors_total", "portcullis_function_workers_alive")
	want := []string{
		`portcullis_authorizer_cache_evictions_total 1`,
		`portcullis_authorizer_cache_expirations_total 1`,
		`portcullis_authorizer_cache_hits_total 2`,
		`portcullis_authorizer_cache_misses_total 1`,
		`portcullis_authorizer_errors_total{api="Api",authorizer="TokenAuth"} 1`,
		`portcullis_authorizer_invocations_total{api="Api",authorizer="TokenAuth"} 2`,
		`portcullis_function_cold_starts_total{function="Auth"} 1`,
		`portcullis_function_invocation_duration_seconds_count{function="Auth"} 3`,
		`portcullis_function_invocation_errors_total{function="Auth",kind="Timeout"} 1`,
		`portcullis_function_invocation_errors_total{function="Auth",kind="Transport"} 1`,
		`portcullis_function_workers_alive{function="Auth"} 1`,
		`portcullis_request_duration_seconds_count{api="Api",route="",stage="prod"} 1`,
		`portcullis_request_duration_seconds_count{api="Api",route="GET /pets/{id}",stage="prod"} 2`,
		`portcullis_requests_total{api="Api",route="",stage="prod",status="403"} 1`,
		`portcullis_requests_total{api="Api",route="GET /pets/{id}",stage="prod",status="200"} 2`,
		`portcullis_throttled_requests_total{api="Api",route="GET /pets/{id}",stage="prod"} 1`,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("exposition (-want +got):\n%s", d)
	}
}

// Two gateways in one process (tests, a reload) never share counters.
func TestMetrics_PrivateRegistries(t *testing.T) {
	a := NewMetrics(MetricsOptions{})
	b := NewMetrics(MetricsOptions{})
	a.Hit()
	if got := exposition(t, b, "portcullis_authorizer_cache_hits_total"); len(got) != 1 || got[0] != "portcullis_authorizer_cache_hits_total 0" {
		t.Errorf("second registry: %v", got)
	}
}

// The fast path for common codes must agree with strconv.
func TestStatusText_AgreesWithItoa(t *testing.T) {
	for code := 100; code < 600; code++ {
		if got, want := statusText(code), strconv.Itoa(code); got != want {
			t.Errorf("statusText(%d) = %q, want %q", code, got, want)
		}
	}
}

// Execution-log lines read as API Gateway's ("<time> : <message>", docs/behaviour.md#LOG-1); a record's own attributes follow in parentheses, attributes
// added with With (the request id) are left out, Debug records too.
func TestExecutionLog_Lines(t *testing.T) {
	now := time.Date(2022, 3, 17, 12, 34, 56, 0, time.UTC)
	l := &ExecutionLog{Now: func() time.Time { return now }}
	log := l.Logger().With("requestId", "r-1")
	log.Info("Starting authorizer: TokenAuth for request: r-1")
	log.Debug("identity source missing")
	log.Info("Execution failed due to configuration error: Authorizer error", "cause", "timeout")
	l.Line(time.Time{}, "Method completed with status: 200")
	got := strings.Split(strings.TrimSuffix(l.String(), "\n"), "\n")
	for i := range got {
		// Records carry the real time; compare the text after the stamp.
		stamp, msg, ok := strings.Cut(got[i], " : ")
		if !ok || len(stamp) != len("Thu Mar 17 12:34:56 UTC 2022") || !strings.Contains(stamp, "UTC") {
			t.Errorf("line %q has no execution-log time stamp", got[i])
		}
		got[i] = msg
	}
	want := []string{
		"Starting authorizer: TokenAuth for request: r-1",
		"Execution failed due to configuration error: Authorizer error (cause: timeout)",
		"Method completed with status: 200",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if !strings.HasPrefix(strings.Split(l.String(), "\n")[2], "Thu Mar 17 12:34:56 UTC 2022 : ") {
		t.Errorf("Line with a zero time uses the clock: %q", strings.Split(l.String(), "\n")[2])
	}
}

// The request path's cost of counting one request.
func BenchmarkMetrics_Request(b *testing.B) {
	m := NewMetrics(MetricsOptions{NoRuntimeCollectors: true})
	b.ReportAllocs()
	for b.Loop() {
		m.Request("Api", "prod", "GET /pets/{id}", 200, time.Millisecond)
	}
}

func BenchmarkMetrics_CacheHit(b *testing.B) {
	m := NewMetrics(MetricsOptions{NoRuntimeCollectors: true})
	b.ReportAllocs()
	for b.Loop() {
		m.Hit()
	}
}
