package openapi

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
	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the want file of every testdata/*.txtar case")

// TestLoad_Golden loads every testdata/*.txtar case: the archive holds one
// document (any name but "want") and "want", the route, authorizer and
// gateway-response table the document deploys, or the errors it is refused
// with. A comment line "options: stage=NAME var.KEY=VALUE" sets Options.
func TestLoad_Golden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("found %d golden cases, want at least 10", len(files))
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			ar := txtar.Parse(data)
			var input *txtar.File
			wantAt := -1
			for i := range ar.Files {
				if ar.Files[i].Name == "want" {
					wantAt = i
				} else if input == nil {
					input = &ar.Files[i]
				}
			}
			if input == nil {
				t.Fatal("archive has no input document")
			}
			opts := Options{File: input.Name}
			for _, line := range strings.Split(string(ar.Comment), "\n") {
				rest, ok := strings.CutPrefix(line, "options:")
				if !ok {
					continue
				}
				for _, kv := range strings.Fields(rest) {
					k, v, _ := strings.Cut(kv, "=")
					switch {
					case k == "stage":
						opts.StageName = v
					case strings.HasPrefix(k, "var."):
						if opts.StageVariables == nil {
							opts.StageVariables = map[string]string{}
						}
						opts.StageVariables[strings.TrimPrefix(k, "var.")] = v
					default:
						t.Fatalf("unknown option %q", k)
					}
				}
			}
			path := filepath.Join(t.TempDir(), input.Name)
			if err := os.WriteFile(path, input.Data, 0o600); err != nil {
				t.Fatal(err)
			}
			m, err := Load(path, opts)
			got := render(m, err)

			if *update {
				f := txtar.File{Name: "want", Data: []byte(got)}
				if wantAt >= 0 {
					ar.Files[wantAt] = f
				} else {
					ar.Files = append(ar.Files, f)
				}
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if wantAt < 0 {
				t.Fatal("archive has no want file; run go test -update")
			}
			if diff := cmp.Diff(string(ar.Files[wantAt].Data), got); diff != "" {
				t.Errorf("Load(%s) mismatch (-want +got):\n%s", input.Name, diff)
			}
		})
	}
}

// render prints what a document deploys as a table a reviewer can read
// against the document.
func render(m *apimodel.Model, err error) string {
	var sb strings.Builder
	w := func(indent int, format string, args ...any) {
		sb.WriteString(strings.Repeat("  ", indent))
		fmt.Fprintf(&sb, format, args...)
		sb.WriteByte('\n')
	}
	if err != nil {
		var errs apimodel.Errors
		if !errors.As(err, &errs) {
			return "error (not apimodel.Errors): " + err.Error() + "\n"
		}
		w(0, "errors")
		for _, d := range errs {
			w(1, "%s", d)
		}
		return sb.String()
	}
	for _, api := range m.APIs {
		w(0, "api %s name=%q id=%s region=%s account=%s", api.LogicalID, api.Name, api.ID, api.Region, api.AccountID)
		for _, s := range api.Stages {
			w(1, "stage %s variables=%s", s.Name, kv(s.Variables))
		}
		w(1, "apiKeySource %s", api.APIKeySource)
		if len(api.BinaryMediaTypes) > 0 {
			w(1, "binaryMediaTypes %s", strings.Join(api.BinaryMediaTypes, " "))
		}
		if api.ResourcePolicy != nil {
			w(1, "policy %s", api.ResourcePolicy)
		}
		w(0, "resources")
		for _, r := range api.Resources {
			w(1, "%s id=%s at %d:%d", r.Path, r.ID, r.Pos.Line, r.Pos.Col)
			for _, verb := range sortedKeys(r.Methods) {
				me := r.Methods[verb]
				line := fmt.Sprintf("%s auth=%s", verb, me.AuthorizationType)
				if me.AuthorizerID != "" {
					line += " authorizer=" + me.AuthorizerID
				}
				if len(me.AuthorizationScopes) > 0 {
					line += " scopes=" + strings.Join(me.AuthorizationScopes, ",")
				}
				if me.APIKeyRequired {
					line += " apiKeyRequired"
				}
				if me.OperationName != "" {
					line += " op=" + me.OperationName
				}
				w(2, "%s", line)
				for _, p := range sortedKeys(me.RequestParameters) {
					w(3, "param %s required=%t", p, me.RequestParameters[p])
				}
				if v := me.RequestValidator; v != nil {
					w(3, "validator %s body=%t parameters=%t", v.Name, v.ValidateBody, v.ValidateParameters)
				}
				for _, ct := range sortedKeys(me.RequestModels) {
					w(3, "requestModel %s %s", ct, me.RequestModels[ct])
				}
				in := me.Integration
				if in == nil {
					w(3, "integration <nil>")
					continue
				}
				line = fmt.Sprintf("integration %s %s timeout=%d", in.Type, in.HTTPMethod, in.TimeoutMillis)
				if in.URI != "" {
					line += " uri=" + in.URI
				}
				if in.Function != "" {
					line += " function=" + in.Function
				}
				if in.Credentials != "" {
					line += " credentials=" + in.Credentials
				}
				if in.PassthroughBehavior != "" {
					line += " passthrough=" + in.PassthroughBehavior
				}
				if in.ContentHandling != "" {
					line += " contentHandling=" + in.ContentHandling
				}
				w(3, "%s", line)
				if len(in.RequestParameters) > 0 {
					w(4, "requestParameters %s", kv(in.RequestParameters))
				}
				if len(in.RequestTemplates) > 0 {
					w(4, "requestTemplates %s", kv(in.RequestTemplates))
				}
				for _, ir := range in.IntegrationResponses {
					w(4, "response pattern=%q status=%s parameters=%s templates=%s", ir.SelectionPattern, ir.StatusCode, kv(ir.ResponseParameters), kv(ir.ResponseTemplates))
				}
				for _, code := range sortedKeys(in.MethodResponses) {
					w(4, "methodResponse %s headers=%s", code, strings.Join(sortedKeys(in.MethodResponses[code]), ","))
				}
			}
		}
		for _, name := range sortedKeys(api.Models) {
			w(1, "model %s %s", name, api.Models[name].Schema)
		}
		if len(api.Authorizers) > 0 {
			w(0, "authorizers")
		}
		for _, id := range sortedKeys(api.Authorizers) {
			a := api.Authorizers[id]
			line := fmt.Sprintf("%s type=%s identitySource=%q ttl=%d", a.ID, a.Type, a.IdentitySource, a.ResultTTL)
			if a.Name != a.ID {
				line += " name=" + a.Name
			}
			if a.Function != "" {
				line += " function=" + a.Function
			}
			if a.FunctionARN != "" {
				line += " functionARN=" + a.FunctionARN
			}
			if a.IdentityValidationExpression != "" {
				line += fmt.Sprintf(" validation=%q", a.IdentityValidationExpression)
			}
			if len(a.ProviderARNs) > 0 {
				line += " providers=" + strings.Join(a.ProviderARNs, ",")
			}
			if a.Credentials != "" {
				line += " credentials=" + a.Credentials
			}
			w(1, "%s", line)
		}
		if len(api.GatewayResponses) > 0 {
			w(0, "gatewayResponses")
		}
		for _, typ := range sortedKeys(api.GatewayResponses) {
			g := api.GatewayResponses[typ]
			w(1, "%s status=%d parameters=%s templates=%s", g.Type, g.StatusCode, kv(g.ResponseParameters), kv(g.ResponseTemplates))
		}
	}
	if len(m.Functions) > 0 {
		w(0, "functions")
	}
	for _, key := range sortedKeys(m.Functions) {
		f := m.Functions[key]
		w(1, "%s name=%s remote=%t arn=%s", key, f.Name, f.Remote, f.ARN)
	}
	if len(m.Warnings) > 0 {
		w(0, "warnings")
	}
	for _, d := range m.Warnings {
		w(1, "%s", d)
	}
	return sb.String()
}

func kv(m map[string]string) string {
	keys := sortedKeys(m)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+fmt.Sprintf("%q", m[k]))
	}
	return "{" + strings.Join(slices.Clip(parts), " ") + "}"
}
