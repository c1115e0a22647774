package function

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/function/bootstrap"
	"github.com/portcullis-gateway/portcullis/internal/function/runtimeapi"
)

// Defaults of LocalOptions.
const (
	DefaultMaxWorkers = 8
	DefaultQueueWait  = 5 * time.Second
	DefaultIdleTTL    = 5 * time.Minute
	// InitTimeout is Lambda's limit on a runtime's init phase ("Lambda
	// execution environment lifecycle").
	InitTimeout = 10 * time.Second
)

// Metrics observes the local runtime. Implementations must be safe for
// concurrent use and fast: they are called on every invocation.
type Metrics interface {
	// ColdStart is the time from deciding to start a worker to the worker's
	// first /next, including a Go build when one was needed.
	ColdStart(function string, d time.Duration)
	// Invoked is one call's duration as the caller saw it (queueing and cold
	// start included) and its error, nil for completed calls (function
	// errors included).
	Invoked(function string, d time.Duration, err error)
	// WorkersAlive reports the function's live worker count on every change.
	WorkersAlive(function string, n int)
}

type nopMetrics struct{}

func (nopMetrics) ColdStart(string, time.Duration)      {}
func (nopMetrics) Invoked(string, time.Duration, error) {}
func (nopMetrics) WorkersAlive(string, int)             {}

// LocalOptions configures a Local runtime. Every zero value is usable.
type LocalOptions struct {
	// Logger receives function output, one record per line with the
	// function's name in the "function" attribute, and lifecycle events.
	// Nil discards both.
	Logger *slog.Logger
	// MaxWorkers is the number of concurrent invocations (hence worker
	// processes) per function; zero means DefaultMaxWorkers.
	MaxWorkers int
	// QueueWait bounds how long a call waits for a worker when all
	// MaxWorkers are busy before failing with KindThrottled; zero means
	// DefaultQueueWait, negative means fail at once (Lambda's behaviour at
	// its concurrency limit).
	QueueWait time.Duration
	// IdleTTL is how long an idle worker stays warm; zero means
	// DefaultIdleTTL, negative keeps workers until Close.
	IdleTTL time.Duration
	// CacheDir holds built Go functions; "" means
	// $XDG_CACHE_HOME/portcullis/functions (os.UserCacheDir), or a
	// directory under os.TempDir when there is no user cache.
	CacheDir string
	// Region is AWS_REGION and AWS_DEFAULT_REGION in workers and the region
	// of synthesised function ARNs; "" means us-east-1.
	Region string
	// EnvOverrides are --env-vars values (see LoadEnvVars).
	EnvOverrides EnvOverrides
	// Metrics observes invocations; nil means none.
	Metrics Metrics
	// Now is the clock for deadlines and timeout messages; nil means
	// time.Now.
	Now func() time.Time
	// NodePath, PythonPath and GoPath name the node, python3 and go
	// commands; "" means those names looked up in PATH.
	NodePath, PythonPath, GoPath string
	// Debug attaches a debugger to one function's worker; the zero value
	// debugs nothing.
	Debug DebugOptions
}

// Local runs functions as local worker processes speaking the Lambda
// Runtime API. It is safe for concurrent use.
type Local struct {
	opts   LocalOptions
	logger *slog.Logger
	api    *runtimeapi.Server
	// dir is private to this Local: bootstraps and inline code live there.
	dir                            string
	nodeBootstrap, pythonBootstrap string

	ctx    context.Context // cancelled by Close; owns shared Go builds
	cancel context.CancelFunc
	builds singleflight.Group

	pools sync.Map // *apimodel.Function -> *pool

	mu      sync.Mutex
	byKey   map[string]*pool // by fingerprint
	closed  bool
	workers sync.WaitGroup // workers starting or alive
}

var _ Invoker = (*Local)(nil)

