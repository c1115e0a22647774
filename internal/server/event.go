package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/gateway"
	"github.com/portcullis-gateway/portcullis/internal/lambdaevent"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// Event kinds of `portcullis generate-event`, named after SAM CLI's
// `sam local generate-event apigateway` subcommands.
const (
	EventToken   = "token"   // TOKEN authorizer
	EventRequest = "request" // REQUEST authorizer
	EventProxy   = "proxy"   // REST API Lambda proxy integration
	EventHTTP    = "http"    // HTTP API payload format 2.0
)

// EventOptions describe the request an event stands for. Zero values are
// the defaults of generate-event's flags.
type EventOptions struct {
	Kind   string
	Method string // default GET
	// Path is below the stage, with its query: /users/43?x=1.
	Path string
	// Resource is the resource path the request matched (/users/{id}); ""
	// means the path itself.
	Resource string
	Headers  []reqctx.Header
	Body     []byte
	Stage    string // default prod
	// StageVariables are the stage's variables.
	StageVariables map[string]string
	APIID          string // default 1234567890
	AccountID      string // default 123456789012
	Region         string // default us-east-1
	SourceIP       string // default 127.0.0.1
	// Token is the TOKEN authorizer's token; "" takes the Authorization
	// header.
	Token string
	// PrincipalID and AuthorizerContext, for proxy events, stand for the
	// Lambda authorizer that ran before (requestContext.authorizer);
	// without a principal the method had no authorizer.
	PrincipalID       string
	AuthorizerContext map[string]string
	// Now is the request time; zero means now.
	Now time.Time
}

// GenerateEvent builds the event a function would receive for the request
// described by o. REST events go through the gateway's own code: the
// request is made canonical by the listener's edge, routed by the
// compiled router against a one-resource API, and encoded by the same
// lambdaevent builders the gateway and its authorizers use, so they are
// identical in shape to what `serve` sends. HTTP API events (which the
// gateway does not serve) use aws-lambda-go's payload 2.0 type.
// Header is one request header line of EventOptions.
type Header = reqctx.Header

