package server

import (
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/testenv"
)

// TestE2E_CustomDomain_BasePathMappings serves testdata/custom-domain over
// its real listeners: each custom domain on a port of its own, each base
// path routed to its API and stage as the stage's own URL is, the method
// ARN naming the API's stage and path (never the base path), and the
// Lambda event's path and requestContext.path the path as received on the
// domain, base path included, as API Gateway sends them (field captures in
// https://github.com/aws/serverless-java-container/issues/34 and
// https://github.com/awslabs/aws-lambda-go-api-proxy/issues/82).
//
// A path no mapping matches is 403 {"message":"Forbidden"}; on a domain
// whose (none) mapping names a stage, /STAGE/... is not stripped and so is
// the API's 403 Missing Authentication Token, the case AWS Knowledge Center
// "How can I troubleshoot 403 'missing authentication token' errors when
// invoking API Gateway REST or HTTP APIs with a custom domain name?"
// (https://repost.aws/knowledge-center/api-gateway-403-custom-domain)
// walks through (docs/behaviour.md#DOMAIN-1).
func TestE2E_CustomDomain_BasePathMappings(t *testing.T) {
	testenv.Require(t, "python3")
	srv := runServer(t, Config{DefinitionPath: "testdata/custom-domain/template.yaml", Port: 0, AdminAddr: "-",
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	doms := srv.Gateway().Domains()
	addrs := srv.DomainAddrs()
	if len(doms) != 2 || len(addrs) != 2 || doms[0].Name != "api.example.com" || doms[1].Name != "shop.example.com" {
		t.Fatalf("domains %v on %v", doms, addrs)
	}
	api, shop, own := "http://"+addrs[0], "http://"+addrs[1], "http://"+srv.Addrs()[0]
	arn := "arn:aws:execute-api:us-east-1:123456789012:" + srv.Gateway().APIs()[0].ID
	item := func(path, ctxPath, stage, arnPath string) string {
		return `{"contextPath": "` + ctxPath + `", "methodArn": "` + arn + "/" + stage + "/GET" + arnPath + `", "path": "` + path +
			`", "resource": "/items/{id}", "stage": "` + stage + `", "where": "` + stage + `"}`
	}
	for _, tc := range []struct {
		name, url string
		status    int
		body      string
		errType   string
	}{
		{"base path to prod", api + "/orders/items/7", 200, item("/orders/items/7", "/orders/items/7", "prod", "/items/7"), ""},
		{"base path without stage: the segment after it names the stage", api + "/v1/test/items/8", 200,
			item("/v1/test/items/8", "/v1/test/items/8", "test", "/items/8"), ""},
		{"unmapped base path", api + "/nope/items/7", 403, `{"message":"Forbidden"}`, "ForbiddenException"},
		{"base path is matched by whole segments", api + "/ordersx/items/7", 403, `{"message":"Forbidden"}`, "ForbiddenException"},
		{"base path alone is the stage root, which has no method", api + "/orders", 403, `{"message":"Missing Authentication Token"}`, "MissingAuthenticationTokenException"},
		{"stage-less mapping with an unknown stage", api + "/v1/nostage/items/8", 403, `{"message":"Forbidden"}`, "ForbiddenException"},
		{"(none) mapping serves the root", shop + "/items/9", 200, item("/items/9", "/items/9", "prod", "/items/9"), ""},
		{"(none) mapping with the stage in the path: no such resource", shop + "/prod/items/9", 403, `{"message":"Missing Authentication Token"}`, "MissingAuthenticationTokenException"},
		{"the API's own endpoint is unchanged", own + "/prod/items/9", 200, item("/items/9", "/prod/items/9", "prod", "/items/9"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", tc.url, nil)
			req.Header.Set("X-Token", "token")
			resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status || string(b) != tc.body {
				t.Fatalf("GET %s = %d %s\nwant %d %s", tc.url, resp.StatusCode, b, tc.status, tc.body)
			}
			if got := resp.Header.Get("x-amzn-ErrorType"); got != tc.errType {
				t.Errorf("x-amzn-ErrorType = %q, want %q", got, tc.errType)
			}
		})
	}
}
