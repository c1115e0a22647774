package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/function"
	"github.com/portcullis-gateway/portcullis/internal/function/awslambda"
)

// dispatch sends each function to the local runtime or, for functions that
// live only on AWS, to AWS Lambda. The remote client is created on first
// use so that local-only templates never touch AWS configuration.
type dispatch struct {
	local  *function.Local
	log    *slog.Logger
	region string

	once   sync.Once
	remote *awslambda.Client
	err    error
}

var _ function.Invoker = (*dispatch)(nil)

func (d *dispatch) Invoke(ctx context.Context, fn *apimodel.Function, payload []byte) (function.Result, error) {
	if !fn.Remote {
		res, err := d.local.Invoke(ctx, fn, payload)
		// A function that cannot start or whose handler cannot be loaded
		// (missing module, function or interpreter, syntax error) is a
		// problem of the deployment, not of the request: an ERROR whatever
		// the execution log says. Lambda reports these as Runtime.* error
		// types, unlike the function's own exceptions.
		switch {
		case function.IsKind(err, function.KindInit):
			d.log.ErrorContext(ctx, fmt.Sprintf("%s: function %s cannot start: %v", fn.Pos, fn.LogicalID, err))
		case err == nil && res.FunctionError != "":
			if t := runtimeErrorType(res.Payload); t != "" {
				d.log.ErrorContext(ctx, fmt.Sprintf("%s: function %s cannot start: %s: %s", fn.Pos, fn.LogicalID, t, errorMessage(res.Payload)))
			}
		}
		return res, err
	}
	d.once.Do(func() { d.remote, d.err = awslambda.New(ctx, awslambda.Options{Region: d.region}) })
	if d.err != nil {
		return function.Result{}, &function.InvokeError{Kind: function.KindTransport, Function: fn.Name, Err: d.err}
	}
	return d.remote.Invoke(ctx, fn, payload)
}

// runtimeErrorType is the errorType of a Lambda error document when it is
// one of the runtime's own (Runtime.ImportModuleError,
// Runtime.HandlerNotFound, ...), "" otherwise.
func runtimeErrorType(payload []byte) string {
	var doc struct {
		ErrorType string `json:"errorType"`
	}
	if json.Unmarshal(payload, &doc) != nil || !strings.HasPrefix(doc.ErrorType, "Runtime.") {
		return ""
	}
	return doc.ErrorType
}

func errorMessage(payload []byte) string {
	var doc struct {
		ErrorMessage string `json:"errorMessage"`
	}
	_ = json.Unmarshal(payload, &doc)
	return doc.ErrorMessage
}
