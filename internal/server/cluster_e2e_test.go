//go:build unix

package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/authcache/redistest"
)

// TestMultiInstance_RedisCluster runs two `portcullis serve` processes on a
// real Redis Cluster of three primaries (redis-cli --cluster create): a
// decision cached by one is used by the other, a flush on one empties both,
// the stage throttle is one bucket, and killing the primary that owns the
// deployment's slot in the middle of mixed allow/deny load never lets a
// request through without its own authorizer decision.
func TestMultiInstance_RedisCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the gateway and runs it as separate processes")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not installed: the authorizer is a Node function")
	}
	cl := redistest.StartCluster(t, 3)
	bin := buildGateway(t)
	countDir := t.TempDir()
	a := startInstance(t, bin, cl.URL(), countDir, "A")
	b := startInstance(t, bin, cl.URL(), countDir, "B")
	calls := func() string { return authorizerCalls(t, countDir) }

	t.Run("decision shared", func(t *testing.T) {
		before := calls()
		a.get(t, "/items/1", "allow-alice").wantServed(t, "A", "alice")
		b.get(t, "/items/2", "allow-alice").wantServed(t, "B", "alice")
		if got, want := calls(), before+"A"; got != want {
			t.Fatalf("invocations = %q, want %q", got, want)
		}
	})
	t.Run("flush reaches both", func(t *testing.T) {
		before := calls()
		a.flush(t)
		pollUntil(t, 5*time.Second, "B to invoke the authorizer after the flush on A", func() bool {
			b.get(t, "/items/1", "allow-alice").wantServed(t, "B", "alice")
			return calls() != before
		})
	})
	t.Run("one throttle bucket", func(t *testing.T) {
		// Rate 1/s, burst 5: two separate buckets would admit at least 10.
		admitted := 0
		start := time.Now()
		for i := range 20 {
			if r := []*instance{a, b}[i%2].getLimited(t, fmt.Sprintf("/items/%d", i)); r.status == http.StatusOK {
				admitted++
			}
		}
		if limit := 5 + int(time.Since(start).Seconds()) + 1; admitted < 5 || admitted > limit {
			t.Errorf("admitted %d of 20, want 5 to %d (one shared bucket)", admitted, limit)
		}
	})
	t.Run("primary killed mid-load", func(t *testing.T) {
		m, err := LoadModel("testdata/multi/template.yaml", LoadOptions{Region: os.Getenv("AWS_REGION"), ParameterOverrides: map[string]string{"CountDir": countDir, "Instance": "A"}})
		if err != nil {
			t.Fatal(err)
		}
		ns := deploymentOf(Config{DefinitionPath: "testdata/multi/template.yaml", Load: LoadOptions{Region: os.Getenv("AWS_REGION")}}, m).Namespace()
		owner := cl.Owner("{" + ns + "}")
		stop := make(chan struct{})
		var served, denied atomic.Int64
		var wg sync.WaitGroup
		for w := range 4 {
			in := []*instance{a, b}[w%2]
			wg.Go(func() {
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					name := fmt.Sprintf("w%dn%d", w, i%10)
					tok, want := "allow-"+name, fmt.Sprintf(`{"instance":%q,"principalId":%q}`, in.name, name)
					if i%2 == 1 {
						tok, want = "deny-"+name, `{"Message":"User is not authorized to access this resource with an explicit deny"}`
					}
					// Not t.Fatal: this is not the test's goroutine.
					status, body, err := plainGet(in, "/items/1", tok)
					switch {
					case err != nil:
						t.Errorf("%s via %s: %v", tok, in.name, err)
					case i%2 == 0 && (status != http.StatusOK || !sameJSON(body, want)):
						t.Errorf("%s via %s: %d %s, want 200 %s", tok, in.name, status, body, want)
					case i%2 == 1 && (status != http.StatusForbidden || body != want):
						t.Errorf("%s via %s: %d %s, want 403 %s", tok, in.name, status, body, want)
					case i%2 == 0:
						served.Add(1)
					default:
						denied.Add(1)
					}
				}
			})
		}
		time.Sleep(time.Second)
		cl.Kill(owner)
		atKill := len(calls())
		time.Sleep(3 * time.Second)
		close(stop)
		wg.Wait()
		// The 40 identities were all cached before the kill; afterwards the
		// instances can no longer hear flushes and must ask the authorizer.
		if len(calls()) == atKill {
			t.Error("no authorizer invocation after the primary died: the instances kept serving cached decisions")
		}
		t.Logf("primary %d killed after 1 s: %d allowed and %d denied requests, each with its own decision", owner, served.Load(), denied.Load())
	})
}

func plainGet(in *instance, path, token string) (int, string, error) {
	req, err := http.NewRequest(http.MethodGet, in.api+path, nil)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", token)
	resp, err := in.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// sameJSON compares two JSON objects whatever their key order and spacing.
func sameJSON(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
