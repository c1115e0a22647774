package authcache

// The shared tier, step by step.
//
// Every instance keeps a Memory tier in front of Redis; a local hit never
// touches the network. A local miss runs one shared load per key and
// instance (the Memory tier's singleflight), which:
//
//  1. reads, in one round trip, the stage generation and the entry with its
//     remaining lifetime (PTTL). An entry written under an older generation
//     was filled before a flush and counts as absent;
//  2. on a hit, decodes the entry with Options.Decode and keeps it locally
//     for the lifetime Redis has left, so both tiers expire it together;
//  3. on a miss, takes a short lock (SET NX PX) and fills: the authorizer is
//     invoked and its result stored with SET PX under the generation read
//     in step 1, then the lock is released. Instances that lose the race
//     poll for the value and take the lock themselves if it is released
//     without one; after LockTTL they stop waiting and fill on their own,
//     so a crashed filler costs at most one lock lifetime.
//
// A flush bumps the stage generation (so late joiners and in-flight fills
// agree that older entries are dead), publishes the stage on a channel that
// every instance subscribes to (each then flushes its Memory tier), and
// deletes the stage's keys to free memory.
//
// Redis is an accelerator, never an authority: any Redis error makes the
// instance skip Redis for RetryInterval and invoke the authorizer itself,
// with the Memory tier alone. The subscriber reconnects on its own; after it
// has been disconnected it empties the Memory tier once, because flushes
// published in the meantime were lost.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisOptions configures a Redis cache. Only URL is required.
type RedisOptions struct {
	// URL locates the server: redis://[user:password@]HOST:PORT/DB.
	URL string
	// Local configures the in-process tier. Its Clock defaults to Clock.
	Local MemoryOptions
	// Logger receives Redis outages (at most one line per LogInterval)
	// and recoveries. Nil discards them.
	Logger *slog.Logger
	// Clock stamps FilledAt and drives the local tier's TTLs. Nil means the
	// wall clock. Lifetimes in Redis run on the server's clock.
	Clock Clock
	// LockTTL is how long an instance filling an entry holds the fill lock,
	// and so how long other instances wait for its result before invoking
	// the authorizer themselves. Zero means 3 s.
	LockTTL time.Duration
	// Decode turns an entry's Raw bytes read from Redis into Entry.Value.
	// Nil leaves Value nil on entries filled by other instances. An entry
	// that fails to decode is treated as absent and filled again.
	Decode func(raw []byte) (any, error)
	// Timeout bounds dialing and each read and write to Redis. Zero means
	// 250 ms: the cache sits on the request path, and waiting longer for
	// Redis than for the authorizer defeats its purpose.
	Timeout time.Duration
	// RetryInterval is how long the cache does without Redis after an
	// error before trying it again. Zero means 1 s.
	RetryInterval time.Duration
	// PollInterval is how often an instance waiting for another instance's
	// fill looks for the result. Zero means 10 ms.
	PollInterval time.Duration
	// LogInterval is the minimum time between two outage log lines. Zero
	// means 10 s.
	LogInterval time.Duration
}

// Redis is the authorizer result cache shared between gateway instances.
type Redis struct {
	local  *Memory
	rdb    *redis.Client
	ps     *redis.PubSub
	log    *slog.Logger
	clock  Clock
	decode func([]byte) (any, error)

	lockTTL, retry, poll time.Duration

	downUntil atomic.Int64 // wall-clock UnixNano before which Redis is skipped
	degraded  atomic.Bool  // an outage was logged and no recovery yet
	lastLog   atomic.Int64
	logEvery  time.Duration

	stop context.CancelFunc
	wg   sync.WaitGroup
}

var _ Cache = (*Redis)(nil)

const (
	keyPrefix     = "portcullis:authz:"
	genPrefix     = "portcullis:authzgen:"
	lockPrefix    = "portcullis:authzlock:"
	flushChannel  = "portcullis:authz:flush"
	envelopeV1    = 1
	envelopeFixed = 1 + 8 + 8 + 4
)

var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
	return redis.call('DEL', KEYS[1])
