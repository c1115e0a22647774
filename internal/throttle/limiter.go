package throttle

import (
	"context"
	"time"

	"github.com/maypok86/otter/v2"
	"golang.org/x/time/rate"
)

// Limiter decides whether one more request fits the token bucket named by
// key: a bucket of burst tokens, refilled at rate tokens per second, of
// which each request takes one. Buckets start full.
//
// A rate or burst that is not positive admits nothing. Callers skip Allow
// for limits that are not configured.
type Limiter interface {
	Allow(ctx context.Context, key string, rate float64, burst int) (bool, error)
}

// Clock is the time source. Tests inject a fake one.
type Clock interface {
	Now() time.Time
}

// LocalOptions configures a Local. The zero value is usable.
type LocalOptions struct {
	// Clock drives refills, idle expiry and quota periods. Nil means the
	// wall clock.
	Clock Clock
	// IdleTTL is how long an unused bucket is kept; it is kept at least
	// until it would have refilled, so dropping it never grants more than
	// the bucket would have held. Zero means 10 minutes.
	IdleTTL time.Duration
	// MaxKeys bounds the number of buckets kept. Zero means 100000.
	MaxKeys int
}

// Local is the in-process Limiter and Quota.
type Local struct {
	clock   Clock // nil: wall clock
	idle    time.Duration
	buckets *otter.Cache[string, *bucket]
	quota   localQuota
}

var (
	_ Limiter = (*Local)(nil)
	_ Quota   = (*Local)(nil)
)

type bucket struct {
	lim  *rate.Limiter
	keep time.Duration // idle lifetime
}

// NewLocal returns a Local with no buckets.
func NewLocal(opts LocalOptions) *Local {
	l := &Local{clock: opts.Clock, idle: opts.IdleTTL}
	if l.idle <= 0 {
		l.idle = 10 * time.Minute
	}
	size := opts.MaxKeys
	if size <= 0 {
		size = 100000
	}
	o := &otter.Options[string, *bucket]{
		MaximumSize: size,
		ExpiryCalculator: otter.ExpiryAccessingFunc(func(e otter.Entry[string, *bucket]) time.Duration {
			return e.Value.keep
		}),
	}
	if opts.Clock != nil {
		o.Clock = otterClock{opts.Clock}
	}
	l.buckets = otter.Must(o)
	l.quota.counters = make(map[string]*counter)
	return l
}

// Allow implements Limiter.
func (l *Local) Allow(_ context.Context, key string, r float64, burst int) (bool, error) {
	if r <= 0 || burst <= 0 {
		return false, nil
	}
	now := l.now()
	b, ok := l.buckets.GetIfPresent(key)
	if !ok {
		b, _ = l.buckets.SetIfAbsent(key, &bucket{
			lim:  rate.NewLimiter(rate.Limit(r), burst),
			keep: max(l.idle, refillTime(r, burst)),
		})
	}
	// A reload may change a method's limits; the bucket follows, keeping
	// its tokens.
	if b.lim.Limit() != rate.Limit(r) {
		b.lim.SetLimitAt(now, rate.Limit(r))
	}
	if b.lim.Burst() != burst {
		b.lim.SetBurstAt(now, burst)
	}
	return b.lim.AllowN(now, 1), nil
}

// Close stops the cache maintenance goroutine.
func (l *Local) Close() error {
	l.buckets.StopAllGoroutines()
	return nil
}

func (l *Local) now() time.Time {
	if l.clock == nil {
		return time.Now()
	}
	return l.clock.Now()
}

func refillTime(r float64, burst int) time.Duration {
	d := float64(burst) / r * float64(time.Second)
	if d > float64(365*24*time.Hour) {
		return 365 * 24 * time.Hour
	}
	return time.Duration(d)
}

// otterClock adapts Clock for otter. Without ticks, idle buckets are
// dropped when touched or during write maintenance, not in the background.
type otterClock struct{ c Clock }

func (c otterClock) NowNano() int64                    { return c.c.Now().UnixNano() }
func (otterClock) Tick(time.Duration) <-chan time.Time { return nil }
