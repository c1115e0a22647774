package server

import (
	"context"
	"errors"
	"fmt"
	"github.com/portcullis-gateway/portcullis/internal/awsservice"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/admin"
	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/authcache"
	"github.com/portcullis-gateway/portcullis/internal/authorizer"
	"github.com/portcullis-gateway/portcullis/internal/decision"
	"github.com/portcullis-gateway/portcullis/internal/function"
	"github.com/portcullis-gateway/portcullis/internal/gateway"
	"github.com/portcullis-gateway/portcullis/internal/httpapi"
	"github.com/portcullis-gateway/portcullis/internal/telemetry"
	"github.com/portcullis-gateway/portcullis/internal/throttle"
)

// Config is everything `portcullis serve` can be told.
type Config struct {
	// DefinitionPath is the template or OpenAPI document.
	DefinitionPath string
	Load           LoadOptions
	Host           string // default 127.0.0.1
	Port           int    // first API's port; default 3000; 0 picks free ports
	// Stage mounts one stage at "/".
	Stage string
	// DomainPort is the port of the first custom domain, the others
	// following; 0 means the port after the last API's (free ports when
	// Port is 0). Each domain has a listener of its own because its base
	// paths may map to several APIs, which listen on ports of their own.
	DomainPort int
	// AdminAddr is the admin listener; "" means 127.0.0.1:3001, "-" none.
	AdminAddr string
	// AdminHosts are further Host names the admin listener answers to
	// (behind a proxy, or a name in /etc/hosts); its own address and
	// localhost always work.
	AdminHosts []string
	// EnvVarsFile is a SAM CLI --env-vars file.
	EnvVarsFile string
	// MaxWorkers per function; 0 means the runtime's default.
	MaxWorkers     int
	TrustedProxies []netip.Prefix
	// CacheURL locates the Redis (server, cluster or Sentinel) of the
	// shared cache and rate limits; "" keeps them in process. See
	// redisconn.Parse for the URL forms.
	CacheURL string
	// BodyMemory is the budget for request bodies buffered at once, in
	// bytes; 0 means gateway.DefaultBodyMemory, negative unlimited.
	BodyMemory int64
	// ConfigFile is the --config file (identities, Cognito user pools,
	// API keys); "" means none.
	ConfigFile string
	// ServiceEndpoints override the endpoint of AWS services reached by
	// AWS service integrations, by service name ("dynamodb" ->
	// "http://127.0.0.1:4567"), for local stand-ins.
	ServiceEndpoints map[string]string
	Logger           *slog.Logger
	// Identity names the mock identity (from the --config file's
	// mockIdentities) that answers for every Lambda authorizer; "" invokes
	// the functions, unless the configured header picks one.
	Identity string
	// DisableAuthorizer serves CUSTOM and COGNITO_USER_POOLS methods
	// without their authorizers (SAM CLI's --disable-authorizer). Insecure.
	DisableAuthorizer bool
	// DebugFunction and DebugPort attach a debugger to one function's
	// worker (SAM CLI's --debug-function, --debug-port).
	DebugFunction string
	DebugPort     int
	// Decisions is how many recent requests the admin listener's decision
	// view keeps; 0 turns the view off.
	Decisions int
	// Banner receives the start-up banner; nil means discard.
	Banner io.Writer
}

// Server is a running gateway with its runtime and listeners.
type Server struct {
	cfg   Config
	log   *slog.Logger
	model *apimodel.Model
	gw    *gateway.Gateway
	// httpAPIs are the model's HTTP APIs, served after the REST APIs; a
	// reload swaps each one in place (httpLive), like the REST gateway.
	httpAPIs []*httpapi.API
	httpLive []*atomic.Pointer[httpapi.API]
	// jwt holds the key sets of the HTTP APIs' JWT issuers.
	jwt     *jwtVerifiers
	local   *function.Local
	cache   authcache.Cache
	limiter gateway.Limiter
	admin   *admin.Server
	invoker *dispatch
	metrics *telemetry.Metrics
	authz   *authorization
	ring    *decision.Ring
	mocks   *authorizer.Mocks
	env     function.EnvOverrides
	// services signs and sends AWS service integration requests.
	services *awsservice.Client
	// retired runtimes of replaced models, closed with the server.
	retired []*function.Local

	// reloadMu serialises reloads (Watch and direct Reload calls).
	reloadMu sync.Mutex

	mu        sync.Mutex
	listeners []net.Listener
	// domainLns are the custom domains' listeners, in Gateway.Domains order.
	domainLns []net.Listener
	adminLn   net.Listener
}

