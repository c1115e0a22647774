package testenv

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
)

// RenderModel prints what a loader produced — the model, its warnings and
// ignored resources, or its errors — as a stable, reviewable table. Both
// loaders' golden files use it, so a SAM template and the OpenAPI document
// that deploys the same API render the same text, and a change to the
// model shows up in the golden files of both. Each (old, new) pair in
// replace is applied to paths and diagnostics (a test's temporary
// directory becomes "$WORK").
func RenderModel(m *apimodel.Model, err error, replace ...string) string {
	var b strings.Builder
	clean := strings.NewReplacer(replace...).Replace
	if m != nil {
		for _, api := range m.APIs {
			renderAPI(&b, api)
		}
		for _, id := range sortedKeys(m.Functions) {
			f := m.Functions[id]
			fmt.Fprintf(&b, "function %s name=%s arn=%s", id, f.Name, f.ARN)
			if f.Remote {
				b.WriteString(" remote\n")
				continue
			}
			fmt.Fprintf(&b, " runtime=%s handler=%s timeout=%d memory=%d", f.Runtime, f.Handler, f.TimeoutSeconds, f.MemoryMB)
			if f.HasAPIGatewayPermission {
				b.WriteString(" apigw-permission")
			}
			b.WriteString("\n")
			if f.CodeDir != "" {
				fmt.Fprintf(&b, "  code-dir %s\n", clean(f.CodeDir))
			}
			for _, d := range f.LayerDirs {
				fmt.Fprintf(&b, "  layer-dir %s\n", clean(d))
			}
			if f.InlineCode != "" {
				fmt.Fprintf(&b, "  inline-code %q\n", f.InlineCode)
			}
			if len(f.Environment) > 0 {
				fmt.Fprintf(&b, "  environment%s\n", kv(f.Environment, " "))
			}
		}
		for _, id := range sortedKeys(m.Roles) {
			r := m.Roles[id]
			fmt.Fprintf(&b, "role %s arn=%s\n", id, r.ARN)
			for _, p := range r.Policies {
				fmt.Fprintf(&b, "  policy %s\n", p)
			}
			for _, p := range r.ManagedPolicyARNs {
				fmt.Fprintf(&b, "  managed-policy %s\n", p)
			}
		}
		for _, d := range m.Domains {
			fmt.Fprintf(&b, "domain %s (%s) at %d:%d\n", d.Name, d.LogicalID, d.Pos.Line, d.Pos.Col)
			for _, bp := range d.Mappings {
				fmt.Fprintf(&b, "  base-path %q -> %s stage=%q (%s) at %d:%d\n", bp.BasePath, bp.API, bp.Stage, bp.LogicalID, bp.Pos.Line, bp.Pos.Col)
			}
		}
		for _, d := range m.Warnings {
			fmt.Fprintf(&b, "warning %s\n", clean(d.String()))
		}
		for _, d := range m.Ignored {
			fmt.Fprintf(&b, "ignored %s\n", clean(d.String()))
		}
	}
	var errs apimodel.Errors
	if errors.As(err, &errs) {
		for _, d := range errs {
			fmt.Fprintf(&b, "error %s\n", clean(d.String()))
		}
	} else if err != nil {
		fmt.Fprintf(&b, "error (not apimodel.Errors) %s\n", clean(err.Error()))
	}
	return b.String()
}

func renderAPI(b *strings.Builder, api *apimodel.API) {
	fmt.Fprintf(b, "api %s id=%s name=%q region=%s account=%s key-source=%s\n", api.LogicalID, api.ID, api.Name, api.Region, api.AccountID, api.APIKeySource)
	if len(api.BinaryMediaTypes) > 0 {
		fmt.Fprintf(b, "  binary-media-types %s\n", strings.Join(api.BinaryMediaTypes, " "))
	}
	for _, st := range api.Stages {
		fmt.Fprintf(b, "  stage %s%s\n", st.Name, kv(st.Variables, " vars="))
		for _, ms := range st.MethodSettings {
			fmt.Fprintf(b, "    method-setting %s %s", ms.ResourcePath, ms.HTTPMethod)
			if ms.HasThrottling {
				fmt.Fprintf(b, " rate=%g burst=%d", ms.ThrottlingRateLimit, ms.ThrottlingBurstLimit)
			}
			b.WriteString("\n")
		}
	}
	for _, id := range sortedKeys(api.Authorizers) {
		a := api.Authorizers[id]
		fmt.Fprintf(b, "  authorizer %s type=%s", id, a.Type)
		if a.Name != id {
			fmt.Fprintf(b, " name=%s", a.Name)
		}
		if a.Function != "" {
			fmt.Fprintf(b, " function=%s", a.Function)
		}
		if a.FunctionARN != "" {
			fmt.Fprintf(b, " function-arn=%s", a.FunctionARN)
		}
		fmt.Fprintf(b, " identity-source=%q ttl=%d", a.IdentitySource, a.ResultTTL)
		if a.IdentityValidationExpression != "" {
			fmt.Fprintf(b, " validation=%q", a.IdentityValidationExpression)
		}
		if len(a.ProviderARNs) > 0 {
			fmt.Fprintf(b, " providers=%s", strings.Join(a.ProviderARNs, ","))
		}
		if a.Credentials != "" {
			fmt.Fprintf(b, " credentials=%s", a.Credentials)
		}
		b.WriteString("\n")
	}
	for _, r := range api.Resources {
		fmt.Fprintf(b, "  resource %s id=%s", r.Path, r.ID)
		if r.Pos.Line > 0 {
			fmt.Fprintf(b, " at %d:%d", r.Pos.Line, r.Pos.Col)
		}
		b.WriteString("\n")
		for _, verb := range sortedKeys(r.Methods) {
			renderMethod(b, verb, r.Methods[verb])
		}
	}
	for _, name := range sortedKeys(api.Models) {
		fmt.Fprintf(b, "  model %s %s %s\n", name, api.Models[name].ContentType, api.Models[name].Schema)
	}
	for _, typ := range sortedKeys(api.GatewayResponses) {
		g := api.GatewayResponses[typ]
		fmt.Fprintf(b, "  gateway-response %s status=%d%s%s\n", typ, g.StatusCode, kv(g.ResponseParameters, " params="), kv(g.ResponseTemplates, " templates="))
	}
	if api.ResourcePolicy != nil {
		fmt.Fprintf(b, "  resource-policy %s\n", api.ResourcePolicy)
	}
	for _, k := range api.APIKeys {
		fmt.Fprintf(b, "  api-key %s name=%s value=%s enabled=%v\n", k.ID, k.Name, k.Value, k.Enabled)
	}
	for _, p := range api.UsagePlans {
		fmt.Fprintf(b, "  usage-plan %s name=%s stages=%s keys=%s rate=%g burst=%d quota=%d/%s\n", p.ID, p.Name,
			strings.Join(p.Stages, ","), strings.Join(p.KeyIDs, ","), p.RateLimit, p.BurstLimit, p.QuotaLimit, p.QuotaPeriod)
	}
}

