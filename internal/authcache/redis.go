package authcache

// The shared tier, step by step.
//
// Every key of a deployment lives under portcullis:{NAMESPACE}:, where
// NAMESPACE names the deployment (RedisOptions.Namespace): two different
// definitions on one Redis never read each other's entries, and the hash
// tag keeps all of a deployment's keys in one Redis Cluster slot, so every
// script below touches a single slot.
//
// Every instance keeps a Memory tier in front of Redis; a local hit never
// touches the network. A local miss runs one shared load per key and
// instance (the Memory tier's singleflight), which runs one script that
// atomically:
//
//  1. reads the deployment's epoch and the stage's generation, creating
//     either with a fresh random value if it is missing (a Redis that lost
//     its data, or evicted the key, thus never revives an older entry);
//  2. returns the entry and its remaining lifetime (PTTL) if the entry was
//     written under that epoch and generation;
//  3. otherwise takes the fill lock (SET NX PX).
//
// The instance holding the lock invokes the authorizer, stores the result
// (SET PX) tagged with the epoch and generation read in step 1 and releases
// the lock. An instance that did not get the lock runs the same script
// again every PollInterval: because reading and locking are one atomic
// step, it either finds the stored entry or takes the lock after a failed
// fill, and the authorizer is invoked once. After LockTTL it stops waiting
// and fills on its own, so a crashed filler costs at most one lock lifetime.
//
// A flush gives the stage a new random generation and publishes the stage
// on the deployment's notice channel, in one script: every instance
// subscribed then flushes its Memory tier, and every later read in Redis
// sees older entries as dead (they expire by TTL).
//
// Redis is an accelerator, never an authority: any Redis error makes the
// instance skip Redis for RetryInterval and invoke the authorizer itself.
//
// Flushes are durable. A local entry may only be served while the instance
// hears the notice channel, because that is how it learns of flushes; when
// the subscription fails (or a flush cannot be delivered) the instance is
// unconfirmed: it empties its Memory tier, invokes the authorizer for every
// request without caching, and does not read Redis either, since a flush
// that another instance could not deliver during the same outage may be
// pending. When it is subscribed again it resets the deployment's epoch
// (one script: a new random epoch, and a reset notice that empties every
// instance's Memory tier) before it caches or reads again. So after an
// outage no instance serves an entry filled before it, and a flush that
// failed (answered with an error) is overtaken by the reset of the
// instance that failed to deliver it as soon as it reaches Redis again.

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

	"github.com/portcullis-gateway/portcullis/internal/redisconn"
)

// RedisOptions configures a Redis cache. URL and Namespace are required.
type RedisOptions struct {
	// URL locates the server, cluster or Sentinel-managed primary; see
	// redisconn.Parse for the forms.
	URL string
	// Namespace names the deployment whose entries these are. Instances
	// with the same namespace share entries, flushes and fills; instances
	// with different namespaces share nothing. It must not contain '{' or
	// '}', which delimit the Redis Cluster hash tag.
	Namespace string
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
	// HealthInterval is how long the notice channel may stay quiet before
	// the instance pings it; a ping unanswered for two intervals counts as
	// a lost subscription. Zero means 1 s.
	HealthInterval time.Duration
	// LogInterval is the minimum time between two outage log lines. Zero
	// means 10 s.
	LogInterval time.Duration

	// onWait, when set, is called each time an instance finds another
	// instance's fill lock and starts or keeps waiting. Tests use it to
	// know that a waiter exists, instead of sleeping.
	onWait func()
}