// New loads the definition and builds everything; nothing listens yet.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if cfg.AdminAddr == "" {
		cfg.AdminAddr = "127.0.0.1:3001"
	}
	s := &Server{cfg: cfg, log: cfg.Logger, metrics: telemetry.NewMetrics(telemetry.MetricsOptions{})}
	m, err := LoadModel(cfg.DefinitionPath, cfg.Load)
	if err != nil {
		return nil, err
	}
	for _, w := range m.Warnings {
		s.log.Warn(w.String())
	}
	// What the definition holds but Portcullis does not emulate (custom
	// domains, other services' resources) is never dropped silently.
	for _, d := range m.Ignored {
		s.log.Warn("ignored: " + d.String())
	}
	s.model = m
	if err := checkDebug(m, cfg); err != nil {
		return nil, err
	}
	if cfg.Decisions > 0 && cfg.AdminAddr != "-" {
		s.ring = decision.NewRing(cfg.Decisions)
	}
	env, err := loadEnv(cfg.EnvVarsFile)
	if err != nil {
		return nil, err
	}
	s.env = env
	s.local, err = function.NewLocal(s.localOptions(m))
	if err != nil {
		return nil, err
	}
	s.invoker = &dispatch{local: s.local, log: s.log, region: regionOf(m, cfg.Load.Region)}
	if cfg.CacheURL != "" {
		d := deploymentOf(cfg, m)
		ns := d.Namespace()
		s.log.Info("shared cache: Redis keys of this deployment are in namespace "+ns,
			"stack", d.StackName, "account", d.AccountID, "region", d.Region)
		rc, err := authcache.NewRedis(ctx, authcache.RedisOptions{URL: cfg.CacheURL, Namespace: ns, Logger: cfg.Logger, Decode: authorizer.Decode, Local: authcache.MemoryOptions{Metrics: s.metrics}})
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("--cache %s: %w", cfg.CacheURL, err)
		}
		s.cache = rc
		rl, err := throttle.NewRedis(throttle.RedisOptions{URL: cfg.CacheURL, Namespace: ns, Logger: cfg.Logger})
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("--cache %s: %w", cfg.CacheURL, err)
		}
		s.limiter = rl
	} else {
		s.cache = authcache.NewMemory(authcache.MemoryOptions{Metrics: s.metrics})
		s.limiter = throttle.NewLocal(throttle.LocalOptions{})
	}
	s.authz, err = loadAuthorization(ctx, cfg.ConfigFile, m, s.log)
	if err != nil {
		s.Close()
		return nil, err
	}
	if mo := s.authz.file.Mocks; len(mo.Identities) > 0 || cfg.Identity != "" {
		opts := authorizer.MockOptions{Header: mo.Header, Default: cfg.Identity}
		for _, id := range mo.Identities {
			opts.Identities = append(opts.Identities, authorizer.MockIdentity{Name: id.Name, PrincipalID: id.PrincipalID,
				Context: id.Context, Policy: id.Policy, AllowAll: id.AllowAll})
		}
		if s.mocks, err = authorizer.NewMocks(opts); err != nil {
			err = fmt.Errorf("%s: mockIdentities: %w", s.cfg.ConfigFile, err)
			s.Close()
			return nil, err
		}
		s.log.Warn(s.mocks.Describe())
	}
	if cfg.DisableAuthorizer {
		s.log.Warn("INSECURE: --disable-authorizer: CUSTOM and COGNITO_USER_POOLS methods are served without their authorizers; every caller is let through. Never use this outside local development.")
	}
	opts := s.gatewayOptions(m)
	served, warns, err := s.compile(m, opts.Compiler)
	for _, w := range warns {
		s.log.Warn(w.String())
	}
	if err == nil {
		s.gw, err = gateway.New(served, opts)
	}
	if err == nil {
		s.jwt, err = newJWTVerifiers(ctx, served, s.log)
	}
	if err == nil {
		s.httpAPIs, err = s.compileHTTPAPIs(served, s.invoker, s.jwt)
	}
	for _, a := range s.httpAPIs {
		p := &atomic.Pointer[httpapi.API]{}
		p.Store(a)
		s.httpLive = append(s.httpLive, p)
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	s.admin = admin.New(s.adminOptions())
	return s, nil
}

