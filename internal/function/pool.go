// A pool holds the worker processes of one function.
//
// Lambda runs one event at a time per execution environment, so a worker
// is either idle (blocked in GET /next, listed in idle), busy (held by
// exactly one caller) or starting. A call takes the most recently used idle
// worker (LIFO keeps few workers hot and lets the rest reach IdleTTL),
// otherwise starts a new one while fewer than MaxWorkers are alive,
// otherwise queues. Queued callers are served in arrival order by a grant:
// either a worker released by another call, or permission to start one
// (nil) when a worker died and freed its slot. A grant that arrives after
// its waiter gave up is passed on, so no slot is ever lost.
//
// alive counts processes that are starting or running; it drops only when
// a process has actually exited (or failed to start), so MaxWorkers bounds
// real processes, including ones being killed.

package function

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/function/runtimeapi"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

type pool struct {
	l    *Local
	s    *spec
	name string

	mu      sync.Mutex
	idle    []*worker
	alive   int
	waiters []chan *worker
	all     map[*worker]struct{}
	closed  bool
	done    chan struct{} // closed with closed
}

func newPool(l *Local, s *spec) *pool {
	return &pool{l: l, s: s, name: s.name, all: make(map[*worker]struct{}), done: make(chan struct{})}
}

type worker struct {
	p     *pool
	ep    *runtimeapi.Endpoint
	cmd   *exec.Cmd
	tree  *tree
	timer *time.Timer // invocation timeout, reused across invocations

	exited  chan struct{} // closed after the process exited
	exitErr error         // valid once exited is closed

	// Guarded by p.mu.
	isIdle    bool
	idleSince time.Time
	idleTimer *time.Timer
}

// acquire returns a worker for one invocation, starting one if needed.
func (p *pool) acquire(ctx context.Context, reqID string) (w *worker, cold bool, err error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, false, p.fail(KindTransport, nil, errClosed)
	}
	if n := len(p.idle); n > 0 {
		w = p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		w.isIdle = false
		p.mu.Unlock()
		return w, false, nil
	}
	if p.alive < p.l.opts.MaxWorkers && (!p.s.debug || p.alive == 0) {
		p.alive++
		p.mu.Unlock()
		p.l.opts.Metrics.WorkersAlive(p.name, p.aliveCount())
		w, err := p.start(ctx, reqID)
		return w, true, err
	}
	if p.l.opts.QueueWait < 0 {
		p.mu.Unlock()
		return nil, false, p.throttled()
	}
	grant := make(chan *worker, 1)
	p.waiters = append(p.waiters, grant)
	p.mu.Unlock()

	t := time.NewTimer(p.l.opts.QueueWait)
	defer t.Stop()
	select {
	case w := <-grant:
		return p.granted(ctx, w, reqID)
	case <-t.C:
		err = p.throttled()
	case <-ctx.Done():
		err = p.fail(KindTransport, nil, ctx.Err())
	case <-p.done:
		err = p.fail(KindTransport, nil, errClosed)
	}
	p.mu.Lock()
	for i, g := range p.waiters {
		if g == grant {
			p.waiters = append(p.waiters[:i], p.waiters[i+1:]...)
			p.mu.Unlock()
			return nil, false, err
		}
	}
	p.mu.Unlock()
	// Granted while giving up: pass the grant on.
	if w := <-grant; w != nil {
		p.release(w)
	} else {
		p.slotFreed()
	}
	return nil, false, err
}

func (p *pool) granted(ctx context.Context, w *worker, reqID string) (*worker, bool, error) {
	if w != nil {
		return w, false, nil
	}
	// A slot, not a worker: alive was already counted by the granter.
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		p.slotFreed()
		return nil, false, p.fail(KindTransport, nil, errClosed)
	}
	w, err := p.start(ctx, reqID)
	return w, true, err
}

func (p *pool) throttled() error {
	return p.fail(KindThrottled, errorDocument("TooManyRequestsException", "Rate Exceeded."),
		fmt.Errorf("all %d workers busy for %v", p.l.opts.MaxWorkers, p.l.opts.QueueWait))
}

func (p *pool) fail(k ErrorKind, payload []byte, err error) *InvokeError {
	return &InvokeError{Kind: k, Function: p.name, Payload: payload, Err: err}
}

