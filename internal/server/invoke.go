package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/function"
)

// Invoke runs one function of a definition once, like sam local invoke:
// the function's own log lines go to logs.
func Invoke(ctx context.Context, path string, lo LoadOptions, envVarsFile, name string, payload []byte, log *slog.Logger, logs io.Writer) (function.Result, error) {
	m, err := LoadModel(path, lo)
	if err != nil {
		return function.Result{}, err
	}
	fn := m.Functions[name]
	if fn == nil {
		for _, f := range m.Functions {
			if f.Name == name {
				fn = f
			}
		}
	}
	if fn == nil {
		names := make([]string, 0, len(m.Functions))
		for id := range m.Functions {
			names = append(names, id)
		}
		sort.Strings(names)
		return function.Result{}, fmt.Errorf("no function %q in %s (functions: %s)", name, path, strings.Join(names, ", "))
	}
	env, err := loadEnv(envVarsFile)
	if err != nil {
		return function.Result{}, err
	}
	local, err := function.NewLocal(function.LocalOptions{
		Logger: slog.New(slog.NewTextHandler(logs, nil)), Region: regionOf(m, lo.Region), EnvOverrides: env,
	})
	if err != nil {
		return function.Result{}, err
	}
	defer local.Close()
	d := &dispatch{local: local, log: log, region: regionOf(m, lo.Region)}
	return d.Invoke(ctx, fn, payload)
}

// Warnings returns what validate should warn about beyond the loader's own
// warnings: cached authorizers that guard more than one method (the
// methodArn caching pitfall) and functions API Gateway may not be allowed
// to invoke.
func Warnings(m *apimodel.Model) []string {
	var out []string
	for _, w := range m.Warnings {
		out = append(out, w.String())
	}
	for _, a := range m.APIs {
		uses := map[string][]string{}
		for _, r := range a.Resources {
			for v, meth := range r.Methods {
				if meth.AuthorizationType == apimodel.AuthCustom && meth.AuthorizerID != "" {
					uses[meth.AuthorizerID] = append(uses[meth.AuthorizerID], v+" "+r.Path)
				}
			}
		}
		ids := make([]string, 0, len(uses))
		for id := range uses {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			az := a.Authorizers[id]
			if az == nil || az.ResultTTL == 0 || az.Type == apimodel.AuthorizerCognito {
				continue
			}
			// One method on a templated path ({id}, {proxy+}) is as many
			// method ARNs as there are concrete paths.
			if len(uses[id]) < 2 && !strings.Contains(uses[id][0], "{") {
				continue
			}
			sort.Strings(uses[id])
			what := fmt.Sprintf("%d methods (%s)", len(uses[id]), strings.Join(uses[id], ", "))
			if len(uses[id]) == 1 {
				what = "every path of " + uses[id][0]
			}
			out = append(out, fmt.Sprintf("%s: authorizer %s caches results for %ds and guards %s: a policy whose Resource is the request's methodArn will deny the other paths for the TTL; return a wildcard resource or set the TTL to 0",
				a.LogicalID, id, az.ResultTTL, what))
		}
	}
	return out
}
