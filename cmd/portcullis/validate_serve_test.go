package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// serveOutcome starts "portcullis serve" on free ports and reports whether
// it got as far as its banner's admin line (listening), with its standard
// error. A started gateway is stopped at once.
func serveOutcome(t *testing.T, args ...string) (started bool, stderr string) {
	t.Helper()
	var errBuf bytes.Buffer
	cmd := exec.Command(portcullisBin(t), append([]string{"serve", "--port", "0", "--admin-addr", "127.0.0.1:0"}, args...)...)
	cmd.Stderr = &errBuf
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "admin http://") {
			started = true
			cmd.Process.Kill()
			break
		}
	}
	cmd.Wait()
	return started, errBuf.String()
}

// TestValidateExit0_IffServeStarts: validate runs the compile serve runs, so
// its exit status predicts serve (issue 12). Each case is a definition on
// which the two used to disagree (validate exit 0, serve refusing without a
// position); now both agree and every refusal is file:line:col.
func TestValidateExit0_IffServeStarts(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantOK   bool
		wantDiag string // a line validate's stderr and serve's must hold
	}{
		{"stageless API beside a served one", []string{"-t", "testdata/validate-serve/stageless-api.yaml"}, true, ""},
		{"multivalueheader identity source", []string{"-t", "testdata/validate-serve/multivalue-identity-source.yaml"}, false,
			`testdata/validate-serve/multivalue-identity-source.yaml:10:5: RestApi: authorizer Authorizer: identity source "method.request.multivalueheader.X-Token": want method.request.header.NAME, method.request.querystring.NAME, stageVariables.NAME or context.NAME`},
		{"no API at all", []string{"-t", "testdata/validate-serve/functions-only.yaml"}, false,
			`testdata/validate-serve/functions-only.yaml:1:1: nothing to serve: the definition deploys no REST or HTTP API; it has 1 function(s) (Worker) that no API invokes, 2 resource(s) Portcullis does not emulate`},
		{"only an HTTP API", []string{"-t", "testdata/validate-serve/http-api-only.yaml"}, true, ""},
		{"--stage naming no stage", []string{"-t", quickstart, "--stage", "nope"}, false,
			`../../examples/quickstart/template.yaml:15:5: UsersApi: the API has no stage "nope" (--stage)`},
		{"quickstart", []string{"-t", quickstart}, true, ""},
		{"custom domain", []string{"-t", "testdata/validate-serve/domain.yaml"}, true, ""},
		{"base path mapping to a stage the API lacks", []string{"-t", "testdata/validate-serve/domain-unknown-stage.yaml"}, false,
			`testdata/validate-serve/domain-unknown-stage.yaml:10:5: Mapping: base path v1: the mapping names stage "staging", which API Api does not have`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := runCLI(t, "", "", append([]string{"validate"}, tt.args...)...)
			started, serveErr := serveOutcome(t, tt.args...)
			if (v.code == 0) != started {
				t.Fatalf("validate exit %d but serve started=%t\nvalidate stderr:\n%s\nserve stderr:\n%s", v.code, started, v.stderr, serveErr)
			}
			if started != tt.wantOK {
				t.Fatalf("serve started=%t, want %t; stderr:\n%s", started, tt.wantOK, serveErr)
			}
			if tt.wantDiag != "" {
				if !strings.Contains(v.stderr, tt.wantDiag+"\n") {
					t.Errorf("validate stderr lacks\n%s\ngot:\n%s", tt.wantDiag, v.stderr)
				}
				if !strings.Contains(serveErr, tt.wantDiag+"\n") {
					t.Errorf("serve stderr lacks\n%s\ngot:\n%s", tt.wantDiag, serveErr)
				}
			}
		})
	}
}

// TestFunctionProblems_BeforeTheFirstRequest_WarnThenError: a handler that
// does not exist is reported by validate and at serve start at WARN (shown
// with --log-level warn), positioned at the function; the call that then
// fails is logged at ERROR, not INFO (issue 12).
func TestFunctionProblems_BeforeTheFirstRequest_WarnThenError(t *testing.T) {
	const tmpl = "testdata/function-problems/template.yaml"
	const want = `testdata/function-problems/template.yaml:11:5: Backend: handler function lambda_handler is not defined in `
	v := runCLI(t, "", "", "validate", "-t", tmpl)
	if v.code != 0 {
		t.Fatalf("validate exit %d (a missing handler deploys on AWS):\n%s", v.code, v.stderr)
	}
	if !strings.Contains(v.stdout, "warning: "+want) {
		t.Errorf("validate stdout lacks the warning %q:\n%s", want, v.stdout)
	}
	g := startServe(t, "-t", tmpl, "--port", "0", "--admin-addr", "127.0.0.1:0", "--log-level", "warn")
	r := get(t, g.base+"/items", nil)
	if r.status != 502 {
		t.Errorf("status = %d, want 502 (Lambda init failure); body %s", r.status, r.body)
	}
	g.stop()
	logs := g.stderr.String()
	if !strings.Contains(logs, `level=WARN msg="`+want) {
		t.Errorf("serve did not warn at start with %q:\n%s", want, logs)
	}
	if !strings.Contains(logs, `level=ERROR msg="testdata/function-problems/template.yaml:11:5: function Backend cannot start: `) {
		t.Errorf("the failed call is not logged at ERROR:\n%s", logs)
	}
}

