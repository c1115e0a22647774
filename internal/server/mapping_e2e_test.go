package server

import (
	"io"
	"log/slog"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestE2E_MappingTemplatesAndValidation serves the request-validation
// sample of AWS's developer guide with MOCK integrations and checks what a
// client sees: validation failures with AWS's messages before the
// integration, and request and response templates evaluated.
//
// Pinned from "Request validation for REST APIs in API Gateway" and
// "Set up basic request validation in API Gateway" (400 with the messages
// "Missing required request parameters: [q1]" and "Invalid request body",
// rendered by the default BAD_REQUEST_* gateway response
// {"message":$context.error.messageString}), and "Set up mock integrations in
// API Gateway" (the request template selects the status code).
// https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-validation-set-up.html
func TestE2E_MappingTemplatesAndValidation(t *testing.T) {
	srv := runServer(t, Config{
		DefinitionPath: "testdata/mapping-validation/api.yaml",
		Port:           0, AdminAddr: "127.0.0.1:0",
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo})),
	})
	base := "http://" + srv.Addrs()[0]
	api := srv.Gateway().APIs()[0]
	stage := api.Stages[0].Name
	tests := []struct {
		name, method, path, body string
		header                   map[string]string
		status                   int
		want                     string
		errorType                string
	}{
		{name: "templates evaluated", method: "GET", path: "/validation?q1=dog,cat", status: 200,
			want: "[\n  {\"type\": \"dog\", \"stage\": \"" + stage + "\", \"index\": 0},\n  {\"type\": \"cat\", \"stage\": \"" + stage + "\", \"index\": 1}\n]\n"},
		{name: "request template selects 404", method: "GET", path: "/validation?q1=none", status: 404,
			want: `{"message": "no pets of type none"}`},
		{name: "missing query parameter", method: "GET", path: "/validation", status: 400,
			want: `{"message":"Missing required request parameters: [q1]"}`, errorType: "BadRequestException"},
		{name: "missing header", method: "POST", path: "/validation", body: `{"type": "dog", "name": "Rex", "price": 100}`, status: 400,
			want: `{"message":"Missing required request parameters: [h1]"}`, errorType: "BadRequestException"},
		{name: "body outside the model", method: "POST", path: "/validation", body: `{"type": "lion", "name": "Leo", "price": 100}`,
			header: map[string]string{"h1": "v"}, status: 400, want: `{"message":"Invalid request body"}`, errorType: "BadRequestException"},
		{name: "valid body", method: "POST", path: "/validation", body: `{"type": "dog", "name": "Rex", "price": 100}`,
			header: map[string]string{"h1": "v"}, status: 200, want: `{"created": true, "h1": "v"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, base+"/"+stage+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if diff := cmp.Diff(tt.want, string(body)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			if got := resp.Header.Get("x-amzn-ErrorType"); got != tt.errorType {
				t.Errorf("x-amzn-ErrorType %q, want %q", got, tt.errorType)
			}
		})
	}
}

// TestE2E_LambdaCustomIntegration serves the Lambda non-proxy integration
// of AWS's tutorial with a real Node.js function: the request template
// builds the event, the function's result is the 200 body, and its error
// is mapped by errorMessage to 400.
// https://docs.aws.amazon.com/apigateway/latest/developerguide/getting-started-lambda-non-proxy-integration.html
func TestE2E_LambdaCustomIntegration(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	srv := runServer(t, Config{
		DefinitionPath: "testdata/lambda-custom/template.yaml",
		Port:           0, AdminAddr: "127.0.0.1:0",
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo})),
	})
	base := "http://" + srv.Addrs()[0] + "/test"
	tests := []struct {
		name, path, body, day string
		status                int
		want                  string
	}{
		{"template builds the event", "/Seattle?time=morning", `{"callerName": "John"}`, "Thursday", 200,
			`{"greeting":"Good morning, John of Seattle. Happy Thursday!"}`},
		{"function error mapped by errorMessage", "/Seattle", `{}`, "", 400,
			`{"error": "Missing callerName in the body"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest("POST", base+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			if tt.day != "" {
				req.Header.Set("day", tt.day)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status || string(body) != tt.want {
				t.Errorf("got %d %s, want %d %s", resp.StatusCode, body, tt.status, tt.want)
			}
		})
	}
}
