package authcache

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/authcache/redistest"
)

// TestCluster_ThreePrimaries runs two instances of one deployment, and one
// of another, over a real Redis Cluster of three primaries (no replicas)
// joined by redis-cli --cluster create: decisions are shared, a flush
// reaches every instance, and killing the primary that owns the
// deployment's slot in the middle of mixed allow/deny load never yields a
// result that the authorizer did not produce for that very identity.
func TestCluster_ThreePrimaries(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-node Redis Cluster")
	}
	cl := redistest.StartCluster(t, 3)
	a := newInstanceAt(t, cl.URL(), testNamespace, nil)
	b := newInstanceAt(t, cl.URL(), testNamespace, nil)
	other := newInstanceAt(t, cl.URL(), "ns-other", nil)

	t.Run("decision shared across instances, not across deployments", func(t *testing.T) {
		f := &filler{entry: allowEntry()}
		a.Get(t.Context(), keyDev, time.Hour, f.fill)
		if _, hit, err := b.Get(t.Context(), keyDev, time.Hour, f.fill); err != nil || !hit {
			t.Fatalf("B: hit=%v err=%v, want A's entry", hit, err)
		}
		d := &filler{entry: denyEntry()}
		if got, hit, _ := other.Get(t.Context(), keyDev, time.Hour, d.fill); hit || got.Value != "parsed-deny" {
			t.Errorf("other deployment: hit=%v value=%v, want its own decision", hit, got.Value)
		}
	})
	t.Run("flush reaches every instance", func(t *testing.T) {
		if err := a.Flush(t.Context(), keyDev.APIID, keyDev.Stage); err != nil {
			t.Fatal(err)
		}
		eventually(t, "B drops the flushed entry", func() bool { return !localHit(b, keyDev) })
		f := &filler{entry: denyEntry()}
		if got, hit, _ := b.Get(t.Context(), keyDev, time.Hour, f.fill); hit || got.Value != "parsed-deny" {
			t.Errorf("after the flush B: hit=%v value=%v, want a new decision", hit, got.Value)
		}
	})
	t.Run("primary killed mid-load", func(t *testing.T) {
		owner := cl.Owner("{" + testNamespace + "}")
		ctx, cancel := context.WithTimeout(t.Context(), 4*time.Second)
		defer cancel()
		var served, bad atomic.Int64
		var wg sync.WaitGroup
		for w := range 8 {
			r := []*Redis{a, b}[w%2]
			wg.Go(func() {
				for i := 0; ctx.Err() == nil; i++ {
					kind := []string{"allow", "deny"}[i%2]
					k := keyDev
					k.Identity = fmt.Sprintf("%s-%d-%d", kind, w, i%20)
					// The authorizer's answer names the identity it decided.
					fill := func(context.Context) (Entry, error) {
						return Entry{Raw: []byte(`{"id":"` + k.Identity + `"}`), Value: "decided:" + k.Identity, FilledBy: k.Identity}, nil
					}
					e, _, err := r.Get(ctx, k, time.Hour, fill)
					if ctx.Err() != nil {
						return
					}
					if err != nil {
						bad.Add(1)
						t.Errorf("%s: %v", k.Identity, err)
						continue
					}
					served.Add(1)
					v := fmt.Sprint(e.Value)
					if e.FilledBy != k.Identity || !strings.Contains(v, k.Identity) {
						bad.Add(1)
						t.Errorf("%s served %q filled by %q: not the authorizer's decision for it", k.Identity, v, e.FilledBy)
					}
				}
			})
		}
		time.Sleep(time.Second)
		cl.Kill(owner)
		wg.Wait()
		t.Logf("served %d requests, %d wrong, primary %d killed after 1 s of 4", served.Load(), bad.Load(), owner)
		if a.confirmed() || b.confirmed() {
			t.Error("an instance did not notice that its primary died: it still serves cached entries")
		}
		if served.Load() == 0 {
			t.Error("no request was served")
		}
	})
}

// The redis-sentinel:// form finds the primary through Sentinel.
func TestSentinel_SharedDecision(t *testing.T) {
	srv := redistest.Start(t)
	sentinel := redistest.StartSentinel(t, srv)
	url := "redis-sentinel://" + sentinel + "?master=mymaster"
	a, b := newInstanceAt(t, url, testNamespace, nil), newInstanceAt(t, url, testNamespace, nil)
	f := &filler{entry: allowEntry()}
	a.Get(t.Context(), keyDev, time.Hour, f.fill)
	if _, hit, err := b.Get(t.Context(), keyDev, time.Hour, f.fill); err != nil || !hit {
		t.Errorf("B via Sentinel: hit=%v err=%v, want A's entry", hit, err)
	}
	if n, err := rawClient(t, srv).Keys(t.Context(), "portcullis:{"+testNamespace+"}:authz:entry:*").Result(); err != nil || len(n) != 1 {
		t.Errorf("entries on the primary = %v, %v; want the one entry", n, err)
	}
}
