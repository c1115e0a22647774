package telemetry

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// LogWriter buffers log output and flushes it every interval and on Close.
// The execution log writes about ten lines per request; unbuffered, each is
// its own write(2), which under load costs more than the rest of the
// request (measured in bench/profile.md). Lines appear at most interval
// late, and a line is never split across flushes.
type LogWriter struct {
	mu   sync.Mutex
	buf  *bufio.Writer
	stop chan struct{}
	done chan struct{}
}

// NewLogWriter starts a LogWriter over w; interval 0 means 100 ms.
func NewLogWriter(w io.Writer, interval time.Duration) *LogWriter {
	if interval <= 0 {
		interval = 100 * time.Millisecond
	}
	l := &LogWriter{buf: bufio.NewWriterSize(w, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go l.loop(interval)
	return l
}

func (l *LogWriter) loop(interval time.Duration) {
	defer close(l.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			// A write error sticks in the buffered writer: Close, the
			// caller that can act on it, reports it.
			_ = l.Flush()
		}
	}
}

// Write buffers p; slog handlers write one whole record per call.
func (l *LogWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// Flush writes out what is buffered.
func (l *LogWriter) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Flush()
}

// Close stops the flusher and flushes what remains.
func (l *LogWriter) Close() error {
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	<-l.done
	return l.Flush()
}
