// Command portcullis serves SAM/CloudFormation templates and OpenAPI
// documents with Amazon API Gateway's REST semantics, running their Lambda
// functions locally.
package main

import (
	"context"
	neturl "net/url"

	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/server"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `portcullis — Amazon API Gateway (REST) authorization, locally and self-hosted

Usage:
  portcullis serve    [-t FILE] [--host 127.0.0.1] [--port 3000] [--stage NAME] [--watch] [flags]
  portcullis validate [-t FILE]
  portcullis invoke   FUNCTION [-t FILE] [-e EVENT.json|-]
  portcullis flush-authorizer-cache --api ID --stage NAME [--admin-addr 127.0.0.1:3001]
  portcullis generate-event token|request|proxy|http [--method GET] [--path /p?q=1] [--resource /p/{id}] [-H 'Name: value']...
  portcullis token    --user-pool ID --sub NAME [--groups a,b] [--scope s] [--access] [--key-file PATH]
  portcullis version

Run "portcullis COMMAND -h" for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(rest, stdout, stderr)
	case "validate":
		return validate(rest, stdout, stderr)
	case "invoke":
		return invoke(rest, stdin, stdout, stderr)
	case "token":
		return token(rest, stdout, stderr)
	case "generate-event":
		return generateEvent(rest, stdout, stderr)
	case "flush-authorizer-cache":
		return flush(rest, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintf(stdout, "portcullis %s\n", version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "portcullis: unknown command %q\n\n%s", cmd, usage)
	return 2
}

// common are the flags every command that loads a definition takes.
type common struct {
	template  string
	region    string
	account   string
	stackName string
	overrides multiFlag
	imports   string
	logFormat string
	logLevel  string
	// samconfig.toml (SAM CLI's --config-file and --config-env).
	configFile string
	configEnv  string
	samEnvVars string // env_vars from samconfig.toml, for serve
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, " ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, strings.Fields(v)...); return nil }

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.template, "t", "", "template or OpenAPI file (default: template.yaml, template.yml, template.json, openapi.yaml)")
	fs.StringVar(&c.template, "template", "", "same as -t")
	fs.StringVar(&c.region, "region", os.Getenv("AWS_REGION"), "AWS region of the API (default us-east-1)")
	fs.StringVar(&c.account, "account-id", "", "AWS account id of the API (default 123456789012)")
	fs.StringVar(&c.stackName, "stack-name", "", "AWS::StackName (default portcullis); with --cache it also names the deployment whose Redis keys instances share (default: the template directory's name)")
	fs.Var(&c.overrides, "parameter-overrides", "template parameters as Key=Value (repeatable)")
	fs.StringVar(&c.imports, "imports", "", "JSON file of exports for Fn::ImportValue ({\"Name\": \"value\"})")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&c.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&c.configFile, "config-file", "", "SAM CLI samconfig.toml (default: ./samconfig.toml when present)")
	fs.StringVar(&c.configEnv, "config-env", "default", "environment of the samconfig.toml to read")
}

// applySAMConfig fills what the command line left unset from
// samconfig.toml's [ENV.global.parameters] and
// [ENV.local_start_api.parameters], as sam local start-api does.
func (c *common) applySAMConfig() error {
	path, optional := c.configFile, false
	if path == "" {
		path, optional = server.DefaultSAMConfig, true
	}
	sc, err := server.LoadSAMConfig(path, c.configEnv, optional)
	if err != nil {
		return err
	}
	if c.template == "" && sc.Template != "" {
		c.template = sc.Template
		if !filepath.IsAbs(c.template) {
			c.template = filepath.Join(filepath.Dir(path), c.template)
		}
	}
	if len(c.overrides) == 0 {
		for _, o := range sc.ParameterOverrides {
			if err := c.overrides.Set(o); err != nil {
				return fmt.Errorf("%s: parameter_overrides: %w", path, err)
			}
		}
	}
	if c.region == "" {
		c.region = sc.Region
	}
	if c.stackName == "" {
		c.stackName = sc.StackName
	}
	c.samEnvVars = sc.EnvVars
	return nil
}

func (c *common) loadOptions() (server.LoadOptions, error) {
	o := server.LoadOptions{Region: c.region, AccountID: c.account, StackName: c.stackName}
	if len(c.overrides) > 0 {
		ov, err := server.ParseOverrides(c.overrides)
		if err != nil {
			return o, err
		}
		o.ParameterOverrides = ov
	}
	if c.imports != "" {
		im, err := server.LoadImports(c.imports)
		if err != nil {
			return o, err
		}
		o.Imports = im
	}
	return o, nil
}

