package authcache

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"
)

type quietRedisLog struct{}

func (quietRedisLog) Printf(context.Context, string, ...any) {}

func TestMain(m *testing.M) {
	// go-redis logs every failed dial through a process-wide logger; the
	// outage tests cause many on purpose, and the cache logs outages itself.
	redis.SetLogger(quietRedisLog{})
	goleak.VerifyTestMain(m)
}
