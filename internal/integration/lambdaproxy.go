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

// internalError is the 502 API Gateway answers when the Lambda service
// call itself fails or the function's answer is not a proxy response.
func internalError(cause error) error {
	return gwresponse.InternalError(502, cause)
}

// integrationFailure is the 502 API Gateway answers when the function
// failed: an error it threw or returned, a crash, its own timeout or a
// response over Lambda's limit. Lambda reports all of these as a function
// error, and API Gateway's access logs name the response type
// INTEGRATION_FAILURE with "Internal server error" (DataBiosphere/azul#6624
// for thrown errors, #8192 for an oversized response), so that a customised
// INTEGRATION_FAILURE response applies to them. The execution log reads
// "Lambda execution failed with status 200 due to customer function error:
// <errorMessage>" (serverless/serverless#8671).
func integrationFailure(fn string, doc []byte) error {
	return &gwresponse.Error{Type: gwresponse.IntegrationFailure, Status: 502, Message: "Internal server error",
		Cause: fmt.Errorf("Lambda execution failed with status 200 due to customer function error: %s (function %s)", errorMessage(doc), fn)}
}

// Invoke sends the proxy event and maps the function's answer back.
func (l *LambdaProxy) Invoke(ctx context.Context, r *reqctx.Request) (*Response, error) {
	payload, err := lambdaevent.ProxyRequest(r, l.event)
	if err != nil {
		return nil, internalError(err)
	}
	// Lambda refuses an event over its synchronous payload quota before
	// running anything, and API Gateway answers 413 {"message": "Request
	// Too Long"} with x-amzn-ErrorType BadRequestException, as captured in
	// koki-develop/lgtm-generator#10. Checked here so that the function
	// never runs, locally or on AWS.
	if len(payload) > function.MaxRequestPayload {
		return nil, requestTooLarge(len(payload))
	}
	ictx, cancel := context.WithTimeout(function.WithTraceID(ctx, r.TraceID), l.timeout)
	defer cancel()
	res, err := l.invoker.Invoke(ictx, l.fn, payload)
	if err != nil {
		return nil, l.invokeFailed(ictx, err)
	}
	if res.FunctionError != "" {
		return nil, integrationFailure(l.fn.LogicalID, res.Payload)
	}
	pr, err := lambdaevent.ParseProxyResponse(res.Payload)
	if err != nil {
		return nil, internalError(fmt.Errorf("Execution failed due to configuration error: %w", err))
	}
	out := &Response{Status: pr.StatusCode, Headers: make([]reqctx.Header, 0, len(pr.Headers)+1)}
	contentType := ""
	for _, h := range pr.Headers {
		name, keep := responseHeaderName(h.Name)
		if !keep {
			continue
		}
		out.Headers = append(out.Headers, reqctx.Header{Name: name, Value: h.Value})
		if strings.EqualFold(name, "Content-Type") {
			contentType = h.Value
		}
	}
	if contentType == "" {
		out.Headers = append(out.Headers, reqctx.Header{Name: "Content-Type", Value: "application/json"})
	}
	// A base64 body is decoded when the client's first Accept media type
	// is one of the API's binary media types; otherwise the client receives
	// the base64 text, as from API Gateway.
	if pr.IsBase64Encoded && l.binaryResponse(r) {
		body, err := pr.DecodedBody()
		if err != nil {
			// The body cannot be converted to binary: API Gateway fails the
			// response conversion as a configuration error (500).
			return nil, &gwresponse.Error{Type: gwresponse.APIConfigurationError, Message: "Internal server error",
				Cause: fmt.Errorf("Execution failed due to configuration error: Unable to transform response: the body of function %s is not valid base64: %w", l.fn.LogicalID, err)}
		}
		out.Body = body
	} else {
		out.Body = []byte(pr.Body)
	}
	return out, nil
}

// invokeFailed maps an invocation that did not complete. ictx is the
// integration's own deadline (timeoutInMillis, 29 s by default): only its
// expiry is API Gateway's 504 "Endpoint request timed out". The function's
// own Timeout, shorter than that, is a function error on Lambda ("Task timed
// out after 3.00 seconds") and answers 502 (awslabs/
// route53-dynamic-dns-with-lambda#56: a 3 s function timeout makes every
// request fail with 502).
func (l *LambdaProxy) invokeFailed(ictx context.Context, err error) error {
	ie, _ := errors.AsType[*function.InvokeError](err)
	switch {
	case errors.Is(ictx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded):
		return gwresponse.Errorf(gwresponse.IntegrationTimeout, "Endpoint request timed out",
			"Execution failed due to a timeout error: function %s: %v", l.fn.LogicalID, err)
	case ie == nil:
		return internalError(fmt.Errorf("Execution failed due to configuration error: %w", err))
	case ie.Kind == function.KindRequestTooLarge:
		return requestTooLarge(0)
	case ie.Kind == function.KindTimeout || ie.Kind == function.KindExit || ie.Kind == function.KindInit:
		doc := ie.Payload
		if len(doc) == 0 {
			doc = []byte(ie.Error())
		}
		return integrationFailure(l.fn.LogicalID, doc)
	default:
		return internalError(fmt.Errorf("Execution failed due to configuration error: %w", err))
	}
}

// requestTooLarge is the 413 of an event over Lambda's request quota; n is
// the event's size when known.
func requestTooLarge(n int) error {
	cause := fmt.Errorf("Lambda refused the event: RequestEntityTooLargeException: Request must be smaller than %d bytes for the InvokeFunction operation", function.MaxRequestPayload)
	if n > 0 {
		cause = fmt.Errorf("%w (the event is %d bytes)", cause, n)
	}
	return &gwresponse.Error{Type: gwresponse.RequestTooLarge, Message: "Request Too Long", ErrorType: "BadRequestException", Cause: cause}
}

// responseHeaderName is the name under which a proxy response header
// reaches the client. API Gateway renames Connection, Content-Length, Date
// and Server to x-amzn-Remapped-<name> (its own values for them describe
// its connection to the client; real responses carry
// x-amzn-Remapped-Connection, -Content-Length and -Date, and
// cargo-lambda/cargo-lambda#862 shows a function's content-length arriving
// as x-amzn-Remapped-content-length) and drops Transfer-Encoding. So a
// function's "Connection: close" never closes the client's connection, and
// its Content-Length never frames the client's body.
func responseHeaderName(name string) (string, bool) {
	switch len(name) {
	case 4:
		if strings.EqualFold(name, "Date") {
			return "x-amzn-Remapped-Date", true
		}
	case 6:
		if strings.EqualFold(name, "Server") {
			return "x-amzn-Remapped-Server", true
		}
	case 10:
		if strings.EqualFold(name, "Connection") {
			return "x-amzn-Remapped-Connection", true
		}
	case 14:
		if strings.EqualFold(name, "Content-Length") {
			return "x-amzn-Remapped-Content-Length", true
		}
	case 17:
		if strings.EqualFold(name, "Transfer-Encoding") {
			return "", false
		}
	}
	return name, true
}

func (l *LambdaProxy) binaryResponse(r *reqctx.Request) bool {
	if len(l.binary) == 0 {
		return false
	}
	accept, _ := r.HeaderValue("Accept")
	return lambdaevent.IsBinaryAccept(accept, l.binary)
}
