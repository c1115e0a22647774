package decision

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/policy"
)

// recordRequest runs the hooks of one request's pipeline against tr: what the
// gateway and the authorizer record for a cached TOKEN authorizer's
// decision.
func recordRequest(g *Ring, id string) *Record {
	tr := g.NewTrace(id, time.Unix(0, 0))
	ctx := With(context.Background(), tr)
	t := From(ctx)
	var buf [4]Field
	fields := append(buf[:0], Field{Label: "resource", Value: "/users/{id}"}, Field{Label: "id", Value: "43", Param: true})
	t.Step(Step{Name: StepRoute, Outcome: OK, Summary: "GET /users/{id}"}, fields...)
	t.Redact("allow-secret-token", "")
	t.Step(Step{Name: StepIdentity, Text: Textf("%s source(s) for %s", Int(1), Str("auth"))},
		Field{Label: "method.request.header.Authorization", Arg: Masked("allow-secret-token")})
	t.Step(Step{Name: StepCache, Text: Textf("hit: entry %s old", Duration(3*time.Millisecond))},
		Field{Label: "key hash", Arg: Hex64(42)}, Field{Label: "TTL", Arg: Seconds(300)})
	t.LineText(slog.LevelInfo, Textf("Policy decision: %s: %s for %s", Str("Allow"), Reason(policy.Decision{Effect: policy.Allow}), Str("arn")))
	log := Logger(slog.New(slog.DiscardHandler), t)
	log.Info("Successfully completed authorizer execution")
	rec := tr.Finish(func(r *Record) { r.Status = 200 })
	g.Add(rec)
	return rec
}

// The view's cost on the request path is the trace's handle: the record's
// storage is recycled from records the ring dropped, and nothing is
// formatted until the record is read. Issue 15 holds the whole request to
// at most two allocations more with the view on.
func TestTrace_RequestPathAllocatesOnlyTheHandle(t *testing.T) {
	g := NewRing(4)
	for range 8 {
		recordRequest(g, "warm")
	}
	if n := testing.AllocsPerRun(100, func() { recordRequest(g, "id") }); n > 1 {
		t.Errorf("a recorded request allocates %v times, want at most 1", n)
	}
}

// A ring reuses a dropped record's storage: a handle of the old request
// (work that outlived it) writes nothing into the new one, and a
// subscriber that reads the old record too late gets nothing rather than
// the new request's record.
func TestRing_RecycledStorage_StaleHandleAndLateReaderSeeNothing(t *testing.T) {
	g := NewRing(1)
	c, stop := g.Subscribe()
	defer stop()
	old := g.NewTrace("old", time.Unix(0, 0))
	g.Add(old.Finish(func(*Record) {}))
	late := <-c
	recordRequest(g, "next") // overwrites "old": its storage is recycled
	<-c
	tr := g.NewTrace("new", time.Unix(0, 0)) // reuses it
	old.Step(Step{Name: StepAuthorizer, Summary: "stale"})
	old.Line(slog.LevelInfo, "stale")
	g.Add(tr.Finish(func(*Record) {}))
	if r := late.Record(); r != nil {
		t.Errorf("recycled record read as %+v", r)
	}
	recs := g.Records()
	if len(recs) != 1 || recs[0].RequestID != "new" {
		t.Fatalf("records = %+v", recs)
	}
	if got := shown(t, recs[0]); len(got.Steps) != 0 || len(got.Log) != 0 {
		t.Errorf("stale writes landed in the new record: %+v", got)
	}
}

// Each value formats as the eager code it replaces did.
func TestArg_FormatsAsTheEagerCode(t *testing.T) {
	sum := sha256.Sum256([]byte("k"))
	var n uint64
	for _, b := range sum[:8] {
		n = n<<8 | uint64(b)
	}
	dec := policy.Decision{Effect: policy.ExplicitDeny, Statement: 2, Sid: "NoAdmin"}
	for _, tc := range []struct {
		name string
		got  Arg
		want string
	}{
		{"string", Str("x"), "x"},
		{"int", Int(-403), "-403"},
		{"duration", Duration(1500 * time.Microsecond), (1500 * time.Microsecond).String()},
		{"seconds", Seconds(300), "300s"},
		{"hash", Hex64(n), hex.EncodeToString(sum[:])[:16]},
		{"small hash keeps its zeros", Hex64(0xab), "00000000000000ab"},
		{"mask", Masked("allow-alice"), "********-alice"},
		{"short mask", Masked("abc"), "***"},
		{"reason", Reason(dec), dec.Reason()},
		{"no statement", Reason(policy.Decision{Statement: -1}), "no statement matched"},
		{"unsupported", Reason(policy.Decision{Effect: policy.ExplicitDeny, Statement: 0, Unsupported: "Foo"}),
			policy.Decision{Effect: policy.ExplicitDeny, Statement: 0, Unsupported: "Foo"}.Reason()},
		{"none", Arg{}, ""},
	} {
		if s := tc.got.String(); s != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, s, tc.want)
		}
	}
	if s := Textf("a %s b %s c %s d %s", Int(1), Int(2), Int(3), Int(4)).String(); s != "a 1 b 2 c 3 d %s" {
		t.Errorf("text = %q", s)
	}
	if s := Textf("100%").String(); s != "100%" || !strings.Contains(Textf("%s%s", Str("a")).String(), "a") {
		t.Errorf("text = %q", s)
	}
}

func BenchmarkTrace_Record(b *testing.B) {
	g := NewRing(DefaultSize)
	b.ReportAllocs()
	for b.Loop() {
		recordRequest(g, "id")
	}
}
