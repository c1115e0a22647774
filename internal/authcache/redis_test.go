package authcache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/portcullis-gateway/portcullis/internal/authcache/redistest"
)

func decodeForTest(raw []byte) (any, error) {
	if !strings.HasPrefix(string(raw), "{") {
		return nil, errors.New("not JSON")
	}
	return "decoded:" + string(raw), nil
}

// newInstance is one gateway instance: its own Redis client and local tier.
func newInstance(t testing.TB, srv *redistest.Server) *Redis {
	t.Helper()
	r, err := NewRedis(context.Background(), RedisOptions{
		URL:           srv.URL(),
		Logger:        slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		Decode:        decodeForTest,
		LockTTL:       5 * time.Second,
		RetryInterval: 50 * time.Millisecond,
		PollInterval:  5 * time.Millisecond,
		LogInterval:   time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func rawClient(t *testing.T, srv *redistest.Server) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { c.Close() })
	return c
}

// eventually polls cond, for conditions that another instance makes true
// asynchronously (pub/sub delivery, reconnection).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func localHit(r *Redis, k Key) bool {
	_, _, ok := r.local.lookup(k)
	return ok
}

func TestRedis_EntryFilledByOneInstance_HitOnAnother(t *testing.T) {
	srv := redistest.Start(t)
	a, b := newInstance(t, srv), newInstance(t, srv)
	f := &filler{entry: allowEntry()}
	f.entry.FilledAt = time.Date(2026, 5, 6, 7, 8, 9, 123456789, time.UTC)

	if _, hit, err := a.Get(t.Context(), keyDev, time.Minute, f.fill); err != nil || hit {
		t.Fatalf("instance A: hit=%v err=%v, want a miss that fills", hit, err)
	}
	got, hit, err := b.Get(t.Context(), keyDev, time.Minute, f.fill)
	if err != nil || !hit {
		t.Fatalf("instance B: hit=%v err=%v, want a hit on A's entry", hit, err)
	}
	if n := f.calls.Load(); n != 1 {
		t.Errorf("authorizer invoked %d times across two instances, want 1", n)
	}
	want := f.entry
	want.Value = "decoded:" + string(f.entry.Raw)
	if diff := cmp.Diff(want, got, cmp.Comparer(func(x, y time.Time) bool { return x.Equal(y) })); diff != "" {
		t.Errorf("entry on B (-want +got):\n%s", diff)
	}
	if !localHit(b, keyDev) {
		t.Error("B did not keep the shared entry in its local tier")
	}

	// The key layout is an operational interface: operators inspect it.
	sum := sha256.Sum256([]byte(keyDev.Identity))
	redisKey := "portcullis:authz:abcde12345:dev:auth01:" + hex.EncodeToString(sum[:])
	pttl, err := rawClient(t, srv).PTTL(t.Context(), redisKey).Result()
	if err != nil || pttl <= 0 || pttl > time.Minute {
		t.Errorf("PTTL %s = %v, %v; want the entry stored with the 60 s TTL", redisKey, pttl, err)
	}
}

func TestRedis_TTLZero_InvokesAuthorizerEveryTime(t *testing.T) {
	srv := redistest.Start(t)
	a, b := newInstance(t, srv), newInstance(t, srv)
	f := &filler{entry: allowEntry()}
	for _, r := range []*Redis{a, b, a} {
		if _, hit, err := r.Get(t.Context(), keyDev, 0, f.fill); err != nil || hit {
			t.Fatalf("hit=%v err=%v, want a miss", hit, err)
		}
	}
	if n := f.calls.Load(); n != 3 {
		t.Errorf("authorizer invoked %d times, want 3", n)
	}
}

// D7 across instances: a failed fill leaves nothing behind, and releases
// the lock so the next instance invokes the authorizer itself.
func TestRedis_FillError_NotShared(t *testing.T) {
	srv := redistest.Start(t)
	a, b := newInstance(t, srv), newInstance(t, srv)
	unauthorized := errors.New("Unauthorized")
	if _, _, err := a.Get(t.Context(), keyDev, time.Minute, (&filler{err: unauthorized}).fill); !errors.Is(err, unauthorized) {
		t.Fatalf("err = %v, want Unauthorized", err)
	}
	f := &filler{entry: allowEntry()}
	if _, hit, err := b.Get(t.Context(), keyDev, time.Minute, f.fill); err != nil || hit || f.calls.Load() != 1 {
		t.Errorf("instance B: hit=%v err=%v calls=%d, want its own invocation", hit, err, f.calls.Load())
	}
}

