package function

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestParseRuntimeDir(t *testing.T) {
	tests := []struct {
		name  string
		pid   int
		start string
		ok    bool
	}{
		{"portcullis-runtime-4242-998877-123456", 4242, "998877", true},
		{"portcullis-runtime-4242-0-x-y", 4242, "0", true},
		{"portcullis-runtime-4242--123456", 0, "", false}, // owner not identified
		{"portcullis-runtime-123456", 0, "", false},       // the older, ownerless shape
		{"portcullis-runtime--1-2-3", 0, "", false},
		{"portcullis-runtime-0-1-2", 0, "", false},
		{"portcullis-runtime-x-1-2", 0, "", false},
		{"portcullis-functions", 0, "", false},
	}
	for _, tt := range tests {
		pid, start, ok := parseRuntimeDir(tt.name)
		if pid != tt.pid || start != tt.start || ok != tt.ok {
			t.Errorf("parseRuntimeDir(%q) = %d, %q, %v; want %d, %q, %v", tt.name, pid, start, ok, tt.pid, tt.start, tt.ok)
		}
	}
}

// FuzzParseRuntimeDir: any name in the temporary directory is input; it
// never panics, and what it accepts names a positive pid and a start time.
func FuzzParseRuntimeDir(f *testing.F) {
	f.Add("portcullis-runtime-4242-998877-123456")
	f.Add("portcullis-runtime-" + strconv.Itoa(os.Getpid()) + "--1")
	f.Add("portcullis-runtime-")
	f.Fuzz(func(t *testing.T, name string) {
		pid, start, ok := parseRuntimeDir(name)
		if ok && (pid <= 0 || start == "" || strings.Contains(start, "-") || !strings.HasPrefix(name, runtimeDirPrefix)) {
			t.Errorf("parseRuntimeDir(%q) = %d, %q, true", name, pid, start)
		}
	})
}

// Our own directory's name parses back to our pid and start time.
func TestRuntimeDirPattern_NamesItsOwner(t *testing.T) {
	start, ok := processStart(os.Getpid())
	if !ok {
		t.Skip("this system cannot identify a process")
	}
	name := strings.Replace(runtimeDirPattern(), "*", "123", 1)
	pid, got, ok := parseRuntimeDir(name)
	if !ok || pid != os.Getpid() || got != start {
		t.Errorf("parseRuntimeDir(%q) = %d, %q, %v; want %d, %q", name, pid, got, ok, os.Getpid(), start)
	}
}
