package validation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/valyala/fasthttp"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/integration"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// AWS's messages for the two failures.
const (
	InvalidBodyMessage    = "Invalid request body"
	missingParamsMessage  = "Missing required request parameters: "
	defaultContentTypeKey = "$default"
)

// Validator is the compiled request validation of one method.
type Validator struct {
	// required are the method.request.* expressions to check, in message
	// order, with the bare names the message lists.
	required []requiredParam
	// bodies are the compiled models by lower-cased content type.
	bodies map[string]*jsonschema.Schema
}

type requiredParam struct {
	expr, name string
}

// New compiles the validation of method m of api. It returns nil when the
// method has no validator, or one that checks nothing the method declares.
// A model that is missing or does not compile is an error: the method
// would otherwise be served unvalidated.
func New(api *apimodel.API, m *apimodel.Method) (*Validator, error) {
	rv := m.RequestValidator
	if rv == nil || (!rv.ValidateBody && !rv.ValidateParameters) {
		return nil, nil
	}
	v := &Validator{}
	if rv.ValidateParameters {
		keys := make([]string, 0, len(m.RequestParameters))
		for k, req := range m.RequestParameters {
			if req {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			name := k[strings.LastIndexByte(k[:len(k)-1], '.')+1:]
			for _, loc := range []string{"method.request.header.", "method.request.querystring.", "method.request.path.",
				"method.request.multivalueheader.", "method.request.multivaluequerystring."} {
				if strings.HasPrefix(k, loc) {
					name = k[len(loc):]
				}
			}
			v.required = append(v.required, requiredParam{expr: k, name: name})
		}
	}
	if rv.ValidateBody && len(m.RequestModels) > 0 {
		c, err := newCompiler(api)
		if err != nil {
			return nil, err
		}
		v.bodies = map[string]*jsonschema.Schema{}
		cts := make([]string, 0, len(m.RequestModels))
		for ct := range m.RequestModels {
			cts = append(cts, ct)
		}
		sort.Strings(cts)
		for _, ct := range cts {
			name := m.RequestModels[ct]
			if api.Models[name] == nil {
				return nil, fmt.Errorf("request model %q for %s is not a model of the API", name, ct)
			}
			sch, err := c.Compile(modelURL(api.ID, name))
			if err != nil {
				return nil, fmt.Errorf("model %s: %v", name, err)
			}
			key := ct
			if ct != defaultContentTypeKey {
				key = strings.ToLower(ct)
			}
			v.bodies[key] = sch
		}
	}
	if len(v.required) == 0 && len(v.bodies) == 0 {
		return nil, nil
	}
	return v, nil
}

// modelURL is the URL API Gateway gives a model, by which other models
// reference it.
func modelURL(apiID, name string) string {
	return "https://apigateway.amazonaws.com/restapis/" + apiID + "/models/" + name
}

var (
	// modelRefRE matches the references a model may hold to another model
	// of the same API: API Gateway's model URL (with any API id, since a
	// template writes its own) or the OpenAPI document's local pointers.
	modelRefRE = regexp.MustCompile(`^(?:https://apigateway\.amazonaws\.com/restapis/[^/]+/models/|#/definitions/|#/components/schemas/)([^/#]+)(#.*)?$`)
)

type refuseLoader struct{}

func (refuseLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("%s is not a model of this API; models may only reference the API's own models", url)
}

// newCompiler registers every model of api under its model URL, with
// references rewritten to those URLs.
func newCompiler(api *apimodel.API) (*jsonschema.Compiler, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	c.UseLoader(refuseLoader{})
	names := make([]string, 0, len(api.Models))
	for n := range api.Models {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(api.Models[n].Schema))
		if err != nil {
			return nil, fmt.Errorf("model %s: schema is not JSON: %v", n, err)
		}
		rewriteRefs(doc, api.ID)
		if err := c.AddResource(modelURL(api.ID, n), doc); err != nil {
			return nil, fmt.Errorf("model %s: %v", n, err)
		}
	}
	return c, nil
}

func rewriteRefs(v any, apiID string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && k == "$ref" {
				if m := modelRefRE.FindStringSubmatch(s); m != nil {
					x[k] = modelURL(apiID, m[1]) + m[2]
				}
				continue
			}
			rewriteRefs(e, apiID)
		}
	case []any:
		for _, e := range x {
			rewriteRefs(e, apiID)
		}
	}
}

// Validate checks a request: parameters first, then the body. Errors are
// *gwresponse.Error.
func (v *Validator) Validate(r *reqctx.Request) error {
	var missing []string
	for _, p := range v.required {
		if val, ok := r.MethodRequestParam(p.expr); !ok || strings.TrimSpace(val) == "" {
			missing = append(missing, p.name)
		}
	}
	if len(missing) > 0 {
		msg := missingParamsMessage + "[" + strings.Join(missing, ", ") + "]"
		return gwresponse.Errorf(gwresponse.BadRequestParameters, msg, "request validation failed")
	}
	if len(v.bodies) == 0 {
		return nil
	}
	ct := "application/json"
	if h, ok := r.HeaderValue("Content-Type"); ok {
		if i := strings.IndexByte(h, ';'); i >= 0 {
			h = h[:i]
		}
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			ct = h
		}
	}
	sch := v.bodies[ct]
	if sch == nil {
		sch = v.bodies[defaultContentTypeKey]
	}
	if sch == nil {
		// No model for the content type: API Gateway does not validate.
		return nil
	}
	body := r.Body
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return gwresponse.Errorf(gwresponse.BadRequestBody, InvalidBodyMessage, "request body is not JSON: %v", err)
	}
	if err := sch.Validate(doc); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			return gwresponse.Errorf(gwresponse.BadRequestBody, InvalidBodyMessage, "Request body does not match model schema: %s", oneLine(ve))
		}
		return gwresponse.Errorf(gwresponse.BadRequestBody, InvalidBodyMessage, "request body: %v", err)
	}
	return nil
}

func oneLine(ve *jsonschema.ValidationError) string {
	b, err := json.Marshal(ve.BasicOutput())
	if err != nil {
		return ve.Error()
	}
	return string(b)
}

// Wrap guards next with v. An integration that writes its answer straight
// into the client's response (HTTP_PROXY) keeps that fast path.
func Wrap(v *Validator, next integration.Integration) integration.Integration {
	if d, ok := next.(directIntegration); ok {
		return &Direct{Integration: Integration{V: v, Next: next}, next: d}
	}
	return &Integration{V: v, Next: next}
}

// directIntegration is the gateway's fast path (integration.HTTPProxy).
type directIntegration interface {
	InvokeInto(ctx context.Context, r *reqctx.Request, out *fasthttp.Response) error
}

// Direct is Integration over an integration with the fast path.
type Direct struct {
	Integration
	next directIntegration
}

// InvokeInto validates, then lets the integration write the response.
func (d *Direct) InvokeInto(ctx context.Context, r *reqctx.Request, out *fasthttp.Response) error {
	if err := d.V.Validate(r); err != nil {
		return err
	}
	return d.next.InvokeInto(ctx, r, out)
}

// Integration runs a validator before the integration it guards.
type Integration struct {
	V    *Validator
	Next integration.Integration
}

var _ integration.Integration = (*Integration)(nil)

// Invoke validates, then invokes the integration.
func (i *Integration) Invoke(ctx context.Context, r *reqctx.Request) (*integration.Response, error) {
	if err := i.V.Validate(r); err != nil {
		return nil, err
	}
	return i.Next.Invoke(ctx, r)
}
