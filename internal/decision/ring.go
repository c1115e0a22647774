package decision

import (
	"sync"
	"time"
)

// DefaultSize is the number of records a ring keeps unless told.
const DefaultSize = 500

// Ring keeps the last Size records and pushes every new one to its
// subscribers. A nil *Ring is a view that is off: Add does nothing.
//
// A record the ring drops gives its storage back for the next request's
// trace (NewTrace): the ring's records cost the request path no
// allocation but the trace's handle. Readers never hold that storage:
// they read snapshots (Records, Ref.Record) taken under its lock, and a
// record recycled before a slow subscriber reads it is missed.
type Ring struct {
	mu   sync.Mutex
	buf  []Ref
	next int
	full bool
	seq  uint64
	subs map[chan Ref]struct{}
	// free holds the buffers of dropped records, for the next traces: as
	// many as requests in flight beyond the ring, at most maxFree.
	free []*buffer
}

// maxFree bounds the buffers a ring keeps for reuse beyond its records.
const maxFree = 64

// Ref is a record as the ring holds it: Record reads it.
type Ref struct {
	rec *Record
	gen uint64
}

// Record returns a snapshot of the record, nil when the ring has recycled
// it since (a subscriber that fell too far behind).
func (f Ref) Record() *Record {
	if f.rec == nil {
		return nil
	}
	return f.rec.snapshot(f.gen)
}

// NewRing returns a ring of size records (DefaultSize when size <= 0).
func NewRing(size int) *Ring {
	if size <= 0 {
		size = DefaultSize
	}
	return &Ring{buf: make([]Ref, size), subs: map[chan Ref]struct{}{}, free: make([]*buffer, 0, maxFree)}
}

// NewTrace starts the record of one request, in the storage of a record
// the ring has dropped when there is one.
func (g *Ring) NewTrace(requestID string, t time.Time) *Trace {
	var b *buffer
	g.mu.Lock()
	if n := len(g.free); n > 0 {
		b, g.free[n-1] = g.free[n-1], nil
		g.free = g.free[:n-1]
	}
	g.mu.Unlock()
	if b == nil {
		b = new(buffer)
	}
	return b.start(requestID, t)
}

// Add stores rec, numbering it, and offers it to every subscriber. A
// subscriber that is not keeping up misses records rather than slowing
// the request path. The record it overwrites is recycled.
func (g *Ring) Add(rec *Record) {
	if g == nil {
		return
	}
	g.mu.Lock()
	g.seq++
	rec.Seq = g.seq
	ref := Ref{rec: rec, gen: rec.gen}
	old := g.buf[g.next]
	g.buf[g.next] = ref
	g.next++
	if g.next == len(g.buf) {
		g.next, g.full = 0, true
	}
	for c := range g.subs {
		select {
		case c <- ref:
		default:
		}
	}
	g.mu.Unlock()
	if old.rec != nil && old.rec.b != nil {
		b := old.rec.b
		b.recycle()
		g.mu.Lock()
		if len(g.free) < maxFree {
			g.free = append(g.free, b)
		}
		g.mu.Unlock()
	}
}

// Records returns snapshots of the stored records, oldest first.
func (g *Ring) Records() []*Record {
	g.mu.Lock()
	var refs []Ref
	if g.full {
		refs = append(refs, g.buf[g.next:]...)
	}
	refs = append(refs, g.buf[:g.next]...)
	g.mu.Unlock()
	var out []*Record
	for _, f := range refs {
		if r := f.Record(); r != nil {
			out = append(out, r)
		}
	}
	return out
}

// Subscribe returns a channel of new records and a function that ends the
// subscription.
func (g *Ring) Subscribe() (<-chan Ref, func()) {
	c := make(chan Ref, 64)
	g.mu.Lock()
	g.subs[c] = struct{}{}
	g.mu.Unlock()
	return c, func() {
		g.mu.Lock()
		delete(g.subs, c)
		g.mu.Unlock()
	}
}
