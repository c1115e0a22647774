package decision

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestRing_KeepsTheLastN_OldestFirst(t *testing.T) {
	for _, tc := range []struct {
		name string
		size int
		add  int
		want []uint64
	}{
		{"empty", 3, 0, nil},
		{"partly filled", 3, 2, []uint64{1, 2}},
		{"exactly full", 3, 3, []uint64{1, 2, 3}},
		{"wrapped", 3, 7, []uint64{5, 6, 7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewRing(tc.size)
			for range tc.add {
				g.Add(&Record{})
			}
			var got []uint64
			for _, r := range g.Records() {
				got = append(got, r.Seq)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("seqs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRing_SubscriberGetsNewRecords_SlowOneDoesNotBlock(t *testing.T) {
	g := NewRing(10)
	c, stop := g.Subscribe()
	defer stop()
	g.Add(&Record{RequestID: "a"})
	if r := (<-c).Record(); r.RequestID != "a" || r.Seq != 1 {
		t.Fatalf("got %+v", r)
	}
	// Far more records than the channel holds: Add never blocks.
	for range 1000 {
		g.Add(&Record{})
	}
	stop()
	g.Add(&Record{})
}

// Work that outlives its request (a shared cache fill) cannot change a
// finished record that readers may be encoding.
func TestTrace_WritesAfterFinishAreDropped(t *testing.T) {
	tr := NewTrace("id", time.Unix(0, 0))
	rec := tr.Finish(func(*Record) {})
	tr.Step(Step{Name: StepAuthorizer})
	tr.Line(slog.LevelInfo, "late")
	tr.LineText(slog.LevelInfo, Textf("late %s", Str("text")))
	tr.SetMock("m")
	if got := shown(t, rec); len(got.Steps) != 0 || len(got.Log) != 0 || got.Mock != "" {
		t.Errorf("finished record changed: %+v", got)
	}
}

func TestNilRing_AddIsANoOp(t *testing.T) {
	var g *Ring
	g.Add(&Record{})
}

func TestTrace_FromContext(t *testing.T) {
	if From(context.Background()) != nil {
		t.Fatal("a plain context has a trace")
	}
	tr := NewTrace("id", time.Unix(0, 0))
	if From(With(context.Background(), tr)) != tr {
		t.Fatal("trace not found in its context")
	}
}

// The tee keeps INFO lines for the view even when the server's logger
// drops them, and never keeps the debugging notes below INFO.
func TestLogger_KeepsInfoLinesWhenBaseDropsThem(t *testing.T) {
	tr := NewTrace("id", time.Unix(0, 0))
	log := Logger(slog.New(slog.DiscardHandler), tr).With("requestId", "id")
	if !log.Enabled(context.Background(), slog.LevelInfo) {
		t.Fatal("INFO disabled")
	}
	log.Info("Policy decision: Allow", "cause", "x")
	log.Debug("not kept")
	log.Warn("pitfall")
	rec := tr.Finish(func(*Record) {})
	want := []LogLine{{"INFO", "Policy decision: Allow (cause: x)"}, {"WARN", "pitfall"}}
	if diff := cmp.Diff(want, shown(t, rec).Log); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
}

func TestRecord_Denied(t *testing.T) {
	r := &Record{Steps: []Step{{Name: StepRoute}}}
	if r.Denied() {
		t.Error("routed request counted as denied")
	}
	r.Steps = append(r.Steps, Step{Name: StepGatewayResponse})
	if !r.Denied() {
		t.Error("gateway response not counted as denied")
	}
}

func BenchmarkFrom_Off(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if From(ctx) != nil {
			b.Fatal("trace")
		}
	}
}

// Identity values are never shown in full, wherever the pipeline quoted
// them (the execution log and the event quote the token as sent, also
// JSON-escaped); steps are shown in pipeline order, and JSON documents and
// the deciding statement are expanded only when the record is encoded.
func TestRecordJSON_RedactsSecrets_PipelineOrder_ExpandsStatements(t *testing.T) {
	tr := NewTrace("id", time.Unix(0, 0))
	tr.Redact(`allow-"alice"`, "*****-alice")
	tr.Line(slog.LevelInfo, `Incoming identity: allow-"alice"`)
	tr.Step(Step{Name: StepAuthorizer, Summary: "s", Fields: []Field{{Label: "event", JSON: []byte(`{"authorizationToken":"allow-\"alice\""}`)}}})
	tr.Step(Step{Name: StepPolicy, Summary: "p", Statement: Statement{Member: "policyDocument", Index: 1,
		Doc: []byte(`{"policyDocument":{"Statement":[{"Effect":"Allow"},{"Effect":"Deny","Resource":"arn:x/*"}]}}`)}})
	tr.Step(Step{Name: StepCache, Summary: "miss"})
	tr.Step(Step{Name: StepRoute, Summary: "GET /x"})
	rec := tr.Finish(func(*Record) {})
	b, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "allow-") {
		t.Errorf("secret shown: %s", b)
	}
	var got struct {
		Steps []Step
		Log   []LogLine
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Log[0].Msg != "Incoming identity: *****-alice" {
		t.Errorf("log line = %q", got.Log[0].Msg)
	}
	var names []string
	for _, s := range got.Steps {
		names = append(names, s.Name)
	}
	if diff := cmp.Diff([]string{StepRoute, StepCache, StepAuthorizer, StepPolicy}, names); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	if ev := got.Steps[2].Fields[0]; !ev.Code || ev.Value != "{\n  \"authorizationToken\": \"*****-alice\"\n}" {
		t.Errorf("event field = %+v", ev)
	}
	want := []Field{{Label: "Resource pattern", Value: "arn:x/*"}, {Label: "deciding statement", Value: "{\n  \"Effect\": \"Deny\",\n  \"Resource\": \"arn:x/*\"\n}", Code: true}}
	if diff := cmp.Diff(want, got.Steps[3].Fields, cmpopts.IgnoreUnexported(Arg{})); diff != "" {
		t.Errorf("statement fields (-want +got):\n%s", diff)
	}
}

// shown is the record as the view reads it: its JSON.
func shown(t *testing.T, rec *Record) Record {
	t.Helper()
	b, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	var got Record
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	return got
}
