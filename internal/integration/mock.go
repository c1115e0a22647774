package integration

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// statusCodeRE reads the statusCode a MOCK request template selects, as in
// the template API Gateway's console writes: {"statusCode": 200}.
var statusCodeRE = regexp.MustCompile(`"statusCode"\s*:\s*"?(\d{3})"?`)

// Mock is a MOCK integration: the request template picks a status code,
// the integration response whose selection pattern matches it maps headers
// and the body.
type Mock struct {
	status    int
	responses []mockResponse
}

type mockResponse struct {
	pattern   *regexp.Regexp // nil = default response
	status    int
	headers   []reqctx.Header
	dynamic   map[string]string // header → request-parameter source
	body      string
	mediaType string
}

// NewMock compiles a MOCK integration.
func NewMock(in *apimodel.Integration) (*Mock, error) {
	m := &Mock{status: 200}
	if t, ok := pickRequestTemplate(in.RequestTemplates); ok {
		if sm := statusCodeRE.FindStringSubmatch(t); sm != nil {
			m.status, _ = strconv.Atoi(sm[1])
		}
	}
	for _, ir := range in.IntegrationResponses {
		st, err := strconv.Atoi(ir.StatusCode)
		if err != nil || st < 100 || st > 599 {
			return nil, fmt.Errorf("integration response statusCode %q is not an HTTP status", ir.StatusCode)
		}
		mr := mockResponse{status: st, dynamic: map[string]string{}}
		if ir.SelectionPattern != "" && ir.SelectionPattern != "default" {
			re, err := regexp.Compile("^(?:" + ir.SelectionPattern + ")$")
			if err != nil {
				return nil, fmt.Errorf("integration response selectionPattern %q: %v", ir.SelectionPattern, err)
			}
			mr.pattern = re
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
				mr.headers = append(mr.headers, reqctx.Header{Name: name, Value: v[1 : len(v)-1]})
			} else {
				mr.dynamic[name] = v
			}
		}
		if t, ok := pickRequestTemplate(ir.ResponseTemplates); ok {
			mr.body = t
			mr.mediaType = "application/json"
			for mt, body := range ir.ResponseTemplates {
				if body == t {
					mr.mediaType = mt
				}
			}
		}
		m.responses = append(m.responses, mr)
	}
	return m, nil
}

func pickRequestTemplate(ts map[string]string) (string, bool) {
	if t, ok := ts["application/json"]; ok {
		return t, true
	}
	keys := make([]string, 0, len(ts))
	for k := range ts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		return "", false
	}
	return ts[keys[0]], true
}

// Invoke answers from the mapping alone; no backend is called.
func (m *Mock) Invoke(_ context.Context, r *reqctx.Request) (*Response, error) {
	code := strconv.Itoa(m.status)
	var chosen *mockResponse
	for i := range m.responses {
		mr := &m.responses[i]
		if mr.pattern != nil && mr.pattern.MatchString(code) {
			chosen = mr
			break
		}
	}
	if chosen == nil {
		for i := range m.responses {
			if m.responses[i].pattern == nil {
				chosen = &m.responses[i]
				break
			}
		}
	}
	if chosen == nil {
		// No integration response: API Gateway answers with the status the
		// template selected and an empty JSON body.
		return &Response{Status: m.status, Headers: []reqctx.Header{{Name: "Content-Type", Value: "application/json"}}}, nil
	}
	out := &Response{Status: chosen.status, Body: []byte(chosen.body)}
	out.Headers = append(out.Headers, reqctx.Header{Name: "Content-Type", Value: orJSON(chosen.mediaType)})
	out.Headers = append(out.Headers, chosen.headers...)
	for name, expr := range chosen.dynamic {
		if v, ok := r.Resolve(expr); ok {
			out.Headers = append(out.Headers, reqctx.Header{Name: name, Value: v})
		}
	}
	return out, nil
}

func orJSON(mt string) string {
	if mt == "" {
		return "application/json"
	}
	return mt
}
