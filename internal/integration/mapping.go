package integration

// Mapping templates and integration responses, shared by the MOCK, AWS
// (non-proxy Lambda and service) and HTTP integrations: the request
// template chosen by Content-Type under passthroughBehavior, the
// integration response chosen by selectionPattern, its template chosen by
// Accept, header mappings and $context.requestOverride/responseOverride.
// "Set up data transformations in API Gateway", "Method request behavior
// for payloads without mapping templates" and "Override your API's request
// and response parameters and status codes".

import (
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/lambdaevent"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
	"github.com/portcullis-gateway/portcullis/internal/vtl"
)

// Route is what the mapping environment knows of the method beyond the
// request ($context.apiId, accountId, resourceId).
type Route struct {
	APIID      string
	AccountID  string
	ResourceID string
	// BinaryMediaTypes are the API's, for contentHandling.
	BinaryMediaTypes []string
}

// RouteOf returns the route of resource r of api.
func RouteOf(api *apimodel.API, r *apimodel.Resource) Route {
	rt := Route{APIID: api.ID, AccountID: api.AccountID, BinaryMediaTypes: api.BinaryMediaTypes}
	if r != nil {
		rt.ResourceID = r.ID
	}
	return rt
}

// templateSet is the templates of one request or response by content type.
type templateSet struct {
	byType map[string]*vtl.Template // lower-cased media type
	types  []string                 // sorted, for a stable first choice
}

// compileTemplates parses every template once. where names them in errors
// ("requestTemplates"); pos is the integration's position.
func compileTemplates(ts map[string]string, pos apimodel.Pos, where string) (*templateSet, error) {
	set := &templateSet{byType: make(map[string]*vtl.Template, len(ts))}
	var errs []string
	for ct, src := range ts {
		t, err := vtl.Parse(src, vtl.Pos{})
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s[%s]: template line %v", where, ct, err))
			continue
		}
		key := strings.ToLower(strings.TrimSpace(ct))
		set.byType[key] = t
		set.types = append(set.types, key)
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return nil, &TemplateError{Pos: pos, Problems: errs}
	}
	sort.Strings(set.types)
	return set, nil
}

// TemplateError lists the syntax errors of an integration's templates.
type TemplateError struct {
	Pos      apimodel.Pos
	Problems []string
}

func (e *TemplateError) Error() string {
	d := apimodel.Diagnostic{Pos: e.Pos, Message: strings.Join(e.Problems, "; ")}
	return d.String()
}

// mediaType is the lower-cased type of a Content-Type or Accept entry,
// without parameters.
func mediaType(v string) string {
	if i := strings.IndexByte(v, ';'); i >= 0 {
		v = v[:i]
	}
	return strings.ToLower(strings.TrimSpace(v))
}

// forRequest picks the request template. API Gateway reads a missing
// Content-Type as application/json; with no template for the type,
// WHEN_NO_MATCH passes the body through, WHEN_NO_TEMPLATES passes it only
// when no template is defined at all, and NEVER (or WHEN_NO_TEMPLATES with
// templates) answers 415.
func (s *templateSet) forRequest(r *reqctx.Request, behavior string) (*vtl.Template, error) {
	ct := "application/json"
	if v, ok := r.HeaderValue("Content-Type"); ok && mediaType(v) != "" {
		ct = mediaType(v)
	}
	if t, ok := s.byType[ct]; ok {
		return t, nil
	}
	switch behavior {
	case apimodel.PassthroughNever:
		return nil, unsupportedMediaType(ct)
	case apimodel.PassthroughWhenNoTemplates:
		if len(s.types) > 0 {
			return nil, unsupportedMediaType(ct)
		}
	}
	return nil, nil
}

func unsupportedMediaType(ct string) error {
	return gwresponse.Errorf(gwresponse.UnsupportedMediaType, "Unsupported Media Type",
		"no request template for Content-Type %s and the passthrough behavior rejects it", ct)
}

