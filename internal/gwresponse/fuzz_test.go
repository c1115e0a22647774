package gwresponse

import (
	"strings"
	"testing"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// FuzzRender: a customised gateway response's template and header mappings
// come from the definition, its variables from the request and the error.
// Compiling either refuses the definition or yields a set whose rendering
// never panics and never puts CR or LF into a header value.
func FuzzRender(f *testing.F) {
	f.Add(`{"message":$context.error.messageString,"p":"$context.authorizer.principalId"}`, "'*'", "ab\r\nc", "/x")
	f.Add(`$context.error.message $stageVariables.v $context.path`, "method.request.header.Origin", "m", "/caf%C3%A9")
	f.Add(`${context.requestId}$$`, "context.identity.sourceIp", "", "/")
	f.Fuzz(func(t *testing.T, tmpl, headerSource, message, path string) {
		api := &apimodel.API{ID: "abcde12345", AccountID: "123456789012", GatewayResponses: map[string]*apimodel.GatewayResponse{
			"DEFAULT_4XX": {ResponseTemplates: map[string]string{"application/json": tmpl},
				ResponseParameters: map[string]string{"gatewayresponse.header.X-Fuzz": headerSource}},
		}}
		set, err := Compile(api)
		if err != nil {
			return
		}
		r := &reqctx.Request{ID: "id", Method: "GET", Path: path, Stage: "prod",
			Headers:        []reqctx.Header{{Name: "Origin", Value: message}},
			StageVariables: map[string]string{"v": message},
			Authorizer:     &reqctx.AuthorizerContext{PrincipalID: message}}
		resp := set.Render(Errorf(Default4XX, message, "fuzz"), r)
		for _, h := range resp.Headers {
			if strings.ContainsAny(h.Name, "\r\n") || strings.ContainsAny(h.Value, "\r\n") {
				t.Fatalf("header %q: %q", h.Name, h.Value)
			}
		}
	})
}