end
return 0`)

// NewRedis connects to the server named by opts.URL and subscribes to flush
// notices. Only a malformed URL is an error: a server that cannot be
// reached now is logged and retried, and the cache serves from its local
// tier meanwhile.
func NewRedis(ctx context.Context, opts RedisOptions) (*Redis, error) {
	ro, err := redis.ParseURL(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("authcache: redis URL: %w", err)
	}
	timeout := cmpOr(opts.Timeout, 250*time.Millisecond)
	ro.DialTimeout = timeout
	ro.ReadTimeout = timeout
	ro.WriteTimeout = timeout
	// One quick retry hides a pooled connection that a server restart
	// closed; more would only delay the fallback.
	ro.MaxRetries = 1
	ro.MinRetryBackoff = 5 * time.Millisecond
	ro.MaxRetryBackoff = 20 * time.Millisecond
	ro.DialerRetries = 1
	ro.DialerRetryTimeout = 10 * time.Millisecond

	local := opts.Local
	if local.Clock == nil {
		local.Clock = opts.Clock
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	r := &Redis{
		local:    NewMemory(local),
		rdb:      redis.NewClient(ro),
		log:      logger,
		clock:    opts.Clock,
		decode:   opts.Decode,
		lockTTL:  cmpOr(opts.LockTTL, 3*time.Second),
		retry:    cmpOr(opts.RetryInterval, time.Second),
		poll:     cmpOr(opts.PollInterval, 10*time.Millisecond),
		logEvery: cmpOr(opts.LogInterval, 10*time.Second),
	}
	r.ps = r.rdb.Subscribe(ctx)
	// Subscribing before returning means no flush published after NewRedis
	// returns can be missed.
	lost := false
	if err := r.ps.Subscribe(ctx, flushChannel); err != nil {
		r.failed("subscribe to flush notices", err)
		lost = true
	}
	subCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	r.stop = stop
	r.wg.Go(func() { r.subscriber(subCtx, lost) })
	return r, nil
}

// Get implements Cache.
func (r *Redis) Get(ctx context.Context, key Key, ttl time.Duration, fill FillFunc) (Entry, bool, error) {
	if ttl <= 0 {
		return r.local.Get(ctx, key, 0, fill)
	}
	k, e, ok := r.local.lookup(key)
	if ok {
		return e, true, nil
	}
	return r.local.load(ctx, k, func(ctx context.Context) (Entry, time.Duration, bool, error) {
		return r.loadShared(ctx, key, ttl, fill)
	})
}

// loadShared gets key from Redis or fills it there; see the file comment.
func (r *Redis) loadShared(ctx context.Context, key Key, ttl time.Duration, fill FillFunc) (Entry, time.Duration, bool, error) {
	if !r.available() {
		return r.fill(ctx, fill, ttl)
	}
	rk, gk, lk := redisKeys(key)
	token := rand.Text()
	waitUntil := time.Now().Add(r.lockTTL)
	for {
		e, remaining, gen, found, err := r.read(ctx, gk, rk)
		if err != nil {
			return r.fallback(ctx, "read", err, fill, ttl)
		}
		if found {
			return e, remaining, false, nil
		}
		locked, err := r.rdb.SetNX(ctx, lk, token, r.lockTTL).Result()
		if err != nil {
			return r.fallback(ctx, "lock", err, fill, ttl)
		}
		if locked || time.Now().After(waitUntil) {
			e, ttl, _, err := r.fill(ctx, fill, ttl)
			if err == nil {
				r.store(ctx, rk, gen, e, ttl)
			}
			if locked {
				// Released on failure too, so waiting instances take over
				// at once instead of after the lock's lifetime.
				if err := unlockScript.Run(context.WithoutCancel(ctx), r.rdb, []string{lk}, token).Err(); err != nil {
					r.failed("unlock", err)
				}
			}
			return e, ttl, true, err
		}
		t := time.NewTimer(r.poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return Entry{}, 0, false, ctx.Err()
		case <-t.C:
		}
	}
}

func (r *Redis) fill(ctx context.Context, fill FillFunc, ttl time.Duration) (Entry, time.Duration, bool, error) {
	e, err := fill(ctx)
	if err != nil {
		return Entry{}, 0, true, err
	}
	if e.FilledAt.IsZero() {
		e.FilledAt = r.now()
	}
	return e, ttl, true, nil
}

// fallback records a Redis failure and serves the miss without Redis. The
// authorizer is invoked: a Redis outage never turns into a decision.
func (r *Redis) fallback(ctx context.Context, op string, err error, fill FillFunc, ttl time.Duration) (Entry, time.Duration, bool, error) {
	if ctx.Err() != nil {
		return Entry{}, 0, false, ctx.Err()
	}
	r.failed(op, err)
	return r.fill(ctx, fill, ttl)
}

// read returns the current entry of rk, if it is one of the stage's current
// generation, with its remaining lifetime, and the generation.
func (r *Redis) read(ctx context.Context, gk, rk string) (e Entry, remaining time.Duration, gen uint64, found bool, err error) {
	var genCmd, valCmd *redis.StringCmd
	var ttlCmd *redis.DurationCmd
	_, err = r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		genCmd = p.Get(ctx, gk)
		valCmd = p.Get(ctx, rk)
		ttlCmd = p.PTTL(ctx, rk)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return Entry{}, 0, 0, false, err
	}
	r.succeeded()
	if s, err := genCmd.Uint64(); err == nil {
		gen = s
	}
	raw, err := valCmd.Bytes()
	if err != nil {
		// No value under the key: a miss, not a failure.
		return Entry{}, 0, gen, false, nil //nolint:nilerr // redis.Nil is a miss
	}
	remaining = ttlCmd.Val()
	if remaining <= 0 {
		return Entry{}, 0, gen, false, nil
	}
	e, entryGen, ok := decodeEnvelope(raw)
	if !ok || entryGen != gen {
		return Entry{}, 0, gen, false, nil
	}
	if r.decode != nil {
		v, err := r.decode(e.Raw)
		if err != nil {
			r.log.Warn("authorizer cache: discarding an entry that does not decode", "key", rk, "error", err)
			return Entry{}, 0, gen, false, nil
		}
		e.Value = v
	}
	return e, remaining, gen, true, nil
}

func (r *Redis) store(ctx context.Context, rk string, gen uint64, e Entry, ttl time.Duration) {
	err := r.rdb.Set(context.WithoutCancel(ctx), rk, encodeEnvelope(e, gen), ttl).Err()
	if err != nil {
		r.failed("store", err)
	}
}

// Flush implements Cache. The local tier is flushed whatever happens; an
// error means other instances may not have been told.
func (r *Redis) Flush(ctx context.Context, apiID, stage string) error {
	_ = r.local.Flush(ctx, apiID, stage)
	gk := genPrefix + apiID + ":" + stage
	_, err := r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, gk)
		p.Publish(ctx, flushChannel, apiID+"\n"+stage)
		return nil
	})
	if err != nil {
		r.failed("flush", err)
		return fmt.Errorf("authcache: flushed this instance only; other instances were not reached: %w", err)
	}
	// The generation already makes the stage's entries dead; deleting them
	// only returns their memory, so errors here are logged, not returned.
	match := keyPrefix + globEscape(apiID) + ":" + globEscape(stage) + ":*"
	iter := r.rdb.Scan(ctx, 0, match, 1000).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 1000 {
			r.rdb.Unlink(ctx, batch...)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		r.rdb.Unlink(ctx, batch...)
	}
	if err := iter.Err(); err != nil {
		r.log.Warn("authorizer cache: flushed, but could not delete the stage's keys", "api", apiID, "stage", stage, "error", err)
	}
	return nil
}

// Len implements Cache: the entries of this instance's local tier.
func (r *Redis) Len() int { return r.local.Len() }

// Close implements Cache.
func (r *Redis) Close() error {
	r.stop()
	err := r.ps.Close()
	r.wg.Wait()
	return errors.Join(err, r.rdb.Close(), r.local.Close())
}

// subscriber applies flush notices from every instance to the local tier.
func (r *Redis) subscriber(ctx context.Context, lost bool) {
	for {
		msg, err := r.ps.ReceiveTimeout(ctx, 30*time.Second)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			if isTimeout(err) {
				// A quiet channel: make sure the connection is alive, so a
				// silently dropped one is noticed and re-established.
				if err := r.ps.Ping(ctx); err == nil {
					continue
				}
			}
			r.failed("receive flush notices", err)
			lost = true
			t := time.NewTimer(r.retry)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			continue
		}
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" && lost {
				r.local.FlushAll()
				r.log.Info("authorizer cache: flush notices resumed; local tier emptied because notices may have been missed")
				lost = false
			}
		case *redis.Message:
			apiID, stage, ok := strings.Cut(m.Payload, "\n")
			if ok {
				_ = r.local.Flush(ctx, apiID, stage)
			}
		}
	}
}

func (r *Redis) available() bool {
	return time.Now().UnixNano() >= r.downUntil.Load()
}

func (r *Redis) failed(op string, err error) {
	r.downUntil.Store(time.Now().Add(r.retry).UnixNano())
	r.degraded.Store(true)
	now := time.Now().UnixNano()
	last := r.lastLog.Load()
	if now-last < int64(r.logEvery) || !r.lastLog.CompareAndSwap(last, now) {
		return
	}
	r.log.Warn("authorizer cache: Redis unavailable; invoking authorizers with the local cache only",
		"op", op, "error", err, "retry_in", r.retry)
}

func (r *Redis) succeeded() {
	if r.degraded.Load() && r.degraded.CompareAndSwap(true, false) {
		r.log.Info("authorizer cache: Redis reachable again; sharing resumed")
	}
}

func (r *Redis) now() time.Time {
	if r.clock == nil {
		return time.Now()
	}
	return r.clock.Now()
}

// redisKeys returns the entry, generation and lock keys of key. The
// identity is hashed: it may be a bearer token, which must not sit in Redis
// in clear, and may be long.
func redisKeys(key Key) (entry, gen, lock string) {
	sum := sha256.Sum256([]byte(key.Identity))
	stage := key.APIID + ":" + key.Stage
	tail := stage + ":" + key.AuthorizerID + ":" + hex.EncodeToString(sum[:])
	return keyPrefix + tail, genPrefix + stage, lockPrefix + tail
}

// encodeEnvelope lays an entry out as: version (1 byte), generation
// (uint64), FilledAt in Unix nanoseconds (int64), len(FilledBy) (uint32),
// FilledBy, Raw. Integers are big-endian.
func encodeEnvelope(e Entry, gen uint64) []byte {
	b := make([]byte, envelopeFixed, envelopeFixed+len(e.FilledBy)+len(e.Raw))
	b[0] = envelopeV1
	binary.BigEndian.PutUint64(b[1:], gen)
	binary.BigEndian.PutUint64(b[9:], uint64(e.FilledAt.UnixNano()))
	binary.BigEndian.PutUint32(b[17:], uint32(len(e.FilledBy)))
	b = append(b, e.FilledBy...)
	return append(b, e.Raw...)
}

func decodeEnvelope(b []byte) (e Entry, gen uint64, ok bool) {
	if len(b) < envelopeFixed || b[0] != envelopeV1 {
		return Entry{}, 0, false
	}
	gen = binary.BigEndian.Uint64(b[1:])
	at := int64(binary.BigEndian.Uint64(b[9:]))
	n := binary.BigEndian.Uint32(b[17:])
	rest := b[envelopeFixed:]
	if uint64(n) > uint64(len(rest)) {
		return Entry{}, 0, false
	}
	return Entry{
		FilledBy: string(rest[:n]),
		Raw:      rest[n:],
		FilledAt: time.Unix(0, at),
	}, gen, true
}

// globEscape quotes the characters SCAN MATCH treats as pattern syntax.
func globEscape(s string) string {
	if !strings.ContainsAny(s, `*?[]\`) {
		return s
	}
	var b strings.Builder
	for _, c := range s {
		if strings.ContainsRune(`*?[]\`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func cmpOr(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