// resolve finds the definition file and its deployment inputs, reporting a
// failure on stderr with the exit code to return (0 when all is well).
func (c *common) resolve(stderr io.Writer) (string, server.LoadOptions, int) {
	if err := c.applySAMConfig(); err != nil {
		fmt.Fprintln(stderr, "portcullis:", err)
		return "", server.LoadOptions{}, 2
	}
	path, err := c.definition()
	if err != nil {
		fmt.Fprintln(stderr, "portcullis:", err)
		return "", server.LoadOptions{}, 1
	}
	lo, err := c.loadOptions()
	if err != nil {
		fmt.Fprintln(stderr, "portcullis:", err)
		return "", server.LoadOptions{}, 2
	}
	return path, lo, 0
}

func (c *common) definition() (string, error) {
	if c.template != "" {
		return c.template, nil
	}
	return server.FindDefinition(".")
}

func (c *common) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level %q: %v", c.logLevel, err)
	}
	ho := &slog.HandlerOptions{Level: level}
	switch c.logFormat {
	case "text":
		return slog.New(server.NewTextHandler(w, ho.Level)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, ho)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", c.logFormat)
}

func serve(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	host := fs.String("host", "127.0.0.1", "address to listen on")
	port := fs.Int("port", 3000, "port of the first API; further APIs use the next ports")
	domainPort := fs.Int("domain-port", 0, "port of the first custom domain (DomainName, SAM Domain); further domains use the next ports (default: after the APIs' ports)")
	stage := fs.String("stage", "", "serve only this stage, mounted at /")
	adminAddr := fs.String("admin-addr", "127.0.0.1:3001", `admin listener address ("-" disables it)`)
	adminHosts := fs.String("admin-host", "", "comma-separated extra Host names the admin listener answers to (its own address and localhost always work)")
	envVars := fs.String("env-vars", "", "SAM CLI style JSON file of function environment overrides")
	maxWorkers := fs.Int("max-workers", 8, "maximum concurrent workers per function")
	trusted := fs.String("trusted-proxies", "", "comma-separated CIDRs whose X-Forwarded-For is trusted for the source IP")
	cacheURL := fs.String("cache", "", "shared authorizer cache and rate limits: redis://HOST:PORT/DB, redis-cluster://HOST:PORT,HOST:PORT,... or redis-sentinel://HOST:PORT,...?master=NAME (rediss-* for TLS)")
	configFile := fs.String("config", "", "configuration file: IAM identities, Cognito user pools, API keys (portcullis.yaml)")
	bodyMemory := fs.Int64("body-memory-mb", 256, // gateway.DefaultBodyMemory
		"memory for request bodies buffered at once, in MiB; over it requests get 503 (0 = unlimited)")
	watch := fs.Bool("watch", false, "reload the definition and function code when they change")
	serviceEndpoints := map[string]string{}
	fs.Func("service-endpoint", "SERVICE=URL: send AWS service integrations for SERVICE (dynamodb, sqs, ...) to URL instead of AWS; repeatable", func(v string) error {
		name, u, ok := strings.Cut(v, "=")
		if !ok || name == "" || !(strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://")) {
			return fmt.Errorf("want SERVICE=http(s)://HOST:PORT, not %q", v)
		}
		serviceEndpoints[name] = u
		return nil
	})
	identity := fs.String("identity", "", "mock identity (mockIdentities in --config) that answers for every Lambda authorizer instead of invoking it")
	disableAuth := fs.Bool("disable-authorizer", false, "INSECURE: serve CUSTOM and COGNITO_USER_POOLS methods without their authorizers (SAM CLI's habit)")
	debugFn := fs.String("debug-function", "", "attach a debugger to this function's worker (Node --inspect, Python debugpy, Go dlv)")
	debugPort := fs.Int("debug-port", 0, "port the debugger listens on, on 127.0.0.1")
	decisions := fs.Int("decisions", 500, "recent requests the decision view at the admin listener keeps (0 turns the view off)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	// The gateway's live heap is a few MB, so the default GOGC=100 collects
	// many times a second under load; 200 measured 2-3% more throughput at
	// an RSS still far below 64 MB (bench/profile.md). Users' own GOGC or
	// GOMEMLIMIT win.
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetGCPercent(200)
	}
	// Bodies are buffered up to --body-memory-mb; a soft memory limit just
	// above it keeps the garbage of finished bodies from tripling RSS
	// under GOGC=200 before the collector runs.
	bodyBytes := *bodyMemory << 20
	if *bodyMemory <= 0 {
		bodyBytes = -1
	} else if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(bodyBytes + 128<<20)
	}
	// The execution log is written in batches (see server.NewLogWriter).
	logOut := server.NewLogWriter(stderr, 0)
	defer logOut.Close()
	log, err := c.logger(logOut)
	if err != nil {
		fmt.Fprintln(stderr, "portcullis:", err)
		return 2
	}
	path, lo, code := c.resolve(stderr)
	if code != 0 {
		return code
	}
	lo.StageName = *stage
	if *envVars == "" {
		*envVars = c.samEnvVars
	}
	var prefixes []netip.Prefix
	for _, s := range strings.Split(*trusted, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			fmt.Fprintf(stderr, "portcullis: --trusted-proxies: %v\n", err)
			return 2
		}
		prefixes = append(prefixes, p)
	}
	if *cacheURL != "" {
		server.RouteRedisLogs(log)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := server.New(ctx, server.Config{
		DefinitionPath: path, Load: lo, Host: *host, Port: *port, DomainPort: *domainPort, Stage: *stage, AdminAddr: *adminAddr, AdminHosts: splitList(*adminHosts),
		EnvVarsFile: *envVars, MaxWorkers: *maxWorkers, TrustedProxies: prefixes, CacheURL: *cacheURL, ConfigFile: *configFile,
		ServiceEndpoints: serviceEndpoints, BodyMemory: bodyBytes,
		Logger: log, Banner: stdout, Decisions: *decisions,
		Identity: *identity, DisableAuthorizer: *disableAuth, DebugFunction: *debugFn, DebugPort: *debugPort,
	})
	if err != nil {
		for _, line := range server.Diagnostics(err) {
			fmt.Fprintln(stderr, line)
		}
		return 1
	}
	if *watch {
		go srv.Watch(ctx, 0)
	}
	if err := srv.Run(ctx); err != nil {
		fmt.Fprintln(stderr, "portcullis:", err)
		return 1
	}
	return 0
}

