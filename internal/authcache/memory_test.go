package authcache

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/portcullis-gateway/portcullis/internal/testenv"
)

type countingMetrics struct {
	hits, misses, evicted, expired atomic.Int64
}

func (m *countingMetrics) Hit()     { m.hits.Add(1) }
func (m *countingMetrics) Miss()    { m.misses.Add(1) }
func (m *countingMetrics) Evicted() { m.evicted.Add(1) }
func (m *countingMetrics) Expired() { m.expired.Add(1) }

// filler counts invocations of the authorizer it stands for.
type filler struct {
	calls atomic.Int64
	entry Entry
	err   error
}

func (f *filler) fill(context.Context) (Entry, error) {
	f.calls.Add(1)
	return f.entry, f.err
}

var (
	keyDev = Key{APIID: "abcde12345", Stage: "dev", AuthorizerID: "auth01", Identity: "Bearer allow"}
	arn43  = "arn:aws:execute-api:us-east-1:123456789012:abcde12345/dev/GET/users/43/info"
)

func allowEntry() Entry {
	return Entry{
		Raw:      []byte(`{"principalId":"u","policyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"` + arn43 + `"}]}}`),
		Value:    "parsed-allow",
		FilledBy: arn43,
	}
}

func denyEntry() Entry {
	return Entry{
		Raw:      []byte(`{"principalId":"u","policyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"*"}]}}`),
		Value:    "parsed-deny",
		FilledBy: arn43,
	}
}

// docs/behaviour.md#CACHE-1: the result lives for authorizerResultTtlInSeconds and is reused
// for any request with the same identity within it.
func TestMemory_HitWithinTTL_MissAfterTTL(t *testing.T) {
	clock := testenv.NewClock(time.Time{})
	m := NewMemory(MemoryOptions{Clock: clock})
	defer m.Close()
	f := &filler{entry: allowEntry()}
	ttl := 300 * time.Second

	steps := []struct {
		name      string
		advance   time.Duration
		wantHit   bool
		wantCalls int64
	}{
		{"first request invokes the authorizer", 0, false, 1},
		{"same identity within TTL is a hit", 299 * time.Second, true, 1},
		{"at TTL the entry is gone", time.Second, false, 2},
		{"refilled entry is a hit again", time.Second, true, 2},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			clock.Advance(s.advance)
			_, hit, err := m.Get(t.Context(), keyDev, ttl, f.fill)
			if err != nil {
				t.Fatal(err)
			}
			if hit != s.wantHit || f.calls.Load() != s.wantCalls {
				t.Errorf("hit=%v calls=%d, want hit=%v calls=%d", hit, f.calls.Load(), s.wantHit, s.wantCalls)
			}
		})
	}
}

func TestMemory_Entry_FilledAtFromClockAndFilledByKept(t *testing.T) {
	clock := testenv.NewClock(time.Time{})
	m := NewMemory(MemoryOptions{Clock: clock})
	defer m.Close()
	f := &filler{entry: allowEntry()}
	want := allowEntry()
	want.FilledAt = clock.Now()

	if _, _, err := m.Get(t.Context(), keyDev, time.Minute, f.fill); err != nil {
		t.Fatal(err)
	}
	clock.Advance(10 * time.Second)
	got, hit, err := m.Get(t.Context(), keyDev, time.Minute, f.fill)
	if err != nil || !hit {
		t.Fatalf("hit=%v err=%v, want a hit", hit, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entry (-want +got):\n%s", diff)
	}
}

// docs/behaviour.md#CACHE-1: authorizerResultTtlInSeconds 0 disables caching.
func TestMemory_TTLZero_InvokesAuthorizerEveryTime(t *testing.T) {
	m := NewMemory(MemoryOptions{Clock: testenv.NewClock(time.Time{})})
	defer m.Close()
	f := &filler{entry: allowEntry()}
	for i := range 3 {
		_, hit, err := m.Get(t.Context(), keyDev, 0, f.fill)
		if err != nil || hit {
			t.Fatalf("request %d: hit=%v err=%v, want a miss", i, hit, err)
		}
	}
	if got := f.calls.Load(); got != 3 {
		t.Errorf("authorizer invoked %d times, want 3", got)
	}
	if got := m.Len(); got != 0 {
		t.Errorf("Len = %d, want 0: nothing is stored with TTL 0", got)
	}
}

// docs/behaviour.md#DEC-CACHE-WHAT: the cache stores the parsed result for Allow and Deny policies alike;
// it never looks inside.
func TestMemory_AllowAndDenyResults_CachedAlike(t *testing.T) {
	for _, tc := range []struct {
		name  string
		entry Entry
	}{
		{"allow policy", allowEntry()},
		{"deny policy", denyEntry()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMemory(MemoryOptions{Clock: testenv.NewClock(time.Time{})})
			defer m.Close()
			f := &filler{entry: tc.entry}
			m.Get(t.Context(), keyDev, time.Minute, f.fill)
			got, hit, err := m.Get(t.Context(), keyDev, time.Minute, f.fill)
			if err != nil || !hit || f.calls.Load() != 1 {
				t.Fatalf("hit=%v err=%v calls=%d, want the second request served from cache", hit, err, f.calls.Load())
			}
			if diff := cmp.Diff(tc.entry.Value, got.Value); diff != "" {
				t.Errorf("value (-want +got):\n%s", diff)
			}
		})
	}
}

