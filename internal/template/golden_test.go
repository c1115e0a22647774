package template

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
)

var update = flag.Bool("update", false, "rewrite the want section of testdata/*.txtar")

// TestGolden loads every testdata/*.txtar case: its files are written to a
// temporary directory, template.yaml (or template.json) is loaded with the
// options in the "options" file, and the rendered model or error list must
// equal the "want" section.
//
// The options file holds one setting per line: "override K=V",
// "import NAME=VALUE", "region R", "account A", "stack S".
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			var opts Options
			var want *txtar.File
			tmpl := ""
			for i := range ar.Files {
				f := &ar.Files[i]
				switch f.Name {
				case "want":
					want = f
					continue
				case "options":
					opts = parseTestOptions(t, string(f.Data))
					continue
				case "template.yaml", "template.json":
					tmpl = f.Name
				}
				p := filepath.Join(dir, f.Name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, f.Data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if tmpl == "" {
				t.Fatal("case has no template.yaml or template.json")
			}
			wd, _ := os.Getwd()
			if err := os.Chdir(dir); err != nil {
				t.Fatal(err)
			}
			m, err := Load(tmpl, opts)
			if err := os.Chdir(wd); err != nil {
				t.Fatal(err)
			}
			got := render(m, err, dir)
			if *update {
				if want == nil {
					ar.Files = append(ar.Files, txtar.File{Name: "want"})
					want = &ar.Files[len(ar.Files)-1]
				}
				want.Data = []byte(got)
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want == nil {
				t.Fatal("case has no want section (run with -update)")
			}
			if diff := cmp.Diff(string(want.Data), got); diff != "" {
				t.Errorf("model mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func parseTestOptions(t *testing.T, s string) Options {
	t.Helper()
	opts := Options{ParameterOverrides: map[string]string{}, Imports: map[string]string{}}
	for _, line := range strings.Split(s, "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch k {
		case "":
		case "override":
			kk, vv, _ := strings.Cut(v, "=")
			opts.ParameterOverrides[kk] = vv
		case "import":
			kk, vv, _ := strings.Cut(v, "=")
			opts.Imports[kk] = vv
		case "region":
			opts.Region = v
		case "account":
			opts.AccountID = v
		case "stack":
			opts.StackName = v
		default:
			t.Fatalf("unknown option %q", line)
		}
	}
	return opts
}

// render prints a model as a stable, reviewable table.
func render(m *apimodel.Model, err error, dir string) string {
	var b strings.Builder
	clean := func(s string) string { return strings.ReplaceAll(s, dir, "$WORK") }
	if m != nil {
		for _, api := range m.APIs {
			fmt.Fprintf(&b, "api %s id=%s name=%q region=%s account=%s key-source=%s\n", api.LogicalID, api.ID, api.Name, api.Region, api.AccountID, api.APIKeySource)
			if len(api.BinaryMediaTypes) > 0 {
				fmt.Fprintf(&b, "  binary-media-types %s\n", strings.Join(api.BinaryMediaTypes, " "))
			}
			for _, st := range api.Stages {
				fmt.Fprintf(&b, "  stage %s%s\n", st.Name, kv(st.Variables, " vars="))
				for _, ms := range st.MethodSettings {
					fmt.Fprintf(&b, "    method-setting %s %s", ms.ResourcePath, ms.HTTPMethod)
					if ms.HasThrottling {
						fmt.Fprintf(&b, " rate=%g burst=%d", ms.ThrottlingRateLimit, ms.ThrottlingBurstLimit)
					}
					b.WriteString("\n")
				}
			}
			for _, id := range sortedKeys(api.Authorizers) {
				a := api.Authorizers[id]
				fmt.Fprintf(&b, "  authorizer %s type=%s", id, a.Type)
				if a.Name != id {
					fmt.Fprintf(&b, " name=%s", a.Name)
				}
				if a.Function != "" {
					fmt.Fprintf(&b, " function=%s", a.Function)
				}
				if a.FunctionARN != "" {
					fmt.Fprintf(&b, " function-arn=%s", a.FunctionARN)
				}
				fmt.Fprintf(&b, " identity-source=%q ttl=%d", a.IdentitySource, a.ResultTTL)
				if a.IdentityValidationExpression != "" {
					fmt.Fprintf(&b, " validation=%q", a.IdentityValidationExpression)
				}
				if len(a.ProviderARNs) > 0 {
					fmt.Fprintf(&b, " providers=%s", strings.Join(a.ProviderARNs, ","))
				}
				if a.Credentials != "" {
					fmt.Fprintf(&b, " credentials=%s", a.Credentials)
				}
				b.WriteString("\n")
			}
			for _, r := range api.Resources {
				fmt.Fprintf(&b, "  resource %s id=%s\n", r.Path, r.ID)
				for _, verb := range sortedKeys(r.Methods) {
					me := r.Methods[verb]
					fmt.Fprintf(&b, "    %s auth=%s", verb, me.AuthorizationType)
					if me.AuthorizerID != "" {
						fmt.Fprintf(&b, ":%s", me.AuthorizerID)
					}
					if len(me.AuthorizationScopes) > 0 {
						fmt.Fprintf(&b, " scopes=%s", strings.Join(me.AuthorizationScopes, ","))
					}
					if me.APIKeyRequired {
						b.WriteString(" api-key")
					}
					if len(me.RequestParameters) > 0 {
						var ps []string
						for _, k := range sortedKeys(me.RequestParameters) {
							ps = append(ps, fmt.Sprintf("%s=%v", k, me.RequestParameters[k]))
						}
						fmt.Fprintf(&b, " params={%s}", strings.Join(ps, ","))
					}
					if v := me.RequestValidator; v != nil {
						fmt.Fprintf(&b, " validator=%s(body=%t,params=%t)", v.Name, v.ValidateBody, v.ValidateParameters)
					}
					if len(me.RequestModels) > 0 {
						fmt.Fprintf(&b, " models%s", kv(me.RequestModels, "="))
					}
					b.WriteString("\n")
					if in := me.Integration; in != nil {
						fmt.Fprintf(&b, "      integration %s", in.Type)
						if in.Function != "" {
							fmt.Fprintf(&b, " function=%s", in.Function)
						}
						if in.HTTPMethod != "" {
							fmt.Fprintf(&b, " method=%s", in.HTTPMethod)
						}
						if in.URI != "" {
							fmt.Fprintf(&b, " uri=%s", in.URI)
						}
						if in.TimeoutMillis != apimodel.DefaultIntegrationTimeoutMillis {
							fmt.Fprintf(&b, " timeout=%dms", in.TimeoutMillis)
						}
						if in.Credentials != "" {
							fmt.Fprintf(&b, " credentials=%s", in.Credentials)
						}
						b.WriteString("\n")
						if len(in.RequestParameters) > 0 {
							fmt.Fprintf(&b, "        request-parameters%s\n", kv(in.RequestParameters, " "))
						}
						if len(in.RequestTemplates) > 0 {
							fmt.Fprintf(&b, "        request-templates%s\n", kv(in.RequestTemplates, " "))
						}
						for _, ir := range in.IntegrationResponses {
							fmt.Fprintf(&b, "        response %s pattern=%q%s%s\n", ir.StatusCode, ir.SelectionPattern, kv(ir.ResponseParameters, " params="), kv(ir.ResponseTemplates, " templates="))
						}
						for _, code := range sortedKeys(in.MethodResponses) {
							var hs []string
							for _, h := range sortedKeys(in.MethodResponses[code]) {
								hs = append(hs, fmt.Sprintf("%s=%v", h, in.MethodResponses[code][h]))
							}
							fmt.Fprintf(&b, "        method-response %s {%s}\n", code, strings.Join(hs, ","))
						}
					}
				}
			}
			for _, name := range sortedKeys(api.Models) {
				fmt.Fprintf(&b, "  model %s %s %s\n", name, api.Models[name].ContentType, api.Models[name].Schema)
			}
			for _, typ := range sortedKeys(api.GatewayResponses) {
				g := api.GatewayResponses[typ]
				fmt.Fprintf(&b, "  gateway-response %s status=%d%s%s\n", typ, g.StatusCode, kv(g.ResponseParameters, " params="), kv(g.ResponseTemplates, " templates="))
			}
			if api.ResourcePolicy != nil {
				fmt.Fprintf(&b, "  resource-policy %s\n", api.ResourcePolicy)
			}
			for _, k := range api.APIKeys {
				fmt.Fprintf(&b, "  api-key %s name=%s value=%s enabled=%v\n", k.ID, k.Name, k.Value, k.Enabled)
			}
			for _, p := range api.UsagePlans {
				fmt.Fprintf(&b, "  usage-plan %s name=%s stages=%s keys=%s rate=%g burst=%d quota=%d/%s\n", p.ID, p.Name,
					strings.Join(p.Stages, ","), strings.Join(p.KeyIDs, ","), p.RateLimit, p.BurstLimit, p.QuotaLimit, p.QuotaPeriod)
			}
		}
		for _, id := range sortedKeys(m.Functions) {
			f := m.Functions[id]
			fmt.Fprintf(&b, "function %s name=%s arn=%s", id, f.Name, f.ARN)
			if f.Remote {
				b.WriteString(" remote\n")
				continue
			}
			fmt.Fprintf(&b, " runtime=%s handler=%s timeout=%d memory=%d", f.Runtime, f.Handler, f.TimeoutSeconds, f.MemoryMB)
			if f.HasAPIGatewayPermission {
				b.WriteString(" apigw-permission")
			}
			b.WriteString("\n")
			if f.CodeDir != "" {
				fmt.Fprintf(&b, "  code-dir %s\n", clean(f.CodeDir))
			}
			if f.InlineCode != "" {
				fmt.Fprintf(&b, "  inline-code %q\n", f.InlineCode)
			}
			for _, d := range f.LayerDirs {
				fmt.Fprintf(&b, "  layer-dir %s\n", clean(d))
			}
			if len(f.Environment) > 0 {
				fmt.Fprintf(&b, "  environment%s\n", kv(f.Environment, " "))
			}
		}
		for _, id := range sortedKeys(m.Roles) {
			r := m.Roles[id]
			fmt.Fprintf(&b, "role %s arn=%s\n", id, r.ARN)
			for _, p := range r.Policies {
				fmt.Fprintf(&b, "  policy %s\n", p)
			}
			for _, p := range r.ManagedPolicyARNs {
				fmt.Fprintf(&b, "  managed-policy %s\n", p)
			}
		}
		for _, d := range m.Warnings {
			fmt.Fprintf(&b, "warning %s\n", clean(d.String()))
		}
		for _, d := range m.Ignored {
			fmt.Fprintf(&b, "ignored %s\n", clean(d.String()))
		}
	}
	var errs apimodel.Errors
	if errors.As(err, &errs) {
		for _, d := range errs {
			fmt.Fprintf(&b, "error %s\n", clean(d.String()))
		}
	} else if err != nil {
		fmt.Fprintf(&b, "error %v\n", err)
	}
	return b.String()
}

func kv(m map[string]string, prefix string) string {
	if len(m) == 0 {
		return ""
	}
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s=%q", k, m[k]))
	}
	return prefix + "{" + strings.Join(parts, ", ") + "}"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
