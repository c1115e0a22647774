package gateway

import (
	"sort"
	"strconv"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/decision"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// The decision view's records of the gateway's own steps. These run only
// when the view is on (a non-nil trace).

// maxRecordedBody bounds the rendered body a record keeps.
const maxRecordedBody = 4 << 10

func recordRoute(tr *decision.Trace, m *method, r *reqctx.Request) {
	fields := []decision.Field{
		{Label: "resource", Value: r.ResourcePath},
		{Label: "methodArn", Value: r.MethodARN},
		{Label: "authorization", Value: authorizationLabel(m)},
	}
	if len(r.PathParams) > 0 {
		names := make([]string, 0, len(r.PathParams))
		for k := range r.PathParams {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			fields = append(fields, decision.Field{Label: "{" + k + "}", Value: r.PathParams[k]})
		}
	}
	tr.Step(decision.Step{Name: decision.StepRoute, Outcome: decision.OK, Summary: m.label, Fields: fields})
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
		Summary: kind + " answered " + strconv.Itoa(status)})
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