// Spec §6 + D8 across instances: FlushStageAuthorizersCache on one instance
// empties every instance's copy of the stage.
func TestRedis_FlushOnOneInstance_ClearsEveryInstance(t *testing.T) {
	srv := redistest.Start(t)
	a, b := newInstance(t, srv), newInstance(t, srv)
	prod := keyDev
	prod.Stage = "prod"
	f := &filler{entry: allowEntry()}
	for _, k := range []Key{keyDev, prod} {
		a.Get(t.Context(), k, time.Hour, f.fill)
		if _, hit, _ := b.Get(t.Context(), k, time.Hour, f.fill); !hit {
			t.Fatalf("%s: B missed A's entry", k.Stage)
		}
	}

	if err := a.Flush(t.Context(), keyDev.APIID, keyDev.Stage); err != nil {
		t.Fatal(err)
	}
	eventually(t, "B's local tier drops the flushed stage", func() bool { return !localHit(b, keyDev) })
	if !localHit(b, prod) {
		t.Error("flush of dev removed B's prod entry")
	}
	calls := f.calls.Load()
	if _, hit, _ := b.Get(t.Context(), keyDev, time.Hour, f.fill); hit || f.calls.Load() != calls+1 {
		t.Errorf("after flush B: hit=%v, want a miss that invokes the authorizer", hit)
	}
	n, err := rawClient(t, srv).Keys(t.Context(), "portcullis:authz:abcde12345:prod:*").Result()
	if err != nil || len(n) != 1 {
		t.Errorf("prod keys in Redis = %v, %v; want the one entry kept", n, err)
	}
}

// An instance that joins after a flush, or reads an entry that a slow fill
// wrote after the flush, must not see the pre-flush result.
func TestRedis_FillRacingFlush_NotServedAfterFlush(t *testing.T) {
	srv := redistest.Start(t)
	a, b := newInstance(t, srv), newInstance(t, srv)
	filling, release, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		a.Get(context.Background(), keyDev, time.Hour, func(context.Context) (Entry, error) {
			close(filling)
			<-release
			return allowEntry(), nil
		})
	}()
	<-filling
	if err := b.Flush(t.Context(), keyDev.APIID, keyDev.Stage); err != nil {
		t.Fatal(err)
	}
	close(release)
	<-done

	late := newInstance(t, srv)
	f := &filler{entry: denyEntry()}
	got, hit, err := late.Get(t.Context(), keyDev, time.Hour, f.fill)
	if err != nil || hit || got.Value != "parsed-deny" {
		t.Errorf("late instance: hit=%v err=%v value=%v, want its own invocation", hit, err, got.Value)
	}
}

func TestRedis_ConcurrentMissesOnTwoInstances_InvokeAuthorizerOnce(t *testing.T) {
	srv := redistest.Start(t)
	a, b := newInstance(t, srv), newInstance(t, srv)
	var calls atomic.Int64
	filling, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	fill := func(context.Context) (Entry, error) {
		calls.Add(1)
		once.Do(func() { close(filling) })
		<-release
		return allowEntry(), nil
	}
	var wg sync.WaitGroup
	get := func(r *Redis) {
		wg.Go(func() {
			if _, _, err := r.Get(context.Background(), keyDev, time.Minute, fill); err != nil {
				t.Error(err)
			}
		})
	}
	get(a)
	<-filling // A holds the fill lock
	for range 10 {
		get(a)
		get(b)
	}
	// Let B's callers reach Redis and start waiting on A's lock.
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("authorizer invoked %d times for 21 concurrent misses on two instances, want 1", n)
	}
}

func TestRedis_EntryThatDoesNotDecode_Refilled(t *testing.T) {
	srv := redistest.Start(t)
	a, b := newInstance(t, srv), newInstance(t, srv)
	bad := &filler{entry: Entry{Raw: []byte("not json"), Value: "x"}}
	a.Get(t.Context(), keyDev, time.Minute, bad.fill)
	f := &filler{entry: allowEntry()}
	if _, hit, err := b.Get(t.Context(), keyDev, time.Minute, f.fill); err != nil || hit || f.calls.Load() != 1 {
		t.Errorf("hit=%v err=%v calls=%d, want B to invoke the authorizer", hit, err, f.calls.Load())
	}
}

