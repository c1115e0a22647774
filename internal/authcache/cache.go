package authcache

import (
	"context"
	"time"
)

// Key identifies one cached authorizer result (docs/behaviour.md#CACHE-1, docs/behaviour.md#DEC-CACHE-SCOPE). The cache key
// of API Gateway does not include the method or path.
type Key struct {
	APIID        string
	Stage        string
	AuthorizerID string
	// Identity is the identity-source values of the request, joined by the
	// caller so that distinct value lists never produce the same string
	// (for example length-prefixed).
	Identity string
}

// Entry is one authorizer result as cached.
type Entry struct {
	// Raw is the authorizer's response JSON. The Redis tier stores it and
	// hands it to Options.Decode on other instances.
	Raw []byte
	// Value is the parsed result. It lives in the local tier only and is
	// shared by every request that hits the entry, so it must be treated
	// as immutable.
	Value any
	// FilledBy is the methodArn of the request whose authorizer invocation
	// filled the entry; a later denial names it to explain the cache pitfall.
	FilledBy string
	// FilledAt is when the entry was filled.
	FilledAt time.Time
}

// FillFunc invokes the authorizer for a cache miss.
type FillFunc func(ctx context.Context) (Entry, error)

// Cache is what the authorizer stage needs from a result cache.
type Cache interface {
	// Get returns the entry for key. On a miss it calls fill once for all
	// concurrent callers of the same key and stores the result for ttl;
	// hit reports that this caller's fill was not called. A fill error is
	// returned and never stored. With ttl <= 0 Get calls fill every time.
	Get(ctx context.Context, key Key, ttl time.Duration, fill FillFunc) (e Entry, hit bool, err error)
	// Flush drops every entry of one stage of one API.
	Flush(ctx context.Context, apiID, stage string) error
	// Len is the approximate number of entries held in process, including
	// flushed ones that have not been reclaimed yet.
	Len() int
	// Close releases the cache's goroutines and connections.
	Close() error
}

// Metrics receives cache events. Implementations must be cheap and safe for
// concurrent use; they run on the request path.
type Metrics interface {
	Hit()
	Miss()
	// Evicted counts entries dropped to keep the cache within MaxEntries.
	Evicted()
	// Expired counts entries dropped because their TTL ran out.
	Expired()
}

// Clock is the time source. Tests inject a fake one.
type Clock interface {
	Now() time.Time
}

type nopMetrics struct{}

func (nopMetrics) Hit()     {}
func (nopMetrics) Miss()    {}
func (nopMetrics) Evicted() {}
func (nopMetrics) Expired() {}
