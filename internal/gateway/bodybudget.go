package gateway

import (
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
	"github.com/valyala/fasthttp"
)

// DefaultBodyMemory is the default process-wide budget for buffered
// request bodies: 25 bodies at API Gateway's 10 MB limit.
const DefaultBodyMemory = 256 << 20

// bodyBudget bounds the request-body bytes all listeners of a Gateway hold
// at once. Each body is buffered whole (the pipeline hashes, signs and
// forwards it), so without a bound N concurrent 10 MB uploads hold N×10 MB.
// A body is charged before its first byte is read, at its Content-Length
// (or, chunked, as it grows), and released when its handler returns.
type bodyBudget struct {
	max  int64 // <= 0: unlimited
	used atomic.Int64
}

func newBodyBudget(max int64) *bodyBudget {
	if max == 0 {
		max = DefaultBodyMemory
	}
	return &bodyBudget{max: max}
}

func (b *bodyBudget) take(n int64) bool {
	if b.max <= 0 || n <= 0 {
		return true
	}
	for {
		u := b.used.Load()
		if u+n > b.max {
			return false
		}
		if b.used.CompareAndSwap(u, u+n) {
			return true
		}
	}
}

func (b *bodyBudget) give(n int64) {
	if b.max > 0 && n > 0 {
		b.used.Add(-n)
	}
}

// Used is how many body bytes are held now.
func (b *bodyBudget) Used() int64 { return b.used.Load() }

// bodyCharge is what one request holds of the budget. It is stored in the
// fasthttp.RequestCtx as a user value: fasthttp closes such values once
// the handler returns, which releases the charge on every path out of the
// handler, panics included.
type bodyCharge struct {
	b *bodyBudget
	n int64
}

func (c *bodyCharge) grow(n int64) bool {
	if !c.b.take(n) {
		return false
	}
	c.n += n
	return true
}

func (c *bodyCharge) Close() error {
	c.b.give(c.n)
	c.n = 0
	return nil
}

// DefaultHeaderTimeout bounds the read of a request's line and headers.
const DefaultHeaderTimeout = 10 * time.Second

// bodyReadTimeout bounds the read of a whole request once its headers are
// in: room for 10 MB over a slow link.
const bodyReadTimeout = 5 * time.Minute

func (g *Gateway) headerTimeout() time.Duration {
	if g.opts.HeaderTimeout > 0 {
		return g.opts.HeaderTimeout
	}
	return DefaultHeaderTimeout
}

// bodyDeadline extends the connection's read deadline, which ReadTimeout
// set for the headers, to the body's.
func bodyDeadline(*fasthttp.RequestHeader) fasthttp.RequestConfig {
	return fasthttp.RequestConfig{ReadTimeout: bodyReadTimeout}
}

const bodyChargeKey = "portcullis.bodyCharge"

var errBodyBudget = errors.New("the buffered request bodies would exceed the body memory budget")

// overBudget is the answer when the budget cannot take a body. API Gateway
// answers a request it has no capacity for with a 5xx of its own, not a
// client error: the request is valid and within the payload limit, and it
// may succeed when retried, which SDKs do for 503. DEFAULT_5XX is the type
// API Gateway uses for its own failures without a more specific type, so
// a customised DEFAULT_5XX gateway response applies; the status is 503
// Service Unavailable ("How can I troubleshoot 5xx errors for API
// Gateway?", https://repost.aws/knowledge-center/api-gateway-5xx-error).
func overBudget(used, max int64) *gwresponse.Error {
	return &gwresponse.Error{Type: gwresponse.Default5XX, Status: 503, Message: "Service Unavailable", ErrorType: "ServiceUnavailableException",
		Cause: fmt.Errorf("%w (%d of %d bytes in use)", errBodyBudget, used, max)}
}

// readBody copies the request body into r. It answers API Gateway's 413
// for a body over the 10 MB limit and a 503 when the body memory budget
// cannot take it; in both cases the body is read and discarded (up to
// maxDrain) so that the client, still writing, reads the answer.
func (g *Gateway) readBody(ctx *fasthttp.RequestCtx, r *reqctx.Request) error {
	// The charge is made only for a request with a body, sparing the
	// common bodiless request an allocation.
	var charge *bodyCharge
	take := func(n int64) bool {
		if charge == nil {
			charge = &bodyCharge{b: g.bodies}
			ctx.SetUserValue(bodyChargeKey, charge)
		}
		return charge.grow(n)
	}
	stream := ctx.RequestBodyStream()
	if stream == nil {
		b := ctx.Request.Body()
		if len(b) > MaxBodyBytes {
			return gwresponse.TooLarge(errBodyTooLarge)
		}
		if len(b) > 0 {
			if !take(int64(len(b))) {
				return overBudget(g.bodies.Used(), g.bodies.max)
			}
			r.Body = append([]byte(nil), b...)
		}
		return nil
	}
	drain := func(err error) error {
		_, _ = io.Copy(io.Discard, io.LimitReader(stream, maxDrain))
		return err
	}
	if n := ctx.Request.Header.ContentLength(); n >= 0 {
		// The length is known: one buffer of exactly that size, charged
		// before reading, instead of io.ReadAll's doublings.
		if n > MaxBodyBytes {
			return drain(gwresponse.TooLarge(errBodyTooLarge))
		}
		if n == 0 {
			return nil
		}
		if !take(int64(n)) {
			return drain(overBudget(g.bodies.Used(), g.bodies.max))
		}
		body := make([]byte, n)
		got, err := io.ReadFull(stream, body)
		if err != nil {
			// A broken body is the integration's problem, as on AWS.
			body = body[:got]
		}
		if len(body) > 0 {
			r.Body = body
		}
		return nil
	}
	// Chunked: grow the buffer in steps, charging each step first.
	body := make([]byte, 0, 64<<10)
	if !take(int64(cap(body))) {
		return drain(overBudget(g.bodies.Used(), g.bodies.max))
	}
	for {
		if len(body) == cap(body) {
			if len(body) > MaxBodyBytes {
				return drain(gwresponse.TooLarge(errBodyTooLarge))
			}
			next := min(2*cap(body), MaxBodyBytes+1)
			if !take(int64(next - cap(body))) {
				return drain(overBudget(g.bodies.Used(), g.bodies.max))
			}
			body = append(make([]byte, 0, next), body...)
		}
		n, err := stream.Read(body[len(body):cap(body)])
		body = body[:len(body)+n]
		if err != nil {
			break // io.EOF, or a broken body: the integration's problem
		}
	}
	if len(body) > MaxBodyBytes {
		return drain(gwresponse.TooLarge(errBodyTooLarge))
	}
	if len(body) > 0 {
		r.Body = body
	}
	return nil
}