// Redis is the authorizer result cache shared between gateway instances.
type Redis struct {
	local  *Memory
	rdb    redis.UniversalClient
	psMu   sync.Mutex
	ps     *redis.PubSub // replaced after a silent loss; nil once closed
	log    *slog.Logger
	clock  Clock
	decode func([]byte) (any, error)
	onWait func()

	prefix  string // portcullis:{namespace}:authz:
	channel string

	lockTTL, retry, poll, health time.Duration

	downUntil atomic.Int64 // wall-clock UnixNano before which Redis is skipped
	degraded  atomic.Bool  // an outage was logged and no recovery yet
	lastLog   atomic.Int64
	logEvery  time.Duration

	// subscribed: the notice channel is live. pending: this instance may
	// have missed notices, or failed to deliver a flush, and must reset the
	// epoch before it trusts any cached entry again.
	subscribed atomic.Bool
	pending    atomic.Bool
	resetMu    sync.Mutex

	stop context.CancelFunc
	wg   sync.WaitGroup
}

var _ Cache = (*Redis)(nil)

const (
	envelopeV2    = 2
	tagLen        = 32 // epoch (16 hex) + generation (16 hex)
	envelopeFixed = 1 + tagLen + 8 + 4
	resetNotice   = "reset"
	flushNotice   = "flush\n"
)

// readOrLockScript is steps 1 to 3 of the file comment. KEYS: epoch,
// generation, entry, lock. ARGV: a fresh epoch, a fresh generation, the
// lock token, the lock lifetime in ms. Returns {1, entry, pttl} on a hit,
// {0, tag, locked} on a miss.
var readOrLockScript = redis.NewScript(`
local epoch = redis.call('GET', KEYS[1])
if not epoch then
	epoch = ARGV[1]
	redis.call('SET', KEYS[1], epoch)
end
local gen = redis.call('GET', KEYS[2])
if not gen then
	gen = ARGV[2]
	redis.call('SET', KEYS[2], gen)
end
local tag = epoch .. gen
local v = redis.call('GET', KEYS[3])
if v and string.byte(v, 1) == 2 and string.sub(v, 2, 33) == tag then
	local pttl = redis.call('PTTL', KEYS[3])
	if pttl > 0 then
		return {1, v, pttl}
	end
end
local locked = redis.call('SET', KEYS[4], ARGV[3], 'NX', 'PX', ARGV[4])
if locked then
	return {0, tag, 1}
end
return {0, tag, 0}`)

var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
	return redis.call('DEL', KEYS[1])
