package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/portcullis-gateway/portcullis/internal/cognito"
	"github.com/portcullis-gateway/portcullis/internal/telemetry"
	"github.com/portcullis-gateway/portcullis/internal/template"
)

// The command line talks to this package only (internal/archtest holds it
// to that); these are the few pieces of other packages its flags need.

// ParseOverrides parses --parameter-overrides Key=Value arguments.
func ParseOverrides(args []string) (map[string]string, error) { return template.ParseOverrides(args) }

// LoadImports reads the --imports file of Fn::ImportValue exports.
func LoadImports(path string) (map[string]string, error) { return template.LoadImports(path) }

// NewTextHandler is the execution log's handler for --log-format text:
// slog's text format, written without an allocation per line.
func NewTextHandler(w io.Writer, level slog.Leveler) slog.Handler {
	return telemetry.NewTextHandler(w, level)
}

// NewLogWriter buffers the log written to w and flushes it every interval
// (0 for the default), one write(2) per flush; Close flushes what remains.
func NewLogWriter(w io.Writer, interval time.Duration) io.WriteCloser {
	return telemetry.NewLogWriter(w, interval)
}

// RouteRedisLogs sends go-redis's own messages, which it reports through a
// process-wide logger (every failed dial of an outage), to log at debug
// level: the caches already log outages once, rate-limited.
func RouteRedisLogs(log *slog.Logger) { redis.SetLogger(redisLogger{log}) }

type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}

// MintOptions describes a token for MintLocalToken.
type MintOptions = cognito.MintOptions

// LocalKey is the key "portcullis token" signs with.
type LocalKey = cognito.LocalKey

// LoadOrCreateLocalKey reads the local signing key at path ("" for the
// default under the user cache directory), creating it on first use.
func LoadOrCreateLocalKey(path string) (*LocalKey, error) { return cognito.LoadOrCreateLocalKey(path) }

// MintLocalToken mints a Cognito-shaped token signed by key, which the
// gateway trusts for user pools configured with local: true.
func MintLocalToken(key *LocalKey, o MintOptions) (string, error) { return cognito.Mint(key, o) }