// Redis is never an authority: without it every miss still invokes the
// authorizer, and sharing resumes by itself when Redis is back.
func TestRedis_RedisDown_InvokesAuthorizer_RecoversWhenBack(t *testing.T) {
	srv := redistest.Start(t)
	a, b := newInstance(t, srv), newInstance(t, srv)
	f := &filler{entry: allowEntry()}
	cached := keyDev
	a.Get(t.Context(), cached, time.Hour, f.fill)

	srv.Kill()

	t.Run("local tier still serves its entries", func(t *testing.T) {
		if _, hit, err := a.Get(t.Context(), cached, time.Hour, f.fill); err != nil || !hit {
			t.Errorf("hit=%v err=%v, want a local hit", hit, err)
		}
	})
	t.Run("misses invoke the authorizer on each instance", func(t *testing.T) {
		k := keyDev
		k.Identity = "during outage"
		before := f.calls.Load()
		for _, r := range []*Redis{a, b} {
			e, hit, err := r.Get(t.Context(), k, time.Hour, f.fill)
			if err != nil || hit || e.FilledBy != arn43 {
				t.Errorf("hit=%v err=%v entry=%+v, want the authorizer's result", hit, err, e)
			}
		}
		if n := f.calls.Load() - before; n != 2 {
			t.Errorf("authorizer invoked %d times, want 2 (once per instance)", n)
		}
	})
	t.Run("a failed fill is still an error", func(t *testing.T) {
		k := keyDev
		k.Identity = "unauthorized during outage"
		unauthorized := errors.New("Unauthorized")
		if _, _, err := a.Get(t.Context(), k, time.Hour, (&filler{err: unauthorized}).fill); !errors.Is(err, unauthorized) {
			t.Errorf("err = %v, want Unauthorized", err)
		}
	})
	t.Run("flush reports that other instances were not reached", func(t *testing.T) {
		if err := a.Flush(t.Context(), cached.APIID, cached.Stage); err == nil {
			t.Error("Flush succeeded with Redis down")
		}
		if localHit(a, cached) {
			t.Error("Flush did not clear the local tier")
		}
	})

	srv.Restart()

	t.Run("sharing resumes", func(t *testing.T) {
		i := 0
		eventually(t, "an entry filled by A is a hit on B", func() bool {
			i++
			k := keyDev
			k.Identity = fmt.Sprintf("after restart %d", i)
			a.Get(t.Context(), k, time.Hour, f.fill)
			_, hit, err := b.Get(t.Context(), k, time.Hour, f.fill)
			return err == nil && hit
		})
	})
	t.Run("flush notices resume", func(t *testing.T) {
		k := keyDev
		k.Identity = "flush after restart"
		a.Get(t.Context(), k, time.Hour, f.fill)
		b.Get(t.Context(), k, time.Hour, f.fill)
		eventually(t, "B drops its entry after A flushes", func() bool {
			a.Flush(t.Context(), k.APIID, k.Stage)
			return !localHit(b, k)
		})
	})
}

// An instance started while Redis is down serves with its local tier and
// joins the shared cache, flush notices included, once Redis is up.
func TestRedis_StartedWhileRedisDown_JoinsWhenRedisComesUp(t *testing.T) {
	srv := redistest.Start(t)
	srv.Kill()
	b := newInstance(t, srv)
	f := &filler{entry: allowEntry()}
	if _, hit, err := b.Get(t.Context(), keyDev, time.Hour, f.fill); err != nil || hit {
		t.Fatalf("hit=%v err=%v, want the authorizer's result", hit, err)
	}
	srv.Restart()
	a := newInstance(t, srv)
	k := keyDev
	i := 0
	eventually(t, "B reads A's entries", func() bool {
		i++
		k.Identity = fmt.Sprintf("after start %d", i)
		a.Get(t.Context(), k, time.Hour, f.fill)
		_, hit, _ := b.Get(t.Context(), k, time.Hour, f.fill)
		return hit
	})
	eventually(t, "B drops its entries when A flushes", func() bool {
		a.Flush(t.Context(), k.APIID, k.Stage)
		return !localHit(b, k) && !localHit(b, keyDev)
	})
}

func TestEnvelope_RoundTrip(t *testing.T) {
	at := time.Date(2026, 5, 6, 7, 8, 9, 123456789, time.UTC)
	for _, tc := range []struct {
		name string
		e    Entry
		gen  uint64
	}{
		{"typical", Entry{Raw: []byte(`{"principalId":"u"}`), FilledBy: arn43, FilledAt: at}, 7},
		{"path with newline and colon", Entry{Raw: []byte(`{}`), FilledBy: "arn:x/dev/GET/a\nb:c", FilledAt: at}, 0},
		{"empty raw", Entry{FilledBy: arn43, FilledAt: at}, 1 << 63},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, gen, ok := decodeEnvelope(encodeEnvelope(tc.e, tc.gen))
			if !ok || gen != tc.gen {
				t.Fatalf("ok=%v gen=%d, want true %d", ok, gen, tc.gen)
			}
			if diff := cmp.Diff(tc.e, got, cmp.Comparer(func(x, y time.Time) bool { return x.Equal(y) }),
				cmp.Comparer(func(x, y []byte) bool { return string(x) == string(y) })); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	for _, bad := range [][]byte{nil, {2}, encodeEnvelope(Entry{FilledBy: arn43}, 1)[:25]} {
		if _, _, ok := decodeEnvelope(bad); ok {
			t.Errorf("decodeEnvelope(%q) accepted a malformed envelope", bad)
		}
	}
}

func BenchmarkRedis_HitFromLocalTier(b *testing.B) {
	srv := redistest.Start(b)
	r := newInstance(b, srv)
	fill := (&filler{entry: allowEntry()}).fill
	ctx := context.Background()
	r.Get(ctx, keyDev, time.Hour, fill)
	for b.Loop() {
		if _, hit, _ := r.Get(ctx, keyDev, time.Hour, fill); !hit {
			b.Fatal("miss")
		}
	}
}

func BenchmarkRedis_HitFromRedis(b *testing.B) {
	srv := redistest.Start(b)
	writer := newInstance(b, srv)
	reader := newInstance(b, srv)
	fill := (&filler{entry: allowEntry()}).fill
	ctx := context.Background()
	writer.Get(ctx, keyDev, time.Hour, fill)
	for b.Loop() {
		reader.local.FlushAll()
		if _, hit, _ := reader.Get(ctx, keyDev, time.Hour, fill); !hit {
			b.Fatal("miss")
		}
	}
}