// docs/behaviour.md#DEC-CACHE-WHAT: Unauthorized (401) outcomes and failures (500) are never cached.
func TestMemory_FillError_NotCached(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"Unauthorized from the function", errors.New("Unauthorized")},
		{"authorizer configuration error", errors.New("function timed out")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMemory(MemoryOptions{Clock: testenv.NewClock(time.Time{})})
			defer m.Close()
			f := &filler{err: tc.err}
			for range 2 {
				_, hit, err := m.Get(t.Context(), keyDev, time.Minute, f.fill)
				if !errors.Is(err, tc.err) || hit {
					t.Fatalf("hit=%v err=%v, want the fill error and a miss", hit, err)
				}
			}
			if got := f.calls.Load(); got != 2 {
				t.Errorf("authorizer invoked %d times, want 2 (errors are not cached)", got)
			}
		})
	}
}

// Concurrent misses for one key invoke the function once.
func TestMemory_ConcurrentMisses_InvokeAuthorizerOnce(t *testing.T) {
	m := NewMemory(MemoryOptions{Clock: testenv.NewClock(time.Time{})})
	defer m.Close()
	release := make(chan struct{})
	var calls atomic.Int64
	fill := func(context.Context) (Entry, error) {
		calls.Add(1)
		<-release
		return allowEntry(), nil
	}
	const n = 50
	var started, done sync.WaitGroup
	var misses atomic.Int64
	started.Add(n)
	for range n {
		done.Go(func() {
			started.Done()
			e, hit, err := m.Get(context.Background(), keyDev, time.Minute, fill)
			if err != nil || e.FilledBy != arn43 {
				t.Errorf("err=%v entry=%+v", err, e)
			}
			if !hit {
				misses.Add(1)
			}
		})
	}
	started.Wait()
	// Let the callers reach the cache before the fill completes; callers
	// that arrive later are hits anyway, since the fake clock stands still.
	time.Sleep(20 * time.Millisecond)
	close(release)
	done.Wait()
	if got := calls.Load(); got != 1 {
		t.Errorf("authorizer invoked %d times for %d concurrent misses, want 1", got, n)
	}
	if got := misses.Load(); got != 1 {
		t.Errorf("%d callers report a miss, want 1 (the one that invoked)", got)
	}
}

func TestMemory_ContextDoneWhileWaiting_ReturnsContextError(t *testing.T) {
	m := NewMemory(MemoryOptions{Clock: testenv.NewClock(time.Time{})})
	defer m.Close()
	release := make(chan struct{})
	filling := make(chan struct{})
	go m.Get(context.Background(), keyDev, time.Minute, func(context.Context) (Entry, error) {
		close(filling)
		<-release
		return allowEntry(), nil
	})
	<-filling
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, _, err := m.Get(ctx, keyDev, time.Minute, (&filler{entry: allowEntry()}).fill)
	close(release)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestMemory_MaxEntries_BoundsSizeByEviction(t *testing.T) {
	metrics := &countingMetrics{}
	m := NewMemory(MemoryOptions{Clock: testenv.NewClock(time.Time{}), MaxEntries: 100, Metrics: metrics})
	defer m.Close()
	f := &filler{entry: allowEntry()}
	for i := range 1000 {
		k := keyDev
		k.Identity = fmt.Sprintf("token-%d", i)
		if _, _, err := m.Get(t.Context(), k, time.Hour, f.fill); err != nil {
			t.Fatal(err)
		}
	}
	m.cache.CleanUp()
	if got := m.Len(); got > 100 {
		t.Errorf("Len = %d after 1000 distinct identities, want at most MaxEntries 100", got)
	}
}

// docs/behaviour.md#DEC-CACHE-SCOPE: FlushStageAuthorizersCache clears one stage of one API.
func TestMemory_Flush_ClearsOneStageOfOneAPI(t *testing.T) {
	m := NewMemory(MemoryOptions{Clock: testenv.NewClock(time.Time{})})
	defer m.Close()
	keys := map[string]Key{
		"flushed stage":           keyDev,
		"other authorizer":        {APIID: "abcde12345", Stage: "dev", AuthorizerID: "auth02", Identity: "Bearer allow"},
		"other stage of same API": {APIID: "abcde12345", Stage: "prod", AuthorizerID: "auth01", Identity: "Bearer allow"},
		"same stage of other API": {APIID: "zzzzz99999", Stage: "dev", AuthorizerID: "auth01", Identity: "Bearer allow"},
	}
	f := &filler{entry: allowEntry()}
	for _, k := range keys {
		m.Get(t.Context(), k, time.Hour, f.fill)
	}
	if err := m.Flush(t.Context(), "abcde12345", "dev"); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"flushed stage":           false,
		"other authorizer":        false,
		"other stage of same API": true,
		"same stage of other API": true,
	}
	got := map[string]bool{}
	for name, k := range keys {
		_, hit, err := m.Get(t.Context(), k, time.Hour, f.fill)
		if err != nil {
			t.Fatal(err)
		}
		got[name] = hit
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("hit after flush (-want +got):\n%s", diff)
	}
}

