package function

import (
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
)

// reportLatency adds p50 and p99 in microseconds to the benchmark output.
func reportLatency(b *testing.B, unit string, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-"+unit)
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-"+unit)
}

// BenchmarkLocal_WarmInvoke is the round trip of one call to a warm echo
// function: dispatch, the runtime's /next, the handler, its /response.
func BenchmarkLocal_WarmInvoke(b *testing.B) {
	for _, fn := range []*apimodel.Function{
		nodeFn(b, "index.echoPlain"),
		pythonFn(b, "app.echo_plain"),
		{LogicalID: "GoEcho", Runtime: "provided.al2023", CodeDir: testdata(b, "goecho"), TimeoutSeconds: 60},
	} {
		b.Run(fn.Runtime, func(b *testing.B) {
			l := newLocal(b, LocalOptions{})
			payload := []byte(`{"echo":{"hello":"world"}}`)
			if _, err := l.Invoke(b.Context(), fn, payload); err != nil {
				b.Fatal(err)
			}
			lat := make([]time.Duration, 0, 1<<14)
			for b.Loop() {
				t0 := time.Now()
				res, err := l.Invoke(b.Context(), fn, payload)
				lat = append(lat, time.Since(t0))
				if err != nil || res.FunctionError != "" || res.ColdStart {
					b.Fatalf("res %+v, err %v", res, err)
				}
			}
			reportLatency(b, "µs", lat)
		})
	}
}

// coldStarts records cold start durations.
type coldStarts struct {
	nopMetrics
	mu sync.Mutex
	d  []time.Duration
}

func (c *coldStarts) ColdStart(_ string, d time.Duration) {
	c.mu.Lock()
	c.d = append(c.d, d)
	c.mu.Unlock()
}

// BenchmarkLocal_ColdStart is a first call to a function with no worker:
// process start, bootstrap, handler module load, first event.
func BenchmarkLocal_ColdStart(b *testing.B) {
	for _, base := range []*apimodel.Function{nodeFn(b, "index.echoPlain"), pythonFn(b, "app.echo_plain")} {
		b.Run(base.Runtime, func(b *testing.B) {
			m := &coldStarts{}
			l := newLocal(b, LocalOptions{Metrics: m})
			i := 0
			for b.Loop() {
				fn := *base
				i++
				fn.LogicalID = base.LogicalID + strconv.Itoa(i) // a new pool: a cold start
				res, err := l.Invoke(b.Context(), &fn, []byte(`{}`))
				if err != nil || !res.ColdStart {
					b.Fatalf("res %+v, err %v", res, err)
				}
				b.StopTimer()
				p, _ := l.pool(&fn)
				p.close() // keep one worker alive at a time
				for p.aliveCount() > 0 {
					time.Sleep(time.Millisecond)
				}
				b.StartTimer()
			}
			m.mu.Lock()
			reportLatency(b, "ms-cold", scale(m.d, time.Millisecond/time.Microsecond))
			m.mu.Unlock()
		})
	}
}

// scale turns durations into units reportLatency prints as microseconds.
func scale(ds []time.Duration, by time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d / by
	}
	return out
}
