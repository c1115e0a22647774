package integration

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/function"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/lambdaevent"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// Invoker runs a function (function.Local or awslambda.Client).
type Invoker interface {
	Invoke(ctx context.Context, fn *apimodel.Function, payload []byte) (function.Result, error)
}

// LambdaProxy is an AWS_PROXY integration.
type LambdaProxy struct {
	fn      *apimodel.Function
	invoker Invoker
	event   lambdaevent.Context
	timeout time.Duration
	binary  []string
}

// NewLambdaProxy compiles an AWS_PROXY integration calling fn.
func NewLambdaProxy(api *apimodel.API, in *apimodel.Integration, fn *apimodel.Function, invoker Invoker) (*LambdaProxy, error) {
	if fn == nil {
		return nil, fmt.Errorf("AWS_PROXY integration %q: its function cannot be resolved", in.URI)
	}
	timeout := time.Duration(in.TimeoutMillis) * time.Millisecond
	if timeout <= 0 {
		timeout = apimodel.DefaultIntegrationTimeoutMillis * time.Millisecond
	}
	return &LambdaProxy{
		fn: fn, invoker: invoker, timeout: timeout, binary: api.BinaryMediaTypes,
		event: lambdaevent.Context{APIID: api.ID, AccountID: api.AccountID, BinaryMediaTypes: api.BinaryMediaTypes},
	}, nil
}

// internalError is the 502 API Gateway answers for a failed or malformed
// Lambda proxy response.
func internalError(cause error) error {
	return gwresponse.InternalError(502, cause)
}

// Invoke sends the proxy event and maps the function's answer back.
func (l *LambdaProxy) Invoke(ctx context.Context, r *reqctx.Request) (*Response, error) {
	payload, err := lambdaevent.ProxyRequest(r, l.event)
	if err != nil {
		return nil, internalError(err)
	}
	ictx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	res, err := l.invoker.Invoke(ictx, l.fn, payload)
	if err != nil {
		if function.IsKind(err, function.KindTimeout) || errors.Is(err, context.DeadlineExceeded) {
			return nil, gwresponse.Errorf(gwresponse.IntegrationTimeout, "Endpoint request timed out",
				"Execution failed due to a timeout error: function %s: %v", l.fn.LogicalID, err)
		}
		return nil, internalError(fmt.Errorf("Execution failed due to configuration error: %w", err))
	}
	if res.FunctionError != "" {
		return nil, internalError(fmt.Errorf("Lambda execution failed with status 200 due to customer function error: %s", res.Payload))
	}
	pr, err := lambdaevent.ParseProxyResponse(res.Payload)
	if err != nil {
		return nil, internalError(fmt.Errorf("Execution failed due to configuration error: %w", err))
	}
	out := &Response{Status: pr.StatusCode}
	contentType := ""
	for _, h := range pr.Headers {
		out.Headers = append(out.Headers, reqctx.Header{Name: h.Name, Value: h.Value})
		if strings.EqualFold(h.Name, "Content-Type") {
			contentType = h.Value
		}
	}
	if contentType == "" {
		out.Headers = append(out.Headers, reqctx.Header{Name: "Content-Type", Value: "application/json"})
	}
	// A base64 body is decoded when the API treats the response as binary
	// (its Content-Type or the client's Accept is a binary media type);
	// otherwise the client receives the base64 text, as from API Gateway.
	if pr.IsBase64Encoded && l.binaryResponse(r, contentType) {
		body, err := pr.DecodedBody()
		if err != nil {
			return nil, internalError(fmt.Errorf("Execution failed due to configuration error: body is not valid base64: %w", err))
		}
		out.Body = body
	} else {
		out.Body = []byte(pr.Body)
	}
	return out, nil
}

func (l *LambdaProxy) binaryResponse(r *reqctx.Request, contentType string) bool {
	if len(l.binary) == 0 {
		return false
	}
	if accept, ok := r.HeaderValue("Accept"); ok {
		for _, a := range strings.Split(accept, ",") {
			a, _, _ = strings.Cut(strings.TrimSpace(a), ";")
			if lambdaevent.IsBinary(a, l.binary) {
				return true
			}
		}
	}
	return lambdaevent.IsBinary(contentType, l.binary)
}