func validate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	stage := fs.String("stage", "", "check as serve --stage NAME would mount it")
	envVars := fs.String("env-vars", "", "SAM CLI style JSON file of function environment overrides")
	configFile := fs.String("config", "", "configuration file, as serve takes it")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	path, lo, code := c.resolve(stderr)
	if code != 0 {
		return code
	}
	lo.StageName = *stage
	// The same load and compile as serve, without starting anything:
	// validate exit 0 means serve starts.
	m, fnWarnings, err := server.Check(context.Background(), server.Config{
		DefinitionPath: path, Load: lo, Stage: *stage, EnvVarsFile: *envVars, ConfigFile: *configFile,
	})
	if err != nil {
		for _, w := range fnWarnings {
			fmt.Fprintf(stderr, "warning: %s\n", w)
		}
		for _, line := range server.Diagnostics(err) {
			fmt.Fprintln(stderr, line)
		}
		return 1
	}
	for _, a := range m.APIs {
		fmt.Fprintf(stdout, "API %s (id %s)\n", a.LogicalID, a.ID)
		for _, st := range a.Stages {
			fmt.Fprintf(stdout, "  stage %s\n", st.Name)
		}
		for _, line := range server.RouteTable(a) {
			fmt.Fprintf(stdout, "    %s\n", line)
		}
	}
	for _, d := range m.Domains {
		fmt.Fprintf(stdout, "domain %s\n", d.Name)
		for _, line := range server.DomainTable(d) {
			fmt.Fprintf(stdout, "  %s\n", line)
		}
	}
	for _, a := range m.HTTPAPIs {
		fmt.Fprintf(stdout, "HTTP API %s (id %s)\n", a.LogicalID, a.ID)
		for _, st := range a.Stages {
			fmt.Fprintf(stdout, "  stage %s\n", st.Name)
		}
		for _, line := range server.HTTPRouteTable(a) {
			fmt.Fprintf(stdout, "    %s\n", line)
		}
	}
	warnings := server.Warnings(m)
	for _, w := range fnWarnings {
		warnings = append(warnings, w.String())
	}
	for _, d := range m.Ignored {
		fmt.Fprintf(stdout, "ignored: %s\n", d.String())
	}
	for _, w := range warnings {
		fmt.Fprintf(stdout, "warning: %s\n", w)
	}
	return 0
}

