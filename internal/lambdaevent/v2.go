package lambdaevent

// HTTP API (API Gateway v2) documents: the payload format 2.0 proxy event
// and response, the 2.0 and 1.0 REQUEST authorizer events and the simple
// authorizer response, as "Create AWS Lambda proxy integrations for HTTP
// APIs" and "Working with AWS Lambda authorizers for HTTP APIs" describe
// them:
//
//   - header names are lower case, and a header sent on several lines is one
//     value joined with commas; Cookie lines leave headers and become the
//     cookies array, one element per cookie;
//   - a repeated query parameter is one value joined with commas, and
//     rawQueryString is the query as sent;
//   - rawPath and requestContext.http.path are the decoded path (HTTP APIs
//     decode before routing; live captures in hotsock/voker#8, summarised
//     in middleapi/standard-server#93) with the stage prefixed unless the
//     stage is $default (logandk/serverless-wsgi#191,
//     aws-powertools/powertools-lambda-python#621);
//   - optional members (cookies, queryStringParameters, pathParameters,
//     stageVariables, body, requestContext.authorizer) are left out when
//     empty, as in AWS's example, except in the authorizer event, whose
//     example shows every member.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// HTTPContext is what an HTTP API event needs beyond the request.
type HTTPContext struct {
	APIID     string
	AccountID string
	// DomainName is requestContext.domainName; "" uses the request's Host.
	DomainName string
	// Stage is the stage name, DefaultStage ("$default") included.
	Stage string
	// RouteKey is the matched route's key ("GET /pets/{id}", "$default").
	RouteKey string
}

// HTTPAuthorizer is requestContext.authorizer of a 2.0 event: exactly one
// of its members is set.
type HTTPAuthorizer struct {
	// Lambda is a Lambda authorizer's context, values as the function
	// returned them (2.0 keeps their JSON types). Non-nil means present.
	Lambda []ContextValue
	JWT    *JWTAuthorization
	IAM    *IAMAuthorization
}

// ContextValue is one key of a Lambda authorizer's context, its value as
// raw JSON.
type ContextValue struct {
	Key   string
	Value json.RawMessage
}

// JWTAuthorization is requestContext.authorizer.jwt.
type JWTAuthorization struct {
	// Claims rendered as strings, as API Gateway does.
	Claims map[string]string
	Scopes []string
}

// IAMAuthorization is requestContext.authorizer.iam.
type IAMAuthorization struct {
	AccessKey      string
	AccountID      string
	CallerID       string
	PrincipalOrgID string
	UserARN        string
	UserID         string
}

const defaultStage = "$default"

// HTTPRawPath is rawPath: the decoded path with the stage prefixed unless
// it is $default.
func HTTPRawPath(r *reqctx.Request, stage string) string {
	p := r.DecodedPath
	if p == "" {
		p = "/"
	}
	if stage == "" || stage == defaultStage {
		return p
	}
	if p == "/" {
		return "/" + stage
	}
	return "/" + stage + p
}

// HTTPRequest returns the payload format 2.0 event of an HTTP API Lambda
// integration. a is nil for a route without authorization.
func HTTPRequest(r *reqctx.Request, c HTTPContext, a *HTTPAuthorizer) ([]byte, error) {
	if r == nil || r.Method == "" {
		return nil, errorString("lambdaevent: request has no method")
	}
	binary := len(r.Body) > 0 && !textual(contentType(r))
	b := make([]byte, 0, estimateSize(r, binary))
	b = append(b, `{"version":"2.0"`...)
	b = appendKey(b, "routeKey")
	b = appendString(b, c.RouteKey)
	b = appendV2RequestFields(b, r, c, false)
	b = appendKey(b, "requestContext")
	b = appendV2Context(b, r, c, a)
	if len(r.PathParams) > 0 {
		b = appendKey(b, "pathParameters")
		b = appendStringMap(b, r.PathParams, false)
	}
	if len(r.StageVariables) > 0 {
		b = appendKey(b, "stageVariables")
		b = appendStringMap(b, r.StageVariables, false)
	}
	if len(r.Body) > 0 {
		b = appendKey(b, "body")
		if binary {
			b = append(b, '"')
			b = base64.StdEncoding.AppendEncode(b, r.Body)
			b = append(b, '"')
		} else {
			b = appendString(b, string(r.Body))
		}
	}
	b = appendKey(b, "isBase64Encoded")
	b = strconv.AppendBool(b, binary)
	return append(b, '}'), nil
}