func (s *Server) gatewayOptions(m *apimodel.Model) gateway.Options {
	return s.gatewayOptionsFor(m, s.invoker)
}

// gatewayOptionsFor builds the gateway options of m over the dispatcher
// inv, which a reload builds before it swaps anything in.
func (s *Server) gatewayOptionsFor(m *apimodel.Model, inv *dispatch) gateway.Options {
	if s.services == nil {
		s.services = awsservice.New(awsservice.Options{Endpoints: s.cfg.ServiceEndpoints})
	}
	comp := newCompiler(m, inv, authorizer.Options{Invoker: inv, Cache: s.cache, Logger: s.log, Observer: s.metrics,
		Mocks: s.mocks, DisableAuthorizers: s.cfg.DisableAuthorizer}, s.authz, s.limiter)
	comp.services = s.services
	return gateway.Options{
		Logger:         s.log,
		Compiler:       comp,
		Limiter:        s.limiter,
		MountStage:     s.cfg.Stage,
		TrustedProxies: s.cfg.TrustedProxies,
		Observer:       s.metrics,
		BodyMemory:     s.cfg.BodyMemory,
		Decisions:      s.ring,
	}
}

func (s *Server) localOptions(m *apimodel.Model) function.LocalOptions {
	return function.LocalOptions{
		Logger: s.cfg.Logger, MaxWorkers: s.cfg.MaxWorkers, Region: regionOf(m, s.cfg.Load.Region), EnvOverrides: s.env,
		Metrics: s.metrics, Debug: function.DebugOptions{Function: s.cfg.DebugFunction, Port: s.cfg.DebugPort},
	}
}

// deploymentOf names the deployment that instances share Redis state for:
// the stack name given with --stack-name, else the base name of the
// directory holding the definition (what `sam deploy --guided` proposes as
// the stack name), with the account and region of the APIs. Instances of
// one definition started from the same directory name share; two apps in
// differently named directories never do, even when both use SAM's implicit
// ServerlessRestApi and so the same API id.
func deploymentOf(cfg Config, m *apimodel.Model) apimodel.Deployment {
	d := apimodel.Deployment{StackName: cfg.Load.StackName, AccountID: cfg.Load.AccountID, Region: regionOf(m, cfg.Load.Region)}
	if d.StackName == "" {
		if abs, err := filepath.Abs(cfg.DefinitionPath); err == nil {
			d.StackName = filepath.Base(filepath.Dir(abs))
		}
	}
	if d.AccountID == "" {
		for _, a := range m.APIs {
			if a.AccountID != "" {
				d.AccountID = a.AccountID
				break
			}
		}
	}
	return d
}

func regionOf(m *apimodel.Model, region string) string {
	if region != "" {
		return region
	}
	for _, a := range m.APIs {
		if a.Region != "" {
			return a.Region
		}
	}
	return "us-east-1"
}

func loadEnv(path string) (function.EnvOverrides, error) {
	if path == "" {
		return function.EnvOverrides{}, nil
	}
	return function.LoadEnvVars(path)
}

// Model is the loaded model.
func (s *Server) Model() *apimodel.Model { return s.model }

// Gateway is the running gateway.
func (s *Server) Gateway() *gateway.Gateway { return s.gw }

// Admin is the admin API, for extension before Run.
func (s *Server) Admin() *admin.Server { return s.admin }

// Invoker runs the model's functions.
func (s *Server) Invoker() function.Invoker { return s.invoker }

// Listen opens the data-plane listeners (one per API, from Port upwards)
// and the admin listener.
func (s *Server) Listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	port := s.cfg.Port
	// REST APIs first, then HTTP APIs, each on the next port.
	for range len(s.gw.APIs()) + len(s.httpAPIs) {
		addr := net.JoinHostPort(s.cfg.Host, strconv.Itoa(port))
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			s.closeListeners()
			return fmt.Errorf("listen %s: %w", addr, err)
		}
		s.listeners = append(s.listeners, ln)
		if port != 0 {
			port++
		}
	}
	if s.cfg.DomainPort != 0 {
		port = s.cfg.DomainPort
	}
	for _, d := range s.gw.Domains() {
		addr := net.JoinHostPort(s.cfg.Host, strconv.Itoa(port))
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			s.closeListeners()
			return fmt.Errorf("listen %s (custom domain %s): %w", addr, d.Name, err)
		}
		s.domainLns = append(s.domainLns, ln)
		if port != 0 {
			port++
		}
	}
	if s.cfg.AdminAddr != "-" {
		ln, err := net.Listen("tcp", s.cfg.AdminAddr)
		if err != nil {
			s.closeListeners()
			return fmt.Errorf("admin listener %s: %w", s.cfg.AdminAddr, err)
		}
		s.adminLn = ln
	}
	return nil
}

