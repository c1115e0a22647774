package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
)

// Flusher empties one stage of one API's authorizer cache.
type Flusher interface {
	Flush(ctx context.Context, apiID, stage string) error
}

// Options configure the admin handler.
type Options struct {
	// APIs returns the APIs being served (it changes on reload).
	APIs func() []*apimodel.API
	// Cache is the authorizer cache; nil answers flushes with 202 and does
	// nothing, like a stage without caching.
	Cache  Flusher
	Logger *slog.Logger
	// Ready reports readiness for /readyz; nil means always ready.
	Ready func() error
}

// Server is the admin API.
type Server struct {
	opts Options
	mux  *http.ServeMux
}

// New builds the admin handler.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{opts: opts, mux: http.NewServeMux()}
	s.mux.HandleFunc("DELETE /restapis/{restapi_id}/stages/{stage_name}/cache/authorizers", s.flushAuthorizers)
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	s.mux.HandleFunc("GET /readyz", s.readyz)
	return s
}

// Handle adds a route (the management API and metrics extend the server).
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.opts.Ready != nil {
		if err := s.opts.Ready(); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	_, _ = w.Write([]byte("ready\n"))
}

// FindAPI returns the served API with the given id.
func (s *Server) FindAPI(id string) *apimodel.API {
	if s.opts.APIs == nil {
		return nil
	}
	for _, a := range s.opts.APIs() {
		if a.ID == id {
			return a
		}
	}
	return nil
}

// WriteError writes an API Gateway management error.
func WriteError(w http.ResponseWriter, status int, errType, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-ErrorType", errType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

func (s *Server) flushAuthorizers(w http.ResponseWriter, r *http.Request) {
	id, stage := r.PathValue("restapi_id"), r.PathValue("stage_name")
	api := s.FindAPI(id)
	if api == nil {
		WriteError(w, http.StatusNotFound, "NotFoundException", fmt.Sprintf("Invalid API identifier specified %s", id))
		return
	}
	found := false
	for _, st := range api.Stages {
		found = found || st.Name == stage
	}
	if !found {
		WriteError(w, http.StatusNotFound, "NotFoundException", fmt.Sprintf("Invalid stage identifier specified %s", stage))
		return
	}
	if s.opts.Cache != nil {
		if err := s.opts.Cache.Flush(r.Context(), api.ID, stage); err != nil {
			s.opts.Logger.Error("authorizer cache flush failed", "api", api.ID, "stage", stage, "err", err)
			WriteError(w, http.StatusInternalServerError, "ServiceUnavailableException", "cache flush failed")
			return
		}
	}
	s.opts.Logger.Info("authorizer cache flushed", "api", api.ID, "stage", stage)
	w.WriteHeader(http.StatusAccepted)
}
