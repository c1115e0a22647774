package throttle

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/authcache/redistest"
)

// newInstance is one gateway instance's limiter: its own Redis client and
// its own fallback.
func newInstance(t testing.TB, srv *redistest.Server) *Redis {
	t.Helper()
	return newInstanceAt(t, srv.URL(), "ns-test")
}

// newInstanceAt is an instance of deployment ns on the Redis at url.
func newInstanceAt(t testing.TB, url, ns string) *Redis {
	t.Helper()
	r, err := NewRedis(RedisOptions{
		URL:           url,
		Namespace:     ns,
		Logger:        slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		RetryInterval: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// Issue: a shared rate limit holds across instances. The bucket refills one
// token per 100 s, so the test admits exactly the burst however slowly it
// runs.
func TestRedis_SharedLimit_HoldsAcrossInstances(t *testing.T) {
	srv := redistest.Start(t)
	a, b := newInstance(t, srv), newInstance(t, srv)
	admitted := 0
	for range 10 {
		admitted += allowN(t, a, "abcde12345/dev", 0.01, 5, 1)
		admitted += allowN(t, b, "abcde12345/dev", 0.01, 5, 1)
	}
	if admitted != 5 {
		t.Errorf("admitted %d of 20 requests across two instances, want the shared burst of 5", admitted)
	}
	if got := allowN(t, a, "abcde12345/prod", 0.01, 5, 10); got != 5 {
		t.Errorf("another key admitted %d, want its own burst of 5", got)
	}
}

// The script runs on Redis's clock; a high rate refills within the test.
func TestRedis_BucketRefillsAtRate(t *testing.T) {
	srv := redistest.Start(t)
	a := newInstance(t, srv)
	// One token per 200 ms: five quick requests see no refill.
	if got := allowN(t, a, "k", 5, 2, 5); got != 2 {
		t.Fatalf("admitted %d, want the burst of 2", got)
	}
	time.Sleep(500 * time.Millisecond) // two and a half tokens' worth, capped at two
	if got := allowN(t, a, "k", 5, 2, 5); got != 2 {
		t.Errorf("admitted %d after refilling, want 2", got)
	}
}

// Redis is an accelerator: without it each instance enforces the limits
// locally instead of failing or admitting everything.
func TestRedis_Down_FallsBackToLocalLimits_SharesAgainWhenBack(t *testing.T) {
	srv := redistest.Start(t)
	a, b := newInstance(t, srv), newInstance(t, srv)
	allowN(t, a, "k", 0.01, 3, 3)
	srv.Kill()
	if got := allowN(t, a, "k", 0.01, 3, 10); got != 3 {
		t.Errorf("admitted %d during the outage, want the local burst of 3", got)
	}
	ok, err := a.Consume(t.Context(), "plan/key", 1, "DAY", time.Now())
	if err != nil || !ok {
		t.Errorf("Consume during outage = %v, %v; want the local quota to admit", ok, err)
	}

	srv.Restart()
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; ; i++ {
		// Shared again once B sees the single token that A took.
		key := fmt.Sprintf("after-%d", i)
		if allowN(t, a, key, 0.01, 1, 1) == 1 && allowN(t, b, key, 0.01, 1, 1) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("limits are not shared again after Redis came back")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRedis_Quota_SharedAndResetAtPeriodBoundary(t *testing.T) {
	srv := redistest.Start(t)
	a, b := newInstance(t, srv), newInstance(t, srv)
	// Counters expire at the end of their period, so the test uses the
	// current period and the next one.
	now := time.Now()
	_, end, _ := PeriodBounds("DAY", now)
	consume(t, a, "plan1/key1", 3, "DAY", now, []bool{true, true})
	consume(t, b, "plan1/key1", 3, "DAY", now, []bool{true, false})
	consume(t, a, "plan1/key1", 3, "DAY", end.Add(-time.Nanosecond), []bool{false})
	consume(t, b, "plan1/key1", 3, "DAY", end, []bool{true, true, true, false})

	ttl, err := a.rdb.TTL(context.Background(), "portcullis:{ns-test}:quota:plan1/key1:"+strconv.FormatInt(end.Unix(), 10)).Result()
	if err != nil || ttl <= 24*time.Hour || ttl > 48*time.Hour {
		t.Errorf("TTL of the next period's counter = %v, %v; want it to expire when that day ends", ttl, err)
	}
}

func BenchmarkRedis_Allow(b *testing.B) {
	srv := redistest.Start(b)
	r := newInstance(b, srv)
	ctx := context.Background()
	for b.Loop() {
		r.Allow(ctx, "abcde12345/dev", 1e9, 1000)
	}
}

// Issue 11: two different deployments on one Redis (both SAM's implicit
// ServerlessRestApi, so the same API id and usage-plan ids) shared their
// throttle buckets and quotas. Different namespaces share nothing; two
// instances of one namespace share everything.
func TestRedis_DifferentNamespaces_ShareNoBucketOrQuota(t *testing.T) {
	srv := redistest.Start(t)
	app1, app1b := newInstanceAt(t, srv.URL(), "app1"), newInstanceAt(t, srv.URL(), "app1")
	app2 := newInstanceAt(t, srv.URL(), "app2")
	const key = "abcde12345/prod"
	if got := allowN(t, app1, key, 0.01, 2, 2) + allowN(t, app1b, key, 0.01, 2, 2); got != 2 {
		t.Errorf("app1's two instances admitted %d, want their shared burst of 2", got)
	}
	if got := allowN(t, app2, key, 0.01, 2, 3); got != 2 {
		t.Errorf("app2 admitted %d, want its own burst of 2", got)
	}
	now := time.Now()
	consume(t, app1, "usageplan/abcde12345/Plan/k", 1, "DAY", now, []bool{true})
	consume(t, app1b, "usageplan/abcde12345/Plan/k", 1, "DAY", now, []bool{false})
	consume(t, app2, "usageplan/abcde12345/Plan/k", 1, "DAY", now, []bool{true, false})
}

func TestNewRedis_RejectsEmptyNamespace(t *testing.T) {
	for _, ns := range []string{"", "a}b"} {
		if _, err := NewRedis(RedisOptions{URL: "redis://127.0.0.1:1", Namespace: ns}); err == nil {
			t.Errorf("NewRedis with namespace %q succeeded", ns)
		}
	}
}
