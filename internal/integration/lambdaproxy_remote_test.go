package integration

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/function/awslambda"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
)

// fakeLambda answers Lambda's Invoke operation (POST
// /2015-03-31/functions/{name}/invocations) as AWS does for the outcomes
// that only a remote function produces: the function name picks the answer.
func fakeLambda(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/2015-03-31/functions/"), "/invocations")
	name = name[strings.LastIndexByte(name, ':')+1:] // the function ARN's name
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-RequestId", "8f5ba5a8-0b6e-4d5e-9a3a-5e2f1a1b2c3d")
	switch name {
	case "timesout":
		// Lambda reports its own timeout as a function error with the
		// "Task timed out" document (kgateway-dev/kgateway#5618).
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		_, _ = io.WriteString(w, `{"errorMessage":"2021-11-23T10:12:51.182Z f803ab70-cec2-4fc1-b200-d06984ae9f53 Task timed out after 3.00 seconds"}`)
	case "toobig":
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		_, _ = io.WriteString(w, `{"errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes).","errorType":"Function.ResponseSizeTooLarge"}`)
	case "refused":
		// Status, type and message of a real refusal
		// (awslabs/aws-athena-query-federation#793).
		w.Header().Set("X-Amzn-ErrorType", "RequestEntityTooLargeException")
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		_, _ = io.WriteString(w, `{"Type":"User","message":"Request must be smaller than 6291456 bytes for the InvokeFunction operation"}`)
	default:
		w.Header().Set("X-Amzn-ErrorType", "ResourceNotFoundException")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"Type":"User","Message":"Function not found"}`)
	}
}

// TestLambdaProxy_RemoteLambda_Outcomes: the same mapping holds for
// functions invoked on AWS Lambda: its function errors (its own timeout, an
// oversized response) are 502 INTEGRATION_FAILURE, and Invoke's
// RequestEntityTooLargeException is 413 Request Too Long.
func TestLambdaProxy_RemoteLambda_Outcomes(t *testing.T) {
	none := filepath.Join(t.TempDir(), "none")
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE": none, "AWS_SHARED_CREDENTIALS_FILE": none, "AWS_EC2_METADATA_DISABLED": "true", "AWS_PROFILE": "",
		"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "AWS_SESSION_TOKEN": "",
	} {
		t.Setenv(k, v)
	}
	srv := httptest.NewServer(http.HandlerFunc(fakeLambda))
	defer srv.Close()
	client, err := awslambda.New(t.Context(), awslambda.Options{Region: "us-east-1", Endpoint: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		function string
		wantType gwresponse.Type
		status   int
		wantLog  string
	}{
		{"timesout", gwresponse.IntegrationFailure, 502, "customer function error: 2021-11-23T10:12:51.182Z f803ab70-cec2-4fc1-b200-d06984ae9f53 Task timed out after 3.00 seconds"},
		{"toobig", gwresponse.IntegrationFailure, 502, "customer function error: Response payload size exceeded maximum allowed payload size (6291556 bytes)."},
		{"refused", gwresponse.RequestTooLarge, 0, "RequestEntityTooLargeException"},
	}
	for _, tt := range tests {
		t.Run(tt.function, func(t *testing.T) {
			fn := &apimodel.Function{LogicalID: tt.function, Name: tt.function, Remote: true, ARN: "arn:aws:lambda:us-east-1:123456789012:function:" + tt.function}
			lp := lambdaProxy(t, client, fn, 0)
			_, err := lp.Invoke(t.Context(), request("/echo", "", `{}`))
			ge := gatewayError(t, err, tt.wantType, tt.status)
			if ge.Cause == nil || !strings.Contains(ge.Cause.Error(), tt.wantLog) {
				t.Errorf("cause = %v, want it to contain %q", ge.Cause, tt.wantLog)
			}
		})
	}
}