func renderMethod(b *strings.Builder, verb string, me *apimodel.Method) {
	fmt.Fprintf(b, "    %s auth=%s", verb, me.AuthorizationType)
	if me.AuthorizerID != "" {
		fmt.Fprintf(b, ":%s", me.AuthorizerID)
	}
	if len(me.AuthorizationScopes) > 0 {
		fmt.Fprintf(b, " scopes=%s", strings.Join(me.AuthorizationScopes, ","))
	}
	if me.APIKeyRequired {
		b.WriteString(" api-key")
	}
	if me.OperationName != "" {
		fmt.Fprintf(b, " op=%s", me.OperationName)
	}
	if len(me.RequestParameters) > 0 {
		var ps []string
		for _, k := range sortedKeys(me.RequestParameters) {
			ps = append(ps, fmt.Sprintf("%s=%v", k, me.RequestParameters[k]))
		}
		fmt.Fprintf(b, " params={%s}", strings.Join(ps, ","))
	}
	b.WriteString("\n")
	if v := me.RequestValidator; v != nil {
		fmt.Fprintf(b, "      validator %s body=%t parameters=%t\n", v.Name, v.ValidateBody, v.ValidateParameters)
	}
	if len(me.RequestModels) > 0 {
		fmt.Fprintf(b, "      request-models%s\n", kv(me.RequestModels, " "))
	}
	in := me.Integration
	if in == nil {
		b.WriteString("      integration <nil>\n")
		return
	}
	fmt.Fprintf(b, "      integration %s", in.Type)
	if in.Function != "" {
		fmt.Fprintf(b, " function=%s", in.Function)
	}
	if in.HTTPMethod != "" {
		fmt.Fprintf(b, " method=%s", in.HTTPMethod)
	}
	if in.URI != "" {
		fmt.Fprintf(b, " uri=%s", in.URI)
	}
	if in.TimeoutMillis != apimodel.DefaultIntegrationTimeoutMillis {
		fmt.Fprintf(b, " timeout=%dms", in.TimeoutMillis)
	}
	if in.Credentials != "" {
		fmt.Fprintf(b, " credentials=%s", in.Credentials)
	}
	if in.PassthroughBehavior != "" {
		fmt.Fprintf(b, " passthrough=%s", in.PassthroughBehavior)
	}
	if in.ContentHandling != "" {
		fmt.Fprintf(b, " content-handling=%s", in.ContentHandling)
	}
	b.WriteString("\n")
	if len(in.RequestParameters) > 0 {
		fmt.Fprintf(b, "        request-parameters%s\n", kv(in.RequestParameters, " "))
	}
	if len(in.RequestTemplates) > 0 {
		fmt.Fprintf(b, "        request-templates%s\n", kv(in.RequestTemplates, " "))
	}
	for _, ir := range in.IntegrationResponses {
		fmt.Fprintf(b, "        response %s pattern=%q%s%s\n", ir.StatusCode, ir.SelectionPattern, kv(ir.ResponseParameters, " params="), kv(ir.ResponseTemplates, " templates="))
	}
	for _, code := range sortedKeys(in.MethodResponses) {
		var hs []string
		for _, h := range sortedKeys(in.MethodResponses[code]) {
			hs = append(hs, fmt.Sprintf("%s=%v", h, in.MethodResponses[code][h]))
		}
		fmt.Fprintf(b, "        method-response %s {%s}\n", code, strings.Join(hs, ","))
	}
}

func kv(m map[string]string, prefix string) string {
	if len(m) == 0 {
		return ""
	}
	parts := make([]string, 0, len(m))
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s=%q", k, m[k]))
	}
	return prefix + "{" + strings.Join(parts, ", ") + "}"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