func (s *Server) closeListeners() {
	for _, ln := range s.listeners {
		ln.Close()
	}
	s.listeners = nil
	for _, ln := range s.domainLns {
		ln.Close()
	}
	s.domainLns = nil
	if s.adminLn != nil {
		s.adminLn.Close()
	}
}

// Addrs returns the data-plane listener addresses, in API order.
func (s *Server) Addrs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.listeners))
	for i, ln := range s.listeners {
		out[i] = ln.Addr().String()
	}
	return out
}

// DomainAddrs returns the custom domains' listener addresses, in the
// order of Gateway().Domains().
func (s *Server) DomainAddrs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.domainLns))
	for i, ln := range s.domainLns {
		out[i] = ln.Addr().String()
	}
	return out
}

// AdminAddr returns the admin listener address, "" when there is none.
func (s *Server) AdminAddr() string {
	if s.adminLn == nil {
		return ""
	}
	return s.adminLn.Addr().String()
}

// Run serves until ctx is done, then drains in-flight requests and stops
// every function worker.
func (s *Server) Run(ctx context.Context) error {
	if len(s.listeners) == 0 {
		if err := s.Listen(); err != nil {
			return err
		}
	}
	s.writeBanner()
	var wg sync.WaitGroup
	errc := make(chan error, len(s.listeners)+len(s.domainLns)+1)
	rest := len(s.gw.APIs())
	for i, ln := range s.listeners {
		if i >= rest {
			live := s.httpLive[i-rest]
			wg.Go(func() { errc <- serveHTTPAPI(ctx, live, ln) })
			continue
		}
		wg.Go(func() { errc <- s.gw.Serve(ctx, i, ln) })
	}
	for j, ln := range s.domainLns {
		wg.Go(func() { errc <- s.gw.ServeDomain(ctx, j, ln) })
	}
	var adminSrv *http.Server
	if s.adminLn != nil {
		adminSrv = &http.Server{Handler: s.admin, ReadHeaderTimeout: 10 * time.Second}
		adminSrv.RegisterOnShutdown(s.admin.CloseStreams)
		wg.Go(func() {
			if err := adminSrv.Serve(s.adminLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		})
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	if adminSrv != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = adminSrv.Shutdown(sctx)
		cancel()
	}
	wg.Wait()
	s.Close()
	return err
}

// Close stops the function runtimes, the caches and the Cognito key
// sources. It may be called on a partly built server and more than once.
func (s *Server) Close() {
	s.mu.Lock()
	locals := append(s.retired, s.local)
	authz, cache, limiter, jwt := s.authz, s.cache, s.limiter, s.jwt
	s.retired, s.local, s.authz, s.cache, s.limiter, s.jwt = nil, nil, nil, nil, nil, nil
	s.mu.Unlock()
	for _, l := range locals {
		if l != nil {
			l.Close()
		}
	}
	authz.close()
	jwt.close()
	if cache != nil {
		cache.Close()
	}
	if c, ok := limiter.(io.Closer); ok {
		c.Close()
	}
}

func (s *Server) writeBanner() {
	if s.cfg.Banner == nil {
		return
	}
	w := s.cfg.Banner
	for i, a := range s.gw.APIs() {
		addr := s.listeners[i].Addr().String()
		fmt.Fprintf(w, "API %s (id %s, %s, account %s)\n", a.LogicalID, a.ID, a.Region, a.AccountID)
		for _, st := range a.Stages {
			if s.cfg.Stage != "" && st.Name != s.cfg.Stage {
				continue
			}
			base := "http://" + addr + "/" + st.Name
			if s.cfg.Stage != "" {
				base = "http://" + addr
			}
			fmt.Fprintf(w, "  stage %-10s %s\n", st.Name, base)
		}
		for _, line := range RouteTable(a) {
			fmt.Fprintf(w, "    %s\n", line)
		}
	}
	for j, d := range s.gw.Domains() {
		fmt.Fprintf(w, "domain %s http://%s\n", d.Name, s.domainLns[j].Addr())
		for _, line := range DomainTable(d) {
			fmt.Fprintf(w, "  %s\n", line)
		}
	}
	rest := len(s.gw.APIs())
	for i, a := range s.model.HTTPAPIs {
		if rest+i >= len(s.listeners) {
			break
		}
		addr := s.listeners[rest+i].Addr().String()
		fmt.Fprintf(w, "HTTP API %s (id %s, %s, account %s)\n", a.LogicalID, a.ID, a.Region, a.AccountID)
		for _, st := range a.Stages {
			base := "http://" + addr + "/" + st.Name
			if st.Name == apimodel.DefaultStage {
				base = "http://" + addr
			}
			fmt.Fprintf(w, "  stage %-10s %s\n", st.Name, base)
		}
		for _, line := range HTTPRouteTable(a) {
			fmt.Fprintf(w, "    %s\n", line)
		}
	}
	if s.adminLn != nil {
		fmt.Fprintf(w, "admin http://%s\n", s.adminLn.Addr())
		if s.ring != nil {
			fmt.Fprintf(w, "decisions http://%s/\n", s.adminLn.Addr())
		}
	}
}

// RouteTable lists every method of an API as "VERB path  auth  integration".
func RouteTable(a *apimodel.API) []string {
	type row struct{ verb, path, auth, integ string }
	var rows []row
	for _, r := range a.Resources {
		for v, m := range r.Methods {
			auth := m.AuthorizationType
			if auth == "" {
				auth = apimodel.AuthNone
			}
			if m.AuthorizerID != "" {
				auth += "(" + m.AuthorizerID + ")"
			}
			if m.APIKeyRequired {
				auth += "+API_KEY"
			}
			integ := "-"
			if in := m.Integration; in != nil {
				integ = in.Type
				switch in.Type {
				case apimodel.IntegrationAWSProxy:
					if in.Function != "" {
						integ += " " + in.Function
					} else {
						arn, ok := apimodel.ParseLambdaURI(in.URI)
						if !ok {
							arn = in.URI
						}
						integ += " " + arn
					}
				case apimodel.IntegrationHTTPProxy:
					integ += " " + in.URI
				}
			}
			rows = append(rows, row{v, r.Path, auth, integ})
		}
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].path != rows[j].path {
			return rows[i].path < rows[j].path
		}
		return rows[i].verb < rows[j].verb
	})
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = strings.TrimRight(fmt.Sprintf("%-7s %-28s %-28s %s", r.verb, r.path, r.auth, r.integ), " ")
	}
	return out
}

