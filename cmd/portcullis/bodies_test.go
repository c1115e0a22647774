package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// procKB reads a "VmRSS:"-style field of /proc/PID/status, in KiB.
func procKB(t *testing.T, pid int, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// upload sends one POST of size bytes from a repeated chunk (the client
// holds no body), half before the barrier and half after, and returns the
// status and body of the answer.
func upload(addr, path string, size int, half *sync.WaitGroup, release <-chan struct{}) (int, string, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		half.Done()
		return 0, "", err
	}
	defer conn.Close()
	chunk := []byte(strings.Repeat("b", 64<<10))
	write := func(n int) error {
		for n > 0 {
			c := chunk[:min(n, len(chunk))]
			if _, err := conn.Write(c); err != nil {
				return err
			}
			n -= len(c)
		}
		return nil
	}
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", path, addr, size)
	err = write(size / 2)
	half.Done()
	if err != nil {
		return 0, "", err
	}
	<-release
	if err := write(size - size/2); err != nil {
		return 0, "", err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

// TestServe_ConcurrentLargeBodies_RSSBounded: 24 clients upload 10 MB
// each at once against the real listener of a real `portcullis serve`
// (every upload is half sent before any finishes, so all are in flight
// together). Before the budget the gateway's RSS grew by ~750 MB; now the
// peak stays within the body budget plus a fixed allowance, and a request
// the budget cannot take gets API Gateway's 503 {"message":"Service
// Unavailable"} (a DEFAULT_5XX gateway response) instead.
func TestServe_ConcurrentLargeBodies_RSSBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads 240 MB")
	}
	const clients, size = 24, 10_000_000
	// allowance is what the process may hold beyond the budget: the Go
	// runtime, fasthttp's buffers and the garbage of finished bodies that
	// the soft memory limit lets the collector reclaim late.
	const allowance = 160 << 10 // KiB
	for _, tc := range []struct {
		name     string
		args     []string
		budgetMB int64
	}{
		{"DefaultBudget256MB", nil, 256},
		{"Budget64MB_SomeGet503", []string{"--body-memory-mb", "64"}, 64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := startServe(t, append([]string{"-t", "testdata/bodies/template.yaml", "--port", "0", "--admin-addr", "127.0.0.1:0"}, tc.args...)...)
			addr := strings.TrimPrefix(strings.TrimSuffix(g.base, "/prod"), "http://")
			pid := g.cmd.Process.Pid
			if resp, err := http.Post(g.base+"/upload", "application/json", strings.NewReader("{}")); err != nil {
				t.Fatal(err)
			} else {
				resp.Body.Close()
			}
			before := procKB(t, pid, "VmRSS")

			var half sync.WaitGroup
			half.Add(clients)
			release := make(chan struct{})
			type result struct {
				status int
				body   string
				err    error
			}
			results := make(chan result, clients)
			for range clients {
				go func() {
					st, body, err := upload(addr, "/prod/upload", size, &half, release)
					results <- result{st, body, err}
				}()
			}
			half.Wait()
			close(release)
			counts := map[int]int{}
			for range clients {
				r := <-results
				if r.err != nil {
					t.Fatalf("upload: %v", r.err)
				}
				counts[r.status]++
				switch r.status {
				case 200:
				case 503:
					if r.body != `{"message":"Service Unavailable"}` {
						t.Errorf("503 body %s, want API Gateway's {\"message\":\"Service Unavailable\"}", r.body)
					}
				default:
					t.Errorf("status %d (%s), want 200 or 503", r.status, r.body)
				}
			}
			peak := procKB(t, pid, "VmHWM")
			t.Logf("%d × %d B: statuses %v; RSS %d MiB before, peak %d MiB (+%d MiB; budget %d MiB)",
				clients, size, counts, before>>10, peak>>10, (peak-before)>>10, tc.budgetMB)
			if counts[200] == 0 {
				t.Errorf("no upload succeeded")
			}
			if int64(clients)*size > tc.budgetMB<<20 && counts[503] == 0 {
				t.Errorf("%d MB in flight under a %d MiB budget and no 503", clients*size/1_000_000, tc.budgetMB)
			}
			if grow := peak - before; grow > tc.budgetMB<<10+allowance {
				t.Errorf("RSS grew by %d MiB, over the %d MiB budget + %d MiB", grow>>10, tc.budgetMB, allowance>>10)
			}
		})
	}
}
