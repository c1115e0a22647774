package throttle

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/portcullis-gateway/portcullis/internal/testenv"
	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"
)

type quietRedisLog struct{}

func (quietRedisLog) Printf(context.Context, string, ...any) {}

func TestMain(m *testing.M) {
	// go-redis logs every failed dial through a process-wide logger; the
	// outage tests cause many on purpose.
	redis.SetLogger(quietRedisLog{})
	goleak.VerifyTestMain(m)
}

// allowN asks n times and returns how many were admitted.
func allowN(t *testing.T, l Limiter, key string, rate float64, burst, n int) int {
	t.Helper()
	admitted := 0
	for range n {
		ok, err := l.Allow(t.Context(), key, rate, burst)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			admitted++
		}
	}
	return admitted
}

// docs/behaviour.md#THROTTLE-1: ThrottlingBurstLimit requests may arrive at once, then
// ThrottlingRateLimit requests per second are admitted.
func TestLocal_BurstThenSteadyRate(t *testing.T) {
	clock := testenv.NewClock(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC))
	l := NewLocal(LocalOptions{Clock: clock})
	defer l.Close()
	const rate, burst = 10, 5
	steps := []struct {
		name    string
		advance time.Duration
		ask     int
		want    int
	}{
		{"a full bucket admits the burst at once", 0, 8, 5},
		{"one refill interval admits one request", 100 * time.Millisecond, 3, 1},
		{"half an interval admits none", 50 * time.Millisecond, 1, 0},
		{"the other half completes the token", 50 * time.Millisecond, 1, 1},
		{"a long pause refills only up to the burst", 10 * time.Second, 20, 5},
		{"a second at 10 req/s refills no more than the burst", time.Second, 20, 5},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			clock.Advance(s.advance)
			if got := allowN(t, l, "api/dev/GET/pets", rate, burst, s.ask); got != s.want {
				t.Errorf("admitted %d of %d, want %d", got, s.ask, s.want)
			}
		})
	}
}

func TestLocal_SteadyRate_TenPerSecond(t *testing.T) {
	clock := testenv.NewClock(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC))
	l := NewLocal(LocalOptions{Clock: clock})
	defer l.Close()
	allowN(t, l, "k", 10, 5, 5) // drain the burst
	admitted := 0
	for range 20 { // one second, a request every 50 ms
		clock.Advance(50 * time.Millisecond)
		admitted += allowN(t, l, "k", 10, 5, 1)
	}
	if admitted != 10 {
		t.Errorf("admitted %d of 20 requests offered at 20 req/s over 1 s, want 10 (the rate limit)", admitted)
	}
}

func TestLocal_KeysHaveSeparateBuckets(t *testing.T) {
	l := NewLocal(LocalOptions{Clock: testenv.NewClock(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC))})
	defer l.Close()
	got := []int{
		allowN(t, l, "api/dev/GET/pets", 1, 2, 5),
		allowN(t, l, "api/dev/POST/pets", 1, 2, 5),
		allowN(t, l, "api/prod/GET/pets", 1, 2, 5),
	}
	if diff := cmp.Diff([]int{2, 2, 2}, got); diff != "" {
		t.Errorf("admitted per key (-want +got):\n%s", diff)
	}
}

func TestLocal_LimitsChange_BucketFollows(t *testing.T) {
	clock := testenv.NewClock(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC))
	l := NewLocal(LocalOptions{Clock: clock})
	defer l.Close()
	allowN(t, l, "k", 1, 2, 2)
	clock.Advance(time.Second)
	if got := allowN(t, l, "k", 100, 2, 5); got != 1 {
		t.Fatalf("admitted %d, want 1 (the token refilled at the old rate)", got)
	}
	clock.Advance(10 * time.Millisecond)
	if got := allowN(t, l, "k", 100, 2, 5); got != 1 {
		t.Errorf("admitted %d after 10 ms at 100 req/s, want 1", got)
	}
}

