package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/server"
)

// generateEvent prints an API Gateway event, like `sam local
// generate-event apigateway ...`.
func generateEvent(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("generate-event", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: portcullis generate-event token|request|proxy|http [flags]")
		fs.PrintDefaults()
	}
	var o server.EventOptions
	var headers, stageVars multiFlagRaw
	fs.StringVar(&o.Method, "method", "GET", "HTTP method")
	fs.StringVar(&o.Path, "path", "/", "path below the stage, with its query string")
	fs.StringVar(&o.Resource, "resource", "", "resource (REST) or route (HTTP API) the path matched, such as /users/{id} (default: the path)")
	fs.Var(&headers, "H", "header 'Name: value' (repeatable)")
	fs.Var(&headers, "header", "same as -H")
	body := fs.String("body", "", "request body")
	fs.StringVar(&o.Stage, "stage", "prod", "stage name (REST)")
	fs.Var(&stageVars, "stage-variable", "stage variable name=value (repeatable)")
	fs.StringVar(&o.APIID, "api-id", "1234567890", "REST or HTTP API id")
	fs.StringVar(&o.AccountID, "account-id", "123456789012", "AWS account id")
	fs.StringVar(&o.Region, "region", "us-east-1", "AWS region")
	fs.StringVar(&o.SourceIP, "source-ip", "127.0.0.1", "caller address")
	fs.StringVar(&o.PrincipalID, "principal-id", "", "proxy events: the principal of the Lambda authorizer that ran before")
	var authCtx multiFlagRaw
	fs.Var(&authCtx, "authorizer-context", "proxy events: authorizer context name=value (repeatable)")
	fs.StringVar(&o.Token, "token", "", "TOKEN authorizer token (default: the Authorization header)")
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fs.Usage()
		return 2
	}
	o.Kind = args[0]
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "portcullis generate-event: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	for _, h := range headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok || strings.TrimSpace(name) == "" {
			fmt.Fprintf(stderr, "portcullis generate-event: -H %q: want 'Name: value'\n", h)
			return 2
		}
		o.Headers = append(o.Headers, server.Header{Name: strings.TrimSpace(name), Value: strings.TrimSpace(value)})
	}
	for _, kv := range stageVars {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			fmt.Fprintf(stderr, "portcullis generate-event: --stage-variable %q: want name=value\n", kv)
			return 2
		}
		if o.StageVariables == nil {
			o.StageVariables = map[string]string{}
		}
		o.StageVariables[k] = v
	}
	for _, kv := range authCtx {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			fmt.Fprintf(stderr, "portcullis generate-event: --authorizer-context %q: want name=value\n", kv)
			return 2
		}
		if o.AuthorizerContext == nil {
			o.AuthorizerContext = map[string]string{}
		}
		o.AuthorizerContext[k] = v
	}
	if *body != "" {
		o.Body = []byte(*body)
	}
	ev, err := server.GenerateEvent(o)
	if err != nil {
		fmt.Fprintln(stderr, "portcullis generate-event:", err)
		return 1
	}
	_, _ = stdout.Write(ev)
	return 0
}

// multiFlagRaw collects a repeated flag's values verbatim.
type multiFlagRaw []string

func (m *multiFlagRaw) String() string     { return strings.Join(*m, ", ") }
func (m *multiFlagRaw) Set(v string) error { *m = append(*m, v); return nil }
