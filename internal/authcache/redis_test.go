package authcache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
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

// testNamespace is the deployment every test instance belongs to unless a
// test says otherwise.
const testNamespace = "ns-test"

// newInstance is one gateway instance: its own Redis client and local tier.
func newInstance(t testing.TB, srv *redistest.Server) *Redis {
	t.Helper()
	return newInstanceAt(t, srv.URL(), testNamespace, nil)
}

// newInstanceAt is an instance of deployment ns on the Redis at url; onWait
// is called when it waits for another instance's fill.
func newInstanceAt(t testing.TB, url, ns string, onWait func()) *Redis {
	t.Helper()
	r, err := NewRedis(context.Background(), RedisOptions{
		URL:           url,
		Namespace:     ns,
		onWait:        onWait,
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
	redisKey := "portcullis:{" + testNamespace + "}:authz:entry:abcde12345:dev:auth01:" + hex.EncodeToString(sum[:])
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

// docs/behaviour.md#DEC-CACHE-WHAT across instances: a failed fill leaves nothing behind, and releases
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

// docs/behaviour.md#CACHE-1 + docs/behaviour.md#DEC-CACHE-SCOPE across instances: FlushStageAuthorizersCache on one instance
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
	n, err := rawClient(t, srv).Keys(t.Context(), "portcullis:{"+testNamespace+"}:authz:entry:abcde12345:prod:*").Result()
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

// Two instances miss together: the one that loses the fill lock must find
// the winner's entry, never invoke the authorizer a second time, however the
// winner's store and unlock interleave with the loser's polling. Reading
// and locking are one atomic script, so a loser that takes the lock after
// the winner released it has read the stored entry in the same step.
func TestRedis_ConcurrentMissesOnTwoInstances_InvokeAuthorizerOnce(t *testing.T) {
	srv := redistest.Start(t)
	bWaiting := make(chan struct{})
	var waitOnce sync.Once
	a := newInstance(t, srv)
	b := newInstanceAt(t, srv.URL(), testNamespace, func() { waitOnce.Do(func() { close(bWaiting) }) })
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
	// B's callers share one load, which found A's lock and waits on it.
	<-bWaiting
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

	// The instances learn of flushes only through Redis: while they cannot,
	// no entry may be served, or a flush answered with an error on
	// another instance would be ignored here.
	eventually(t, "both instances notice the outage", func() bool { return !a.confirmed() && !b.confirmed() })
	t.Run("local tier does not serve while flushes cannot be heard", func(t *testing.T) {
		before := f.calls.Load()
		for range 2 {
			if _, hit, err := a.Get(t.Context(), cached, time.Hour, f.fill); err != nil || hit {
				t.Errorf("hit=%v err=%v, want the authorizer's result", hit, err)
			}
		}
		if n := f.calls.Load() - before; n != 2 {
			t.Errorf("authorizer invoked %d times for two requests, want 2", n)
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
		gen  string
	}{
		{"typical", Entry{Raw: []byte(`{"principalId":"u"}`), FilledBy: arn43, FilledAt: at}, newTag() + newTag()},
		{"path with newline and colon", Entry{Raw: []byte(`{}`), FilledBy: "arn:x/dev/GET/a\nb:c", FilledAt: at}, "00000000000000000000000000000000"},
		{"empty raw", Entry{FilledBy: arn43, FilledAt: at}, "ffffffffffffffffffffffffffffffff"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, gen, ok := decodeEnvelope(encodeEnvelope(tc.e, tc.gen))
			if !ok || gen != tc.gen {
				t.Fatalf("ok=%v tag=%q, want true %q", ok, gen, tc.gen)
			}
			if diff := cmp.Diff(tc.e, got, cmp.Comparer(func(x, y time.Time) bool { return x.Equal(y) }),
				cmp.Comparer(func(x, y []byte) bool { return string(x) == string(y) })); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	for _, bad := range [][]byte{nil, {2}, encodeEnvelope(Entry{FilledBy: arn43}, newTag()+newTag())[:50]} {
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

// Issue 11: a flush during a Redis outage answers an error, but the Redis
// copy survived the outage and another instance served the pre-flush entry
// when Redis came back. Redis here is killed and restarted with its data,
// as a crashed server with persistence (or a partition) comes back.
//
// After Redis returns no instance may serve the entry: not B from its local
// tier, not B from Redis, not an instance started afterwards.
func TestRedis_FlushDuringOutage_NoInstanceServesPreFlushEntryAfterRedisReturns(t *testing.T) {
	srv := redistest.StartPersistent(t)
	a, b := newInstance(t, srv), newInstance(t, srv)
	f := &filler{entry: allowEntry()}
	a.Get(t.Context(), keyDev, time.Hour, f.fill)
	if _, hit, _ := b.Get(t.Context(), keyDev, time.Hour, f.fill); !hit {
		t.Fatal("B missed A's entry before the outage")
	}

	srv.Kill()
	eventually(t, "A notices the outage", func() bool { return !a.confirmed() })
	if err := a.Flush(t.Context(), keyDev.APIID, keyDev.Stage); err == nil {
		t.Fatal("Flush succeeded with Redis down")
	}
	srv.Restart()
	if n, err := rawClient(t, srv).Keys(t.Context(), "portcullis:*:entry:*").Result(); err != nil || len(n) != 1 {
		t.Fatalf("entries in Redis after the restart = %v, %v; want the pre-flush entry to have survived", n, err)
	}

	// However B's reconnection interleaves with these requests, every one
	// of them invokes the authorizer.
	denied := &filler{entry: denyEntry()}
	for i := range 5 {
		got, hit, err := b.Get(t.Context(), keyDev, time.Hour, denied.fill)
		if err != nil || hit || got.Value != "parsed-deny" {
			t.Fatalf("B request %d after Redis returned: hit=%v err=%v value=%v, want a new authorizer decision", i, hit, err, got.Value)
		}
		if b.confirmed() {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	eventually(t, "A and B reset the shared cache", func() bool { return a.confirmed() && b.confirmed() })
	late := newInstance(t, srv)
	for _, r := range []*Redis{a, b, late} {
		// The post-flush entry, filled here or read from Redis.
		got, _, err := r.Get(t.Context(), keyDev, time.Hour, denied.fill)
		if v := fmt.Sprint(got.Value); err != nil || (v != "parsed-deny" && !strings.Contains(v, `"Deny"`)) {
			t.Errorf("after the resets: err=%v value=%v, want the post-flush decision", err, got.Value)
		}
	}
	if n := f.calls.Load(); n != 1 {
		t.Errorf("pre-flush authorizer invoked %d times, want 1", n)
	}
}

// Two deployments on one Redis share nothing, whatever their API ids.
func TestRedis_DifferentNamespaces_ShareNothing(t *testing.T) {
	srv := redistest.Start(t)
	app1 := newInstanceAt(t, srv.URL(), "app1", nil)
	app2 := newInstanceAt(t, srv.URL(), "app2", nil)
	app1b := newInstanceAt(t, srv.URL(), "app1", nil)
	allow := &filler{entry: allowEntry()}
	deny := &filler{entry: denyEntry()}
	app1.Get(t.Context(), keyDev, time.Hour, allow.fill)
	got, hit, err := app2.Get(t.Context(), keyDev, time.Hour, deny.fill)
	if err != nil || hit || got.Value != "parsed-deny" {
		t.Errorf("app2: hit=%v err=%v value=%v, want its own authorizer's deny", hit, err, got.Value)
	}
	if _, hit, _ := app1b.Get(t.Context(), keyDev, time.Hour, allow.fill); !hit {
		t.Error("a second instance of app1 missed app1's entry")
	}
	// A flush of app1 leaves app2's entry alone.
	if err := app1.Flush(t.Context(), keyDev.APIID, keyDev.Stage); err != nil {
		t.Fatal(err)
	}
	app2.local.FlushAll()
	if _, hit, _ := app2.Get(t.Context(), keyDev, time.Hour, deny.fill); !hit {
		t.Error("app1's flush removed app2's entry")
	}
}

func TestNewRedis_RejectsBadNamespaceAndURL(t *testing.T) {
	for _, tc := range []struct{ url, ns, want string }{
		{"redis://127.0.0.1:1", "", "namespace is empty"},
		{"redis://127.0.0.1:1", "a{b}", "contains '{'"},
		{"redis://h1:1,h2:2", "ns", "redis-cluster://"},
	} {
		_, err := NewRedis(t.Context(), RedisOptions{URL: tc.url, Namespace: tc.ns})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewRedis(%q, %q) err = %v, want %q", tc.url, tc.ns, err, tc.want)
		}
	}
}

// blackhole forwards TCP to a Redis until frozen; frozen, it holds every
// byte, as a network partition does, without closing a connection.
type blackhole struct {
	ln     net.Listener
	frozen atomic.Bool
}

func newBlackhole(t *testing.T, target string) *blackhole {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &blackhole{ln: ln}
	var conns sync.WaitGroup
	var mu sync.Mutex
	var open []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range open {
			c.Close()
		}
		mu.Unlock()
		conns.Wait()
	})
	pipe := func(dst, src net.Conn) {
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			for n > 0 && h.frozen.Load() {
				time.Sleep(5 * time.Millisecond)
			}
			if n > 0 {
				if _, err := dst.Write(buf[:n]); err != nil {
					return
				}
			}
			if err != nil {
				dst.Close()
				return
			}
		}
	}
	conns.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			mu.Lock()
			open = append(open, c, up)
			mu.Unlock()
			conns.Go(func() { pipe(up, c) })
			conns.Go(func() { pipe(c, up) })
		}
	})
	return h
}

// A partition that drops no connection (no RST, no FIN) must still stop
// the instance from serving entries it can no longer confirm: the notice
// channel's health check notices the silence, and the instance rejoins
// (with a reset) when the network heals.
func TestRedis_SilentPartition_StopsCachingUntilHealed(t *testing.T) {
	srv := redistest.Start(t)
	hole := newBlackhole(t, srv.Addr())
	r, err := NewRedis(context.Background(), RedisOptions{
		URL: "redis://" + hole.ln.Addr().String() + "/0", Namespace: testNamespace, Decode: decodeForTest,
		RetryInterval: 50 * time.Millisecond, HealthInterval: 100 * time.Millisecond, Timeout: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	f := &filler{entry: allowEntry()}
	r.Get(t.Context(), keyDev, time.Hour, f.fill)
	if !localHit(r, keyDev) {
		t.Fatal("entry not cached before the partition")
	}
	hole.frozen.Store(true)
	eventually(t, "the instance notices the silent partition", func() bool { return !r.confirmed() })
	before := f.calls.Load()
	if _, hit, err := r.Get(t.Context(), keyDev, time.Hour, f.fill); err != nil || hit || f.calls.Load() != before+1 {
		t.Errorf("during the partition: hit=%v err=%v, want the authorizer invoked", hit, err)
	}
	hole.frozen.Store(false)
	eventually(t, "the instance rejoins after the partition heals", r.confirmed)
}