func (p *pool) aliveCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.alive
}

// release returns a healthy worker after an invocation: to the first
// waiter, else to the idle stack.
func (p *pool) release(w *worker) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		w.kill()
		return
	}
	select {
	case <-w.exited:
		p.mu.Unlock()
		return // the exit watcher already accounted for it
	default:
	}
	if len(p.waiters) > 0 {
		g := p.waiters[0]
		p.waiters = p.waiters[1:]
		p.mu.Unlock()
		g <- w
		return
	}
	w.isIdle = true
	w.idleSince = time.Now()
	p.idle = append(p.idle, w)
	if ttl := p.l.opts.IdleTTL; ttl > 0 {
		if w.idleTimer == nil {
			w.idleTimer = time.AfterFunc(ttl, func() { p.reap(w) })
		} else {
			w.idleTimer.Reset(ttl)
		}
	}
	p.mu.Unlock()
}

// reap stops w if it is still idle and has been for IdleTTL.
func (p *pool) reap(w *worker) {
	p.mu.Lock()
	if !w.isIdle || time.Since(w.idleSince) < p.l.opts.IdleTTL {
		p.mu.Unlock()
		return
	}
	for i, x := range p.idle {
		if x == w {
			p.idle = append(p.idle[:i], p.idle[i+1:]...)
			break
		}
	}
	w.isIdle = false
	p.mu.Unlock()
	p.l.logger.Debug("stopping idle worker", "function", p.name, "pid", w.cmd.Process.Pid)
	w.kill()
}

// slotFreed gives a freed process slot to the first waiter, or forgets it.
func (p *pool) slotFreed() {
	p.mu.Lock()
	if len(p.waiters) > 0 && !p.closed {
		g := p.waiters[0]
		p.waiters = p.waiters[1:]
		p.mu.Unlock()
		g <- nil // alive stays counted: the waiter starts a worker
		return
	}
	p.alive--
	p.mu.Unlock()
	p.l.opts.Metrics.WorkersAlive(p.name, p.aliveCount())
}

// exitedWorker is the exit watcher's accounting for a process that ended.
func (p *pool) exitedWorker(w *worker) {
	p.mu.Lock()
	delete(p.all, w)
	if w.isIdle {
		for i, x := range p.idle {
			if x == w {
				p.idle = append(p.idle[:i], p.idle[i+1:]...)
				break
			}
		}
		w.isIdle = false
	}
	if w.idleTimer != nil {
		w.idleTimer.Stop()
	}
	p.mu.Unlock()
	p.slotFreed()
}

func (p *pool) close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	close(p.done) // waiters give up; nothing is granted from now on
	ws := make([]*worker, 0, len(p.all))
	for w := range p.all {
		ws = append(ws, w)
	}
	p.idle = nil
	p.mu.Unlock()
	for _, w := range ws {
		w.kill()
	}
}

// warm starts a worker and parks it idle, unless one is alive.
func (p *pool) warm(ctx context.Context) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return p.fail(KindTransport, nil, errClosed)
	}
	if p.alive > 0 {
		p.mu.Unlock()
		return nil
	}
	p.alive++
	p.mu.Unlock()
	w, err := p.start(ctx, reqctx.NewRequestID())
	if err != nil {
		return err
	}
	p.release(w)
	return nil
}

