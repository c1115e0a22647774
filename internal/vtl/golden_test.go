package vtl

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the want file of every testdata/*.txtar case")

// TestExecute_Golden runs every testdata/*.txtar case. An archive's comment
// cites the AWS page the example comes from; its files are:
//
//	template      the mapping template
//	body          the payload ($input.body), optional
//	params.json   {"path":{..},"querystring":{..},"header":{..}}, optional
//	vars.json     further root variables ($context, $stageVariables), optional
//	want          the exact output and a final newline (rewritten with -update)
//	aws           the output AWS documents; when present, want must equal
//	              it as JSON (AWS pages reformat whitespace)
func TestExecute_Golden(t *testing.T) {
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
			parts := map[string]string{}
			for _, f := range ar.Files {
				parts[f.Name] = string(f.Data)
			}
			if !strings.Contains(string(ar.Comment), "docs.aws.amazon.com") && !strings.Contains(string(ar.Comment), "velocity.apache.org") {
				t.Fatalf("the case does not cite its source page")
			}
			env := MapEnv{"util": Util{}}
			in := &Input{Body: []byte(parts["body"])}
			if p, ok := parts["params.json"]; ok {
				var ps map[string]map[string]string
				if err := json.Unmarshal([]byte(p), &ps); err != nil {
					t.Fatal(err)
				}
				in.Path, in.Query, in.Header = sortedParams(ps["path"]), sortedParams(ps["querystring"]), sortedParams(ps["header"])
			}
			env["input"] = in
			if v, ok := parts["vars.json"]; ok {
				vars, err := ParseJSON([]byte(v))
				if err != nil {
					t.Fatal(err)
				}
				for _, k := range vars.(*Map).Keys() {
					env[k], _ = vars.(*Map).Get(k)
				}
			}
			tmpl, err := Parse(strings.TrimSuffix(parts["template"], "\n"), Pos{File: "template"})
			if err != nil {
				t.Fatal(err)
			}
			got, err := tmpl.Execute(env, Limits{})
			if err != nil {
				got = "error: " + err.Error() + "\n"
			}
			if *update {
				for i := range ar.Files {
					if ar.Files[i].Name == "want" {
						ar.Files[i].Data = []byte(got + "\n")
					}
				}
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if diff := cmp.Diff(strings.TrimSuffix(parts["want"], "\n"), got); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
			if aws, ok := parts["aws"]; ok {
				var a, g any
				if err := json.Unmarshal([]byte(aws), &a); err != nil {
					t.Fatalf("aws section is not JSON: %v", err)
				}
				if err := json.Unmarshal([]byte(got), &g); err != nil {
					t.Fatalf("output is not JSON: %v\n%s", err, got)
				}
				if diff := cmp.Diff(a, g); diff != "" {
					t.Errorf("output differs from AWS's documented output (-aws +got):\n%s", diff)
				}
			}
		})
	}
}

func sortedParams(m map[string]string) []Param {
	var out []Param
	for k, v := range m {
		out = append(out, Param{Name: k, Value: v})
	}
	sortParams(out)
	return out
}

func sortParams(ps []Param) {
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && ps[j].Name < ps[j-1].Name; j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}
