package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/function"
	"github.com/portcullis-gateway/portcullis/internal/httpapi"
	"github.com/portcullis-gateway/portcullis/internal/router"
)

// Reload re-reads the definition and, when it loads and compiles, swaps the
// new gateway in atomically with a fresh function runtime, so that changed
// function code runs on the next call. Requests in flight finish on the old
// state; the old runtime's workers stop when the server does, or once idle.
// On any error the running gateway keeps serving and the error (every
// diagnostic of a broken template) is returned.
func (s *Server) Reload(ctx context.Context) error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	m, err := LoadModel(s.cfg.DefinitionPath, s.cfg.Load)
	if err != nil {
		return err
	}
	return s.apply(ctx, m)
}

// apply swaps m in whole or not at all: the runtime, the dispatcher and
// the compiled gateway are built for m first, and only when all of them
// are ready do the gateway (one atomic pointer) and the server's own view
// of them change, under s.mu so that the admin API never sees the new
// model with the old runtime or the other way round. The caller holds
// s.reloadMu.
func (s *Server) apply(ctx context.Context, m *apimodel.Model) error {
	local, err := function.NewLocal(s.localOptions(m))
	if err != nil {
		return err
	}
	inv := &dispatch{local: local, log: s.log, region: regionOf(m, s.cfg.Load.Region)}
	opts := s.gatewayOptionsFor(m, inv)
	served, warns, err := s.compile(m, opts.Compiler)
	for _, w := range warns {
		s.log.Warn(w.String())
	}
	// HTTP APIs are built for m too, before anything is swapped: they
	// change with the REST APIs or not at all.
	var (
		jwt      *jwtVerifiers
		httpAPIs []*httpapi.API
	)
	if err == nil {
		jwt, err = newJWTVerifiers(ctx, served, s.log)
	}
	if err == nil {
		httpAPIs, err = s.compileHTTPAPIs(served, inv, jwt)
	}
	if err == nil && len(httpAPIs) != len(s.httpLive) {
		err = fmt.Errorf("the template now defines %d HTTP APIs instead of %d; restart to change ports", len(httpAPIs), len(s.httpLive))
	}
	s.mu.Lock()
	if err == nil {
		err = s.gw.Reload(served, opts.Compiler)
	}
	if err != nil {
		s.mu.Unlock()
		jwt.close()
		local.Close()
		return err
	}
	for i, a := range httpAPIs {
		s.httpLive[i].Store(a)
	}
	oldJWT := s.jwt
	s.httpAPIs, s.jwt = httpAPIs, jwt
	oldLocal := s.local
	s.local, s.invoker, s.model = local, inv, m
	s.retired = append(s.retired, oldLocal)
	s.mu.Unlock()
	oldJWT.close()
	// A new deployment starts with an empty authorizer cache: results of
	// the previous authorizer code must not outlive it.
	for _, a := range m.APIs {
		for _, st := range a.Stages {
			_ = s.cache.Flush(ctx, a.ID, st.Name)
		}
	}
	return nil
}

// WatchOptions tune Watch; the zero value is what `serve --watch` uses.
type WatchOptions struct {
	// Interval is how often the files are polled; 0 means 500ms.
	Interval time.Duration
	// Settle is how long the files must stay unchanged before a reload
	// (the debounce); 0 means two intervals.
	Settle time.Duration
	// Hold is how long a definition that would open a route the running
	// one guards must stay unchanged before it is applied; 0 means
	// max(4×Settle, 2s). An editor that saves in several writes, or a
	// tool that truncates and rewrites, leaves for a moment a file cut
	// short, often before its Auth block: valid YAML with the routes
	// open. Holding only such reloads keeps every other change fast.
	Hold time.Duration
}

func (o WatchOptions) withDefaults() WatchOptions {
	if o.Interval <= 0 {
		o.Interval = 500 * time.Millisecond
	}
	if o.Settle <= 0 {
		o.Settle = 2 * o.Interval
	}
	if o.Hold <= 0 {
		o.Hold = max(4*o.Settle, 2*time.Second)
	}
	return o
}

