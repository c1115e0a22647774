package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// samconfig.toml as SAM CLI reads it for sam local start-api: global
// parameters overlaid by local_start_api's, per --config-env
// (serverless-sam-cli-config.html).
func TestLoadSAMConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "samconfig.toml")
	doc := `version = 0.1
[default.global.parameters]
stack_name = "shop"
region = "eu-west-1"
[default.local_start_api.parameters]
parameter_overrides = "Stage=dev Table=t1"
env_vars = "env.json"
[prod.global.parameters]
stack_name = "shop-prod"
[prod.local_start_api.parameters]
template_file = "build/template.yaml"
parameter_overrides = ["Stage=prod", "Table=t2"]
[bad.local_start_api.parameters]
parameter_overrides = 5
`
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		env     string
		want    SAMConfig
		wantErr string
	}{
		{"default", SAMConfig{StackName: "shop", Region: "eu-west-1", ParameterOverrides: []string{"Stage=dev Table=t1"}, EnvVars: "env.json"}, ""},
		{"prod", SAMConfig{StackName: "shop-prod", Template: "build/template.yaml", ParameterOverrides: []string{"Stage=prod", "Table=t2"}}, ""},
		{"staging", SAMConfig{}, "no [staging] environment (--config-env)"},
		{"bad", SAMConfig{}, "parameter_overrides: want a string or a list of strings, not int64"},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			got, err := LoadSAMConfig(path, tt.env, false)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if _, err := LoadSAMConfig(filepath.Join(dir, "none.toml"), "default", true); err != nil {
		t.Errorf("an absent optional samconfig.toml is no configuration, got %v", err)
	}
	if _, err := LoadSAMConfig(filepath.Join(dir, "none.toml"), "default", false); err == nil {
		t.Errorf("a named samconfig.toml that is absent must be an error")
	}
}
