package template

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseOverrides_SAMAndAWSCLIForms(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    map[string]string
		wantErr bool
	}{
		{"one per argument", []string{"Stage=prod", "Count=3"}, map[string]string{"Stage": "prod", "Count": "3"}, false},
		{"several in one argument, as sam deploy takes them", []string{`Stage=prod Name="my api" Empty=`}, map[string]string{"Stage": "prod", "Name": "my api", "Empty": ""}, false},
		{"value holding an equals sign", []string{"Query=a=b"}, map[string]string{"Query": "a=b"}, false},
		{"AWS CLI ParameterKey form", []string{"ParameterKey=Stage,ParameterValue=dev"}, map[string]string{"Stage": "dev"}, false},
		{"missing equals sign", []string{"Stage"}, map[string]string{}, true},
		{"empty key", []string{"=x"}, map[string]string{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseOverrides(tt.args)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadImports_Formats(t *testing.T) {
	tests := []struct {
		name, data string
		want       map[string]string
		wantErr    bool
	}{
		{"map", "vpc-id: vpc-1\ntable: Orders\n", map[string]string{"vpc-id": "vpc-1", "table": "Orders"}, false},
		{"json map", `{"vpc-id": "vpc-1"}`, map[string]string{"vpc-id": "vpc-1"}, false},
		{"aws cloudformation list-exports output",
			`{"Exports":[{"ExportingStackId":"arn:x","Name":"vpc-id","Value":"vpc-1"},{"Name":"t","Value":"T"}]}`,
			map[string]string{"vpc-id": "vpc-1", "t": "T"}, false},
		{"name=value lines", "# exports\nvpc-id=vpc-1\n\ntable = Orders\n", map[string]string{"vpc-id": "vpc-1", "table": "Orders"}, false},
		{"export without value", `{"Exports":[{"Name":"x"}]}`, nil, true},
		{"line without equals", "vpc-id vpc-1\n", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "imports")
			if err := os.WriteFile(p, []byte(tt.data), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := LoadImports(p)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" && !tt.wantErr {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// Fn::Cidr carves consecutive subnets from the start of the block
// (CloudFormation "Fn::Cidr" documentation examples).
func TestCidr_MatchesCloudFormationExamples(t *testing.T) {
	tests := []struct {
		block, count, bits string
		want               []string
	}{
		{"192.168.0.0/24", "6", "5", []string{"192.168.0.0/27", "192.168.0.32/27", "192.168.0.64/27", "192.168.0.96/27", "192.168.0.128/27", "192.168.0.160/27"}},
		{"10.0.0.0/16", "2", "8", []string{"10.0.0.0/24", "10.0.1.0/24"}},
		{"2001:db8::/56", "2", "64", []string{"2001:db8::/64", "2001:db8:0:1::/64"}},
	}
	for _, tt := range tests {
		got, err := cidr(tt.block, tt.count, tt.bits)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("cidr(%s, %s, %s) (-want +got):\n%s", tt.block, tt.count, tt.bits, diff)
		}
	}
	if _, err := cidr("10.0.0.0/30", "8", "1"); err == nil {
		t.Error("8 subnets of /31 in a /30: want an error")
	}
}

func TestLoad_MissingFileAndBadYAML_ReportPosition(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(filepath.Join(dir, "none.yaml"), Options{}); err == nil {
		t.Error("missing file: want an error")
	}
	p := filepath.Join(dir, "t.yaml")
	if err := os.WriteFile(p, []byte("Resources:\n  A: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(p, Options{})
	if err == nil {
		t.Fatal("bad YAML: want an error")
	}
	if diff := cmp.Diff(p+":2:1: did not find expected node content", err.Error()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