// Watch polls the definition file and every function's code directory and
// reloads on change until ctx is done. Polling keeps the dependency set
// small and works the same on every file system, including bind mounts
// where inotify events do not arrive.
//
// A reload happens only once the files have settled (no change for
// o.Settle), and only from a definition that did not change while it was
// read: the fingerprint is taken before and after loading, and a mismatch
// discards the load and waits again. A definition that would open a route
// the running one guards waits o.Hold instead, so that a half-written file
// is superseded by the rest of the write before it is ever served. A failed
// load keeps the running definition; the next change tries again.
func (s *Server) Watch(ctx context.Context, interval time.Duration) {
	s.WatchWith(ctx, WatchOptions{Interval: interval})
}

// WatchWith is Watch with every timing explicit.
func (s *Server) WatchWith(ctx context.Context, o WatchOptions) {
	o = o.withDefaults()
	applied := s.fingerprint(s.currentModel())
	t := time.NewTicker(o.Interval)
	defer t.Stop()
	var (
		seen      = applied // the fingerprint last polled
		since     time.Time // when seen was first polled
		failedFor string    // the fingerprint whose load last failed
		heldFor   string    // the fingerprint of a definition on hold
	)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fp := s.fingerprint(s.currentModel())
		now := time.Now()
		if fp != seen {
			seen, since = fp, now
			continue
		}
		if fp == applied || fp == failedFor || now.Sub(since) < o.Settle || (fp == heldFor && now.Sub(since) < o.Hold) {
			continue
		}
		start := time.Now()
		res, next, err := s.reloadStable(ctx, fp, now.Sub(since), o.Hold)
		switch res {
		case reloadApplied:
			applied, seen, failedFor, heldFor = next, next, "", ""
			s.log.Info(fmt.Sprintf("reloaded %s in %s", s.cfg.DefinitionPath, time.Since(start).Round(time.Millisecond)))
		case reloadHeld:
			heldFor = fp
		case reloadChanged:
			// The files moved under the load: poll again.
		case reloadFailed:
			failedFor = fp
			s.log.Error("reload failed; the previous definition keeps serving")
			for _, line := range Diagnostics(err) {
				s.log.Error(line)
			}
		}
	}
}

type reloadResult int

const (
	reloadApplied reloadResult = iota
	reloadChanged
	reloadHeld
	reloadFailed
)

// reloadStable loads the definition whose fingerprint was fp and applies it
// if the files still have fingerprint fp after the load and, when it opens
// a route the running definition guards, if they have been stable for
// hold. After a reload it returns the fingerprint of what was applied: the
// definition as loaded and the new model's code.
func (s *Server) reloadStable(ctx context.Context, fp string, stable, hold time.Duration) (reloadResult, string, error) {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	old := s.currentModel()
	m, err := LoadModel(s.cfg.DefinitionPath, s.cfg.Load)
	if s.fingerprint(old) != fp {
		return reloadChanged, "", nil
	}
	if err != nil {
		return reloadFailed, "", err
	}
	if opened := openedRoutes(old, m); len(opened) > 0 && stable < hold {
		s.log.Warn(fmt.Sprintf("the changed definition removes authorization from %s; applying it once the file has been unchanged for %s",
			strings.Join(opened, ", "), hold))
		return reloadHeld, "", nil
	}
	if err := s.apply(ctx, m); err != nil {
		return reloadFailed, "", err
	}
	def, _, _ := strings.Cut(fp, "/")
	return reloadApplied, def + "/" + codeFingerprint(m), nil
}

func (s *Server) currentModel() *apimodel.Model {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.model
}

