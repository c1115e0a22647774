package decision

import "sync"

// DefaultSize is the number of records a ring keeps unless told.
const DefaultSize = 500

// Ring keeps the last Size records and pushes every new one to its
// subscribers. A nil *Ring is a view that is off: Add does nothing.
type Ring struct {
	mu   sync.Mutex
	buf  []*Record
	next int
	full bool
	seq  uint64
	subs map[chan *Record]struct{}
}

// NewRing returns a ring of size records (DefaultSize when size <= 0).
func NewRing(size int) *Ring {
	if size <= 0 {
		size = DefaultSize
	}
	return &Ring{buf: make([]*Record, size), subs: map[chan *Record]struct{}{}}
}

// Add stores rec, numbering it, and offers it to every subscriber. A
// subscriber that is not keeping up misses records rather than slowing
// the request path.
func (g *Ring) Add(rec *Record) {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.seq++
	rec.Seq = g.seq
	g.buf[g.next] = rec
	g.next++
	if g.next == len(g.buf) {
		g.next, g.full = 0, true
	}
	for c := range g.subs {
		select {
		case c <- rec:
		default:
		}
	}
}

// Records returns the stored records, oldest first.
func (g *Ring) Records() []*Record {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []*Record
	if g.full {
		out = append(out, g.buf[g.next:]...)
	}
	return append(out, g.buf[:g.next]...)
}

// Subscribe returns a channel of new records and a function that ends the
// subscription.
func (g *Ring) Subscribe() (<-chan *Record, func()) {
	c := make(chan *Record, 64)
	g.mu.Lock()
	g.subs[c] = struct{}{}
	g.mu.Unlock()
	return c, func() {
		g.mu.Lock()
		delete(g.subs, c)
		g.mu.Unlock()
	}
}
