package throttle

import (
	"testing"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/authcache/redistest"
)

// A rate limit and a quota shared by two instances over a real
// three-primary Redis Cluster; when the primary owning the deployment's
// slot dies, each instance goes on enforcing the limits on its own.
func TestCluster_SharedLimitAndQuota(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-node Redis Cluster")
	}
	cl := redistest.StartCluster(t, 3)
	a, b := newInstanceAt(t, cl.URL(), "ns-test"), newInstanceAt(t, cl.URL(), "ns-test")
	other := newInstanceAt(t, cl.URL(), "ns-other")
	admitted := 0
	for range 10 {
		admitted += allowN(t, a, "abcde12345/dev", 0.01, 5, 1) + allowN(t, b, "abcde12345/dev", 0.01, 5, 1)
	}
	if admitted != 5 {
		t.Errorf("admitted %d of 20 across two instances, want the shared burst of 5", admitted)
	}
	if got := allowN(t, other, "abcde12345/dev", 0.01, 5, 10); got != 5 {
		t.Errorf("another deployment admitted %d, want its own burst of 5", got)
	}
	now := time.Now()
	consume(t, a, "plan/key", 2, "DAY", now, []bool{true})
	consume(t, b, "plan/key", 2, "DAY", now, []bool{true, false})

	cl.Kill(cl.Owner("{ns-test}"))
	if got := allowN(t, a, "after-kill", 0.01, 3, 10); got != 3 {
		t.Errorf("admitted %d with the primary dead, want the local burst of 3", got)
	}
}