// openedRoutes lists the methods that old guards (an authorizer, IAM,
// Cognito, an API key or a resource policy) and that in next match a
// method guarded by none of these, as "API VERB /path". A request to
// such a method would pass unchecked after the swap.
func openedRoutes(old, next *apimodel.Model) []string {
	byID := map[string]*apimodel.API{}
	for _, a := range next.APIs {
		byID[a.LogicalID] = a
	}
	var out []string
	for i, oa := range old.APIs {
		na := byID[oa.LogicalID]
		if na == nil && i < len(next.APIs) {
			na = next.APIs[i] // the same listener serves it
		}
		if na == nil {
			continue
		}
		tree, err := router.New(na.Resources)
		if err != nil {
			continue // it will not compile, so it cannot be applied
		}
		for _, r := range oa.Resources {
			for verb, m := range r.Methods {
				if !guarded(oa, m) {
					continue
				}
				probe := verb
				if verb == "ANY" {
					probe = "GET"
				}
				_, nm, _, found := tree.Match(probe, samplePath(r.Path), nil)
				if found && nm != nil && !guarded(na, nm) {
					out = append(out, oa.LogicalID+" "+verb+" "+r.Path)
				}
			}
		}
	}
	for i, oa := range old.HTTPAPIs {
		var na *apimodel.HTTPAPI
		for _, a := range next.HTTPAPIs {
			if a.LogicalID == oa.LogicalID {
				na = a
			}
		}
		if na == nil && i < len(next.HTTPAPIs) {
			na = next.HTTPAPIs[i] // the same listener serves it
		}
		if na == nil {
			continue
		}
		for _, r := range oa.Routes {
			if r.AuthorizationType == "" || r.AuthorizationType == apimodel.HTTPAuthNone {
				continue
			}
			// The same route key, or (gone) whatever now catches its
			// requests: a catch-all or $default route left open.
			nr := na.Route(r.RouteKey)
			if nr == nil {
				nr = na.Route(apimodel.DefaultRouteKey)
			}
			if nr != nil && (nr.AuthorizationType == "" || nr.AuthorizationType == apimodel.HTTPAuthNone) {
				out = append(out, oa.LogicalID+" "+r.RouteKey)
			}
		}
	}
	sort.Strings(out)
	return out
}

func guarded(a *apimodel.API, m *apimodel.Method) bool {
	return (m.AuthorizationType != "" && m.AuthorizationType != apimodel.AuthNone) || m.APIKeyRequired || len(a.ResourcePolicy) > 0
}

// samplePath turns a resource path into a request path it matches:
// /users/{id}/{proxy+} → /users/id/proxy.
func samplePath(p string) string {
	parts := strings.Split(p, "/")
	for i, seg := range parts {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			parts[i] = strings.TrimSuffix(strings.Trim(seg, "{}"), "+")
		}
	}
	return strings.Join(parts, "/")
}

// fingerprint summarises everything a reload of m depends on, as
// "definition/code": a hash of the definition's content (so that two
// writes within one mtime tick still differ) and one of the modification
// times and sizes of m's code.
func (s *Server) fingerprint(m *apimodel.Model) string {
	def := "missing"
	if b, err := os.ReadFile(s.cfg.DefinitionPath); err == nil {
		sum := sha256.Sum256(b)
		def = fmt.Sprintf("%x", sum[:12])
	}
	return def + "/" + codeFingerprint(m)
}

func codeFingerprint(m *apimodel.Model) string {
	h := fnv.New64a()
	var buf bytes.Buffer
	stat := func(p string) {
		buf.Reset()
		if fi, err := os.Stat(p); err == nil {
			fmt.Fprintf(&buf, "%s\x00%d\x00%d\x00", p, fi.ModTime().UnixNano(), fi.Size())
		} else {
			fmt.Fprintf(&buf, "%s\x00-\x00", p)
		}
		h.Write(buf.Bytes())
	}
	for _, dir := range codeDirs(m) {
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil //nolint:nilerr // an unreadable entry is not watched; the walk goes on
			}
			if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "__pycache__" || d.Name() == ".git") {
				return filepath.SkipDir
			}
			if !d.IsDir() {
				stat(p)
			}
			return nil
		})
	}
	return fmt.Sprintf("%016x", h.Sum64())
}

func codeDirs(m *apimodel.Model) []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range m.Functions {
		if f.CodeDir != "" && !seen[f.CodeDir] {
			seen[f.CodeDir] = true
			out = append(out, f.CodeDir)
		}
	}
	sort.Strings(out)
	return out
}
