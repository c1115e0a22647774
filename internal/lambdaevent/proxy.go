package lambdaevent

import (
	"cmp"
	"encoding/base64"
	"slices"
	"strconv"

	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// Context is what an event needs beyond the request itself: facts about the
// deployed API that reqctx does not carry. The gateway builds one per API
// and stage at load time.
type Context struct {
	// APIID is the 10-character REST API id (requestContext.apiId).
	APIID string
	// AccountID is the account that owns the API (requestContext.accountId).
	AccountID string
	// DomainName is requestContext.domainName; "" uses the request's Host.
	DomainName string
	// DeploymentID is requestContext.deploymentId; "" writes null.
	DeploymentID string
	// BinaryMediaTypes are the API's binaryMediaTypes; a request body whose
	// Content-Type matches one is sent base64-encoded.
	BinaryMediaTypes []string
	// Stage is used when the request carries no stage name of its own.
	Stage string
}

// ProxyRequest returns the Lambda proxy integration event for r (docs/behaviour.md#INTEG-1):
// the document API Gateway passes to an AWS_PROXY function. It fails only if
// r lacks what routing must have set (method and path).
//
// Differences from the request as received, all as API Gateway does them:
// path is below the stage while requestContext.path includes it; headers
// keeps the last value of a repeated header and multiValueHeaders all of
// them; queryStringParameters, multiValueQueryStringParameters,
// pathParameters, stageVariables and body are null when empty.
func ProxyRequest(r *reqctx.Request, c Context) ([]byte, error) {
	if err := checkRequest(r); err != nil {
		return nil, err
	}
	binary := len(r.Body) > 0 && IsBinary(contentType(r), c.BinaryMediaTypes)

	b := make([]byte, 0, estimateSize(r, binary))
	b = append(b, '{')
	b = appendRequestFields(b, r, c, false)
	b = appendKey(b, "body")
	switch {
	case len(r.Body) == 0:
		b = append(b, "null"...)
	case binary:
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, r.Body)
		b = append(b, '"')
	default:
		b = appendString(b, string(r.Body))
	}
	b = appendKey(b, "isBase64Encoded")
	b = strconv.AppendBool(b, binary)
	return append(b, '}'), nil
}

// TokenAuthorizerEvent returns the TOKEN authorizer event (docs/behaviour.md#LAMBDA-1):
// exactly type, authorizationToken (the header value verbatim, any "Bearer "
// prefix included) and methodArn.
func TokenAuthorizerEvent(token, methodARN string) []byte {
	b := make([]byte, 0, 64+len(token)+len(methodARN))
	b = append(b, `{"type":"TOKEN","authorizationToken":`...)
	b = appendString(b, token)
	b = append(b, `,"methodArn":`...)
	b = appendString(b, methodARN)
	return append(b, '}')
}

// RequestAuthorizerEvent returns the REQUEST authorizer event (docs/behaviour.md#LAMBDA-2) for
// r, whose MethodARN must be set. It carries the fields of the proxy event
// except body and isBase64Encoded, and its requestContext is the proxy
// event's without authorizer (none has run yet).
//
// Empty maps are written as {} rather than null: AWS's example of this event
// shows "pathParameters": {} for a resource without path variables, unlike
// the proxy event, and authorizer code written against it indexes
// event.queryStringParameters without a null check.
func RequestAuthorizerEvent(r *reqctx.Request, c Context) ([]byte, error) {
	if err := checkRequest(r); err != nil {
		return nil, err
	}
	if r.MethodARN == "" {
		return nil, errorString("lambdaevent: request has no method ARN")
	}
	b := make([]byte, 0, estimateSize(r, false)+len(r.MethodARN))
	b = append(b, `{"type":"REQUEST","methodArn":`...)
	b = appendString(b, r.MethodARN)
	b = appendRequestFields(b, r, c, true)
	return append(b, '}'), nil
}