// start launches a worker process and waits for its init phase to end
// (its first GET /next). The caller holds a slot (alive was incremented);
// on failure before the process exists the slot is freed here, after that
// the exit watcher frees it.
func (p *pool) start(ctx context.Context, reqID string) (*worker, error) {
	l := p.l
	began := time.Now()
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		p.slotFreed()
		return nil, p.fail(KindTransport, nil, errClosed)
	}
	l.workers.Add(1)
	l.mu.Unlock()

	w, err := p.spawn(ctx)
	if err != nil {
		l.workers.Done()
		p.slotFreed()
		ie := p.fail(KindInit, nil, err)
		if e, ok := errors.AsType[*initError](err); ok {
			ie.Payload = e.payload()
		} else if ctx.Err() != nil {
			ie.Kind = KindTransport
		}
		return nil, ie
	}

	initTimeout := InitTimeout
	if p.s.debug {
		initTimeout = debugTimeout
	}
	t := time.NewTimer(initTimeout)
	defer t.Stop()
	select {
	case <-w.ep.Ready():
		l.opts.Metrics.ColdStart(p.name, time.Since(began))
		l.logger.Debug("worker ready", "function", p.name, "pid", w.cmd.Process.Pid, "coldStart", time.Since(began))
		return w, nil
	case r := <-w.ep.InitError():
		w.kill()
		return nil, p.fail(KindInit, r.Payload, fmt.Errorf("%s", initErrorSummary(r)))
	case <-w.exited:
		select {
		case <-p.done:
			return nil, p.fail(KindTransport, nil, errClosed)
		case r := <-w.ep.InitError():
			return nil, p.fail(KindInit, r.Payload, fmt.Errorf("%s", initErrorSummary(r)))
		default:
		}
		return nil, p.fail(KindInit, exitPayload(reqID, w.exitErr), fmt.Errorf("runtime exited during init: %s", exitReason(w.exitErr)))
	case <-t.C:
		w.kill()
		return nil, p.fail(KindTimeout, timeoutPayload(l.opts.Now(), reqID, InitTimeout), fmt.Errorf("init did not finish within %v", InitTimeout))
	case <-ctx.Done():
		w.kill()
		return nil, p.fail(KindTransport, nil, ctx.Err())
	}
}

// spawn starts the process with its endpoint, log pump and exit watcher.
func (p *pool) spawn(ctx context.Context) (*worker, error) {
	path, args := p.s.path, p.s.args
	if p.s.kind == runtimeNative {
		exe, err := p.l.nativeCommand(ctx, p.s)
		if err != nil {
			return nil, err
		}
		path, args = exe, nil
		if p.s.debug {
			path, args = p.s.delveCommand(exe, p.l.opts.Debug.addr())
		}
	}
	ep, err := p.l.api.NewEndpoint()
	if err != nil {
		return nil, err
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		ep.Close()
		return nil, err
	}
	cmd := exec.Command(path, args...)
	cmd.Dir = p.s.taskRoot
	cmd.Env = append(p.s.env[:len(p.s.env):len(p.s.env)], "AWS_LAMBDA_RUNTIME_API="+ep.Addr())
	// Both streams share one pipe: one reader, lines kept whole.
	cmd.Stdout, cmd.Stderr = pw, pw
	t, err := newTree(cmd)
	if err == nil {
		if err = cmd.Start(); err != nil {
			t.abandon()
		}
	}
	if err != nil {
		pr.Close()
		pw.Close()
		ep.Close()
		return nil, &initError{"Runtime.InvalidEntrypoint", fmt.Sprintf("starting %s: %v", path, err)}
	}
	t.started()
	pw.Close()
	// Only this process tree may take or answer the endpoint's events.
	ep.Admit(t.peerCheck())
	w := &worker{p: p, ep: ep, cmd: cmd, tree: t, exited: make(chan struct{})}
	w.timer = time.NewTimer(time.Hour)
	w.timer.Stop()

	p.mu.Lock()
	p.all[w] = struct{}{}
	closed := p.closed
	p.mu.Unlock()
	if closed {
		w.kill()
	}
	go p.pump(pr, cmd.Process.Pid)
	go func() {
		w.exitErr = cmd.Wait()
		ep.Close()
		close(w.exited)
		p.l.logger.Debug("worker exited", "function", p.name, "pid", cmd.Process.Pid, "status", exitReason(w.exitErr))
		p.exitedWorker(w)
		p.l.workers.Done()
	}()
	return w, nil
}

// pump logs the worker's output line by line until every writer is gone.
func (p *pool) pump(r io.ReadCloser, pid int) {
	defer r.Close()
	logger := p.l.logger
	br := bufio.NewReaderSize(r, 64<<10)
	ctx := context.Background()
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 && logger.Enabled(ctx, slog.LevelInfo) {
			if line[len(line)-1] == '\n' {
				line = line[:len(line)-1]
			}
			logger.LogAttrs(ctx, slog.LevelInfo, string(line), slog.String("function", p.name), slog.Int("pid", pid))
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return
		}
	}
}

func (w *worker) kill() {
	w.tree.kill()
}

