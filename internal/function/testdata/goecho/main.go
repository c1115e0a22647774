// Command goecho is a Go function built on aws-lambda-go, run by the tests
// through the Runtime API as provided.al2023 would run it.
package main

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type event struct {
	Fail string          `json:"fail"`
	Echo json.RawMessage `json:"echo"`
}

type reply struct {
	Echo        json.RawMessage `json:"echo"`
	RequestID   string          `json:"requestId"`
	ARN         string          `json:"arn"`
	HasDeadline bool            `json:"hasDeadline"`
}

func handle(ctx context.Context, e event) (reply, error) {
	if e.Fail != "" {
		return reply{}, errors.New(e.Fail)
	}
	lc, _ := lambdacontext.FromContext(ctx)
	_, ok := ctx.Deadline()
	return reply{Echo: e.Echo, RequestID: lc.AwsRequestID, ARN: lc.InvokedFunctionArn, HasDeadline: ok}, nil
}

func main() { lambda.Start(handle) }
