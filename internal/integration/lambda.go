package integration

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/function"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
	"github.com/portcullis-gateway/portcullis/internal/vtl"
)

// Lambda is a non-proxy (AWS type) Lambda integration ("Set up Lambda
// custom integrations in API Gateway"): the function receives the request
// template's output (or the body passed through); a successful result goes
// through the default integration response, a function error through the
// response whose selectionPattern matches its errorMessage — or the
// default one when none does ("Handle Lambda errors in API Gateway").
type Lambda struct {
	route           Route
	fn              *apimodel.Function
	invoker         Invoker
	timeout         time.Duration
	requests        *templateSet
	passthrough     string
	contentHandling string
	responses       *responder
}

// NewLambda compiles a non-proxy Lambda integration calling fn.
func NewLambda(in *apimodel.Integration, route Route, fn *apimodel.Function, invoker Invoker) (*Lambda, error) {
	if fn == nil {
		return nil, fmt.Errorf("AWS Lambda integration %q: its function cannot be resolved", in.URI)
	}
	if err := checkContentHandling(in.ContentHandling); err != nil {
		return nil, err
	}
	l := &Lambda{route: route, fn: fn, invoker: invoker, passthrough: in.PassthroughBehavior, contentHandling: in.ContentHandling}
	l.timeout = time.Duration(in.TimeoutMillis) * time.Millisecond
	if l.timeout <= 0 {
		l.timeout = apimodel.DefaultIntegrationTimeoutMillis * time.Millisecond
	}
	var err error
	if l.requests, err = compileTemplates(in.RequestTemplates, in.Pos, "requestTemplates"); err != nil {
		return nil, err
	}
	if l.responses, err = compileResponses(in); err != nil {
		return nil, err
	}
	return l, nil
}

// Invoke runs the function with the mapped payload and maps its result.
func (l *Lambda) Invoke(ctx context.Context, r *reqctx.Request) (*Response, error) {
	mc := newMappingContext(r, l.route)
	payload, _, err := mapRequestBody(r, mc, l.requests, l.passthrough, l.contentHandling)
	if err != nil {
		return nil, err
	}
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	ictx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	res, err := l.invoker.Invoke(ictx, l.fn, payload)
	if err != nil {
		if function.IsKind(err, function.KindTimeout) || errors.Is(err, context.DeadlineExceeded) {
			return nil, gwresponse.Errorf(gwresponse.IntegrationTimeout, "Endpoint request timed out",
				"Execution failed due to a timeout error: function %s: %v", l.fn.LogicalID, err)
		}
		return nil, gwresponse.InternalError(500, fmt.Errorf("Execution failed due to configuration error: %w", err))
	}
	be := backendResponse{status: 200, body: res.Payload}
	var ir *integrationResponse
	selector := ""
	if res.FunctionError != "" {
		selector = errorMessage(res.Payload)
		ir = l.responses.pick(selector)
	} else {
		ir = l.responses.def
	}
	if ir == nil {
		return nil, noMapping(selector)
	}
	return ir.render(r, mc, be)
}

// errorMessage is the errorMessage of a function error's payload
// ({"errorMessage": ..., "errorType": ...}); the payload itself when it is
// not such an object.
func errorMessage(payload []byte) string {
	v, err := vtl.ParseJSON(payload)
	if err != nil {
		return string(payload)
	}
	if m, ok := v.(*vtl.Map); ok {
		if msg, ok := m.Get("errorMessage"); ok {
			if s, ok := msg.(string); ok {
				return s
			}
			return vtl.JSON(msg)
		}
	}
	return string(payload)
}
