package telemetry

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

type lockedBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writes++
	return l.b.Write(p)
}

func (l *lockedBuffer) snapshot() (string, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String(), l.writes
}

// TestLogWriter_BatchesWritesAndFlushes: many lines become few writes,
// lines appear after the interval, and Close delivers the rest.
func TestLogWriter_BatchesWritesAndFlushes(t *testing.T) {
	var out lockedBuffer
	w := NewLogWriter(&out, 20*time.Millisecond)
	for i := 0; i < 100; i++ {
		if _, err := w.Write([]byte("line\n")); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		s, writes := out.snapshot()
		if strings.Count(s, "line\n") == 100 {
			if writes > 5 {
				t.Fatalf("%d writes for 100 lines, want them batched", writes)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("lines never flushed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	_, _ = w.Write([]byte("last\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if s, _ := out.snapshot(); !strings.HasSuffix(s, "last\n") {
		t.Fatalf("Close did not flush: %q", s)
	}
}
