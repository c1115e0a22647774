package sigv4

import (
	"crypto/sha256"
	"sync"
)

// keyCache holds derived signing keys. A key is valid for one secret, day,
// region and service, so a busy caller needs one entry per day; deriving
// costs four HMACs, which the cache saves on every request after the first.
//
// It is bounded: when full, an arbitrary entry is dropped (Go's map order),
// which is enough for a working set that changes once a day and cannot be
// grown by unauthenticated callers (entries are only added for known keys).
type keyCache struct {
	mu  sync.Mutex
	max int
	m   map[keyCacheKey][]byte
}

// keyCacheKey identifies a signing key by a hash of the secret rather than
// the secret itself, so a rotated secret misses the cache.
type keyCacheKey struct {
	secret                [sha256.Size]byte
	date, region, service string
}

func newKeyCache(max int) *keyCache {
	return &keyCache{max: max, m: make(map[keyCacheKey][]byte, min(max, 64))}
}

func (c *keyCache) get(secret, date, region, service string) []byte {
	k := keyCacheKey{sha256.Sum256([]byte(secret)), date, region, service}
	c.mu.Lock()
	key, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return key
	}
	key = deriveKey(secret, date, region, service)
	c.mu.Lock()
	if len(c.m) >= c.max {
		for old := range c.m {
			delete(c.m, old)
			break
		}
	}
	c.m[k] = key
	c.mu.Unlock()
	return key
}

func (c *keyCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
