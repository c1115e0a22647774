package server

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
)

var updateEquivalence = flag.Bool("update-equivalence", false, "rewrite testdata/equivalence/*/want")

// TestLoaders_SameAPIThreeWays_SameModel: one API written as SAM, as plain
// CloudFormation and as an OpenAPI document gives the same model (issue
// 12): the loaders are adapters, and what they produce is compared in a
// form that leaves out only what legitimately differs (logical ids and
// the ids derived from them, positions, names, whether a function is in
// the template or named by ARN).
func TestLoaders_SameAPIThreeWays_SameModel(t *testing.T) {
	cases, err := filepath.Glob("testdata/equivalence/*")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no equivalence cases: %v", err)
	}
	for _, dir := range cases {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			renders := map[string]string{}
			for _, f := range []string{"sam.yaml", "cfn.yaml", "openapi.yaml"} {
				m, err := LoadModel(filepath.Join(dir, f), LoadOptions{StageName: "prod"})
				if err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				renders[f] = canonical(m)
			}
			want := filepath.Join(dir, "want")
			if *updateEquivalence {
				os.WriteFile(want, []byte(renders["sam.yaml"]), 0o644)
			}
			b, err := os.ReadFile(want)
			if err != nil {
				t.Fatal(err)
			}
			for f, got := range renders {
				if diff := cmp.Diff(string(b), got); diff != "" {
					t.Errorf("%s differs from want (-want +got):\n%s", f, diff)
				}
			}
		})
	}
}

// canonical renders what a deployment serves, by path and verb.
func canonical(m *apimodel.Model) string {
	var b strings.Builder
	fnName := func(key, arn string) string {
		if f := m.Functions[key]; f != nil && f.Name != "" {
			return f.Name
		}
		if i := strings.LastIndex(arn, ":function:"); i >= 0 {
			return arn[i+len(":function:"):]
		}
		return key
	}
	for _, a := range m.APIs {
		b.WriteString("api\n")
		for _, st := range a.Stages {
			fmt.Fprintf(&b, "  stage %s\n", st.Name)
		}
		ids := make([]string, 0, len(a.Authorizers))
		for id := range a.Authorizers {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			az := a.Authorizers[id]
			fmt.Fprintf(&b, "  authorizer %s %s source=%q ttl=%d function=%s\n", az.Name, az.Type, az.IdentitySource, az.ResultTTL, fnName(az.Function, az.FunctionARN))
		}
		for _, r := range a.Resources {
			fmt.Fprintf(&b, "  resource %s\n", r.Path)
			verbs := make([]string, 0, len(r.Methods))
			for v := range r.Methods {
				verbs = append(verbs, v)
			}
			slices.Sort(verbs)
			for _, v := range verbs {
				me := r.Methods[v]
				auth := me.AuthorizationType
				if me.AuthorizerID != "" {
					auth += "(" + a.Authorizers[me.AuthorizerID].Name + ")"
				}
				in := me.Integration
				arn, _ := apimodel.ParseLambdaURI(in.URI)
				fmt.Fprintf(&b, "    %s %s api-key=%t %s %s credentials=%q\n", v, auth, me.APIKeyRequired, in.Type, fnName(in.Function, arn), in.Credentials)
			}
		}
		types := make([]string, 0, len(a.GatewayResponses))
		for t := range a.GatewayResponses {
			types = append(types, t)
		}
		slices.Sort(types)
		for _, typ := range types {
			g := a.GatewayResponses[typ]
			fmt.Fprintf(&b, "  gateway-response %s %d %v\n", typ, g.StatusCode, g.ResponseParameters)
		}
	}
	return b.String()
}
