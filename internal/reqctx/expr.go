package reqctx

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Expressions name a value of the request: method.request.header.X and its
// kin, context.X, stageVariables.X and 'static'. API Gateway reads them in
// identity sources, integration request parameters and gateway-response
// header mappings, and a template's $context.X is the same context
// variable. They are parsed here once (at compile time) and resolved here
// (per request), so that every stage reads a given expression the same way
// — one resolver, not one per stage (docs/architecture.md).

// ExprKind says where an expression reads from.
type ExprKind uint8

const (
	ExprStatic ExprKind = iota + 1
	ExprHeader
	ExprMultiHeader
	ExprQuery
	ExprMultiQuery
	ExprPath
	ExprStageVariable
	ExprContext
	ExprBody
)

// Expr is one parsed request expression.
type Expr struct {
	Kind ExprKind
	// Name is the header, parameter, stage variable or context variable
	// (without "context."), or the static value without quotes.
	Name string
	// Source is the expression as written.
	Source string
}

var exprPrefixes = [...]struct {
	prefix string
	kind   ExprKind
}{
	{"method.request.header.", ExprHeader},
	{"method.request.multivalueheader.", ExprMultiHeader},
	{"method.request.querystring.", ExprQuery},
	{"method.request.multivaluequerystring.", ExprMultiQuery},
	{"method.request.path.", ExprPath},
	{"stageVariables.", ExprStageVariable},
	{"context.", ExprContext},
}

// ParseExpr parses a request expression. allowStatic admits 'quoted'
// literals, which mappings accept and identity sources do not.
func ParseExpr(s string, allowStatic bool) (Expr, error) {
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		if !allowStatic {
			return Expr{}, fmt.Errorf("%s: a static value is not accepted here", s)
		}
		return Expr{Kind: ExprStatic, Name: s[1 : len(s)-1], Source: s}, nil
	}
	if s == "method.request.body" {
		return Expr{Kind: ExprBody, Source: s}, nil
	}
	if strings.HasPrefix(s, "method.request.body.") {
		return Expr{}, fmt.Errorf("%s: JSONPath into the request body is not supported as a mapping source yet; map method.request.body or use a mapping template", s)
	}
	for _, p := range exprPrefixes {
		if name, ok := strings.CutPrefix(s, p.prefix); ok {
			if name == "" {
				return Expr{}, fmt.Errorf("%s names nothing", s)
			}
			return Expr{Kind: p.kind, Name: name, Source: s}, nil
		}
	}
	return Expr{}, fmt.Errorf("%s: want method.request.{header,multivalueheader,querystring,multivaluequerystring,path}.NAME, context.NAME or stageVariables.NAME", strconv.Quote(s))
}

// Value resolves e against r; ok is false when the request lacks it.
// Multi-value forms join the values with commas, as API Gateway does.
func (e Expr) Value(r *Request) (string, bool) {
	switch e.Kind {
	case ExprStatic:
		return e.Name, true
	case ExprHeader:
		return r.HeaderValue(e.Name)
	case ExprMultiHeader:
		return r.joinedHeader(e.Name)
	case ExprQuery:
		return r.QueryValue(e.Name)
	case ExprMultiQuery:
		return r.joinedQuery(e.Name)
	case ExprPath:
		v, ok := r.PathParams[e.Name]
		return v, ok
	case ExprStageVariable:
		v, ok := r.StageVariables[e.Name]
		return v, ok
	case ExprContext:
		return r.ContextVar(e.Name)
	case ExprBody:
		return string(r.Body), true
	}
	return "", false
}

// Resolve parses and resolves expr in one step, for the places that meet an
// expression once (test-invoke, error rendering).
func (r *Request) Resolve(expr string) (string, bool) {
	e, err := ParseExpr(expr, true)
	if err != nil {
		return "", false
	}
	return e.Value(r)
}

// MethodRequestParam resolves a method.request.* expression.
func (r *Request) MethodRequestParam(expr string) (string, bool) {
	if !strings.HasPrefix(expr, "method.request.") {
		return "", false
	}
	return r.Resolve(expr)
}

func (r *Request) joinedHeader(name string) (string, bool) {
	var vs []string
	for _, h := range r.Headers {
		if strings.EqualFold(h.Name, name) {
			vs = append(vs, h.Value)
		}
	}
	return strings.Join(vs, ","), vs != nil
}

func (r *Request) joinedQuery(name string) (string, bool) {
	var vs []string
	for _, p := range r.Query {
		if p.Name == name {
			vs = append(vs, p.Value)
		}
	}
	return strings.Join(vs, ","), vs != nil
}

// ContextVar returns the $context variable name (without "context.") as
// API Gateway's "mapping template and access logging variable reference"
// defines it, for the variables a request carries. ok is false for a
// variable the request does not have (an authorizer key no authorizer set).
func (r *Request) ContextVar(name string) (string, bool) {
	switch name {
	case "requestId":
		return r.ID, true
	case "extendedRequestId":
		return r.ExtendedID, true
	case "apiId":
		return r.APIID, true
	case "accountId":
		return r.AccountID, true
	case "stage":
		return r.Stage, true
	case "httpMethod":
		return r.Method, true
	case "resourcePath":
		return r.ResourcePath, true
	case "resourceId":
		return r.ResourceID, true
	case "path":
		return "/" + r.Stage + r.Path, true
	case "protocol":
		return r.Protocol, true
	case "domainName":
		return r.Host, true
	case "domainPrefix":
		return DomainPrefix(r.Host), true
	case "requestTime":
		return r.Time.UTC().Format("02/Jan/2006:15:04:05 -0700"), true
	case "requestTimeEpoch":
		return strconv.FormatInt(r.Time.UnixMilli(), 10), true
	case "identity.sourceIp":
		return r.SourceIP, true
	case "identity.userAgent":
		return r.HeaderValue("User-Agent")
	case "identity.apiKey":
		return r.Identity.APIKey, true
	case "identity.apiKeyId":
		return r.Identity.APIKeyID, true
	case "identity.accessKey":
		return r.Identity.AccessKey, true
	case "identity.accountId":
		return r.Identity.AccountID, true
	case "identity.caller":
		return r.Identity.Caller, true
	case "identity.user":
		return r.Identity.User, true
	case "identity.userArn":
		return r.Identity.UserARN, true
	case "xrayTraceId":
		return r.TraceID, true
	}
	if key, ok := strings.CutPrefix(name, "authorizer."); ok && r.Authorizer != nil {
		a := r.Authorizer
		if key == "principalId" {
			return a.PrincipalID, true
		}
		if claim, ok := strings.CutPrefix(key, "claims."); ok {
			v, ok := a.Claims[claim]
			return v, ok
		}
		if v, ok := a.Context[key]; ok {
			if v == nil {
				return "", true
			}
			return *v, true
		}
	}
	return "", false
}

// DomainPrefix is $context.domainPrefix, the first label of the domain
// name; a host that is an IP address (a local listener) is its own prefix.
func DomainPrefix(domain string) string {
	host := domain
	if ap, err := netip.ParseAddrPort(domain); err == nil {
		return ap.Addr().String()
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 && strings.Count(host, ":") == 1 {
		host = host[:i] // name:port
	}
	host = strings.Trim(host, "[]")
	if _, err := netip.ParseAddr(host); err == nil {
		return host
	}
	if i := strings.IndexByte(host, '.'); i >= 0 {
		return host[:i]
	}
	return host
}