func GenerateEvent(o EventOptions) ([]byte, error) {
	if o.Method == "" {
		o.Method = "GET"
	}
	o.Method = strings.ToUpper(o.Method)
	if o.Path == "" {
		o.Path = "/"
	}
	if !strings.HasPrefix(o.Path, "/") {
		o.Path = "/" + o.Path
	}
	if o.Stage == "" {
		o.Stage = "prod"
	}
	if o.APIID == "" {
		o.APIID = "1234567890"
	}
	if o.AccountID == "" {
		o.AccountID = "123456789012"
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.SourceIP == "" {
		o.SourceIP = "127.0.0.1"
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Kind == EventHTTP {
		return httpAPIEvent(o)
	}
	if o.Kind != EventToken && o.Kind != EventRequest && o.Kind != EventProxy {
		return nil, fmt.Errorf("unknown event kind %q: use token, request, proxy or http", o.Kind)
	}
	r, err := simulate(o)
	if err != nil {
		return nil, err
	}
	var raw []byte
	switch o.Kind {
	case EventToken:
		tok := o.Token
		if tok == "" {
			tok, _ = r.HeaderValue("Authorization")
		}
		raw = lambdaevent.TokenAuthorizerEvent(tok, r.MethodARN)
	case EventRequest:
		raw, err = lambdaevent.RequestAuthorizerEvent(r, lambdaevent.Context{APIID: o.APIID, AccountID: o.AccountID})
	case EventProxy:
		if o.PrincipalID != "" {
			ac := &reqctx.AuthorizerContext{PrincipalID: o.PrincipalID}
			for k, v := range o.AuthorizerContext {
				if ac.Context == nil {
					ac.Context = map[string]*string{}
				}
				ac.Context[k] = &v
			}
			r.Authorizer = ac
		}
		raw, err = lambdaevent.ProxyRequest(r, lambdaevent.Context{APIID: o.APIID, AccountID: o.AccountID})
	}
	if err != nil {
		return nil, err
	}
	return indentJSON(raw)
}

// simulate builds and routes the request as the gateway would, against an
// API whose only resource is o.Resource.
func simulate(o EventOptions) (*reqctx.Request, error) {
	target, _, _ := strings.Cut(o.Path, "?")
	resource := o.Resource
	if resource == "" {
		resource = target
	}
	api, err := oneResourceAPI(o, resource)
	if err != nil {
		return nil, err
	}
	g, err := gateway.New(&apimodel.Model{APIs: []*apimodel.API{api}}, gateway.Options{Now: func() time.Time { return o.Now }})
	if err != nil {
		return nil, err
	}
	peer, err := netip.ParseAddr(o.SourceIP)
	if err != nil {
		return nil, fmt.Errorf("source IP: %v", err)
	}
	headers := o.Headers
	if !hasHeader(headers, "Host") {
		// What clients of the execute-api endpoint send.
		headers = append([]reqctx.Header{{Name: "Host", Value: o.APIID + ".execute-api." + o.Region + ".amazonaws.com"}}, headers...)
	}
	r, res, err := g.Simulate(api.ID, gateway.SimulatedRequest{Stage: o.Stage, Method: o.Method, PathWithQueryString: o.Path,
		Headers: headers, Body: o.Body, StageVariables: o.StageVariables, SourceIP: o.SourceIP, Peer: peer, Port: 443, Secure: true})
	if err != nil {
		return nil, err
	}
	if res == nil {
		return nil, fmt.Errorf("path %s does not match resource %s", target, resource)
	}
	return r, nil
}

// oneResourceAPI is an API with resource (and its parents), whose one
// method is ANY with a MOCK integration: enough for the router.
func oneResourceAPI(o EventOptions, resource string) (*apimodel.API, error) {
	if !strings.HasPrefix(resource, "/") {
		return nil, fmt.Errorf("resource %q must start with /", resource)
	}
	mock := &apimodel.Integration{Type: apimodel.IntegrationMock}
	root := &apimodel.Resource{ID: "root00", Path: "/", Methods: map[string]*apimodel.Method{}}
	resources := []*apimodel.Resource{root}
	parent, path := root, ""
	for i, part := range strings.Split(strings.Trim(resource, "/"), "/") {
		if part == "" {
			continue
		}
		path += "/" + part
		r := &apimodel.Resource{ID: fmt.Sprintf("r%05d", i), Path: path, Methods: map[string]*apimodel.Method{}}
		resources = append(resources, r)
		parent = r
	}
	parent.Methods["ANY"] = &apimodel.Method{HTTPMethod: "ANY", AuthorizationType: apimodel.AuthNone, Integration: mock}
	return &apimodel.API{ID: o.APIID, LogicalID: "Api", Region: o.Region, AccountID: o.AccountID,
		Stages: []*apimodel.Stage{{Name: o.Stage, Variables: o.StageVariables}}, Resources: resources}, nil
}

// httpAPIEvent is the HTTP API payload format 2.0 event ("Working with AWS
// Lambda proxy integrations for HTTP APIs"): cookies apart, header names
// lower-cased and repeated values joined with commas, the route key
// "METHOD /resource".
func httpAPIEvent(o EventOptions) ([]byte, error) {
	target, query, _ := strings.Cut(o.Path, "?")
	route := o.Resource
	if route == "" {
		route = target
	}
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: o.Method + " " + route, RawPath: target, RawQueryString: query,
		Headers: map[string]string{},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: o.Method + " " + route, AccountID: o.AccountID, Stage: "$default", RequestID: reqctx.NewRequestID(),
			APIID: o.APIID, DomainName: o.APIID + ".execute-api." + o.Region + ".amazonaws.com", DomainPrefix: o.APIID,
			Time: o.Now.UTC().Format("02/Jan/2006:15:04:05 -0700"), TimeEpoch: o.Now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: o.Method, Path: target, Protocol: "HTTP/1.1", SourceIP: o.SourceIP},
		},
		IsBase64Encoded: false,
	}
	for _, h := range o.Headers {
		name := strings.ToLower(h.Name)
		if name == "cookie" {
			for _, c := range strings.Split(h.Value, ";") {
				if c = strings.TrimSpace(c); c != "" {
					ev.Cookies = append(ev.Cookies, c)
				}
			}
			continue
		}
		if name == "user-agent" {
			ev.RequestContext.HTTP.UserAgent = h.Value
		}
		if v, ok := ev.Headers[name]; ok {
			ev.Headers[name] = v + "," + h.Value
		} else {
			ev.Headers[name] = h.Value
		}
	}
	if query != "" {
		ev.QueryStringParameters = map[string]string{}
		for _, kv := range strings.Split(query, "&") {
			k, v, _ := strings.Cut(kv, "=")
			if old, ok := ev.QueryStringParameters[k]; ok {
				v = old + "," + v
			}
			ev.QueryStringParameters[k] = v
		}
	}
	if params, ok := routeParams(route, target); ok && len(params) > 0 {
		ev.PathParameters = params
	} else if !ok {
		return nil, fmt.Errorf("path %s does not match route %s", target, route)
	}
	if len(o.StageVariables) > 0 {
		ev.StageVariables = o.StageVariables
	}
	if len(o.Body) > 0 {
		ev.Body = string(o.Body)
	}
	b, err := json.MarshalIndent(ev, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// routeParams matches an HTTP API route's {name} and {name+} segments.
func routeParams(route, path string) (map[string]string, bool) {
	rs := strings.Split(strings.Trim(route, "/"), "/")
	ps := strings.Split(strings.Trim(path, "/"), "/")
	out := map[string]string{}
	for i, seg := range rs {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "+}") {
			if i >= len(ps) {
				return nil, false
			}
			out[seg[1:len(seg)-2]] = strings.Join(ps[i:], "/")
			return out, true
		}
		if i >= len(ps) {
			return nil, false
		}
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out[seg[1:len(seg)-1]] = ps[i]
			continue
		}
		if seg != ps[i] {
			return nil, false
		}
	}
	return out, len(rs) == len(ps)
}

func hasHeader(hs []reqctx.Header, name string) bool {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return true
		}
	}
	return false
}

func indentJSON(raw []byte) ([]byte, error) {
	var v json.RawMessage = raw
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, errors.New("the event is not valid JSON: " + err.Error())
	}
	return append(b, '\n'), nil
}
