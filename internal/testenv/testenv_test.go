package testenv_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/testenv"
)

// recorder is a testing.TB that records how Require ended the test
// instead of ending it.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Skip(args ...any) {
	r.skipped = fmt.Sprint(args...)
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
}

// TestRequire_MissingTool_SkipsLocallyFailsInCI is the contract every
// package's tests rely on.
func TestRequire_MissingTool_SkipsLocallyFailsInCI(t *testing.T) {
	const absent = "portcullis-no-such-tool"
	tests := []struct {
		ci                 string
		wantSkip, wantFail bool
	}{
		{ci: "", wantSkip: true},
		{ci: "false", wantSkip: true},
		{ci: "0", wantSkip: true},
		{ci: "true", wantFail: true},
		{ci: "1", wantFail: true},
	}
	for _, tt := range tests {
		t.Run("CI="+tt.ci, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			r := &recorder{TB: t}
			testenv.Require(r, absent)
			if got := r.skipped != ""; got != tt.wantSkip {
				t.Errorf("skipped = %q, want skip %v", r.skipped, tt.wantSkip)
			}
			if got := r.failed != ""; got != tt.wantFail {
				t.Errorf("failed = %q, want fail %v", r.failed, tt.wantFail)
			}
			if msg := r.skipped + r.failed; !strings.Contains(msg, absent+" not found on PATH") {
				t.Errorf("message %q does not name the missing tool", msg)
			}
		})
	}
}

// TestRequire_PresentTool_Continues: go is on PATH whenever go test runs.
func TestRequire_PresentTool_Continues(t *testing.T) {
	t.Setenv("CI", "true")
	r := &recorder{TB: t}
	testenv.Require(r, "go")
	if r.skipped != "" || r.failed != "" {
		t.Fatalf("Require(go) ended the test: skip %q, fail %q", r.skipped, r.failed)
	}
}

// TestRequire_ReportsEveryMissingName: one message lists them all, so a
// developer installs everything in one go.
func TestRequire_ReportsEveryMissingName(t *testing.T) {
	t.Setenv("CI", "")
	r := &recorder{TB: t}
	testenv.Require(r, "portcullis-absent-a", "go", "portcullis-absent-b")
	for _, name := range []string{"portcullis-absent-a", "portcullis-absent-b"} {
		if !strings.Contains(r.skipped, name) {
			t.Errorf("skip message %q does not name %s", r.skipped, name)
		}
	}
	if strings.Contains(r.skipped, "go not found") {
		t.Errorf("skip message %q names go, which is present", r.skipped)
	}
}

func TestClock_MovesOnlyWhenTold(t *testing.T) {
	start := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	c := testenv.NewClock(start)
	if got := c.Now(); !got.Equal(start) {
		t.Fatalf("Now = %v, want %v", got, start)
	}
	c.Advance(90 * time.Second)
	if got, want := c.Now(), start.Add(90*time.Second); !got.Equal(want) {
		t.Fatalf("after Advance: Now = %v, want %v", got, want)
	}
	c.Set(start)
	if got := c.Now(); !got.Equal(start) {
		t.Fatalf("after Set: Now = %v, want %v", got, start)
	}
	if testenv.NewClock(time.Time{}).Now().IsZero() {
		t.Fatal("NewClock(zero) starts at the zero time; want a fixed instant")
	}
}

// TestClock_ConcurrentUse: the stages read their clock from their own
// goroutines while the test advances it (run with -race).
func TestClock_ConcurrentUse(t *testing.T) {
	c := testenv.NewClock(time.Time{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 100 {
				c.Advance(time.Millisecond)
				_ = c.Now()
			}
		})
	}
	wg.Wait()
	if got, want := c.Now().Sub(testenv.NewClock(time.Time{}).Now()), 400*time.Millisecond; got != want {
		t.Fatalf("advanced by %v, want %v", got, want)
	}
}
