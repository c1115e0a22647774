package gwresponse

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

const defaultTemplate = `{"message":$context.error.messageString}`

// accessDeniedDefault is the default ACCESS_DENIED body: real API Gateway
// answers authorization denials with a capital-M key (docs/behaviour.md#GWR-1, docs/behaviour.md#DEC-ACCESS-DENIED-CAPITAL-M).
const accessDeniedDefault = `{"Message":$context.error.messageString}`

type compiled struct {
	status    int // 0 = not set
	headers   []headerParam
	templates []mediaTemplate // sorted by media type
}

type headerParam struct {
	name string
	// static value, or a source expression when expr is set
	value string
	expr  bool
}

type mediaTemplate struct {
	mediaType string
	tmpl      template
}

// Set is the compiled gateway responses of one API.
type Set struct {
	apiID, accountID string
	custom           map[Type]*compiled
	defaults         map[Type]*compiled
}

// Compile validates and compiles an API's customised gateway responses. It
// refuses unknown types, header values with CR or LF and unknown parameter
// sources, so that serving never meets a bad response definition.
func Compile(api *apimodel.API) (*Set, error) {
	s := &Set{apiID: api.ID, accountID: api.AccountID, custom: map[Type]*compiled{}, defaults: map[Type]*compiled{}}
	for _, t := range Types {
		body := defaultTemplate
		if t == AccessDenied {
			body = accessDeniedDefault
		}
		s.defaults[t] = &compiled{templates: []mediaTemplate{{"application/json", compileTemplate(body)}}}
	}
	names := make([]string, 0, len(api.GatewayResponses))
	for name := range api.GatewayResponses {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		gr := api.GatewayResponses[name]
		t := Type(name)
		if !Valid(t) {
			return nil, fmt.Errorf("gateway response %q: unknown response type", name)
		}
		c := &compiled{status: gr.StatusCode}
		if gr.StatusCode != 0 && (gr.StatusCode < 100 || gr.StatusCode > 599) {
			return nil, fmt.Errorf("gateway response %s: invalid status code %d", name, gr.StatusCode)
		}
		keys := make([]string, 0, len(gr.ResponseParameters))
		for k := range gr.ResponseParameters {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := gr.ResponseParameters[k]
			h, ok := strings.CutPrefix(k, "gatewayresponse.header.")
			if !ok || h == "" {
				return nil, fmt.Errorf("gateway response %s: parameter %q: only gatewayresponse.header.<name> can be mapped", name, k)
			}
			if strings.ContainsAny(h, "\r\n: ") || strings.ContainsAny(v, "\r\n") {
				return nil, fmt.Errorf("gateway response %s: header %q: names and values must not contain CR or LF", name, h)
			}
			if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
				c.headers = append(c.headers, headerParam{name: h, value: v[1 : len(v)-1]})
				continue
			}
			if !validSource(v) {
				return nil, fmt.Errorf("gateway response %s: header %s: invalid mapping expression %q (want 'static', method.request.header|querystring|path.X, stageVariables.X or context.X)", name, h, v)
			}
			c.headers = append(c.headers, headerParam{name: h, value: v, expr: true})
		}
		for mt, body := range gr.ResponseTemplates {
			c.templates = append(c.templates, mediaTemplate{mt, compileTemplate(body)})
		}
		sort.Slice(c.templates, func(i, j int) bool { return c.templates[i].mediaType < c.templates[j].mediaType })
		s.custom[t] = c
	}
	return s, nil
}

func validSource(v string) bool {
	for _, p := range []string{"method.request.header.", "method.request.querystring.", "method.request.path.", "stageVariables.", "context."} {
		if strings.HasPrefix(v, p) && len(v) > len(p) {
			return true
		}
	}
	return false
}

// Response is a rendered gateway response.
type Response struct {
	Status  int
	Headers []reqctx.Header
	Body    []byte
	// Type is the response type that was finally used, for the log line
	// "Gateway response type: <TYPE> with status code: <code>".
	Type Type
}

