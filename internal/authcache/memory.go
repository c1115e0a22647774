package authcache

// Flushing without scanning: every internal key carries the generation of
// its (API, stage) pair and the cache-wide epoch current when the request
// arrived. Flush bumps the pair's generation, so later lookups build keys
// that no stored entry has: the old entries are unreachable at once and are
// reclaimed by TTL expiry or, being never read again, early by the eviction
// policy. A fill that was in flight during the flush stores its result under
// the old generation, where nobody looks, so a flush can never be undone by
// a slow authorizer. FlushAll bumps the epoch for the same reason and also
// clears the table.

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"
)

// MemoryOptions configures a Memory cache. The zero value is usable.
type MemoryOptions struct {
	// MaxEntries bounds the number of entries; beyond it the least useful
	// entries are evicted. Zero means 10000.
	MaxEntries int
	// Clock drives TTLs and FilledAt. Nil means the wall clock.
	Clock Clock
	// Metrics receives hits, misses, evictions and expirations. Nil means
	// none are recorded.
	Metrics Metrics
}

// DefaultMaxEntries is the bound of a Memory cache whose options leave
// MaxEntries zero.
const DefaultMaxEntries = 10000

// Memory is the in-process authorizer result cache.
type Memory struct {
	cache   *otter.Cache[memKey, memValue]
	clock   Clock // nil: wall clock
	metrics Metrics
	gens    sync.Map // stageKey -> *atomic.Uint64
	epoch   atomic.Uint64
}

var _ Cache = (*Memory)(nil)

type stageKey struct{ apiID, stage string }

type memKey struct {
	Key
	gen, epoch uint64
}

type memValue struct {
	entry Entry
	ttl   time.Duration
}

// NewMemory returns an empty cache.
func NewMemory(opts MemoryOptions) *Memory {
	m := &Memory{clock: opts.Clock, metrics: opts.Metrics}
	if m.metrics == nil {
		m.metrics = nopMetrics{}
	}
	size := opts.MaxEntries
	if size <= 0 {
		size = DefaultMaxEntries
	}
	o := &otter.Options[memKey, memValue]{
		MaximumSize: size,
		ExpiryCalculator: otter.ExpiryWritingFunc(func(e otter.Entry[memKey, memValue]) time.Duration {
			return e.Value.ttl
		}),
		OnDeletion: func(e otter.DeletionEvent[memKey, memValue]) {
			switch e.Cause {
			case otter.CauseOverflow:
				m.metrics.Evicted()
			case otter.CauseExpiration:
				m.metrics.Expired()
			}
		},
	}
	if opts.Clock != nil {
		o.Clock = otterClock{opts.Clock}
	}
	m.cache = otter.Must(o)
	return m
}

// Get implements Cache.
func (m *Memory) Get(ctx context.Context, key Key, ttl time.Duration, fill FillFunc) (Entry, bool, error) {
	if ttl <= 0 {
		m.metrics.Miss()
		e, err := fill(ctx)
		if err != nil {
			return Entry{}, false, err
		}
		if e.FilledAt.IsZero() {
			e.FilledAt = m.now()
		}
		return e, false, nil
	}
	k, e, ok := m.lookup(key)
	if ok {
		return e, true, nil
	}
	return m.load(ctx, k, func(ctx context.Context) (Entry, time.Duration, bool, error) {
		e, err := fill(ctx)
		return e, ttl, true, err
	})
}

// loader produces an entry for a miss, the time it may live from now, and
// whether the authorizer was invoked for it (the shared tier may find the
// entry in Redis instead).
type loader func(ctx context.Context) (e Entry, ttl time.Duration, invoked bool, err error)

// lookup is the allocation-free hit path. On a miss it returns the internal
// key to load, so that a flush between lookup and load cannot make the load
// land in the new generation with a result obtained before the flush.
func (m *Memory) lookup(key Key) (memKey, Entry, bool) {
	k := m.internalKey(key)
	if v, ok := m.cache.GetIfPresent(k); ok {
		m.metrics.Hit()
		return k, v.entry, true
	}
	return k, Entry{}, false
}

// load fills k once for all concurrent callers; hit reports that this
// caller did not invoke the authorizer.
func (m *Memory) load(ctx context.Context, k memKey, ld loader) (Entry, bool, error) {
	invoked := false
	v, err := m.cache.Get(ctx, k, otter.LoaderFunc[memKey, memValue](func(ctx context.Context, _ memKey) (memValue, error) {
		e, ttl, inv, err := ld(ctx)
		invoked = invoked || inv
		if err != nil {
			return memValue{}, err
		}
		if e.FilledAt.IsZero() {
			e.FilledAt = m.now()
		}
		// A zero TTL would store an entry that is already dead; the
		// shortest life still lets the waiting callers share the result.
		return memValue{entry: e, ttl: max(ttl, time.Millisecond)}, nil
	}))
	switch {
	case invoked:
		m.metrics.Miss()
	case err == nil:
		m.metrics.Hit()
	}
	if err != nil {
		return Entry{}, false, err
	}
	return v.entry, !invoked, nil
}

// Flush implements Cache: it drops every entry of one stage of one API.
func (m *Memory) Flush(_ context.Context, apiID, stage string) error {
	g, _ := m.gens.LoadOrStore(stageKey{apiID, stage}, new(atomic.Uint64))
	g.(*atomic.Uint64).Add(1)
	return nil
}

// FlushAll drops every entry.
func (m *Memory) FlushAll() {
	m.epoch.Add(1)
	m.cache.InvalidateAll()
}

// Len implements Cache.
func (m *Memory) Len() int { return m.cache.EstimatedSize() }

// Close implements Cache: it stops the cache's maintenance goroutine.
func (m *Memory) Close() error {
	m.cache.StopAllGoroutines()
	return nil
}

func (m *Memory) internalKey(key Key) memKey {
	k := memKey{Key: key, epoch: m.epoch.Load()}
	if g, ok := m.gens.Load(stageKey{key.APIID, key.Stage}); ok {
		k.gen = g.(*atomic.Uint64).Load()
	}
	return k
}

func (m *Memory) now() time.Time {
	if m.clock == nil {
		return time.Now()
	}
	return m.clock.Now()
}

// otterClock adapts Clock for otter. It delivers no ticks, so a cache with
// an injected clock expires entries when they are touched or during the
// maintenance that writes trigger, never in the background.
type otterClock struct{ c Clock }

func (c otterClock) NowNano() int64                    { return c.c.Now().UnixNano() }
func (otterClock) Tick(time.Duration) <-chan time.Time { return nil }
