package gateway

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/decision"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
	"github.com/valyala/fasthttp"
)

// The decision view's records of the gateway's own steps. These run only
// when the view is on (a non-nil trace).

// maxRecordedBody bounds the rendered body a record keeps.
const maxRecordedBody = 4 << 10

// recordRoute allocates nothing for up to four path parameters: the
// fields are built on the stack and copied into the trace.
func recordRoute(tr *decision.Trace, m *method, r *reqctx.Request) {
	var buf [3 + 4]decision.Field
	fields := append(buf[:0],
		decision.Field{Label: "resource", Value: r.ResourcePath},
		decision.Field{Label: "methodArn", Value: r.MethodARN},
		decision.Field{Label: "authorization", Value: m.authLabel},
	)
	n := len(fields)
	for k, v := range r.PathParams {
		fields = append(fields, decision.Field{Label: k, Value: v, Param: true})
	}
	slices.SortFunc(fields[n:], func(a, b decision.Field) int { return strings.Compare(a.Label, b.Label) })
	tr.Step(decision.Step{Name: decision.StepRoute, Outcome: decision.OK, Summary: m.label}, fields...)
}

func authorizationLabel(m *method) string {
	t := m.m.AuthorizationType
	if t == "" {
		t = "NONE"
	}
	if m.m.AuthorizerID != "" {
		t += " (" + m.m.AuthorizerID + ")"
	}
	if m.m.APIKeyRequired {
		t += " + API key"
	}
	return t
}

func recordIntegration(tr *decision.Trace, m *method, status int) {
	kind := ""
	if m.m.Integration != nil {
		kind = m.m.Integration.Type
	}
	tr.Step(decision.Step{Name: decision.StepIntegration, Outcome: decision.OK,
		Text: decision.Textf("%s answered %s", decision.Str(kind), decision.Int(status))})
}

func recordGatewayResponse(tr *decision.Trace, ge *gwresponse.Error, resp gwresponse.Response) {
	fields := []decision.Field{{Label: "type", Value: string(resp.Type)}, {Label: "status", Value: strconv.Itoa(resp.Status)}}
	if ge.Cause != nil {
		fields = append(fields, decision.Field{Label: "reason", Value: ge.Cause.Error()})
	}
	rendered := "HTTP " + strconv.Itoa(resp.Status) + "\n"
	for _, h := range resp.Headers {
		rendered += h.Name + ": " + h.Value + "\n"
	}
	body := resp.Body
	if len(body) > maxRecordedBody {
		body = body[:maxRecordedBody]
	}
	rendered += "\n" + string(body)
	fields = append(fields, decision.Field{Label: "rendered response", Value: rendered, Code: true})
	outcome := decision.Deny
	if resp.Status >= 500 {
		outcome = decision.Error
	}
	tr.Step(decision.Step{Name: decision.StepGatewayResponse, Outcome: outcome,
		Summary: string(resp.Type) + " " + strconv.Itoa(resp.Status), Fields: fields})
}

// recordedPath is the request's path as fasthttp normalised it, sharing
// the request line's string when they are the same (no copy).
func recordedPath(ctx *fasthttp.RequestCtx, r *reqctx.Request) string {
	if p := ctx.Path(); string(p) != r.WirePath {
		return string(p)
	}
	return r.WirePath
}

func finishRecord(tr *decision.Trace, c *compiledAPI, r *reqctx.Request, path, route string, status int, d time.Duration) *decision.Record {
	return tr.Finish(func(rec *decision.Record) {
		rec.API = c.api.ID
		rec.Stage = r.Stage
		rec.Method = r.Method
		rec.Path = path
		rec.Route = route
		rec.Status = status
		rec.LatencyMs = float64(d.Microseconds()) / 1000
		switch {
		case r.Authorizer != nil && r.Authorizer.PrincipalID != "":
			rec.Principal = r.Authorizer.PrincipalID
		case r.Authorizer != nil && r.Authorizer.Claims["sub"] != "":
			rec.Principal = r.Authorizer.Claims["sub"]
		case r.Identity.UserARN != "":
			rec.Principal = r.Identity.UserARN
		}
	})
}