// NewLocal prepares a local runtime. It starts no process: workers start on
// first use (or Warm).
func NewLocal(opts LocalOptions) (*Local, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxWorkers <= 0 {
		opts.MaxWorkers = DefaultMaxWorkers
	}
	if opts.QueueWait == 0 {
		opts.QueueWait = DefaultQueueWait
	}
	if opts.IdleTTL == 0 {
		opts.IdleTTL = DefaultIdleTTL
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Metrics == nil {
		opts.Metrics = nopMetrics{}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.NodePath == "" {
		opts.NodePath = "node"
	}
	if opts.PythonPath == "" {
		opts.PythonPath = "python3"
	}
	if opts.GoPath == "" {
		opts.GoPath = "go"
	}
	if opts.CacheDir == "" {
		if d, err := os.UserCacheDir(); err == nil {
			opts.CacheDir = filepath.Join(d, "portcullis", "functions")
		} else {
			opts.CacheDir = filepath.Join(os.TempDir(), "portcullis-functions")
		}
	}
	removeStaleRuntimeDirs(os.TempDir(), opts.Logger)
	dir, err := os.MkdirTemp("", runtimeDirPattern())
	if err != nil {
		return nil, fmt.Errorf("local runtime: %w", err)
	}
	node, python, err := bootstrap.WriteTo(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("local runtime: %w", err)
	}
	l := &Local{
		opts:            opts,
		logger:          opts.Logger,
		api:             runtimeapi.NewServer(runtimeapi.Options{Logger: opts.Logger}),
		dir:             dir,
		nodeBootstrap:   node,
		pythonBootstrap: python,
		byKey:           make(map[string]*pool),
	}
	l.ctx, l.cancel = context.WithCancel(context.Background())
	return l, nil
}

var errClosed = errors.New("local runtime is closed")

// Invoke runs fn once with payload. A function error is a Result with
// FunctionError set; a call that did not complete is an *InvokeError
// (timeout, crash, init failure, throttling). When ctx ends first the error
// wraps ctx.Err() and the worker finishes the event in the background, as
// a Lambda invocation outlives the client that gave up on it.
func (l *Local) Invoke(ctx context.Context, fn *apimodel.Function, payload []byte) (Result, error) {
	if fn == nil {
		return Result{}, &InvokeError{Kind: KindNotFound, Err: errors.New("no function")}
	}
	p, err := l.pool(fn)
	if err != nil {
		return Result{}, err
	}
	start := time.Now()
	res, err := p.invoke(ctx, payload)
	l.opts.Metrics.Invoked(p.name, time.Since(start), err)
	return res, err
}

// Warm starts one worker for fn unless one is already alive, so the first
// call does not pay the cold start.
func (l *Local) Warm(ctx context.Context, fn *apimodel.Function) error {
	if fn == nil {
		return &InvokeError{Kind: KindNotFound, Err: errors.New("no function")}
	}
	p, err := l.pool(fn)
	if err != nil {
		return err
	}
	return p.warm(ctx)
}

// Close stops every worker (SIGKILL to each worker's process group), waits
// for them to exit, shuts the Runtime API server and removes private files.
// Calls in flight fail.
func (l *Local) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	pools := make([]*pool, 0, len(l.byKey))
	for _, p := range l.byKey {
		pools = append(pools, p)
	}
	l.mu.Unlock()
	l.cancel()
	for _, p := range pools {
		p.close()
	}
	l.workers.Wait()
	err := l.api.Close()
	if rerr := os.RemoveAll(l.dir); err == nil {
		err = rerr
	}
	return err
}

// pool finds the worker pool of fn: by pointer on the hot path, by
// configuration fingerprint when a reload produced a new *Function.
func (l *Local) pool(fn *apimodel.Function) (*pool, error) {
	if p, ok := l.pools.Load(fn); ok {
		return p.(*pool), nil
	}
	key := fingerprint(fn)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, &InvokeError{Kind: KindTransport, Function: fn.Name, Err: errClosed}
	}
	p, ok := l.byKey[key]
	if !ok {
		s, err := l.newSpec(fn)
		if err != nil {
			name := fn.Name
			if name == "" {
				name = fn.LogicalID
			}
			ie := &InvokeError{Kind: KindInit, Function: name, Err: err}
			if e, ok := errors.AsType[*initError](err); ok {
				ie.Payload = e.payload()
			}
			// Not cached: the code directory may appear later.
			return nil, ie
		}
		p = newPool(l, s)
		l.byKey[key] = p
	}
	l.pools.Store(fn, p)
	return p, nil
}

// errorDocument is Lambda's {"errorMessage","errorType"} document.
func errorDocument(errType, msg string) []byte {
	b, _ := json.Marshal(struct {
		Message string `json:"errorMessage"`
		Type    string `json:"errorType,omitempty"`
	}{msg, errType})
	return b
}

// newTraceID returns an X-Ray trace header value
// ("Root=1-<8 hex epoch seconds>-<24 hex random>;Sampled=0").
func newTraceID(now time.Time) string {
	b := make([]byte, 0, 50)
	b = append(b, "Root=1-"...)
	b = appendHex(b, uint64(now.Unix()), 8)
	b = append(b, '-')
	b = appendHex(b, uint64(rand.Uint32()), 8)
	b = appendHex(b, rand.Uint64(), 16)
	b = append(b, ";Sampled=0"...)
	return string(b)
}

func appendHex(b []byte, v uint64, digits int) []byte {
	const hexdigits = "0123456789abcdef"
	for i := digits - 1; i >= 0; i-- {
		b = append(b, hexdigits[(v>>(4*i))&0xf])
	}
	return b
}