end
return 0`)

// bumpScript gives KEYS[1] (a generation or the epoch) the new value
// ARGV[1] and publishes ARGV[3] on channel ARGV[2], atomically, so no
// instance can read the new value without the notice being on its way.
var bumpScript = redis.NewScript(`
redis.call('SET', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1`)

// NewRedis connects to the deployment named by opts.URL and subscribes to
// flush notices. Only a malformed URL or namespace is an error: a server
// that cannot be reached now is logged and retried, and the cache invokes
// the authorizer meanwhile.
func NewRedis(ctx context.Context, opts RedisOptions) (*Redis, error) {
	if err := ValidNamespace(opts.Namespace); err != nil {
		return nil, fmt.Errorf("authcache: %w", err)
	}
	rdb, _, err := redisconn.Dial(opts.URL, redisconn.Timeouts{Timeout: opts.Timeout})
	if err != nil {
		return nil, fmt.Errorf("authcache: redis URL %w", err)
	}
	local := opts.Local
	if local.Clock == nil {
		local.Clock = opts.Clock
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	base := "portcullis:{" + opts.Namespace + "}:authz:"
	r := &Redis{
		local:    NewMemory(local),
		rdb:      rdb,
		log:      logger,
		clock:    opts.Clock,
		decode:   opts.Decode,
		onWait:   opts.onWait,
		prefix:   base,
		channel:  base + "notices",
		lockTTL:  cmpOr(opts.LockTTL, 3*time.Second),
		retry:    cmpOr(opts.RetryInterval, time.Second),
		poll:     cmpOr(opts.PollInterval, 10*time.Millisecond),
		health:   cmpOr(opts.HealthInterval, time.Second),
		logEvery: cmpOr(opts.LogInterval, 10*time.Second),
	}
	// Subscribing before returning means no flush published after NewRedis
	// returns can be missed. Until the server confirms the subscription
	// the instance caches nothing; one that starts during an outage owes
	// the reset any instance owes after one.
	r.ps = r.rdb.Subscribe(ctx)
	err = r.ps.Subscribe(ctx, r.channel)
	if err == nil {
		var msg any
		msg, err = r.ps.ReceiveTimeout(ctx, cmpOr(opts.Timeout, 250*time.Millisecond)*4)
		if s, ok := msg.(*redis.Subscription); ok && s.Kind == "subscribe" {
			r.subscribed.Store(true)
		} else if err == nil {
			err = fmt.Errorf("unexpected %T before the subscription", msg)
		}
	}
	if err != nil {
		r.lose("subscribe to flush notices", err)
	}
	subCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	r.stop = stop
	r.wg.Go(func() { r.subscriber(subCtx) })
	return r, nil
}

// ValidNamespace reports why ns cannot name a deployment in Redis keys.
func ValidNamespace(ns string) error {
	switch {
	case ns == "":
		return errors.New("the Redis namespace is empty: every deployment needs its own")
	case strings.ContainsAny(ns, "{}"):
		return fmt.Errorf("the Redis namespace %q contains '{' or '}'", ns)
	}
	return nil
}

// Get implements Cache.
func (r *Redis) Get(ctx context.Context, key Key, ttl time.Duration, fill FillFunc) (Entry, bool, error) {
	if ttl <= 0 || !r.confirmed() {
		// Unconfirmed: a flush may have been missed, so nothing cached may
		// be served and nothing filled now may be kept.
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

// confirmed reports whether the instance may serve and keep cached entries:
// it hears flush notices and owes no epoch reset.
func (r *Redis) confirmed() bool { return r.subscribed.Load() && !r.pending.Load() }

// loadShared gets key from Redis or fills it there; see the file comment.
func (r *Redis) loadShared(ctx context.Context, key Key, ttl time.Duration, fill FillFunc) (Entry, time.Duration, bool, error) {
	if !r.available() {
		return r.fill(ctx, fill, ttl)
	}
	ek, gk, rk, lk := r.keys(key)
	token := rand.Text()
	waitUntil := time.Now().Add(r.lockTTL)
	lockMS := r.lockTTL.Milliseconds()
	for {
		res, err := readOrLockScript.Run(ctx, r.rdb, []string{ek, gk, rk, lk}, newTag(), newTag(), token, lockMS).Slice()
		if err != nil {
			return r.fallback(ctx, "read", err, fill, ttl)
		}
		r.succeeded()
		e, remaining, tag, locked, found, err := r.decodeReply(res)
		if err != nil {
			return r.fallback(ctx, "read", err, fill, ttl)
		}
		if found {
			return e, remaining, false, nil
		}
		if locked || time.Now().After(waitUntil) {
			e, ttl, _, err := r.fill(ctx, fill, ttl)
			if err == nil {
				r.store(ctx, rk, tag, e, ttl)
			}
			if locked {
				// Released on failure too, so a waiting instance takes over
				// at once instead of after the lock's lifetime.
				if err := unlockScript.Run(context.WithoutCancel(ctx), r.rdb, []string{lk}, token).Err(); err != nil {
					r.failed("unlock", err)
				}
			}
			return e, ttl, true, err
		}
		if r.onWait != nil {
			r.onWait()
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

// decodeReply reads readOrLockScript's answer.
func (r *Redis) decodeReply(res []any) (e Entry, remaining time.Duration, tag string, locked, found bool, err error) {
	if len(res) != 3 {
		return Entry{}, 0, "", false, false, fmt.Errorf("unexpected script reply %v", res)
	}
	hit, _ := res[0].(int64)
	if hit != 1 {
		tag, _ = res[1].(string)
		n, _ := res[2].(int64)
		if len(tag) != tagLen {
			return Entry{}, 0, "", false, false, fmt.Errorf("unexpected tag %q", tag)
		}
		return Entry{}, 0, tag, n == 1, false, nil
	}
	raw, _ := res[1].(string)
	pttl, _ := res[2].(int64)
	e, tag, ok := decodeEnvelope([]byte(raw))
	if !ok {
		// Damaged past the tag: fill again and overwrite it, as if the
		// lock were ours (unlocking with a token that is not the lock's
		// is a no-op).
		r.log.Warn("authorizer cache: discarding a malformed entry")
		return Entry{}, 0, tag, true, false, nil
	}
	if r.decode != nil {
		v, err := r.decode(e.Raw)
		if err != nil {
			r.log.Warn("authorizer cache: discarding an entry that does not decode", "error", err)
			return Entry{}, 0, tag, true, false, nil
		}
		e.Value = v
	}
	return e, time.Duration(pttl) * time.Millisecond, tag, false, true, nil
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

func (r *Redis) store(ctx context.Context, rk, tag string, e Entry, ttl time.Duration) {
	err := r.rdb.Set(context.WithoutCancel(ctx), rk, encodeEnvelope(e, tag), ttl).Err()
	if err != nil {
		r.failed("store", err)
	}
}

// Flush implements Cache. The local tier is flushed whatever happens. An
// error means other instances may not have been told: the instance then
// owes an epoch reset, made as soon as Redis answers again, and caches
// nothing until it is made.
func (r *Redis) Flush(ctx context.Context, apiID, stage string) error {
	_ = r.local.Flush(ctx, apiID, stage)
	gk := r.genKey(apiID, stage)
	err := bumpScript.Run(ctx, r.rdb, []string{gk}, newTag(), r.channel, flushNotice+apiID+"\n"+stage).Err()
	if err != nil {
		r.lose("flush", err)
		return fmt.Errorf("authcache: flushed this instance only; other instances were not reached (retried when Redis answers again): %w", err)
	}
	r.succeeded()
	return nil
}

// reset gives the deployment a new epoch, which kills every entry in
// Redis and, through the reset notice, every instance's local tier.
func (r *Redis) reset(ctx context.Context) bool {
	r.resetMu.Lock()
	defer r.resetMu.Unlock()
	if !r.pending.Load() {
		return true
	}
	if err := bumpScript.Run(ctx, r.rdb, []string{r.prefix + "epoch"}, newTag(), r.channel, resetNotice).Err(); err != nil {
		r.failed("reset after an outage", err)
		return false
	}
	r.local.FlushAll()
	r.pending.Store(false)
	r.succeeded()
	r.log.Info("authorizer cache: shared cache reset after an outage; caching resumed")
	return true
}

// lose marks the instance unconfirmed: it may have missed a notice, or
// failed to deliver one.
func (r *Redis) lose(op string, err error) {
	r.pending.Store(true)
	r.local.FlushAll()
	r.failed(op, err)
}

// Len implements Cache: the entries of this instance's local tier.
func (r *Redis) Len() int { return r.local.Len() }

// Close implements Cache.
func (r *Redis) Close() error {
	r.stop()
	r.psMu.Lock()
	err := r.ps.Close()
	r.ps = nil
	r.psMu.Unlock()
	r.wg.Wait()
	return errors.Join(err, r.rdb.Close(), r.local.Close())
}

func (r *Redis) pubsub() *redis.PubSub {
	r.psMu.Lock()
	defer r.psMu.Unlock()
	return r.ps
}

// resubscribe replaces a subscription whose connection went silent: the
// client keeps a connection that only timed out, and a dead one can take
// minutes to fail on its own.
func (r *Redis) resubscribe(ctx context.Context) {
	r.psMu.Lock()
	defer r.psMu.Unlock()
	if r.ps == nil || ctx.Err() != nil {
		return
	}
	_ = r.ps.Close()
	r.ps = r.rdb.Subscribe(ctx, r.channel)
}

// subscriber applies flush notices from every instance to the local tier,
// watches the subscription's health and makes the owed reset.
func (r *Redis) subscriber(ctx context.Context) {
	lastHeard, pinged := time.Now(), false
	for {
		if r.subscribed.Load() && r.pending.Load() {
			r.reset(ctx)
		}
		ps := r.pubsub()
		if ps == nil {
			return
		}
		msg, err := ps.ReceiveTimeout(ctx, r.health)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			lastHeard, pinged = time.Now(), false
			r.notice(ctx, msg)
			continue
		}
		if isTimeout(err) && time.Since(lastHeard) < 2*r.health {
			// A quiet channel: ping it, so that a connection dropped
			// without a reset is noticed within two intervals.
			if !pinged {
				pinged = true
				if err := ps.Ping(ctx); err != nil {
					pinged = false
				}
			}
			if pinged {
				continue
			}
		}
		r.subscribed.Store(false)
		r.lose("receive flush notices", err)
		if isTimeout(err) {
			r.resubscribe(ctx)
		}
		t := time.NewTimer(r.retry)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		lastHeard, pinged = time.Now(), false
	}
}

func (r *Redis) notice(ctx context.Context, msg any) {
	switch m := msg.(type) {
	case *redis.Subscription:
		if m.Kind == "subscribe" {
			r.subscribed.Store(true)
		}
	case *redis.Message:
		switch {
		case m.Payload == resetNotice:
			r.local.FlushAll()
		case strings.HasPrefix(m.Payload, flushNotice):
			apiID, stage, ok := strings.Cut(strings.TrimPrefix(m.Payload, flushNotice), "\n")
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
	r.log.Warn("authorizer cache: Redis unavailable; invoking authorizers without caching",
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

// keys returns the epoch, generation, entry and lock keys of key. The
// identity is hashed: it may be a bearer token, which must not sit in Redis
// in clear, and may be long.
func (r *Redis) keys(key Key) (epoch, gen, entry, lock string) {
	sum := sha256.Sum256([]byte(key.Identity))
	tail := key.APIID + ":" + key.Stage + ":" + key.AuthorizerID + ":" + hex.EncodeToString(sum[:])
	return r.prefix + "epoch", r.genKey(key.APIID, key.Stage), r.prefix + "entry:" + tail, r.prefix + "lock:" + tail
}

func (r *Redis) genKey(apiID, stage string) string {
	return r.prefix + "gen:" + apiID + ":" + stage
}

// newTag is a fresh random epoch or generation: 16 hex digits. Random
// rather than counted, so a Redis that lost its counters cannot count back
// up to a value an old entry carries.
func newTag() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// encodeEnvelope lays an entry out as: version (1 byte), the epoch and
// generation it was filled under (32 ASCII hex digits, compared by the
// read script), FilledAt in Unix nanoseconds (int64), len(FilledBy)
// (uint32), FilledBy, Raw. Integers are big-endian.
func encodeEnvelope(e Entry, tag string) []byte {
	b := make([]byte, 1, envelopeFixed+len(e.FilledBy)+len(e.Raw))
	b[0] = envelopeV2
	b = append(b, tag...)
	b = binary.BigEndian.AppendUint64(b, uint64(e.FilledAt.UnixNano()))
	b = binary.BigEndian.AppendUint32(b, uint32(len(e.FilledBy)))
	b = append(b, e.FilledBy...)
	return append(b, e.Raw...)
}

func decodeEnvelope(b []byte) (e Entry, tag string, ok bool) {
	if len(b) < envelopeFixed || b[0] != envelopeV2 {
		return Entry{}, "", false
	}
	tag = string(b[1 : 1+tagLen])
	at := int64(binary.BigEndian.Uint64(b[1+tagLen:]))
	n := binary.BigEndian.Uint32(b[1+tagLen+8:])
	rest := b[envelopeFixed:]
	if uint64(n) > uint64(len(rest)) {
		return Entry{}, "", false
	}
	return Entry{
		FilledBy: string(rest[:n]),
		Raw:      rest[n:],
		FilledAt: time.Unix(0, at),
	}, tag, true
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