func TestLimiters_NonPositiveLimits_AdmitNothing(t *testing.T) {
	l := NewLocal(LocalOptions{Clock: testenv.NewClock(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC))})
	defer l.Close()
	for _, tc := range []struct {
		rate  float64
		burst int
	}{{0, 10}, {10, 0}, {-1, 10}, {10, -1}} {
		if got := allowN(t, l, "k", tc.rate, tc.burst, 3); got != 0 {
			t.Errorf("rate %v burst %d: admitted %d, want 0", tc.rate, tc.burst, got)
		}
	}
}

func TestLocal_IdleBucketDropped_OnlyAfterItWouldHaveRefilled(t *testing.T) {
	clock := testenv.NewClock(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC))
	l := NewLocal(LocalOptions{Clock: clock, IdleTTL: time.Second})
	defer l.Close()
	// A slow bucket (one token per 100 s) must not be forgotten after the
	// one-second idle time: forgetting it would hand out a full bucket.
	allowN(t, l, "slow", 0.01, 1, 1)
	clock.Advance(2 * time.Second)
	if got := allowN(t, l, "slow", 0.01, 1, 1); got != 0 {
		t.Errorf("admitted %d, want 0: the bucket has not refilled", got)
	}
}

func TestPeriodBounds(t *testing.T) {
	// 2026-03-04 is a Wednesday.
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	for _, tc := range []struct {
		period     string
		now        time.Time
		start, end string
	}{
		{"DAY", now, "2026-03-04", "2026-03-05"},
		{"WEEK", now, "2026-03-01", "2026-03-08"}, // QuotaSettings: offset 0 starts on Sunday
		{"WEEK", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), "2026-03-01", "2026-03-08"},
		{"WEEK", time.Date(2026, 2, 28, 23, 59, 59, 0, time.UTC), "2026-02-22", "2026-03-01"},
		{"MONTH", now, "2026-03-01", "2026-04-01"},
		{"MONTH", time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC), "2026-12-01", "2027-01-01"},
		{"DAY", time.Date(2026, 3, 4, 23, 30, 0, 0, time.FixedZone("UTC-5", -5*3600)), "2026-03-05", "2026-03-06"},
	} {
		t.Run(tc.period+" "+tc.now.String(), func(t *testing.T) {
			start, end, err := PeriodBounds(tc.period, tc.now)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{start.Format(time.DateOnly), end.Format(time.DateOnly)}
			if diff := cmp.Diff([]string{tc.start, tc.end}, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if _, _, err := PeriodBounds("YEAR", now); err == nil {
		t.Error("PeriodBounds accepted YEAR")
	}
}

// docs/behaviour.md#THROTTLE-1: past the usage plan's quota, requests are refused until the
// period ends.
func TestLocal_Quota_ExhaustedThenResetAtPeriodBoundary(t *testing.T) {
	for _, period := range []string{"DAY", "WEEK", "MONTH"} {
		t.Run(period, func(t *testing.T) {
			l := NewLocal(LocalOptions{})
			defer l.Close()
			start, end, _ := PeriodBounds(period, time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC))
			consume(t, l, "plan1/key1", 3, period, start, []bool{true, true, true, false})
			consume(t, l, "plan1/key1", 3, period, end.Add(-time.Nanosecond), []bool{false})
			consume(t, l, "plan1/key2", 3, period, end.Add(-time.Nanosecond), []bool{true})
			consume(t, l, "plan1/key1", 3, period, end, []bool{true, true, true, false})
		})
	}
}

func consume(t *testing.T, q Quota, key string, limit int, period string, now time.Time, want []bool) {
	t.Helper()
	var got []bool
	for range want {
		ok, err := q.Consume(t.Context(), key, limit, period, now)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ok)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s at %s (-want +got):\n%s", key, now, diff)
	}
}

func BenchmarkLocal_Allow(b *testing.B) {
	l := NewLocal(LocalOptions{})
	defer l.Close()
	ctx := context.Background()
	for b.Loop() {
		l.Allow(ctx, "abcde12345/dev/GET/pets", 1e9, 1000)
	}
}

func BenchmarkLocal_AllowManyKeys(b *testing.B) {
	l := NewLocal(LocalOptions{})
	defer l.Close()
	ctx := context.Background()
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = fmt.Sprintf("abcde12345/dev/GET/pets/%d", i)
	}
	i := 0
	for b.Loop() {
		l.Allow(ctx, keys[i&1023], 1e9, 1000)
		i++
	}
}