// DomainTable lists a custom domain's base path mappings as
// "/basePath  -> API stage", the (none) mapping as "/".
func DomainTable(d *apimodel.Domain) []string {
	out := make([]string, 0, len(d.Mappings))
	for _, bp := range d.Mappings {
		stage := bp.Stage
		if stage == "" {
			stage = "(stage from the path)"
		}
		out = append(out, fmt.Sprintf("%-20s -> %s %s", "/"+bp.BasePath, bp.API, stage))
	}
	return out
}

// checkDebug refuses --debug-function for a function the definition lacks
// and a missing --debug-port.
func checkDebug(m *apimodel.Model, cfg Config) error {
	if cfg.DebugFunction == "" {
		if cfg.DebugPort != 0 {
			return errors.New("--debug-port needs --debug-function")
		}
		return nil
	}
	if cfg.DebugPort <= 0 || cfg.DebugPort > 65535 {
		return fmt.Errorf("--debug-function %s needs --debug-port (1-65535)", cfg.DebugFunction)
	}
	for _, f := range m.Functions {
		if f.Name == cfg.DebugFunction || f.LogicalID == cfg.DebugFunction {
			cfg.Logger.Warn(fmt.Sprintf("debugging %s on 127.0.0.1:%d: one worker, timeouts suspended", cfg.DebugFunction, cfg.DebugPort))
			return nil
		}
	}
	return fmt.Errorf("--debug-function %s: the definition has no such function", cfg.DebugFunction)
}

// serveHTTPAPI serves one HTTP API on ln until ctx is done, then drains.
func serveHTTPAPI(ctx context.Context, live *atomic.Pointer[httpapi.API], ln net.Listener) error {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { live.Load().ServeHTTP(w, r) })
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	}
}