// appendRequestFields writes what the proxy event and the REQUEST
// authorizer event share, from resource to requestContext. The authorizer
// event writes empty maps as {} and has no requestContext.authorizer (none
// has run yet); the proxy event writes null and includes it.
func appendRequestFields(b []byte, r *reqctx.Request, c Context, authorizerEvent bool) []byte {
	b = appendKey(b, "resource")
	b = appendString(b, r.ResourcePath)
	b = appendKey(b, "path")
	b = appendString(b, cmp.Or(r.DomainPath, r.Path))
	b = appendKey(b, "httpMethod")
	b = appendString(b, r.Method)
	b = appendHeaders(b, reqctx.Forwarded(r.Headers), authorizerEvent)
	b = appendQuery(b, r.Query, authorizerEvent)
	b = appendKey(b, "pathParameters")
	b = appendStringMap(b, r.PathParams, authorizerEvent)
	b = appendKey(b, "stageVariables")
	b = appendStringMap(b, r.StageVariables, authorizerEvent)
	b = appendKey(b, "requestContext")
	return appendRequestContext(b, r, c, !authorizerEvent)
}

type errorString string

func (e errorString) Error() string { return string(e) }

func checkRequest(r *reqctx.Request) error {
	if r == nil {
		return errorString("lambdaevent: nil request")
	}
	if r.Method == "" || r.Path == "" {
		return errorString("lambdaevent: request has no method or path")
	}
	return nil
}

func contentType(r *reqctx.Request) string {
	v, _ := r.HeaderValue("Content-Type")
	return v
}

// estimateSize guesses the event's length so that it is built in one
// allocation in the common case.
func estimateSize(r *reqctx.Request, binary bool) int {
	n := 1024 + 2*len(r.Path) + len(r.WirePath) + len(r.ResourcePath)
	for _, h := range r.Headers {
		n += 2*(len(h.Name)+len(h.Value)) + 16
	}
	for _, p := range r.Query {
		n += 2*(len(p.Name)+len(p.Value)) + 16
	}
	for k, v := range r.PathParams {
		n += len(k) + len(v) + 8
	}
	for k, v := range r.StageVariables {
		n += len(k) + len(v) + 8
	}
	if a := r.Authorizer; a != nil {
		n += 64 + len(a.PrincipalID)
		for k, v := range a.Context {
			n += len(k) + 8
			if v != nil {
				n += len(*v)
			}
		}
		for k, v := range a.Claims {
			n += len(k) + len(v) + 8
		}
	}
	if binary {
		n += base64.StdEncoding.EncodedLen(len(r.Body))
	} else {
		n += len(r.Body) + len(r.Body)/8
	}
	return n
}

// groupIndex fills first[i] with the index of the first element equal to
// element i under eq. Events list a repeated header or parameter once, under
// the name it first appeared with, in first-appearance order.
func groupIndex(n int, first []int, eq func(i, j int) bool) {
	for i := 0; i < n; i++ {
		first[i] = i
		for j := 0; j < i; j++ {
			if first[j] == j && eq(i, j) {
				first[i] = j
				break
			}
		}
	}
}

// appendHeaders writes "headers" and "multiValueHeaders". Header names are
// grouped case-insensitively (HTTP field names are case-insensitive) and keep
// the spelling the client first used. The single-value map holds the last
// value, as in AWS's example where header2 sent as value1 then value2
// appears as "header2": "value2" ("Set up Lambda proxy integrations in API
// Gateway", input format).
func appendHeaders(b []byte, hs []reqctx.Header, emptyObject bool) []byte {
	return appendSingleAndMulti(b, "headers", "multiValueHeaders", len(hs), emptyObject,
		func(i, j int) bool { return asciiEqualFold(hs[i].Name, hs[j].Name) },
		func(i int) string { return hs[i].Name }, func(i int) string { return hs[i].Value })
}