// forResponse picks a response template by the request's Accept header:
// the first listed type with a template, else application/json, else the
// first template.
func (s *templateSet) forResponse(r *reqctx.Request) (string, *vtl.Template) {
	if len(s.types) == 0 {
		return "", nil
	}
	if acc, ok := r.HeaderValue("Accept"); ok {
		for _, part := range strings.Split(acc, ",") {
			if t, ok := s.byType[mediaType(part)]; ok {
				return mediaType(part), t
			}
		}
	}
	if t, ok := s.byType["application/json"]; ok {
		return "application/json", t
	}
	return s.types[0], s.byType[s.types[0]]
}

// integrationResponse is one compiled entry of an integration's responses.
type integrationResponse struct {
	pattern   *regexp.Regexp // nil for the default response
	status    int
	headers   []headerMapping
	templates *templateSet
	// contentHandling converts the method response body.
	contentHandling string
}

type headerMapping struct {
	name string
	// static is the value of a 'quoted' mapping; expr the source otherwise.
	static string
	expr   string
}

type responder struct {
	responses []integrationResponse
	def       *integrationResponse
}

func compileResponses(in *apimodel.Integration) (*responder, error) {
	rs := &responder{}
	for _, ir := range in.IntegrationResponses {
		st, err := strconv.Atoi(ir.StatusCode)
		if err != nil || st < 100 || st > 599 {
			return nil, fmt.Errorf("integration response statusCode %q is not an HTTP status", ir.StatusCode)
		}
		if err := checkContentHandling(ir.ContentHandling); err != nil {
			return nil, err
		}
		out := integrationResponse{status: st, contentHandling: ir.ContentHandling}
		if ir.SelectionPattern != "" && ir.SelectionPattern != "default" {
			// Java's Pattern.matches: the whole value must match. (?s)
			// lets . cross the newlines of Lambda error messages.
			re, err := regexp.Compile("^(?s:" + ir.SelectionPattern + ")$")
			if err != nil {
				return nil, fmt.Errorf("integration response selectionPattern %q: %v", ir.SelectionPattern, err)
			}
			out.pattern = re
		}
		keys := make([]string, 0, len(ir.ResponseParameters))
		for k := range ir.ResponseParameters {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := ir.ResponseParameters[k]
			name, ok := strings.CutPrefix(k, "method.response.header.")
			if !ok {
				return nil, fmt.Errorf("integration response parameter %q: only method.response.header.<name> is supported", k)
			}
			if strings.ContainsAny(v, "\r\n") {
				return nil, fmt.Errorf("integration response header %s: value contains CR or LF", name)
			}
			if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
				out.headers = append(out.headers, headerMapping{name: name, static: v[1 : len(v)-1]})
			} else {
				out.headers = append(out.headers, headerMapping{name: name, expr: v})
			}
		}
		out.templates, err = compileTemplates(ir.ResponseTemplates, in.Pos, "responseTemplates")
		if err != nil {
			return nil, err
		}
		rs.responses = append(rs.responses, out)
	}
	for i := range rs.responses {
		if rs.responses[i].pattern == nil {
			if rs.def != nil {
				return nil, errors.New("more than one default integration response")
			}
			rs.def = &rs.responses[i]
		}
	}
	return rs, nil
}

// pick returns the response whose pattern matches selector, else the
// default; nil when neither exists.
func (rs *responder) pick(selector string) *integrationResponse {
	for i := range rs.responses {
		ir := &rs.responses[i]
		if ir.pattern != nil && ir.pattern.MatchString(selector) {
			return ir
		}
	}
	return rs.def
}

// noMapping is API Gateway's answer when no integration response applies.
func noMapping(selector string) error {
	return gwresponse.InternalError(500, fmt.Errorf("Execution failed due to configuration error: No match for output mapping and no default output mapping configured. Endpoint Response Status Code: %s", selector))
}

// templateLimits are the evaluation limits of every mapping template.
var templateLimits = vtl.Limits{}

// templateFailure turns an evaluation error into the gateway's answer: a
// body that is not JSON is the client's 400, anything else a 500.
func templateFailure(err error) error {
	var be *vtl.BodyError
	if errors.As(err, &be) {
		return gwresponse.Errorf(gwresponse.BadRequestBody, be.Error(), "mapping template: %v", err)
	}
	return gwresponse.InternalError(500, fmt.Errorf("Execution failed due to configuration error: mapping template: %w", err))
}

