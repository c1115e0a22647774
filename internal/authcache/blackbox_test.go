package authcache_test

import (
	"context"
	"testing"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/authcache"
	"github.com/portcullis-gateway/portcullis/internal/testenv"
)

// The cache as the authorizer stage sees it, from outside the package: a
// miss fills once, a hit within the TTL does not, a flush of the stage
// forgets, and the TTL ends the entry (docs/behaviour.md#CACHE-1).
func TestMemory_BlackBox(t *testing.T) {
	clock := testenv.NewClock(time.Unix(1_800_000_000, 0))
	var c authcache.Cache = authcache.NewMemory(authcache.MemoryOptions{Clock: clock})
	defer c.Close()
	key := authcache.Key{APIID: "abcde12345", Stage: "prod", AuthorizerID: "Auth", Identity: "allow-alice"}
	fills := 0
	fill := func(context.Context) (authcache.Entry, error) {
		fills++
		return authcache.Entry{Raw: []byte(`{"principalId":"alice"}`), FilledBy: "arn:…/prod/GET/users/43/info"}, nil
	}
	ctx := context.Background()
	if _, hit, err := c.Get(ctx, key, 300*time.Second, fill); err != nil || hit || fills != 1 {
		t.Fatalf("first Get: hit=%v err=%v fills=%d", hit, err, fills)
	}
	e, hit, err := c.Get(ctx, key, 300*time.Second, fill)
	if err != nil || !hit || fills != 1 || e.FilledBy != "arn:…/prod/GET/users/43/info" {
		t.Fatalf("second Get: %+v hit=%v err=%v fills=%d", e, hit, err, fills)
	}
	if err := c.Flush(ctx, "abcde12345", "prod"); err != nil {
		t.Fatal(err)
	}
	if _, hit, _ := c.Get(ctx, key, 300*time.Second, fill); hit || fills != 2 {
		t.Fatalf("after a flush: hit=%v fills=%d", hit, fills)
	}
	clock.Advance(301 * time.Second)
	if _, hit, _ := c.Get(ctx, key, 300*time.Second, fill); hit || fills != 3 {
		t.Fatalf("after the TTL: hit=%v fills=%d", hit, fills)
	}
}