// HTTPAuthorizerEventV2 returns the payload format 2.0 REQUEST authorizer
// event: routeArn, the identitySource values in the authorizer's order,
// and the request as in the 2.0 proxy event without body.
func HTTPAuthorizerEventV2(r *reqctx.Request, c HTTPContext, routeARN string, identity []string) ([]byte, error) {
	if r == nil || r.Method == "" {
		return nil, errorString("lambdaevent: request has no method")
	}
	b := make([]byte, 0, estimateSize(r, false)+len(routeARN))
	b = append(b, `{"version":"2.0","type":"REQUEST"`...)
	b = appendKey(b, "routeArn")
	b = appendString(b, routeARN)
	b = appendKey(b, "identitySource")
	b = append(b, '[')
	for i, v := range identity {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, v)
	}
	b = append(b, ']')
	b = appendKey(b, "routeKey")
	b = appendString(b, c.RouteKey)
	b = appendV2RequestFields(b, r, c, true)
	b = appendKey(b, "requestContext")
	b = appendV2Context(b, r, c, nil)
	b = appendKey(b, "pathParameters")
	b = appendStringMap(b, r.PathParams, true)
	b = appendKey(b, "stageVariables")
	b = appendStringMap(b, r.StageVariables, true)
	return append(b, '}'), nil
}

// HTTPAuthorizerEventV1 returns the payload format 1.0 REQUEST authorizer
// event of an HTTP API: the REST REQUEST event (r.MethodARN is the route
// ARN) with version "1.0" and the identity values joined with commas in
// identitySource and authorizationToken, as AWS's example shows.
func HTTPAuthorizerEventV1(r *reqctx.Request, c Context, identity []string) ([]byte, error) {
	if err := checkRequest(r); err != nil {
		return nil, err
	}
	joined := strings.Join(identity, ",")
	b := make([]byte, 0, estimateSize(r, false)+len(r.MethodARN)+2*len(joined))
	b = append(b, `{"version":"1.0","type":"REQUEST","methodArn":`...)
	b = appendString(b, r.MethodARN)
	b = appendKey(b, "identitySource")
	b = appendString(b, joined)
	b = appendKey(b, "authorizationToken")
	b = appendString(b, joined)
	b = appendRequestFields(b, r, c, true)
	return append(b, '}'), nil
}

// appendV2RequestFields writes rawPath, rawQueryString, cookies, headers and
// queryStringParameters. allMembers writes cookies and
// queryStringParameters even when empty (the authorizer event).
func appendV2RequestFields(b []byte, r *reqctx.Request, c HTTPContext, allMembers bool) []byte {
	b = appendKey(b, "rawPath")
	b = appendString(b, HTTPRawPath(r, c.Stage))
	b = appendKey(b, "rawQueryString")
	b = appendString(b, r.RawQuery)
	hs := reqctx.Forwarded(r.Headers)
	cookies := Cookies(hs)
	if len(cookies) > 0 || allMembers {
		b = appendKey(b, "cookies")
		b = append(b, '[')
		for i, ck := range cookies {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, ck)
		}
		b = append(b, ']')
	}
	b = appendKey(b, "headers")
	b = appendJoined(b, len(hs), func(i int) bool { return asciiEqualFold(hs[i].Name, "Cookie") },
		func(i, j int) bool { return asciiEqualFold(hs[i].Name, hs[j].Name) },
		func(b []byte, i int) []byte { return appendLowerString(b, hs[i].Name) },
		func(i int) string { return hs[i].Value })
	if len(r.Query) > 0 || allMembers {
		q := r.Query
		b = appendKey(b, "queryStringParameters")
		b = appendJoined(b, len(q), func(int) bool { return false },
			func(i, j int) bool { return q[i].Name == q[j].Name },
			func(b []byte, i int) []byte { return appendString(b, q[i].Name) },
			func(i int) string { return q[i].Value })
	}
	return b
}

