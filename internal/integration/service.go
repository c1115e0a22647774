package integration

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// Kinds of AWS service integration URI.
const (
	ServiceAction = "action"
	ServicePath   = "path"
)

// ServiceRequest is one call of an AWS service integration.
type ServiceRequest struct {
	Region    string
	Service   string // dynamodb, sqs, s3, ...
	Subdomain string // the part before the service in {subdomain.}{service}
	Kind      string // ServiceAction or ServicePath
	// Target is the action name or the path.
	Target  string
	Method  string
	Query   [][2]string
	Headers [][2]string
	Body    []byte
}

// Host is the service's regional endpoint host.
func (r ServiceRequest) Host() string {
	h := r.Service + "." + r.Region + ".amazonaws.com"
	if r.Subdomain != "" {
		h = r.Subdomain + "." + h
	}
	return h
}

// ServiceResponse is what the service answered.
type ServiceResponse struct {
	Status  int
	Headers [][2]string
	Body    []byte
}

// ServiceCaller signs and sends service requests (awsservice.Client).
type ServiceCaller interface {
	Call(ctx context.Context, r ServiceRequest) (*ServiceResponse, error)
}

// serviceURIRE reads arn:aws:apigateway:{region}:{subdomain.}{service}:{action|path}/{rest}.
var serviceURIRE = regexp.MustCompile(`^arn:aws[a-z-]*:apigateway:([a-z0-9-]+):(?:([A-Za-z0-9.-]+)\.)?([a-z0-9-]+):(action|path)/(.+)$`)

// ParseServiceURI splits an AWS service integration URI.
func ParseServiceURI(uri string) (ServiceRequest, error) {
	m := serviceURIRE.FindStringSubmatch(uri)
	if m == nil {
		return ServiceRequest{}, fmt.Errorf("%q is not an AWS service integration URI (arn:aws:apigateway:REGION:SERVICE:action/ACTION or :path/PATH)", uri)
	}
	return ServiceRequest{Region: m[1], Subdomain: m[2], Service: m[3], Kind: m[4], Target: m[5]}, nil
}

// AWSService is an AWS service integration: the request template's output
// is sent, SigV4-signed, to the service; its status code selects the
// integration response.
type AWSService struct {
	route           Route
	base            ServiceRequest
	method          string
	timeout         time.Duration
	params          requestParams
	requests        *templateSet
	passthrough     string
	contentHandling string
	responses       *responder
	caller          ServiceCaller
}

// NewAWSService compiles an AWS service integration.
func NewAWSService(in *apimodel.Integration, route Route, caller ServiceCaller) (*AWSService, error) {
	if caller == nil {
		return nil, errors.New("AWS service integrations need an AWS service client")
	}
	base, err := ParseServiceURI(in.URI)
	if err != nil {
		return nil, err
	}
	if err := checkContentHandling(in.ContentHandling); err != nil {
		return nil, err
	}
	s := &AWSService{route: route, base: base, method: strings.ToUpper(in.HTTPMethod), caller: caller, passthrough: in.PassthroughBehavior, contentHandling: in.ContentHandling}
	if s.method == "" || s.method == apimodel.AnyMethod {
		s.method = "POST"
	}
	s.timeout = time.Duration(in.TimeoutMillis) * time.Millisecond
	if s.timeout <= 0 {
		s.timeout = apimodel.DefaultIntegrationTimeoutMillis * time.Millisecond
	}
	if s.params, err = compileRequestParams(in.RequestParameters); err != nil {
		return nil, err
	}
	if s.requests, err = compileTemplates(in.RequestTemplates, in.Pos, "requestTemplates"); err != nil {
		return nil, err
	}
	if s.responses, err = compileResponses(in); err != nil {
		return nil, err
	}
	return s, nil
}

// Invoke sends the mapped request and maps the service's answer.
func (s *AWSService) Invoke(ctx context.Context, r *reqctx.Request) (*Response, error) {
	mc := newMappingContext(r, s.route)
	body, ct, err := mapRequestBody(r, mc, s.requests, s.passthrough, s.contentHandling)
	if err != nil {
		return nil, err
	}
	req := s.base
	req.Method = s.method
	req.Body = body
	req.Headers = append(req.Headers, pairs(s.params.header, r)...)
	req.Query = append(req.Query, pairs(s.params.query, r)...)
	path := s.params.paths(r)
	if req.Kind == ServicePath && len(path) > 0 {
		req.Target = uriParamRE.ReplaceAllStringFunc(req.Target, func(m string) string {
			if v, ok := path[strings.TrimSuffix(m[1:len(m)-1], "+")]; ok {
				return v
			}
			return m
		})
	}
	if ct != "" && req.Kind == ServicePath {
		req.Headers = append(req.Headers, [2]string{"Content-Type", ct})
	}
	ictx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	resp, err := s.caller.Call(ictx, req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, gwresponse.Errorf(gwresponse.IntegrationTimeout, "Endpoint request timed out",
				"Execution failed due to a timeout error: %v", err)
		}
		return nil, gwresponse.InternalError(500, fmt.Errorf("Execution failed due to configuration error: %w", err))
	}
	be := backendResponse{status: resp.Status, body: resp.Body}
	for _, h := range resp.Headers {
		be.headers = append(be.headers, reqctx.Header{Name: h[0], Value: h[1]})
	}
	code := strconv.Itoa(resp.Status)
	ir := s.responses.pick(code)
	if ir == nil {
		return nil, noMapping(code)
	}
	return ir.render(r, mc, be)
}
