package archtest

import (
	"strings"
	"testing"
)

// A rule says which packages may not import which, and why. Patterns are
// import paths below the module ("internal/policy") or, outside it, full
// import paths; a trailing "/..." also matches everything below. A rule
// with transitive set looks at every dependency, not only direct imports.
type rule struct {
	pkgs   []string
	mayNot []string
	except []string // packages the rule does not apply to
	// allow lists single exceptions as "package import", each with its
	// reason in a comment.
	allow      []string
	transitive bool
	why        string
}

// stages are the pipeline stages and the assembly around them.
var stages = []string{
	"internal/gateway", "internal/router", "internal/authorizer", "internal/authcache",
	"internal/policy", "internal/sigv4", "internal/cognito", "internal/throttle",
	"internal/integration", "internal/lambdaevent", "internal/gwresponse",
	"internal/function/...", "internal/telemetry", "internal/admin", "internal/server",
}

// io is what a pure package may not import: files, processes, the network
// and servers. (net/netip and net/url are value types and stay allowed.)
var io = []string{
	"os", "os/exec", "os/signal", "io/fs", "path/filepath", "syscall", "net", "net/http/...",
	"log", "log/slog", "github.com/valyala/fasthttp/...", "github.com/redis/...",
	"github.com/aws/aws-sdk-go-v2/...",
}

// pure are the packages that decide but do no I/O: the heart of
// correctness, tested with values alone and fuzzed.
var pure = []string{
	"internal/policy", "internal/sigv4", "internal/router", "internal/lambdaevent",
	"internal/gwresponse", "internal/apimodel", "internal/reqctx",
}

var rules = []rule{
	{
		pkgs: []string{"internal/template", "internal/openapi"}, mayNot: stages,
		why: "loaders turn a file into an apimodel.Model; nothing downstream may know the file format, and a loader that reached into a stage would make the model depend on serving code",
	},
	{
		pkgs: []string{"internal/config"}, mayNot: stages, except: []string{"internal/policy"},
		why: "config produces data (identities, key sources, API keys) that server turns into stage options; policy is allowed because config checks identity policies with the pure parser at load, so a bad document is reported with its file and line",
	},
	{
		pkgs: []string{"internal/apimodel"}, mayNot: append(stages, "internal/template", "internal/openapi", "internal/config"),
		why: "the model is plain data that every other package reads; it depends on nothing of ours",
	},
	{
		pkgs: []string{"cmd/..."}, mayNot: []string{"internal/...", "github.com/..."}, except: []string{"internal/server"},
		why: "main parses flags and wires; server is its one entry point, so everything a test would want to reach lives behind server's API",
	},
	{
		pkgs: pure, mayNot: io,
		allow: []string{
			// SplitHostPort and ParseIP for the Host header, both value
			// functions; net/netip would do once the request
			// canonicalisation settles.
			"internal/lambdaevent net",
		},
		why: "pure packages decide from values and do no I/O: no files, processes, network, servers or logging (the caller logs)",
	},
	{
		pkgs: pure, mayNot: []string{"net/http/...", "github.com/valyala/fasthttp/...", "github.com/aws/aws-sdk-go-v2/...", "github.com/redis/..."}, transitive: true,
		why: "pure packages must not link a server, an HTTP client, the AWS SDK or Redis even through a dependency",
	},
	{
		pkgs: []string{"..."}, mayNot: []string{"github.com/aws/aws-sdk-go-v2/...", "github.com/aws/smithy-go/..."}, except: []string{"internal/function/awslambda", "internal/awsservice"},
		why: "only the remote Lambda invoker and the AWS service integrations (which send SigV4-signed calls to real services or their configured stand-ins) talk to AWS; everything else is local and must not pick up credentials",
	},
	{
		pkgs: []string{"..."}, mayNot: []string{"testing", "testing/..."}, except: []string{"internal/testenv", "internal/authcache/redistest"},
		why: "production code never imports testing; the test kits (testenv, redistest) exist only for tests",
	},
	{
		pkgs: []string{"..."}, mayNot: []string{"internal/testenv", "internal/authcache/redistest"}, except: []string{"internal/testenv", "internal/authcache/redistest"},
		why: "test kits are imported by tests only",
	},
}

// match reports whether path matches pattern (see rule).
func match(pattern, path string) bool {
	full := func(p string) string {
		if p == "..." || strings.HasPrefix(p, "internal/") || strings.HasPrefix(p, "cmd/") || strings.HasPrefix(p, "bench/") || p == "internal" || p == "cmd" {
			return module + "/" + p
		}
		return p
	}
	pattern, path = full(pattern), full(path)
	if prefix, ok := strings.CutSuffix(pattern, "/..."); ok {
		return path == prefix || strings.HasPrefix(path, prefix+"/")
	}
	return path == pattern
}

func matchAny(patterns []string, path string) bool {
	for _, p := range patterns {
		if match(p, path) {
			return true
		}
	}
	return false
}

// TestImportRules applies the rules table to every package of the module.
func TestImportRules(t *testing.T) {
	pkgs := listPackages(t)
	for i, r := range rules {
		if r.why == "" {
			t.Errorf("rule %d has no reason", i)
		}
		applied := false
		for _, p := range pkgs {
			if !matchAny(r.pkgs, p.ImportPath) || matchAny(r.except, p.ImportPath) {
				continue
			}
			applied = true
			imports := p.Imports
			if r.transitive {
				imports = p.Deps
			}
			for _, imp := range imports {
				if contains(r.allow, p.short()+" "+imp) {
					continue
				}
				if matchAny(r.mayNot, imp) && !matchAny(r.except, imp) && imp != p.ImportPath {
					t.Errorf("%s imports %s: %s", p.short(), strings.TrimPrefix(imp, module+"/"), r.why)
				}
			}
		}
		if !applied {
			t.Errorf("rule %d (%s) matches no package; a package was renamed", i, r.pkgs)
		}
	}
}

// TestImportRules_PurePackagesExist: a renamed pure package must not
// silently leave the rule.
func TestImportRules_PurePackagesExist(t *testing.T) {
	found := map[string]bool{}
	for _, p := range listPackages(t) {
		found[p.short()] = true
	}
	for _, p := range pure {
		if !found[p] {
			t.Errorf("pure package %s not found", p)
		}
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{"internal/policy", module + "/internal/policy", true},
		{"internal/policy", module + "/internal/policyx", false},
		{"internal/function/...", module + "/internal/function", true},
		{"internal/function/...", module + "/internal/function/awslambda", true},
		{"net/http/...", "net/http/httptest", true},
		{"net", "net/netip", false},
		{"os", "os/exec", false},
		{"...", module + "/cmd/portcullis", true},
		{"github.com/...", "github.com/redis/go-redis/v9", true},
	}
	for _, tt := range tests {
		if got := match(tt.pattern, tt.path); got != tt.want {
			t.Errorf("match(%q, %q) = %v, want %v", tt.pattern, tt.path, got, tt.want)
		}
	}
}
