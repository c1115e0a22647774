package throttle

// Shared buckets use GCRA (the generic cell rate algorithm), which stores a
// single number per key: the theoretical arrival time (TAT) of the next
// request if requests came exactly at the configured rate. With emission
// interval T = 1/rate and a bucket of burst tokens, a request at time now
// is admitted when max(TAT, now) + T - now <= burst*T, and then moves TAT
// to max(TAT, now) + T. That is exactly a token bucket of burst tokens
// refilled at rate per second, starting full. The script reads the time
// from Redis (TIME), so instances with skewed clocks still share one bucket,
// and runs atomically, so concurrent instances never both take the last
// token. The key expires when the bucket would be full again.
//
// Keys are portcullis:{NAMESPACE}:throttle:KEY and
// portcullis:{NAMESPACE}:quota:KEY:PERIODSTART. The namespace names the
// deployment, so two definitions on one Redis never share a bucket or a
// quota even when their API ids and usage-plan ids coincide; the braces are
// a Redis Cluster hash tag, so every key of a deployment is in one slot (each
// script and transaction here touches a single key anyway).

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/portcullis-gateway/portcullis/internal/redisconn"
)

var gcraScript = redis.NewScript(`
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = 1000000 / rate
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then
	tat = now
end
local newtat = tat + interval
if newtat - now > interval * burst then
	return 0
end
redis.call('SET', KEYS[1], string.format('%.0f', newtat), 'PX', math.ceil((newtat - now) / 1000) + 1)
return 1`)

// RedisOptions configures a Redis limiter. URL and Namespace are required.
type RedisOptions struct {
	// URL locates the server, cluster or Sentinel-managed primary; see
	// redisconn.Parse for the forms.
	URL string
	// Namespace names the deployment whose buckets and quotas these are;
	// see authcache.RedisOptions.Namespace.
	Namespace string
	// Fallback decides while Redis cannot be reached. Nil means a Local
	// with default options. During an outage each instance enforces the
	// full limits on its own share of the traffic.
	Fallback *Local
	// Logger receives outages (at most one line per LogInterval) and
	// recoveries. Nil discards them.
	Logger *slog.Logger
	// Timeout bounds dialing and each read and write. Zero means 250 ms.
	Timeout time.Duration
	// RetryInterval is how long Redis is left alone after an error. Zero
	// means 1 s.
	RetryInterval time.Duration
	// LogInterval is the minimum time between outage log lines. Zero means
	// 10 s.
	LogInterval time.Duration
}

// Redis is the Limiter and Quota shared by gateway instances.
type Redis struct {
	rdb      redis.UniversalClient
	prefix   string // portcullis:{namespace}:
	fallback *Local
	log      *slog.Logger
	retry    time.Duration
	logEvery time.Duration

	downUntil atomic.Int64
	degraded  atomic.Bool
	lastLog   atomic.Int64
}

var (
	_ Limiter = (*Redis)(nil)
	_ Quota   = (*Redis)(nil)
)

// NewRedis returns a Redis limiter for the server at opts.URL. Only a
// malformed URL is an error; an unreachable server is retried while the
// fallback decides.
func NewRedis(opts RedisOptions) (*Redis, error) {
	switch {
	case opts.Namespace == "":
		return nil, errors.New("throttle: the Redis namespace is empty: every deployment needs its own")
	case strings.ContainsAny(opts.Namespace, "{}"):
		return nil, fmt.Errorf("throttle: the Redis namespace %q contains '{' or '}'", opts.Namespace)
	}
	rdb, _, err := redisconn.Dial(opts.URL, redisconn.Timeouts{Timeout: opts.Timeout})
	if err != nil {
		return nil, fmt.Errorf("throttle: redis URL %w", err)
	}
	r := &Redis{
		rdb:      rdb,
		prefix:   "portcullis:{" + opts.Namespace + "}:",
		fallback: opts.Fallback,
		log:      opts.Logger,
		retry:    orDefault(opts.RetryInterval, time.Second),
		logEvery: orDefault(opts.LogInterval, 10*time.Second),
	}
	if r.fallback == nil {
		r.fallback = NewLocal(LocalOptions{})
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	return r, nil
}

// Allow implements Limiter.
func (r *Redis) Allow(ctx context.Context, key string, rate float64, burst int) (bool, error) {
	if rate <= 0 || burst <= 0 {
		return false, nil
	}
	if !r.available() {
		return r.fallback.Allow(ctx, key, rate, burst)
	}
	n, err := gcraScript.Run(ctx, r.rdb, []string{r.prefix + "throttle:" + key},
		strconv.FormatFloat(rate, 'g', -1, 64), burst).Int()
	if err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		r.failed("allow", err)
		return r.fallback.Allow(ctx, key, rate, burst)
	}
	r.succeeded()
	return n == 1, nil
}

// Consume implements Quota. The period's counter expires when the period
// ends.
func (r *Redis) Consume(ctx context.Context, key string, limit int, period string, now time.Time) (bool, error) {
	start, end, err := PeriodBounds(period, now)
	if err != nil {
		return false, err
	}
	if !r.available() {
		return r.fallback.Consume(ctx, key, limit, period, now)
	}
	k := r.prefix + "quota:" + key + ":" + strconv.FormatInt(start.Unix(), 10)
	var incr *redis.IntCmd
	_, err = r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		incr = p.Incr(ctx, k)
		p.ExpireAt(ctx, k, end)
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		r.failed("consume", err)
		return r.fallback.Consume(ctx, key, limit, period, now)
	}
	r.succeeded()
	return incr.Val() <= int64(limit), nil
}

// Close closes the connection pool and the fallback.
func (r *Redis) Close() error {
	err := r.rdb.Close()
	r.fallback.Close()
	return err
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
	r.log.Warn("throttle: Redis unavailable; enforcing limits per instance", "op", op, "error", err, "retry_in", r.retry)
}

func (r *Redis) succeeded() {
	if r.degraded.Load() && r.degraded.CompareAndSwap(true, false) {
		r.log.Info("throttle: Redis reachable again; limits shared across instances")
	}
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
