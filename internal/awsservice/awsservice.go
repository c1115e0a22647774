package awsservice

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/portcullis-gateway/portcullis/internal/integration"
)

// Options configure a Client. Zero values take the defaults.
type Options struct {
	// Endpoints override a service's endpoint by service name
	// ("dynamodb": "http://127.0.0.1:4567"); the integration's path is
	// appended to the override.
	Endpoints map[string]string
	// Credentials replaces the SDK's standard credential chain.
	Credentials aws.CredentialsProvider
	// HTTPClient sends the requests; nil uses a client with the integration
	// timeout taken from the context.
	HTTPClient *http.Client
	// Now is the signing clock; nil is time.Now.
	Now func() time.Time
}

// Client signs and sends service requests. It is safe for concurrent use.
type Client struct {
	opts     Options
	once     sync.Once
	creds    aws.CredentialsProvider
	credsErr error
}

var _ integration.ServiceCaller = (*Client)(nil)

// New returns a client; credentials are resolved on first use.
func New(opts Options) *Client {
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Client{opts: opts}
}

func (c *Client) credentials(ctx context.Context) (aws.CredentialsProvider, error) {
	c.once.Do(func() {
		if c.opts.Credentials != nil {
			c.creds = c.opts.Credentials
			return
		}
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			c.credsErr = err
			return
		}
		c.creds = cfg.Credentials
	})
	return c.creds, c.credsErr
}

// jsonTargets are the JSON-protocol services an action/ URI reaches with
// X-Amz-Target: their target prefix and JSON content type version.
var jsonTargets = map[string][2]string{
	"dynamodb": {"DynamoDB_20120810", "1.0"},
	"kinesis":  {"Kinesis_20131202", "1.1"},
	"firehose": {"Firehose_20150804", "1.1"},
	"logs":     {"Logs_20140328", "1.1"},
	"events":   {"AWSEvents", "1.1"},
	"states":   {"AWSStepFunctions", "1.0"},
}

// Call implements integration.ServiceCaller.
func (c *Client) Call(ctx context.Context, in integration.ServiceRequest) (*integration.ServiceResponse, error) {
	base := "https://" + in.Host()
	if o, ok := c.opts.Endpoints[in.Service]; ok {
		base = strings.TrimRight(o, "/")
	}
	target := base + "/"
	query := url.Values{}
	for _, q := range in.Query {
		query.Add(q[0], q[1])
	}
	header := http.Header{}
	switch in.Kind {
	case integration.ServiceAction:
		if jt, ok := jsonTargets[in.Service]; ok {
			header.Set("X-Amz-Target", jt[0]+"."+in.Target)
			header.Set("Content-Type", "application/x-amz-json-"+jt[1])
		} else {
			query.Set("Action", in.Target)
		}
	case integration.ServicePath:
		target = base + "/" + strings.TrimLeft(in.Target, "/")
	}
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, in.Method, target, bytes.NewReader(in.Body))
	if err != nil {
		return nil, fmt.Errorf("service request: %w", err)
	}
	for _, h := range in.Headers {
		req.Header.Set(h[0], h[1])
	}
	for k, v := range header {
		if req.Header.Get(k) == "" || k == "X-Amz-Target" {
			req.Header[k] = v
		}
	}
	if req.Header.Get("Content-Type") == "" && len(in.Body) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	provider, err := c.credentials(ctx)
	if err != nil {
		return nil, fmt.Errorf("AWS credentials: %w", err)
	}
	creds, err := provider.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("AWS credentials: %w", err)
	}
	sum := sha256.Sum256(in.Body)
	req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), in.Service, in.Region, c.opts.Now()); err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	resp, err := c.opts.HTTPClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 10<<20+1))
	if err != nil {
		return nil, err
	}
	if len(body) > 10<<20 {
		return nil, fmt.Errorf("service response larger than 10 MB")
	}
	out := &integration.ServiceResponse{Status: resp.StatusCode, Body: body}
	for k, vs := range resp.Header {
		for _, v := range vs {
			out.Headers = append(out.Headers, [2]string{k, v})
		}
	}
	return out, nil
}