// Cookies returns the cookies of every Cookie line, one element per
// "name=value" pair, in order.
func Cookies(hs []reqctx.Header) []string {
	var out []string
	for _, h := range hs {
		if !asciiEqualFold(h.Name, "Cookie") {
			continue
		}
		for part := range strings.SplitSeq(h.Value, ";") {
			if p := strings.TrimSpace(part); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// appendJoined writes an object whose members with the same name (under
// same) hold their values joined with commas, in first-appearance order.
// Grouping is quadratic in the member count, which is small, and
// allocates only for a name that repeats.
func appendJoined(b []byte, n int, skip func(int) bool, same func(i, j int) bool,
	name func(b []byte, i int) []byte, value func(int) string) []byte {
	b = append(b, '{')
next:
	for i := 0; i < n; i++ {
		if skip(i) {
			continue
		}
		for j := 0; j < i; j++ {
			if !skip(j) && same(i, j) {
				continue next
			}
		}
		if n := len(b); b[n-1] != '{' {
			b = append(b, ',')
		}
		b = name(b, i)
		b = append(b, ':')
		v, repeated := value(i), false
		for j := i + 1; j < n; j++ {
			if !skip(j) && same(i, j) {
				if !repeated {
					v, repeated = strings.Clone(v), true
				}
				v += "," + value(j)
			}
		}
		b = appendString(b, v)
	}
	return append(b, '}')
}

// appendLowerString writes s lower-cased (ASCII) as a JSON string. A
// header name that is an RFC 9110 token needs no escaping and is written
// byte by byte; anything else goes through appendString.
func appendLowerString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return appendString(b, strings.ToLower(s))
		}
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return append(b, '"')
}

func appendV2Context(b []byte, r *reqctx.Request, c HTTPContext, a *HTTPAuthorizer) []byte {
	domain := c.DomainName
	if domain == "" {
		domain = r.Host
	}
	ua, _ := r.HeaderValue("User-Agent")
	b = append(b, '{')
	b = appendKey(b, "accountId")
	b = appendString(b, c.AccountID)
	b = appendKey(b, "apiId")
	b = appendString(b, c.APIID)
	if a != nil {
		b = appendKey(b, "authorizer")
		b = appendV2Authorizer(b, a)
	}
	b = appendKey(b, "domainName")
	b = appendString(b, domain)
	b = appendKey(b, "domainPrefix")
	b = appendString(b, reqctx.DomainPrefix(domain))
	b = append(b, `,"http":{"method":`...)
	b = appendString(b, r.Method)
	b = appendKey(b, "path")
	b = appendString(b, HTTPRawPath(r, c.Stage))
	b = appendKey(b, "protocol")
	b = appendString(b, r.Protocol)
	b = appendKey(b, "sourceIp")
	b = appendString(b, r.SourceIP)
	b = appendKey(b, "userAgent")
	b = appendString(b, ua)
	b = append(b, '}')
	b = appendKey(b, "requestId")
	b = appendString(b, r.ExtendedID)
	b = appendKey(b, "routeKey")
	b = appendString(b, c.RouteKey)
	b = appendKey(b, "stage")
	b = appendString(b, c.Stage)
	b = appendKey(b, "time")
	b = append(b, '"')
	b = r.Time.UTC().AppendFormat(b, requestTimeLayout)
	b = append(b, '"')
	b = appendKey(b, "timeEpoch")
	b = strconv.AppendInt(b, r.Time.UnixMilli(), 10)
	return append(b, '}')
}

func appendV2Authorizer(b []byte, a *HTTPAuthorizer) []byte {
	b = append(b, '{')
	switch {
	case a.JWT != nil:
		b = append(b, `"jwt":{"claims":{`...)
		for _, k := range sortedKeys(a.JWT.Claims) {
			b = appendNameKey(b, k)
			b = appendString(b, a.JWT.Claims[k])
		}
		b = append(b, `},"scopes":`...)
		if len(a.JWT.Scopes) == 0 {
			b = append(b, "null"...)
		} else {
			b = append(b, '[')
			for i, s := range a.JWT.Scopes {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendString(b, s)
			}
			b = append(b, ']')
		}
		b = append(b, '}')
	case a.IAM != nil:
		id := a.IAM
		b = append(b, `"iam":{`...)
		b = appendKey(b, "accessKey")
		b = appendString(b, id.AccessKey)
		b = appendKey(b, "accountId")
		b = appendString(b, id.AccountID)
		b = appendKey(b, "callerId")
		b = appendString(b, id.CallerID)
		b = append(b, `,"cognitoIdentity":null`...)
		b = appendKey(b, "principalOrgId")
		b = appendStringOrNull(b, id.PrincipalOrgID)
		b = appendKey(b, "userArn")
		b = appendString(b, id.UserARN)
		b = appendKey(b, "userId")
		b = appendString(b, id.UserID)
		b = append(b, '}')
	default:
		b = append(b, `"lambda":{`...)
		for _, v := range a.Lambda {
			b = appendNameKey(b, v.Key)
			if len(v.Value) == 0 {
				b = append(b, "null"...)
			} else {
				b = append(b, v.Value...)
			}
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

// textual reports whether a body of this Content-Type is passed as text:
// HTTP APIs base64-encode every other body (isBase64Encoded true). A
// request without Content-Type is text.
func textual(ct string) bool {
	ct = strings.ToLower(strings.TrimSpace(ct))
	if ct == "" {
		return true
	}
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = strings.TrimSpace(ct[:i])
	}
	switch {
	case strings.HasPrefix(ct, "text/"),
		strings.HasSuffix(ct, "+json"), strings.HasSuffix(ct, "+xml"):
		return true
	}
	switch ct {
	case "application/json", "application/xml", "application/javascript",
		"application/x-www-form-urlencoded", "application/graphql":
		return true
	}
	return false
}

// ErrMalformedHTTPResponse is the cause of every ParseHTTPResponse error:
// HTTP APIs answer 500 {"message":"Internal Server Error"}.
var ErrMalformedHTTPResponse = errors.New("malformed Lambda response")

// HTTPResponse is a payload format 2.0 function's answer, with the
// inference of "Lambda function response for format 2.0" applied.
type HTTPResponse struct {
	StatusCode int
	// Headers in the order the function wrote them.
	Headers []Header
	// Cookies become one Set-Cookie line each.
	Cookies []string
	// Body is decoded (base64 undone when isBase64Encoded).
	Body []byte
}

// ParseHTTPResponse reads a payload format 2.0 response. A JSON object with
// statusCode is the response itself (statusCode, headers, cookies, body,
// isBase64Encoded); any other valid JSON is a body: status 200,
// content-type application/json, and the body the payload itself (a JSON
// string gives its value, AWS's "Hello from Lambda!" example). Invalid JSON
// and an object with a statusCode that is not a number in 100..599 are
// malformed.
func ParseHTTPResponse(payload []byte) (*HTTPResponse, error) {
	payload = bytes.TrimSpace(payload)
	if !json.Valid(payload) {
		return nil, fmt.Errorf("%w: the payload is not JSON", ErrMalformedHTTPResponse)
	}
	inferred := func(body []byte) *HTTPResponse {
		return &HTTPResponse{StatusCode: 200, Headers: []Header{{Name: "content-type", Value: "application/json"}}, Body: body}
	}
	switch payload[0] {
	case '"':
		var s string
		_ = json.Unmarshal(payload, &s)
		return inferred([]byte(s)), nil
	case '{':
	default:
		return inferred(payload), nil
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(payload, &doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedHTTPResponse, err)
	}
	rawStatus, ok := doc["statusCode"]
	if !ok {
		return inferred(payload), nil
	}
	out := &HTTPResponse{}
	var status json.Number
	if err := json.Unmarshal(rawStatus, &status); err != nil {
		return nil, fmt.Errorf("%w: statusCode is not a number", ErrMalformedHTTPResponse)
	}
	f, err := status.Float64()
	if err != nil || f != math.Trunc(f) || f < 100 || f > 599 {
		return nil, fmt.Errorf("%w: statusCode %s is not an HTTP status", ErrMalformedHTTPResponse, status)
	}
	out.StatusCode = int(f)
	if raw, ok := doc["headers"]; ok && string(raw) != "null" {
		hs, err := orderedHeaders(raw)
		if err != nil {
			return nil, err
		}
		out.Headers = hs
	}
	if raw, ok := doc["cookies"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &out.Cookies); err != nil {
			return nil, fmt.Errorf("%w: cookies is not an array of strings", ErrMalformedHTTPResponse)
		}
		for _, c := range out.Cookies {
			if !validHeaderValue(c) {
				return nil, fmt.Errorf("%w: a cookie holds a control character", ErrMalformedHTTPResponse)
			}
		}
	}
	var b64 bool
	if raw, ok := doc["isBase64Encoded"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &b64); err != nil {
			return nil, fmt.Errorf("%w: isBase64Encoded is not a boolean", ErrMalformedHTTPResponse)
		}
	}
	if raw, ok := doc["body"]; ok && string(raw) != "null" {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("%w: body is not a string", ErrMalformedHTTPResponse)
		}
		if b64 {
			body, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return nil, fmt.Errorf("%w: body is not base64", ErrMalformedHTTPResponse)
			}
			out.Body = body
		} else {
			out.Body = []byte(s)
		}
	}
	return out, nil
}

