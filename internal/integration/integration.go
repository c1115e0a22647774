package integration

import (
	"context"

	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// Response is what an integration answers.
type Response struct {
	Status  int
	Headers []reqctx.Header
	Body    []byte
}

// Integration is one compiled integration.
type Integration interface {
	// Invoke runs the integration. Errors are *gwresponse.Error.
	Invoke(ctx context.Context, r *reqctx.Request) (*Response, error)
}
