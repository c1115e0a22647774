package admin

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"strconv"
	"sync"

	"github.com/portcullis-gateway/portcullis/internal/decision"
)

// The decision view: a page served from the admin listener's own origin
// (plain HTML, CSS and JavaScript embedded in the binary), the recent
// decisions as JSON, and new ones pushed as server-sent events. The page
// calls the management API for everything else (TestInvokeAuthorizer,
// FlushStageAuthorizersCache), sending Content-Type: application/json on
// every state-changing call.

//go:embed ui
var uiFiles embed.FS

// viewStreams ends the view's event streams when the listener shuts down:
// an open stream is never idle, so http.Server.Shutdown would otherwise
// wait for it until its deadline.
type viewStreams struct {
	once sync.Once
	done chan struct{}
}

func (s *Server) routeView() {
	s.streams = &viewStreams{done: make(chan struct{})}
	ui, _ := fs.Sub(uiFiles, "ui")
	files := http.FileServerFS(ui)
	s.mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		viewHeaders(w)
		http.ServeFileFS(w, r, ui, "index.html")
	})
	s.mux.Handle("GET /ui/", http.StripPrefix("/ui/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		viewHeaders(w)
		files.ServeHTTP(w, r)
	})))
	s.mux.HandleFunc("GET /decisions", s.getDecisions)
	s.mux.HandleFunc("GET /decisions/stream", s.streamDecisions)
}

// viewHeaders keep the page to its own origin: no framing, no scripts or
// connections elsewhere.
func viewHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
}

// CloseStreams ends every open event stream (the listener is shutting
// down). It is safe to call more than once.
func (s *Server) CloseStreams() {
	if s.streams != nil {
		s.streams.once.Do(func() { close(s.streams.done) })
	}
}

// GET /decisions: the recent decisions, oldest first.
func (s *Server) getDecisions(w http.ResponseWriter, r *http.Request) {
	recs := s.opts.Decisions.Records()
	if recs == nil {
		recs = []*decision.Record{}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"item": recs})
}

// GET /decisions/stream: every stored decision, then each new one, as
// server-sent events whose id is the record's sequence number.
func (s *Server) streamDecisions(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		WriteError(w, http.StatusInternalServerError, "InternalServerErrorException", "streaming unsupported")
		return
	}
	c, stop := s.opts.Decisions.Subscribe()
	defer stop()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	var last uint64
	send := func(rec *decision.Record) bool {
		if rec.Seq <= last {
			return true
		}
		last = rec.Seq
		b, err := json.Marshal(rec)
		if err != nil {
			return true
		}
		if _, err := w.Write([]byte("id: ")); err != nil {
			return false
		}
		_, _ = w.Write([]byte(strconv.FormatUint(rec.Seq, 10)))
		_, _ = w.Write([]byte("\nevent: decision\ndata: "))
		_, _ = w.Write(b)
		_, err = w.Write([]byte("\n\n"))
		return err == nil
	}
	for _, rec := range s.opts.Decisions.Records() {
		if !send(rec) {
			return
		}
	}
	fl.Flush()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.streams.done:
			return
		case ref := <-c:
			// nil: recycled before this subscriber read it.
			rec := ref.Record()
			if rec == nil {
				continue
			}
			if !send(rec) {
				return
			}
			fl.Flush()
		}
	}
}
