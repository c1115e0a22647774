package awsservice

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/portcullis-gateway/portcullis/internal/integration"
)

// TestCall_SignsAndRoutes: an action/ call on a JSON-protocol service
// carries X-Amz-Target and a SigV4 Authorization for the service and
// region; a query-protocol action goes in Action=; path/ calls the path;
// the endpoint override replaces the regional host.
func TestCall_SignsAndRoutes(t *testing.T) {
	type seen struct{ method, uri, target, auth, ct, body string }
	var got seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = seen{r.Method, r.URL.RequestURI(), r.Header.Get("X-Amz-Target"), r.Header.Get("Authorization"), r.Header.Get("Content-Type"), string(b)}
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	c := New(Options{
		Endpoints:   map[string]string{"dynamodb": srv.URL, "sqs": srv.URL, "s3": srv.URL},
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")),
		Now:         func() time.Time { return time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC) },
	})
	tests := []struct {
		req                         integration.ServiceRequest
		wantURI, wantTarget, wantCT string
		wantScope                   string
	}{
		{integration.ServiceRequest{Region: "us-east-1", Service: "dynamodb", Kind: integration.ServiceAction, Target: "PutItem", Method: "POST", Body: []byte(`{}`)},
			"/", "DynamoDB_20120810.PutItem", "application/x-amz-json-1.0", "Credential=AKIDEXAMPLE/20261204/us-east-1/dynamodb/aws4_request"},
		{integration.ServiceRequest{Region: "eu-west-1", Service: "sqs", Kind: integration.ServiceAction, Target: "SendMessage", Method: "POST",
			Headers: [][2]string{{"Content-Type", "application/x-www-form-urlencoded"}}, Body: []byte(`MessageBody=hi`)},
			"/?Action=SendMessage", "", "application/x-www-form-urlencoded", "Credential=AKIDEXAMPLE/20261204/eu-west-1/sqs/aws4_request"},
		{integration.ServiceRequest{Region: "us-east-1", Service: "s3", Kind: integration.ServicePath, Target: "bucket/key.txt", Method: "GET"},
			"/bucket/key.txt", "", "", "Credential=AKIDEXAMPLE/20261204/us-east-1/s3/aws4_request"},
	}
	for _, tt := range tests {
		t.Run(tt.req.Service, func(t *testing.T) {
			if _, err := c.Call(context.Background(), tt.req); err != nil {
				t.Fatal(err)
			}
			if got.uri != tt.wantURI || got.target != tt.wantTarget || got.ct != tt.wantCT || got.method != tt.req.Method {
				t.Errorf("got %+v", got)
			}
			if !strings.HasPrefix(got.auth, "AWS4-HMAC-SHA256 ") || !strings.Contains(got.auth, tt.wantScope) || !strings.Contains(got.auth, "Signature=") {
				t.Errorf("Authorization %q, want scope %s", got.auth, tt.wantScope)
			}
		})
	}
}

// TestCall_NoCredentials_Fails: without credentials the call fails (the
// gateway answers 500) instead of going out unsigned.
func TestCall_NoCredentials_Fails(t *testing.T) {
	c := New(Options{Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{}, io.ErrUnexpectedEOF
	}), Endpoints: map[string]string{"dynamodb": "http://127.0.0.1:1"}})
	if _, err := c.Call(context.Background(), integration.ServiceRequest{Region: "us-east-1", Service: "dynamodb", Kind: integration.ServiceAction, Target: "GetItem", Method: "POST"}); err == nil {
		t.Fatal("called without credentials")
	}
}
