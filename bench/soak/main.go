// Command soak drives bench/soak.sh: mixed allow/deny load against two
// gateway instances sharing one Redis, every answer checked, the gateways'
// RSS sampled. It also runs the HTTP backend both gateways proxy to, which
// echoes the principal the authorizer returned, so a request that reaches
// the backend without an Allow is caught there too.
//
//	soak -a http://127.0.0.1:3000/soak -b http://127.0.0.1:3100/soak \
//	     -admin-a http://127.0.0.1:3001 -admin-b http://127.0.0.1:3101 \
//	     -api ID -pids PID,PID -duration 10m
//
// Exit status 1 when any answer was wrong.
package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	a := flag.String("a", "", "base URL of instance A's stage")
	b := flag.String("b", "", "base URL of instance B's stage")
	adminA := flag.String("admin-a", "", "admin URL of instance A")
	adminB := flag.String("admin-b", "", "admin URL of instance B")
	api := flag.String("api", "", "API id, for flushes")
	pids := flag.String("pids", "", "comma-separated gateway pids to sample RSS of")
	backend := flag.String("backend", "127.0.0.1:18090", "address the backend listens on")
	duration := flag.Duration("duration", 10*time.Minute, "how long to run")
	rate := flag.Int("rate", 400, "requests per second, both instances together")
	conns := flag.Int("conns", 16, "concurrent clients")
	identities := flag.Int("identities", 2000, "distinct tokens of each kind")
	flushEvery := flag.Duration("flush-every", 30*time.Second, "flush the stage's authorizer cache this often, alternating instances (0: never)")
	sample := flag.Duration("sample", 10*time.Second, "RSS sampling interval")
	flag.Parse()

	var leaked atomic.Int64 // deny tokens that reached the backend
	ln, err := net.Listen("tcp", *backend)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak: backend:", err)
		os.Exit(2)
	}
	go func() {
		_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p := r.Header.Get("X-Principal")
			if strings.HasPrefix(p, "d") {
				leaked.Add(1)
			}
			_, _ = io.WriteString(w, p)
		}))
	}()

	var total, ok200, ok403, wrong, transport atomic.Int64
	var mu sync.Mutex
	var firstWrong []string
	fail := func(s string) {
		wrong.Add(1)
		mu.Lock()
		if len(firstWrong) < 20 {
			firstWrong = append(firstWrong, s)
		}
		mu.Unlock()
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *conns}}
	ticks := make(chan struct{}, *conns)
	stop := time.Now().Add(*duration)
	go func() {
		t := time.NewTicker(time.Second / time.Duration(max(*rate, 1)))
		defer t.Stop()
		for time.Now().Before(stop) {
			<-t.C
			select {
			case ticks <- struct{}{}:
			default: // the clients are behind; the offered rate drops
			}
		}
		close(ticks)
	}()
	var lat []time.Duration
	var latMu sync.Mutex
	var wg sync.WaitGroup
	for c := range *conns {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(c), uint64(time.Now().UnixNano())))
			var mine []time.Duration
			for range ticks {
				base := []string{*a, *b}[rng.IntN(2)]
				allow := rng.IntN(2) == 0
				n := rng.IntN(*identities)
				var tok, principal string
				if allow {
					principal = "a" + strconv.Itoa(n)
					tok = "allow-" + principal
				} else {
					principal = "d" + strconv.Itoa(n)
					tok = "deny-" + principal
				}
				req, _ := http.NewRequest(http.MethodGet, base+"/items/"+strconv.Itoa(rng.IntN(100)), nil)
				req.Header.Set("Authorization", tok)
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					transport.Add(1)
					fail(fmt.Sprintf("%s %s: %v", base, tok, err))
					continue
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				mine = append(mine, time.Since(t0))
				total.Add(1)
				switch {
				case allow && resp.StatusCode == 200 && string(body) == principal:
					ok200.Add(1)
				case !allow && resp.StatusCode == 403:
					ok403.Add(1)
				default:
					fail(fmt.Sprintf("%s %s: %d %q", base, tok, resp.StatusCode, body))
				}
			}
			latMu.Lock()
			lat = append(lat, mine...)
			latMu.Unlock()
		})
	}

	flushes := 0
	var flushErr atomic.Int64
	done := make(chan struct{})
	go func() {
		if *flushEvery <= 0 || *api == "" {
			return
		}
		t := time.NewTicker(*flushEvery)
		defer t.Stop()
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			case <-t.C:
			}
			admin := []string{*adminA, *adminB}[i%2]
			req, _ := http.NewRequest(http.MethodDelete, admin+"/restapis/"+*api+"/stages/soak/cache/authorizers", nil)
			resp, err := client.Do(req)
			if err != nil || resp.StatusCode != http.StatusAccepted {
				flushErr.Add(1)
			}
			if resp != nil {
				resp.Body.Close()
			}
			flushes++
		}
	}()

	var rssLines []string
	peak := map[string]int{}
	go func() {
		t := time.NewTicker(*sample)
		defer t.Stop()
		start := time.Now()
		for {
			line := fmt.Sprintf("t=%4.0fs", time.Since(start).Seconds())
			for _, pid := range strings.Split(*pids, ",") {
				if pid == "" {
					continue
				}
				kb := rssKB(pid)
				line += fmt.Sprintf(" pid%s=%dMB", pid, kb/1024)
				if kb > peak[pid] {
					peak[pid] = kb
				}
			}
			fmt.Println(line, "requests", total.Load(), "wrong", wrong.Load())
			mu.Lock()
			rssLines = append(rssLines, line)
			mu.Unlock()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()

	wg.Wait()
	close(done)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	q := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[int(float64(len(lat)-1)*p)]
	}
	mu.Lock()
	fmt.Printf("SUMMARY duration=%v requests=%d allow200=%d deny403=%d wrong=%d transport_errors=%d leaked_to_backend=%d flushes=%d flush_errors=%d p50=%v p99=%v p999=%v\n",
		*duration, total.Load(), ok200.Load(), ok403.Load(), wrong.Load(), transport.Load(), leaked.Load(), flushes, flushErr.Load(), q(0.5), q(0.99), q(0.999))
	for pid, kb := range peak {
		fmt.Printf("PEAK pid%s=%dMB first=%s last=%s\n", pid, kb/1024, first(rssLines), last(rssLines))
	}
	for _, w := range firstWrong {
		fmt.Println("WRONG", w)
	}
	mu.Unlock()
	if wrong.Load() > 0 || leaked.Load() > 0 {
		os.Exit(1)
	}
}

func rssKB(pid string) int {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			f := strings.Fields(l)
			if len(f) >= 2 {
				n, _ := strconv.Atoi(f[1])
				return n
			}
		}
	}
	return 0
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func last(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[len(s)-1]
}
