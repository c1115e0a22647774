package testenv

import (
	"sync"
	"time"
)

// Clock is a fake time source for the Clock interfaces the stages
// declare (authcache.Clock, throttle.Clock, authorizer's): time moves only
// when the test calls Advance or Set. It is safe for concurrent use, since
// the code under test reads it from its own goroutines.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock at start, or, when start is zero, at a fixed
// instant (2026-01-02 03:04:05 UTC) so a test's timestamps are the same on
// every run.
func NewClock(start time.Time) *Clock {
	if start.IsZero() {
		start = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	}
	return &Clock{t: start}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}
