package awslambda

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/function"
)

// Options configures a Client. Credentials always come from the SDK's
// standard chain (environment, shared config and credentials files, SSO,
// web identity, container and instance metadata).
type Options struct {
	// Region of the Lambda endpoint; "" takes it from the environment
	// (AWS_REGION, the shared config). A function ARN names its own region
	// but the SDK signs for the client's, so functions of several regions
	// need one Client each.
	Region string
	// Endpoint overrides the Lambda endpoint URL (LocalStack-style
	// emulators: "http://127.0.0.1:4566"); "" uses AWS's.
	Endpoint string
	// HTTPClient carries the Invoke requests; nil uses the SDK's default
	// client (which honours AWS_CA_BUNDLE). Credential providers that make
	// HTTP calls of their own keep the SDK's client.
	HTTPClient *http.Client
	// MaxAttempts bounds the SDK's retries of throttled and failed calls;
	// 0 means 1 (no retry): API Gateway invokes an integration once and a
	// request waiting on retries only adds latency.
	MaxAttempts int
	// Now is the clock for Result.Duration; nil uses time.Now.
	Now func() time.Time
}

// Client invokes functions on AWS Lambda.
type Client struct {
	lambda *lambda.Client
	now    func() time.Time
}

var _ function.Invoker = (*Client)(nil)

// New loads the SDK configuration and returns a Client. It fails when no
// region can be found; missing credentials surface on the first Invoke, as
// the credential chain resolves lazily.
func New(ctx context.Context, o Options) (*Client, error) {
	attempts := o.MaxAttempts
	if attempts <= 0 {
		attempts = 1
	}
	loadOpts := []func(*config.LoadOptions) error{config.WithRetryMaxAttempts(attempts)}
	if o.Region != "" {
		loadOpts = append(loadOpts, config.WithRegion(o.Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return nil, fmt.Errorf("awslambda: load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, errors.New("awslambda: no AWS region: set --region or AWS_REGION")
	}
	c := lambda.NewFromConfig(cfg, func(lo *lambda.Options) {
		if o.Endpoint != "" {
			lo.BaseEndpoint = aws.String(o.Endpoint)
		}
		if o.HTTPClient != nil {
			lo.HTTPClient = o.HTTPClient
		}
	})
	now := o.Now
	if now == nil {
		now = time.Now
	}
	return &Client{lambda: c, now: now}, nil
}

// Invoke calls fn synchronously (RequestResponse) with payload. The function
// is named by its ARN when it has one, else by its name.
func (c *Client) Invoke(ctx context.Context, fn *apimodel.Function, payload []byte) (function.Result, error) {
	name := fn.ARN
	if name == "" {
		name = fn.Name
	}
	start := c.now()
	out, err := c.lambda.Invoke(ctx, &lambda.InvokeInput{
		FunctionName:   aws.String(name),
		InvocationType: types.InvocationTypeRequestResponse,
		Payload:        payload,
	})
	elapsed := c.now().Sub(start)
	if err != nil {
		return function.Result{}, &function.InvokeError{Kind: classify(ctx, err), Function: name, Err: err}
	}
	return function.Result{
		Payload:       out.Payload,
		FunctionError: aws.ToString(out.FunctionError),
		Duration:      elapsed,
	}, nil
}

// classify maps a failed Invoke call to the kind of failure the gateway
// reports. The error code comes from x-amzn-ErrorType (or the body), the
// status code from the HTTP response; either identifies the case.
func classify(ctx context.Context, err error) function.ErrorKind {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return function.KindTimeout
	}
	code := ""
	if apiErr, ok := errors.AsType[smithy.APIError](err); ok {
		code = apiErr.ErrorCode()
	}
	status := 0
	if respErr, ok := errors.AsType[*awshttp.ResponseError](err); ok {
		status = respErr.HTTPStatusCode()
	}
	switch {
	case code == "ResourceNotFoundException" || (code == "" && status == http.StatusNotFound):
		return function.KindNotFound
	case code == "TooManyRequestsException" || (code == "" && status == http.StatusTooManyRequests):
		return function.KindThrottled
	case code == "RequestEntityTooLargeException" || code == "RequestTooLargeException" ||
		(code == "" && status == http.StatusRequestEntityTooLarge):
		return function.KindRequestTooLarge
	default:
		return function.KindTransport
	}
}
