package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/awsservice"
	"github.com/portcullis-gateway/portcullis/internal/integration"
)

// startDynalite runs dynalite, a local implementation of DynamoDB's wire
// protocol (npm, installed in test/js by .ci/run), and returns its URL.
func startDynalite(t *testing.T) string {
	t.Helper()
	bin, err := filepath.Abs("../../test/js/node_modules/.bin/dynalite")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(bin); err != nil {
		t.Skip("dynalite is not installed (cd test/js && npm ci)")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "--port", fmt.Sprint(port), "--createTableMs", "0")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
			return url
		}
		if i == 100 {
			t.Fatalf("dynalite did not start: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestE2E_DynamoDBProxy serves AWS's "REST API as an Amazon DynamoDB
// proxy" against dynalite: the integrations' requests are SigV4-signed
// with the standard credential chain (here the environment) and sent to
// the endpoint override; the service's answers go through the response
// templates, and its 400 through the selectionPattern.
// https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-create-api-as-simple-proxy-for-dynamodb.html
func TestE2E_DynamoDBProxy(t *testing.T) {
	endpoint := startDynalite(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))

	// The table, created through the same client the gateway uses.
	client := awsservice.New(awsservice.Options{Endpoints: map[string]string{"dynamodb": endpoint}})
	resp, err := client.Call(context.Background(), integration.ServiceRequest{
		Region: "us-east-1", Service: "dynamodb", Kind: integration.ServiceAction, Target: "CreateTable", Method: "POST",
		Body: []byte(`{"TableName": "Items", "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
			"KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"}`),
	})
	if err != nil || resp.Status != 200 {
		t.Fatalf("CreateTable: %v %+v", err, resp)
	}

	srv := runServer(t, Config{
		DefinitionPath:   "testdata/dynamodb-proxy/api.yaml",
		ServiceEndpoints: map[string]string{"dynamodb": endpoint},
		Port:             0, AdminAddr: "127.0.0.1:0",
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo})),
	})
	stage := srv.Gateway().APIs()[0].Stages[0].Name
	base := "http://" + srv.Addrs()[0] + "/" + stage
	tests := []struct {
		name, method, path, body string
		status                   int
		want                     string
	}{
		{"PutItem", "POST", "/items", `{"id": "42", "name": "Marvin's towel"}`, 200, `{"saved": "0"}`},
		{"GetItem maps the item", "GET", "/items/42", ``, 200, "{\"id\": \"42\", \"name\": \"Marvin's towel\"}\n"},
		{"GetItem of a missing item: responseOverride 404", "GET", "/items/7", ``, 404, "{\"message\": \"no item 7\"}\n"},
		{"service 400 selected by the status pattern", "POST", "/items", `{"name": "no id"}`, 400, `{"error": "com.amazon.coral.validate#ValidationException"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, base+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status || string(body) != tt.want {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, body, tt.status, tt.want)
			}
		})
	}
}
