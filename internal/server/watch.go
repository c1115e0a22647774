package server

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/function"
)

// Reload re-reads the definition and, when it loads and compiles, swaps the
// new gateway in atomically with a fresh function runtime, so that changed
// function code runs on the next call. Requests in flight finish on the old
// state; the old runtime's workers stop when the server does, or once idle.
// On any error the running gateway keeps serving and the error (every
// diagnostic of a broken template) is returned.
func (s *Server) Reload(ctx context.Context) error {
	m, err := LoadModel(s.cfg.DefinitionPath, s.cfg.Load)
	if err != nil {
		return err
	}
	local, err := function.NewLocal(s.localOptions(m))
	if err != nil {
		return err
	}
	s.mu.Lock()
	oldLocal, oldInvoker := s.local, s.invoker
	s.local = local
	s.invoker = &dispatch{local: local, log: s.log, region: regionOf(m, s.cfg.Load.Region)}
	opts := s.gatewayOptions(m)
	s.mu.Unlock()
	if err := s.gw.Reload(m, opts.Compiler); err != nil {
		s.mu.Lock()
		s.local, s.invoker = oldLocal, oldInvoker
		s.mu.Unlock()
		local.Close()
		return err
	}
	// A new deployment starts with an empty authorizer cache: results of
	// the previous authorizer code must not outlive it.
	for _, a := range m.APIs {
		for _, st := range a.Stages {
			_ = s.cache.Flush(ctx, a.ID, st.Name)
		}
	}
	s.mu.Lock()
	s.model = m
	s.retired = append(s.retired, oldLocal)
	s.mu.Unlock()
	return nil
}

// Watch polls the definition file and every function's code directory and
// reloads on change until ctx is done. Polling keeps the dependency set
// small and works the same on every file system, including bind mounts
// where inotify events do not arrive.
func (s *Server) Watch(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = 500 * time.Millisecond
	}
	last := s.fingerprint()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fp := s.fingerprint()
		if fp == last {
			continue
		}
		last = fp
		start := time.Now()
		if err := s.Reload(ctx); err != nil {
			s.log.Error("reload failed; the previous definition keeps serving")
			for _, line := range Diagnostics(err) {
				s.log.Error(line)
			}
			continue
		}
		s.log.Info(fmt.Sprintf("reloaded %s in %s", s.cfg.DefinitionPath, time.Since(start).Round(time.Millisecond)))
		last = s.fingerprint()
	}
}

// fingerprint summarises the modification times and sizes of everything a
// reload depends on.
func (s *Server) fingerprint() string {
	s.mu.Lock()
	m := s.model
	s.mu.Unlock()
	var h uint64 = 14695981039346656037
	mix := func(v int64) {
		h ^= uint64(v)
		h *= 1099511628211
	}
	stat := func(p string) {
		if fi, err := os.Stat(p); err == nil {
			mix(fi.ModTime().UnixNano())
			mix(fi.Size())
		} else {
			mix(-1)
		}
	}
	stat(s.cfg.DefinitionPath)
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
	return fmt.Sprint(h)
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
	return out
}