// A fill that was running when the stage was flushed must not bring its
// result back: the authorizer saw the request before the flush.
func TestMemory_FlushDuringFill_ResultNotVisibleAfterFlush(t *testing.T) {
	m := NewMemory(MemoryOptions{Clock: testenv.NewClock(time.Time{})})
	defer m.Close()
	release := make(chan struct{})
	filling := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.Get(context.Background(), keyDev, time.Hour, func(context.Context) (Entry, error) {
			close(filling)
			<-release
			return allowEntry(), nil
		})
	}()
	<-filling
	m.Flush(t.Context(), keyDev.APIID, keyDev.Stage)
	close(release)
	<-done
	f := &filler{entry: denyEntry()}
	_, hit, _ := m.Get(t.Context(), keyDev, time.Hour, f.fill)
	if hit || f.calls.Load() != 1 {
		t.Errorf("hit=%v calls=%d, want a miss that invokes the authorizer", hit, f.calls.Load())
	}
}

func TestMemory_FlushAll_ClearsEveryStage(t *testing.T) {
	m := NewMemory(MemoryOptions{Clock: testenv.NewClock(time.Time{})})
	defer m.Close()
	other := Key{APIID: "zzzzz99999", Stage: "prod", AuthorizerID: "a", Identity: "t"}
	f := &filler{entry: allowEntry()}
	m.Get(t.Context(), keyDev, time.Hour, f.fill)
	m.Get(t.Context(), other, time.Hour, f.fill)
	m.FlushAll()
	for _, k := range []Key{keyDev, other} {
		if _, hit, _ := m.Get(t.Context(), k, time.Hour, f.fill); hit {
			t.Errorf("%+v: hit after FlushAll", k)
		}
	}
}

func TestMemory_Metrics_CountHitsMissesExpirations(t *testing.T) {
	clock := testenv.NewClock(time.Time{})
	metrics := &countingMetrics{}
	m := NewMemory(MemoryOptions{Clock: clock, Metrics: metrics})
	defer m.Close()
	f := &filler{entry: allowEntry()}
	m.Get(t.Context(), keyDev, time.Minute, f.fill) // miss
	m.Get(t.Context(), keyDev, time.Minute, f.fill) // hit
	m.Get(t.Context(), keyDev, time.Minute, f.fill) // hit
	clock.Advance(time.Minute)
	m.Get(t.Context(), keyDev, time.Minute, f.fill) // miss
	got := map[string]int64{"hits": metrics.hits.Load(), "misses": metrics.misses.Load()}
	want := map[string]int64{"hits": 2, "misses": 2}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("metrics (-want +got):\n%s", diff)
	}
}

// The fill function is bound once, as a method value would allocate on
// every call; the gateway likewise keeps its per-authorizer fill outside
// the hit path.
func BenchmarkMemory_Hit(b *testing.B) {
	m := NewMemory(MemoryOptions{})
	defer m.Close()
	fill := (&filler{entry: allowEntry()}).fill
	ctx := context.Background()
	m.Get(ctx, keyDev, time.Hour, fill)
	for b.Loop() {
		if _, hit, _ := m.Get(ctx, keyDev, time.Hour, fill); !hit {
			b.Fatal("miss")
		}
	}
}

func BenchmarkMemory_HitAfterFlush(b *testing.B) {
	m := NewMemory(MemoryOptions{})
	defer m.Close()
	fill := (&filler{entry: allowEntry()}).fill
	ctx := context.Background()
	m.Flush(ctx, keyDev.APIID, keyDev.Stage)
	m.Get(ctx, keyDev, time.Hour, fill)
	for b.Loop() {
		if _, hit, _ := m.Get(ctx, keyDev, time.Hour, fill); !hit {
			b.Fatal("miss")
		}
	}
}

func BenchmarkMemory_HitParallel(b *testing.B) {
	m := NewMemory(MemoryOptions{})
	defer m.Close()
	fill := (&filler{entry: allowEntry()}).fill
	m.Get(context.Background(), keyDev, time.Hour, fill)
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			m.Get(ctx, keyDev, time.Hour, fill)
		}
	})
}