// backendResponse is what an integration's backend answered, before the
// integration response maps it.
type backendResponse struct {
	status  int
	headers []reqctx.Header
	body    []byte
}

// render maps a backend answer through ir into the method response.
func (ir *integrationResponse) render(r *reqctx.Request, mc *mappingContext, be backendResponse) (*Response, error) {
	out := &Response{Status: ir.status}
	ct, t := ir.templates.forResponse(r)
	if t != nil {
		mc.input = mc.newInput(r, be.body)
		body, err := t.Execute(mc, templateLimits)
		if err != nil {
			return nil, templateFailure(err)
		}
		out.Body = []byte(body)
	} else {
		// No template: the backend's body passes through.
		out.Body = be.body
		ct = ""
		for _, h := range be.headers {
			if strings.EqualFold(h.Name, "Content-Type") {
				ct = h.Value
			}
		}
	}
	if ct == "" {
		ct = "application/json"
	}
	var err error
	if out.Body, err = convertContent(ir.contentHandling, out.Body, ct, mc.route.BinaryMediaTypes); err != nil {
		return nil, gwresponse.InternalError(500, fmt.Errorf("Execution failed due to configuration error: response contentHandling %s: %w", ir.contentHandling, err))
	}
	out.Headers = append(out.Headers, reqctx.Header{Name: "Content-Type", Value: ct})
	for _, h := range ir.headers {
		v, ok := h.static, true
		if h.expr != "" {
			v, ok = responseSource(r, be, h.expr)
		}
		if ok {
			out.Headers = setHeader(out.Headers, h.name, v)
		}
	}
	mc.applyResponseOverride(out)
	return out, nil
}

// responseSource resolves a method response header mapping:
// integration.response.header.X (case-insensitive),
// integration.response.body, or a request-side source.
func responseSource(r *reqctx.Request, be backendResponse, expr string) (string, bool) {
	if name, ok := strings.CutPrefix(expr, "integration.response.header."); ok {
		for _, h := range be.headers {
			if strings.EqualFold(h.Name, name) {
				return h.Value, true
			}
		}
		return "", false
	}
	if expr == "integration.response.body" {
		return string(be.body), true
	}
	if p, ok := strings.CutPrefix(expr, "integration.response.body."); ok {
		root, err := vtl.ParseJSON(be.body)
		if err != nil {
			return "", false
		}
		path, err := vtl.ParsePath("$." + p)
		if err != nil {
			return "", false
		}
		v, found := path.Eval(root)
		if !found || v == nil {
			return "", false
		}
		if s, ok := v.(string); ok {
			return s, true
		}
		return vtl.JSON(v), true
	}
	return r.Resolve(expr)
}

// setHeader replaces a header of the same name (case-insensitively) or
// appends it.
func setHeader(hs []reqctx.Header, name, value string) []reqctx.Header {
	for i := range hs {
		if strings.EqualFold(hs[i].Name, name) {
			hs[i] = reqctx.Header{Name: name, Value: value}
			return hs
		}
	}
	return append(hs, reqctx.Header{Name: name, Value: value})
}

// Content handling ("Content type conversions in API Gateway"):
// CONVERT_TO_TEXT base64-encodes a binary payload (one whose Content-Type
// is among the API's binaryMediaTypes); CONVERT_TO_BINARY base64-decodes a
// text payload. A payload already of the target kind passes unchanged.
const (
	ConvertToText   = "CONVERT_TO_TEXT"
	ConvertToBinary = "CONVERT_TO_BINARY"
)

func checkContentHandling(v string) error {
	switch v {
	case "", ConvertToText, ConvertToBinary:
		return nil
	}
	return fmt.Errorf("contentHandling %q is not CONVERT_TO_TEXT or CONVERT_TO_BINARY", v)
}

func convertContent(handling string, body []byte, contentType string, binaryTypes []string) ([]byte, error) {
	binary := lambdaevent.IsBinary(contentType, binaryTypes)
	switch {
	case handling == ConvertToText && binary:
		return []byte(base64.StdEncoding.EncodeToString(body)), nil
	case handling == ConvertToBinary && !binary:
		out, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(body)))
		if err != nil {
			return nil, fmt.Errorf("the payload is not base64: %v", err)
		}
		return out, nil
	}
	return body, nil
}
