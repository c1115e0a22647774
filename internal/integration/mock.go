package integration

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
	"github.com/portcullis-gateway/portcullis/internal/vtl"
)

// Mock is a MOCK integration: the request template's output names the
// status code ({"statusCode": 200}), the integration response whose
// selection pattern matches that code maps headers and evaluates its
// response template ("Set up mock integrations in API Gateway").
type Mock struct {
	route       Route
	requests    *templateSet
	passthrough string
	responses   *responder
}

// NewMock compiles a MOCK integration; every template is parsed here.
func NewMock(in *apimodel.Integration, route Route) (*Mock, error) {
	req, err := compileTemplates(in.RequestTemplates, in.Pos, "requestTemplates")
	if err != nil {
		return nil, err
	}
	rs, err := compileResponses(in)
	if err != nil {
		return nil, err
	}
	return &Mock{route: route, requests: req, passthrough: in.PassthroughBehavior, responses: rs}, nil
}

// Invoke answers from the mapping alone; no backend is called.
func (m *Mock) Invoke(_ context.Context, r *reqctx.Request) (*Response, error) {
	mc := newMappingContext(r, m.route)
	t, err := m.requests.forRequest(r, m.passthrough)
	if err != nil {
		return nil, err
	}
	status := 200
	if t != nil {
		out, err := t.Execute(mc, templateLimits)
		if err != nil {
			return nil, templateFailure(err)
		}
		if status, err = mockStatus(out); err != nil {
			return nil, gwresponse.InternalError(500, err)
		}
	}
	code := strconv.Itoa(status)
	ir := m.responses.pick(code)
	if ir == nil {
		if len(m.responses.responses) == 0 {
			// No integration response at all: the selected status with an
			// empty JSON body.
			out := &Response{Status: status, Headers: []reqctx.Header{{Name: "Content-Type", Value: "application/json"}}}
			mc.applyResponseOverride(out)
			return out, nil
		}
		return nil, noMapping(code)
	}
	return ir.render(r, mc, backendResponse{status: status})
}

var looseStatusRE = regexp.MustCompile(`"?statusCode"?\s*:\s*"?(\d{3})"?`)

// mockStatus reads the statusCode of a MOCK request template's output. An
// output without one selects 200.
func mockStatus(out string) (int, error) {
	if strings.TrimSpace(out) == "" {
		return 200, nil
	}
	v, err := vtl.ParseJSON([]byte(out))
	if err != nil {
		// Not strict JSON ({statusCode: 200}, a trailing comma): read the
		// code as the earlier regular expression did rather than fail a
		// template API Gateway may accept.
		if sm := looseStatusRE.FindStringSubmatch(out); sm != nil {
			st, _ := strconv.Atoi(sm[1])
			return st, nil
		}
		return 200, nil
	}
	m, ok := v.(*vtl.Map)
	if !ok {
		return 200, nil
	}
	sc, ok := m.Get("statusCode")
	if !ok {
		return 200, nil
	}
	var st int
	switch x := sc.(type) {
	case int64:
		st = int(x)
	case string:
		st, err = strconv.Atoi(x)
	default:
		err = fmt.Errorf("not an integer")
	}
	if err != nil || st < 100 || st > 599 {
		return 0, fmt.Errorf("Execution failed due to configuration error: statusCode %v of the MOCK request template is not an HTTP status", vtl.JSON(sc))
	}
	return st, nil
}