func invoke(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("invoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	event := fs.String("e", "", "event JSON file, or - for standard input (default {})")
	envVars := fs.String("env-vars", "", "SAM CLI style JSON file of function environment overrides")
	// The function name may come before or after the flags, as with sam.
	var name string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if name == "" && fs.NArg() > 0 {
		name = fs.Arg(0)
	}
	if name == "" {
		fmt.Fprintln(stderr, "portcullis invoke: name the function to invoke")
		return 2
	}
	payload := []byte("{}")
	var err error
	switch *event {
	case "":
	case "-":
		payload, err = io.ReadAll(stdin)
	default:
		payload, err = os.ReadFile(*event)
	}
	if err != nil {
		fmt.Fprintln(stderr, "portcullis invoke:", err)
		return 1
	}
	c.logLevel = "warn"
	log, err := c.logger(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "portcullis:", err)
		return 2
	}
	path, lo, code := c.resolve(stderr)
	if code != 0 {
		return code
	}
	res, err := server.Invoke(context.Background(), path, lo, *envVars, name, payload, log, stderr)
	if err != nil {
		for _, line := range server.Diagnostics(err) {
			fmt.Fprintln(stderr, line)
		}
		return 1
	}
	if _, err := stdout.Write(res.Payload); err != nil {
		fmt.Fprintln(stderr, "invoke: write the result:", err)
		return 1
	}
	fmt.Fprintln(stdout)
	if res.FunctionError != "" {
		return 1
	}
	return 0
}

func flush(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("flush-authorizer-cache", flag.ContinueOnError)
	fs.SetOutput(stderr)
	api := fs.String("api", "", "REST or HTTP API id (as printed by serve)")
	stage := fs.String("stage", "", "stage name")
	addr := fs.String("admin-addr", "127.0.0.1:3001", "admin listener of the running gateway")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *api == "" || *stage == "" {
		fmt.Fprintln(stderr, "portcullis flush-authorizer-cache: --api and --stage are required")
		return 2
	}
	url := fmt.Sprintf("http://%s/restapis/%s/stages/%s/cache/authorizers", *addr, *api, *stage)
	req, _ := http.NewRequest(http.MethodDelete, url, nil)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "portcullis flush-authorizer-cache:", err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusNotFound && strings.Contains(string(body), "Invalid API identifier") {
		// Not a REST API: an HTTP API is flushed with API Gateway v2's
		// ResetAuthorizersCache.
		req, _ := http.NewRequest(http.MethodDelete, fmt.Sprintf("http://%s/v2/apis/%s/stages/%s/cache/authorizers", *addr, *api, neturl.PathEscape(*stage)), nil)
		resp2, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			fmt.Fprintln(stderr, "portcullis flush-authorizer-cache:", err)
			return 1
		}
		defer func() { _ = resp2.Body.Close() }()
		body2, _ := io.ReadAll(resp2.Body)
		if resp2.StatusCode == http.StatusNoContent {
			fmt.Fprintf(stdout, "flushed the authorizer cache of %s/%s\n", *api, *stage)
			return 0
		}
		if resp2.StatusCode != http.StatusNotFound || !strings.Contains(string(body2), "Invalid API identifier") {
			resp, body = resp2, body2
		}
	}
	if resp.StatusCode != http.StatusAccepted {
		fmt.Fprintf(stderr, "portcullis flush-authorizer-cache: %s: %s\n", resp.Status, strings.TrimSpace(string(body)))
		if resp.Header.Get("x-amzn-ErrorType") == "MissingAuthenticationTokenException" {
			// With identities in --config the admin API wants SigV4, which
			// this command does not send.
			fmt.Fprintf(stderr, "the gateway has identities configured and its admin API requires signed requests; flush with one identity's keys:\n"+
				"  aws apigateway flush-stage-authorizers-cache --endpoint-url http://%s --rest-api-id %s --stage-name %s\n", *addr, *api, *stage)
		}
		return 1
	}
	fmt.Fprintf(stdout, "flushed the authorizer cache of %s/%s\n", *api, *stage)
	return 0
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
