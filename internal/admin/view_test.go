package admin

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/portcullis-gateway/portcullis/internal/decision"
)

func TestView_OffWithoutARing(t *testing.T) {
	srv := httptest.NewServer(New(Options{}))
	defer srv.Close()
	for _, path := range []string{"/", "/decisions", "/decisions/stream", "/ui/app.js"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404 with the view off", path, resp.StatusCode)
		}
	}
}

// The page is served from the admin listener's own origin and refuses to
// be framed or to load anything from elsewhere.
func TestView_PageAndAssets_SameOriginOnly(t *testing.T) {
	srv := httptest.NewServer(New(Options{Decisions: decision.NewRing(4)}))
	defer srv.Close()
	for _, tc := range []struct{ path, ctype, contains string }{
		{"/", "text/html", `<script src="/ui/app.js"`},
		{"/ui/app.js", "text/javascript", `"Content-Type": "application/json"`},
		{"/ui/style.css", "text/css", "@media"},
	} {
		resp, err := http.Get(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.ctype) {
			t.Errorf("GET %s: %d %s", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if !strings.Contains(string(body), tc.contains) {
			t.Errorf("GET %s lacks %q", tc.path, tc.contains)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("GET %s: Content-Security-Policy %q", tc.path, csp)
		}
	}
}

// The stream sends what the ring holds, then each new record, as
// server-sent events numbered by sequence.
func TestView_StreamSendsBacklogThenLive(t *testing.T) {
	ring := decision.NewRing(4)
	ring.Add(&decision.Record{RequestID: "first"})
	s := New(Options{Decisions: ring})
	srv := httptest.NewServer(s)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/decisions/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	rd := bufio.NewReader(resp.Body)
	next := func() decision.Record {
		t.Helper()
		var rec decision.Record
		var id string
		for {
			line, err := rd.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case strings.HasPrefix(line, "id: "):
				id = line[4:]
			case strings.HasPrefix(line, "data: "):
				if err := json.Unmarshal([]byte(line[6:]), &rec); err != nil {
					t.Fatal(err)
				}
			case line == "":
				if id == "" {
					t.Fatal("event without id")
				}
				return rec
			}
		}
	}
	if r := next(); r.RequestID != "first" || r.Seq != 1 {
		t.Fatalf("backlog: %+v", r)
	}
	ring.Add(&decision.Record{RequestID: "second"})
	if r := next(); r.RequestID != "second" || r.Seq != 2 {
		t.Fatalf("live: %+v", r)
	}
	// Shutting the listener down ends the stream.
	s.CloseStreams()
	if _, err := io.ReadAll(rd); err != nil {
		t.Fatal(err)
	}
}

func TestView_DecisionsJSON(t *testing.T) {
	ring := decision.NewRing(4)
	srv := httptest.NewServer(New(Options{Decisions: ring}))
	defer srv.Close()
	get := func() []decision.Record {
		resp, err := http.Get(srv.URL + "/decisions")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct{ Item []decision.Record }
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		return out.Item
	}
	if got := get(); len(got) != 0 {
		t.Fatalf("empty ring listed %d", len(got))
	}
	ring.Add(&decision.Record{RequestID: "a", Status: 403})
	if got := get(); len(got) != 1 || got[0].RequestID != "a" || got[0].Status != 403 {
		t.Fatalf("got %+v", got)
	}
}