// TestSAMConfig_ParametersPerConfigEnv: samconfig.toml in the project
// directory supplies what sam local start-api would take from it, per
// --config-env; the command line still wins.
func TestSAMConfig_ParametersPerConfigEnv(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("template.yaml", `Transform: AWS::Serverless-2016-10-31
Parameters:
  StageName: {Type: String}
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties: {StageName: !Ref StageName, OpenApiVersion: 3.0.1}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: index.handler
      InlineCode: "def handler(e, c): return {'statusCode': 200}"
      Events:
        Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /x, Method: get}}
`)
	write("samconfig.toml", `version = 0.1
[dev.local_start_api.parameters]
parameter_overrides = "StageName=dev-1"
[prod.local_start_api.parameters]
parameter_overrides = ["StageName=prod"]
`)
	for _, tt := range []struct {
		args      []string
		code      int
		want      string
		wantInErr string
	}{
		{[]string{"validate", "--config-env", "dev"}, 0, "  stage dev-1\n", ""},
		{[]string{"validate", "--config-env", "prod"}, 0, "  stage prod\n", ""},
		{[]string{"validate", "--config-env", "prod", "--parameter-overrides", "StageName=cli"}, 0, "  stage cli\n", ""},
		{[]string{"validate"}, 1, "", "parameter StageName has no value"},
		{[]string{"validate", "--config-env", "qa"}, 2, "", "no [qa] environment (--config-env)"},
	} {
		res := runCLI(t, dir, "", tt.args...)
		if res.code != tt.code || !strings.Contains(res.stdout, tt.want) || !strings.Contains(res.stderr, tt.wantInErr) {
			t.Errorf("portcullis %s: exit %d, stdout %q, stderr %q; want exit %d with %q / %q", strings.Join(tt.args, " "), res.code, res.stdout, res.stderr, tt.code, tt.want, tt.wantInErr)
		}
	}
}

// TestServe_IgnoredResources_LoggedAtWarn: what serve does not emulate (a
// queue here) is named at WARN at start, as validate lists it, so nothing
// the template holds is dropped silently. A custom domain is no longer
// ignored: validate lists it with its base path mappings, and serve opens
// its listener and names it in the banner (docs/behaviour.md#DOMAIN-1).
func TestServe_IgnoredResources_LoggedAtWarn(t *testing.T) {
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "template.yaml")
	if err := os.WriteFile(tmpl, []byte(`Transform: AWS::Serverless-2016-10-31
Resources:
  Domain:
    Type: AWS::ApiGateway::DomainName
    Properties: {DomainName: api.example.com, RegionalCertificateArn: arn:aws:acm:us-east-1:123456789012:certificate/x}
  Mapping:
    Type: AWS::ApiGateway::BasePathMapping
    Properties: {DomainName: !Ref Domain, RestApiId: !Ref Api, Stage: prod, BasePath: v1}
  Api:
    Type: AWS::Serverless::Api
    Properties: {StageName: prod, OpenApiVersion: 3.0.1}
  Queue:
    Type: AWS::SQS::Queue
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: index.handler
      InlineCode: "def handler(e, c): return {'statusCode': 200}"
      Events:
        Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /x, Method: get}}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	v := runCLI(t, "", "", "validate", "-t", tmpl)
	if v.code != 0 || !strings.Contains(v.stdout, "ignored: "+tmpl+":13:11: Queue: Type: AWS::SQS::Queue is not emulated") ||
		!strings.Contains(v.stdout, "domain api.example.com\n  /v1                  -> Api prod\n") || strings.Contains(v.stdout, "DomainName is not emulated") {
		t.Fatalf("validate exit %d, stdout:\n%s\nstderr:\n%s", v.code, v.stdout, v.stderr)
	}
	g := startServe(t, "-t", tmpl, "--port", "0", "--admin-addr", "127.0.0.1:0", "--log-level", "warn")
	g.stop()
	if want := `level=WARN msg="ignored: ` + tmpl + `:13:11: Queue: Type: AWS::SQS::Queue is not emulated"`; !strings.Contains(g.stderr.String(), want) {
		t.Errorf("serve log lacks %s:\n%s", want, g.stderr)
	}
	if strings.Contains(g.stderr.String(), "BasePathMapping is not emulated") || !strings.Contains(g.banner, "domain api.example.com http://127.0.0.1:") {
		t.Errorf("banner:\n%s\nlog:\n%s", g.banner, g.stderr)
	}
}