// invoke runs one event on a worker. An event the worker never received
// (it died between invocations, for instance after an uncaught exception)
// is run once more on another worker; one that may have run is not.
func (p *pool) invoke(ctx context.Context, payload []byte) (Result, error) {
	for attempt := 0; ; attempt++ {
		reqID := reqctx.NewRequestID()
		w, cold, err := p.acquire(ctx, reqID)
		if err != nil {
			return Result{}, err
		}
		res, retry, err := w.run(ctx, reqID, payload)
		if retry && attempt == 0 {
			continue
		}
		res.ColdStart = cold
		return res, err
	}
}

// run dispatches one event to w, which the caller holds. retry reports
// that the process died before it received the event.
func (w *worker) run(ctx context.Context, reqID string, payload []byte) (res Result, retry bool, err error) {
	p := w.p
	timeout := time.Duration(p.s.timeout) * time.Second
	now := p.l.opts.Now()
	inv := &runtimeapi.Invocation{
		RequestID:   reqID,
		Deadline:    now.Add(timeout),
		FunctionARN: p.s.arn,
		TraceID:     traceID(ctx, now),
		Payload:     payload,
	}
	if err := w.ep.Dispatch(inv); err != nil {
		w.kill()
		return Result{}, false, p.fail(KindTransport, nil, err)
	}
	w.timer.Reset(timeout)
	return w.await(ctx, inv, time.Now())
}

// await waits for the outcome of the dispatched invocation. When ctx ends
// first the event keeps running, as on Lambda: the worker returns to
// the pool when it answers, or is replaced when it times out.
func (w *worker) await(ctx context.Context, inv *runtimeapi.Invocation, began time.Time) (Result, bool, error) {
	p := w.p
	select {
	case r := <-w.ep.Results():
		w.timer.Stop()
		p.release(w)
		return resultOf(r, time.Since(began)), false, nil
	case <-w.timer.C:
		w.kill()
		p.l.logger.Info("function timed out", "function", p.name, "requestId", inv.RequestID, "timeout", p.s.timeout)
		return Result{}, false, p.fail(KindTimeout, timeoutPayload(p.l.opts.Now(), inv.RequestID, time.Duration(p.s.timeout)*time.Second),
			fmt.Errorf("task timed out after %d seconds", p.s.timeout))
	case <-w.exited:
		w.timer.Stop()
		if w.ep.Withdraw() {
			return Result{}, true, p.fail(KindExit, nil, errors.New("worker exited before receiving the event"))
		}
		select {
		case r := <-w.ep.Results(): // answered, then exited
			return resultOf(r, time.Since(began)), false, nil
		default:
		}
		return Result{}, false, p.fail(KindExit, exitPayload(inv.RequestID, w.exitErr), fmt.Errorf("runtime exited: %s", exitReason(w.exitErr)))
	case <-ctx.Done():
		go func() { _, _, _ = w.await(context.Background(), inv, began) }()
		return Result{}, false, p.fail(KindTransport, nil, ctx.Err())
	}
}

func resultOf(r runtimeapi.Response, d time.Duration) Result {
	res := Result{Payload: r.Payload, Duration: d}
	if r.Error {
		res.FunctionError = "Unhandled"
	}
	return res
}

func initErrorSummary(r runtimeapi.Response) string {
	if r.ErrorType != "" {
		return "init error " + r.ErrorType
	}
	return "init error"
}

// timeoutPayload is Lambda's document for an invocation stopped at its
// timeout: {"errorMessage":"2024-05-01T12:00:00.000Z <request id> Task timed
// out after 3.00 seconds"}.
func timeoutPayload(now time.Time, reqID string, timeout time.Duration) []byte {
	msg := now.UTC().Format("2006-01-02T15:04:05.000Z") + " " + reqID + " Task timed out after " +
		strconv.FormatFloat(timeout.Seconds(), 'f', 2, 64) + " seconds"
	return errorDocument("", msg)
}

// exitPayload is Lambda's Runtime.ExitError document.
func exitPayload(reqID string, err error) []byte {
	return errorDocument("Runtime.ExitError", "RequestId: "+reqID+" Error: "+exitReason(err))
}

func exitReason(err error) string {
	if err == nil {
		return "Runtime exited without providing a reason"
	}
	return "Runtime exited with error: " + err.Error()
}