// orderedHeaders reads a headers object in document order; values are
// strings, numbers or booleans, and neither names nor values may add a line.
func orderedHeaders(raw json.RawMessage) ([]Header, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("%w: headers is not an object", ErrMalformedHTTPResponse)
	}
	var out []Header
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformedHTTPResponse, err)
		}
		name, _ := t.(string)
		if !validHeaderName(name) {
			return nil, fmt.Errorf("%w: header name %q is not a token", ErrMalformedHTTPResponse, name)
		}
		v, err := d.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformedHTTPResponse, err)
		}
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case json.Number:
			s = x.String()
		case bool:
			s = strconv.FormatBool(x)
		case nil:
			continue
		default:
			return nil, fmt.Errorf("%w: header %s is not a string", ErrMalformedHTTPResponse, name)
		}
		if !validHeaderValue(s) {
			return nil, fmt.Errorf("%w: header %s holds a control character", ErrMalformedHTTPResponse, name)
		}
		out = append(out, Header{Name: name, Value: s})
	}
	return out, nil
}

// SimpleAuthorizerResponse is a 2.0 authorizer's simple response.
type SimpleAuthorizerResponse struct {
	IsAuthorized bool
	// Context in document order, values as raw JSON.
	Context []ContextValue
}

// ErrMalformedAuthorizerResponse is the cause of every authorizer response
// parse error: HTTP APIs answer 500 {"message":"Internal Server Error"}.
var ErrMalformedAuthorizerResponse = errors.New("malformed authorizer response")

