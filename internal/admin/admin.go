package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/decision"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
	"github.com/portcullis-gateway/portcullis/internal/sigv4"
)

// Flusher empties one stage of one API's authorizer cache.
type Flusher interface {
	Flush(ctx context.Context, apiID, stage string) error
}

// Options configure the admin handler. Every nil field turns off the
// endpoints that need it (they answer 404 like an unknown operation).
type Options struct {
	// APIs returns the APIs being served (it changes on reload).
	APIs func() []*apimodel.API
	// HTTPAPIs returns the HTTP APIs being served, for the API Gateway v2
	// ResetAuthorizersCache; nil serves none.
	HTTPAPIs func() []*apimodel.HTTPAPI
	// Cache is the authorizer cache; nil answers flushes with 202 and does
	// nothing, like a stage without caching.
	Cache  Flusher
	Logger *slog.Logger
	// Ready reports readiness for /readyz; nil means always ready.
	Ready func() error
	// Authorizers runs TestInvokeAuthorizer.
	Authorizers AuthorizerTester
	// Methods runs TestInvokeMethod.
	Methods MethodTester
	// Functions serves the Lambda Invoke API and names the functions behind
	// authorizer and integration URIs.
	Functions Functions
	// Metrics serves GET /metrics.
	Metrics http.Handler
	// Now is the clock; nil means time.Now. The time New runs is every
	// API's and stage's createdDate.
	Now func() time.Time
	// AllowedHosts are the Host names, besides the listener's own address
	// and loopback names, the admin API answers to ("name" on any port,
	// or "name:port"); see guard.go.
	AllowedHosts []string
	// Keys are the configured identities; when set, every call but the
	// health checks must carry their valid SigV4 signature. Nil accepts
	// unsigned calls (they still pass the cross-site checks).
	Keys sigv4.KeyStore
	// Decisions is the ring of recent decisions the view at / shows; nil
	// turns the view off.
	Decisions *decision.Ring
}

// Server is the admin API.
type Server struct {
	opts    Options
	mux     *http.ServeMux
	created time.Time
	streams *viewStreams
}

// New builds the admin handler.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{opts: opts, mux: http.NewServeMux(), created: opts.Now()}
	s.mux.HandleFunc("DELETE /restapis/{restapi_id}/stages/{stage_name}/cache/authorizers", s.flushAuthorizers)
	s.mux.HandleFunc("DELETE /v2/apis/{api_id}/stages/{stage_name}/cache/authorizers", s.resetAuthorizersCache)
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, http.StatusNotFound, "UnknownOperationException", "Unknown operation "+r.Method+" "+r.URL.Path)
	})
	s.routeRestAPIs()
	if opts.Authorizers != nil {
		s.mux.HandleFunc("POST /restapis/{restapi_id}/authorizers/{authorizer_id}", s.testInvokeAuthorizer)
	}
	if opts.Methods != nil {
		s.mux.HandleFunc("POST /restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}", s.testInvokeMethod)
	}
	if opts.Functions != nil {
		s.routeLambda()
	}
	if opts.Metrics != nil {
		s.mux.Handle("GET /metrics", opts.Metrics)
	}
	if opts.Decisions != nil {
		s.routeView()
	}
	return s
}

// Handle adds a route (the management API and metrics extend the server).
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// ServeHTTP gives every answer a request id, as AWS services do; SDKs
// report it in their response metadata.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("x-amzn-RequestId", reqctx.NewRequestID())
	if ref := s.check(r); ref != nil {
		s.opts.Logger.Warn("admin request refused", "method", r.Method, "path", r.URL.Path, "host", r.Host,
			"origin", r.Header.Get("Origin"), "remote", r.RemoteAddr, "reason", ref.msg)
		WriteError(w, ref.status, ref.errType, ref.msg)
		return
	}
	s.mux.ServeHTTP(w, r)
}

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

// WriteError writes an API Gateway management error: the status, the
// error's type in x-amzn-ErrorType (which AWS SDKs map to their exception
// classes) and {"message": ...}.
func WriteError(w http.ResponseWriter, status int, errType, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-ErrorType", errType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

// writeJSON writes a successful management answer.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) flushAuthorizers(w http.ResponseWriter, r *http.Request) {
	api, ok := s.api(w, r)
	if !ok {
		return
	}
	stage := r.PathValue("stage_name")
	if findStage(api, stage) == nil {
		notFound(w, "Stage", stage)
		return
	}
	if s.opts.Cache != nil {
		if err := s.opts.Cache.Flush(r.Context(), api.ID, stage); err != nil {
			s.opts.Logger.Error("authorizer cache flush failed", "api", api.ID, "stage", stage, "err", err)
			WriteError(w, http.StatusServiceUnavailable, "ServiceUnavailableException", "cache flush failed")
			return
		}
	}
	s.opts.Logger.Info("authorizer cache flushed", "api", api.ID, "stage", stage)
	w.WriteHeader(http.StatusAccepted)
}

// resetAuthorizersCache is API Gateway v2's ResetAuthorizersCache
// (DELETE /v2/apis/{apiId}/stages/{stageName}/cache/authorizers, 204 No
// Content, API Gateway V2 API Reference): it empties the stage's Lambda
// authorizer results of one HTTP API.
func (s *Server) resetAuthorizersCache(w http.ResponseWriter, r *http.Request) {
	id, stage := r.PathValue("api_id"), r.PathValue("stage_name")
	var api *apimodel.HTTPAPI
	if s.opts.HTTPAPIs != nil {
		for _, a := range s.opts.HTTPAPIs() {
			if a.ID == id {
				api = a
			}
		}
	}
	if api == nil {
		notFound(w, "API", id)
		return
	}
	found := false
	for _, st := range api.Stages {
		found = found || st.Name == stage
	}
	if !found {
		notFound(w, "Stage", stage)
		return
	}
	if s.opts.Cache != nil {
		if err := s.opts.Cache.Flush(r.Context(), api.ID, stage); err != nil {
			s.opts.Logger.Error("authorizer cache flush failed", "api", api.ID, "stage", stage, "err", err)
			WriteError(w, http.StatusServiceUnavailable, "ServiceUnavailableException", "cache flush failed")
			return
		}
	}
	s.opts.Logger.Info("authorizer cache flushed", "api", api.ID, "stage", stage)
	w.WriteHeader(http.StatusNoContent)
}

// api resolves {restapi_id}, answering 404 NotFoundException when it names
// no served API.
func (s *Server) api(w http.ResponseWriter, r *http.Request) (*apimodel.API, bool) {
	id := r.PathValue("restapi_id")
	if a := s.FindAPI(id); a != nil {
		return a, true
	}
	notFound(w, "API", id)
	return nil, false
}

// notFound is API Gateway's answer for an id that names nothing ("Invalid
// API identifier specified ...", "Invalid Stage identifier specified ...").
func notFound(w http.ResponseWriter, what, id string) {
	WriteError(w, http.StatusNotFound, "NotFoundException", fmt.Sprintf("Invalid %s identifier specified %s", what, id))
}

func badRequest(w http.ResponseWriter, msg string) {
	WriteError(w, http.StatusBadRequest, "BadRequestException", msg)
}

func findStage(api *apimodel.API, name string) *apimodel.Stage {
	for _, st := range api.Stages {
		if st.Name == name {
			return st
		}
	}
	return nil
}