// Render builds the response for e (docs/behaviour.md#GWR-3 resolution order): the
// type's own customisation, else the DEFAULT_4XX/DEFAULT_5XX customisation
// of its class, else AWS's default. r may be nil when the failure happened
// before a request existed (a malformed request line).
func (s *Set) Render(e *Error, r *reqctx.Request) Response {
	ti := info(e.Type)
	status := ti.status
	if e.Status != 0 {
		status = e.Status
	}
	if status == 0 {
		status = 500
		if e.Type == Default4XX {
			status = 400
		}
	}
	def := s.defaults[e.Type]
	if def == nil {
		def = s.defaults[Default5XX]
	}
	chosen := def
	if c, ok := s.custom[e.Type]; ok {
		chosen = c
	} else if class := classOf(status); class != "" {
		if c, ok := s.custom[class]; ok {
			chosen = c
		}
	}
	if chosen.status != 0 {
		status = chosen.status
	}
	templates := chosen.templates
	if len(templates) == 0 {
		templates = def.templates
	}
	errType := ti.errorType
	if e.ErrorType != "" {
		errType = e.ErrorType
	}
	mt := pickTemplate(templates, r)
	v := vars{set: s, err: e, r: r}
	var body strings.Builder
	for _, p := range mt.tmpl {
		if p.root == "" {
			body.WriteString(p.lit)
			continue
		}
		val, _ := v.lookup(p.root, p.path)
		body.WriteString(val)
	}
	resp := Response{Status: status, Body: []byte(body.String()), Type: e.Type}
	resp.Headers = append(resp.Headers,
		reqctx.Header{Name: "Content-Type", Value: mt.mediaType},
		reqctx.Header{Name: "x-amzn-ErrorType", Value: errType},
	)
	if r != nil {
		resp.Headers = append(resp.Headers,
			reqctx.Header{Name: "x-amzn-RequestId", Value: r.ID},
			reqctx.Header{Name: "x-amz-apigw-id", Value: r.ExtendedID})
	}
	for _, h := range chosen.headers {
		val := h.value
		if h.expr {
			var ok bool
			if val, ok = v.source(h.value); !ok {
				continue
			}
			// A mapped value comes from the request or an authorizer's
			// answer (a principalId may hold anything): one that would end
			// the header line is left out rather than sent.
			if strings.ContainsAny(val, "\r\n\x00") {
				continue
			}
		}
		resp.Headers = setHeader(resp.Headers, h.name, val)
	}
	return resp
}

func setHeader(hs []reqctx.Header, name, value string) []reqctx.Header {
	for i := range hs {
		if strings.EqualFold(hs[i].Name, name) {
			hs[i].Value = value
			return hs
		}
	}
	return append(hs, reqctx.Header{Name: name, Value: value})
}

func classOf(status int) Type {
	switch {
	case status >= 400 && status < 500:
		return Default4XX
	case status >= 500:
		return Default5XX
	}
	return ""
}

// pickTemplate chooses by Accept, else application/json, else the first in
// lexical order (docs/behaviour.md#DEC-TEMPLATE-CHOICE).
func pickTemplate(ts []mediaTemplate, r *reqctx.Request) mediaTemplate {
	if r != nil {
		if accept, ok := r.HeaderValue("Accept"); ok {
			for _, a := range strings.Split(accept, ",") {
				a, _, _ = strings.Cut(strings.TrimSpace(a), ";")
				for _, t := range ts {
					if strings.EqualFold(t.mediaType, a) {
						return t
					}
				}
			}
		}
	}
	for _, t := range ts {
		if t.mediaType == "application/json" {
			return t
		}
	}
	return ts[0]
}

type vars struct {
	set *Set
	err *Error
	r   *reqctx.Request
}

// source resolves a header mapping expression. Request expressions go to
// the request's one resolver (reqctx.Expr); only $context.error.* and the
// API's own ids, which a response knows and a request may not, are read
// here.
func (v vars) source(expr string) (string, bool) {
	if name, ok := strings.CutPrefix(expr, "context."); ok {
		return v.lookup("context", name)
	}
	if v.r == nil {
		return "", false
	}
	return v.r.Resolve(expr)
}

func (v vars) lookup(root, path string) (string, bool) {
	r := v.r
	if root == "stageVariables" {
		if r == nil {
			return "", false
		}
		val, ok := r.StageVariables[path]
		return val, ok
	}
	switch path {
	case "error.message":
		if v.err.NullMessage {
			return "", true
		}
		return v.err.Message, true
	case "error.messageString":
		if v.err.NullMessage {
			return "null", true
		}
		return jsonString(v.err.Message), true
	case "error.responseType":
		return string(v.err.Type), true
	case "error.validationErrorString":
		return "", true
	case "apiId":
		return v.set.apiID, true
	case "accountId":
		return v.set.accountID, true
	}
	if r == nil {
		return "", false
	}
	return r.ContextVar(path)
}

// jsonString quotes s as a JSON string literal ($context.error.messageString
// is "the quoted value"). HTML characters stay as they are, as in API
// Gateway's bodies.
func jsonString(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}
