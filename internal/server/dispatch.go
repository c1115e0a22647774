package server

import (
	"context"
	"log/slog"
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
		return d.local.Invoke(ctx, fn, payload)
	}
	d.once.Do(func() { d.remote, d.err = awslambda.New(ctx, awslambda.Options{Region: d.region}) })
	if d.err != nil {
		return function.Result{}, &function.InvokeError{Kind: function.KindTransport, Function: fn.Name, Err: d.err}
	}
	return d.remote.Invoke(ctx, fn, payload)
}