// appendSingleAndMulti writes a single-value map (the last value of each
// name) and a multi-value map (every value, in order) of n name/value
// pairs, grouping the names that same says are equal; the first spelling of
// a name is the key. With no pairs both maps are null, or {} when
// emptyObject is set.
func appendSingleAndMulti(b []byte, singleKey, multiKey string, n int, emptyObject bool, same func(i, j int) bool, name, value func(int) string) []byte {
	if n == 0 {
		empty := "null"
		if emptyObject {
			empty = "{}"
		}
		b = appendKey(b, singleKey)
		b = append(b, empty...)
		b = appendKey(b, multiKey)
		return append(b, empty...)
	}
	var stack [32]int
	var first []int
	if n <= len(stack) {
		first = stack[:n]
	} else {
		first = make([]int, n)
	}
	groupIndex(n, first, same)
	b = appendKey(b, singleKey)
	b = append(b, '{')
	for i := 0; i < n; i++ {
		if first[i] != i {
			continue
		}
		last := i
		for j := i + 1; j < n; j++ {
			if first[j] == i {
				last = j
			}
		}
		b = appendNameKey(b, name(i))
		b = appendString(b, value(last))
	}
	b = append(b, '}')

	b = appendKey(b, multiKey)
	b = append(b, '{')
	for i := 0; i < n; i++ {
		if first[i] != i {
			continue
		}
		b = appendNameKey(b, name(i))
		b = append(b, '[')
		b = appendString(b, value(i))
		for j := i + 1; j < n; j++ {
			if first[j] == i {
				b = append(b, ',')
				b = appendString(b, value(j))
			}
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// appendQuery writes the two query-string maps. Names are case-sensitive;
// the single-value map holds the last value, as AWS's example shows for
// multivalueName=you&multivalueName=me ("Set up Lambda proxy integrations in
// API Gateway", input format).
func appendQuery(b []byte, ps []reqctx.Param, emptyObject bool) []byte {
	return appendSingleAndMulti(b, "queryStringParameters", "multiValueQueryStringParameters", len(ps), emptyObject,
		func(i, j int) bool { return ps[i].Name == ps[j].Name },
		func(i int) string { return ps[i].Name }, func(i int) string { return ps[i].Value })
}

// appendStringMap writes m with its keys sorted, so that events are
// reproducible; an empty map is null, or {} when emptyObject is set.
func appendStringMap(b []byte, m map[string]string, emptyObject bool) []byte {
	if len(m) == 0 {
		if emptyObject {
			return append(b, '{', '}')
		}
		return append(b, "null"...)
	}
	b = append(b, '{')
	for _, k := range sortedKeys(m) {
		b = appendNameKey(b, k)
		b = appendString(b, m[k])
	}
	return append(b, '}')
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// requestTimeLayout is $context.requestTime: CLF format, always UTC.
const requestTimeLayout = "02/Jan/2006:15:04:05 +0000"

// appendRequestContext writes requestContext ($context as a map). Keys are
// in the order of AWS's current example of the proxy event.
func appendRequestContext(b []byte, r *reqctx.Request, c Context, withAuthorizer bool) []byte {
	stage := r.Stage
	if stage == "" {
		stage = c.Stage
	}
	domain := c.DomainName
	if domain == "" {
		domain = r.Host
	}
	b = append(b, '{')
	b = appendKey(b, "accountId")
	b = appendString(b, c.AccountID)
	b = appendKey(b, "apiId")
	b = appendString(b, c.APIID)
	if withAuthorizer {
		b = appendKey(b, "authorizer")
		b = appendAuthorizer(b, r.Authorizer)
	}
	b = appendKey(b, "deploymentId")
	b = appendStringOrNull(b, c.DeploymentID)
	b = appendKey(b, "domainName")
	b = appendString(b, domain)
	b = appendKey(b, "domainPrefix")
	b = appendString(b, reqctx.DomainPrefix(domain))
	b = appendKey(b, "extendedRequestId")
	b = appendString(b, r.ExtendedID)
	b = appendKey(b, "httpMethod")
	b = appendString(b, r.Method)
	b = appendKey(b, "identity")
	b = appendIdentity(b, r)
	b = appendKey(b, "path")
	b = appendContextPath(b, r, stage)
	b = appendKey(b, "protocol")
	b = appendString(b, r.Protocol)
	b = appendKey(b, "requestId")
	b = appendString(b, r.ID)
	b = appendKey(b, "requestTime")
	b = append(b, '"')
	b = r.Time.UTC().AppendFormat(b, requestTimeLayout)
	b = append(b, '"')
	b = appendKey(b, "requestTimeEpoch")
	b = strconv.AppendInt(b, r.Time.UnixMilli(), 10)
	b = appendKey(b, "resourceId")
	b = appendStringOrNull(b, r.ResourceID)
	b = appendKey(b, "resourcePath")
	b = appendString(b, r.ResourcePath)
	b = appendKey(b, "stage")
	b = appendString(b, stage)
	return append(b, '}')
}

// appendContextPath writes requestContext.path, which unlike the event's
// top-level path includes the stage ("/prod/PythonResource"); both are the
// canonical path the router matched, so that the path a function reads is
// the one that was authorized.
func appendContextPath(b []byte, r *reqctx.Request, stage string) []byte {
	if r.DomainPath != "" {
		// On a custom domain both are the path as received, base path
		// included (docs/behaviour.md#DOMAIN-1).
		return appendString(b, r.DomainPath)
	}
	if stage == "" {
		return appendString(b, r.Path)
	}
	return appendString(b, "/"+stage+r.Path)
}

// appendIdentity writes requestContext.identity with the keys of captured
// REST events: the cognito* and principalOrgId keys are always present and
// null (Cognito user-pool authorizers leave them null too, docs/behaviour.md#COGNITO-1), and
// apiKey/apiKeyId appear only when the method required an API key.
func appendIdentity(b []byte, r *reqctx.Request) []byte {
	id := &r.Identity
	ua, _ := r.HeaderValue("User-Agent")
	b = append(b, '{')
	b = appendKey(b, "accessKey")
	b = appendStringOrNull(b, id.AccessKey)
	b = appendKey(b, "accountId")
	b = appendStringOrNull(b, id.AccountID)
	if id.APIKey != "" {
		b = appendKey(b, "apiKey")
		b = appendString(b, id.APIKey)
		b = appendKey(b, "apiKeyId")
		b = appendStringOrNull(b, id.APIKeyID)
	}
	b = appendKey(b, "caller")
	b = appendStringOrNull(b, id.Caller)
	b = append(b, `,"cognitoAuthenticationProvider":null,"cognitoAuthenticationType":null,"cognitoIdentityId":null,"cognitoIdentityPoolId":null,"principalOrgId":null`...)
	b = appendKey(b, "sourceIp")
	b = appendString(b, r.SourceIP)
	b = appendKey(b, "user")
	b = appendStringOrNull(b, id.User)
	b = appendKey(b, "userAgent")
	b = appendStringOrNull(b, ua)
	b = appendKey(b, "userArn")
	b = appendStringOrNull(b, id.UserARN)
	return append(b, '}')
}

// appendAuthorizer writes requestContext.authorizer (docs/behaviour.md#INTEG-1):
//   - Lambda authorizer: every context key with its stringified value (null
//     kept), then principalId and integrationLatency (a number), the order of
//     the measured event in the spec;
//   - Cognito: {"claims":{...}}, plus "scopes" for an access token;
//   - no authorizer: {"claims":null,"scopes":null}, AWS's example.
func appendAuthorizer(b []byte, a *reqctx.AuthorizerContext) []byte {
	if a == nil {
		return append(b, `{"claims":null,"scopes":null}`...)
	}
	if a.Claims != nil {
		b = append(b, `{"claims":{`...)
		for _, k := range sortedKeys(a.Claims) {
			b = appendNameKey(b, k)
			b = appendString(b, a.Claims[k])
		}
		b = append(b, '}')
		if len(a.Scopes) > 0 {
			b = append(b, `,"scopes":[`...)
			for i, s := range a.Scopes {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendString(b, s)
			}
			b = append(b, ']')
		}
		return append(b, '}')
	}
	b = append(b, '{')
	for _, k := range sortedKeys(a.Context) {
		// The two keys API Gateway sets itself win over an authorizer's
		// context entries of the same name; a JSON object cannot hold both.
		if k == "principalId" || k == "integrationLatency" {
			continue
		}
		b = appendNameKey(b, k)
		if v := a.Context[k]; v != nil {
			b = appendString(b, *v)
		} else {
			b = append(b, "null"...)
		}
	}
	b = appendKey(b, "principalId")
	b = appendString(b, a.PrincipalID)
	b = appendKey(b, "integrationLatency")
	b = strconv.AppendInt(b, a.IntegrationLatency, 10)
	return append(b, '}')
}