// ParseSimpleAuthorizerResponse reads {"isAuthorized": bool, "context":
// {...}}. isAuthorized must be a boolean: a missing or non-boolean value is
// malformed rather than read as false or true, so that nothing but an
// explicit true allows.
func ParseSimpleAuthorizerResponse(payload []byte) (*SimpleAuthorizerResponse, error) {
	var doc struct {
		IsAuthorized *json.RawMessage `json:"isAuthorized"`
		Context      json.RawMessage  `json:"context"`
	}
	if err := json.Unmarshal(payload, &doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedAuthorizerResponse, err)
	}
	if doc.IsAuthorized == nil {
		return nil, fmt.Errorf("%w: isAuthorized is missing", ErrMalformedAuthorizerResponse)
	}
	out := &SimpleAuthorizerResponse{}
	switch string(*doc.IsAuthorized) {
	case "true":
		out.IsAuthorized = true
	case "false":
	default:
		return nil, fmt.Errorf("%w: isAuthorized is not a boolean", ErrMalformedAuthorizerResponse)
	}
	ctx, err := ParseContext(doc.Context)
	if err != nil {
		return nil, err
	}
	out.Context = ctx
	return out, nil
}

// ParseContext reads an authorizer's context object in document order
// (null or absent gives an empty, non-nil list).
func ParseContext(raw json.RawMessage) ([]ContextValue, error) {
	out := []ContextValue{}
	if len(raw) == 0 || string(raw) == "null" {
		return out, nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("%w: context is not an object", ErrMalformedAuthorizerResponse)
	}
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformedAuthorizerResponse, err)
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformedAuthorizerResponse, err)
		}
		out = append(out, ContextValue{Key: k, Value: v})
	}
	return out, nil
}
