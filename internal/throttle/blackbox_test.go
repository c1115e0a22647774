package throttle_test

import (
	"context"
	"testing"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/testenv"
	"github.com/portcullis-gateway/portcullis/internal/throttle"
)

// A stage's token bucket from outside the package: the burst is admitted at
// once, the next request is throttled, and the rate refills it
// (docs/behaviour.md#THROTTLE-1).
func TestLocal_BlackBox_BurstThenRate(t *testing.T) {
	clock := testenv.NewClock(time.Unix(1_800_000_000, 0))
	l := throttle.NewLocal(throttle.LocalOptions{Clock: clock})
	ctx := context.Background()
	for i := range 3 {
		if ok, err := l.Allow(ctx, "api/prod/GET /pets", 1, 3); err != nil || !ok {
			t.Fatalf("request %d of the burst: %v %v", i+1, ok, err)
		}
	}
	if ok, _ := l.Allow(ctx, "api/prod/GET /pets", 1, 3); ok {
		t.Fatal("a fourth request within the burst's second was admitted")
	}
	if ok, _ := l.Allow(ctx, "api/prod/POST /pets", 1, 3); !ok {
		t.Fatal("another key shares the bucket")
	}
	clock.Advance(time.Second)
	if ok, _ := l.Allow(ctx, "api/prod/GET /pets", 1, 3); !ok {
		t.Fatal("a second's refill did not admit a request")
	}
}
