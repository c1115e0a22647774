package function

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
)

// EnvOverrides are environment values supplied at run time, in the shape of
// the SAM CLI's --env-vars file:
//
//	{"MyFunction": {"TABLE": "local-table"}, "Parameters": {"STAGE": "dev"}}
//
// As in the SAM CLI, an override only replaces a variable the function
// declares in its template Environment; function-specific values win over
// Parameters, which apply to every function.
type EnvOverrides struct {
	// Parameters apply to every function.
	Parameters map[string]string
	// Functions are keyed by logical id or function name.
	Functions map[string]map[string]string
}

// LoadEnvVars reads a SAM CLI --env-vars JSON file. Values may be strings,
// numbers or booleans, as SAM accepts; they are passed on as strings.
func LoadEnvVars(path string) (EnvOverrides, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return EnvOverrides{}, err
	}
	o, err := ParseEnvVars(data)
	if err != nil {
		return EnvOverrides{}, fmt.Errorf("%s: %w", path, err)
	}
	return o, nil
}

// ParseEnvVars parses the content of a SAM CLI --env-vars file.
func ParseEnvVars(data []byte) (EnvOverrides, error) {
	var top map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&top); err != nil {
		return EnvOverrides{}, fmt.Errorf("env vars: want a JSON object of objects: %w", err)
	}
	o := EnvOverrides{Functions: make(map[string]map[string]string, len(top))}
	keys := make([]string, 0, len(top))
	for k := range top {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		vars, err := parseVarObject(top[k])
		if err != nil {
			return EnvOverrides{}, fmt.Errorf("env vars: %q: %w", k, err)
		}
		if k == "Parameters" {
			o.Parameters = vars
		} else {
			o.Functions[k] = vars
		}
	}
	return o, nil
}

func parseVarObject(raw json.RawMessage) (map[string]string, error) {
	var obj map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return nil, fmt.Errorf("want an object of variable names to values")
	}
	vars := make(map[string]string, len(obj))
	for name, v := range obj {
		switch v := v.(type) {
		case string:
			vars[name] = v
		case json.Number:
			vars[name] = v.String()
		case bool:
			vars[name] = strconv.FormatBool(v)
		case nil:
			vars[name] = ""
		default:
			return nil, fmt.Errorf("variable %q: want a string, number or boolean", name)
		}
	}
	return vars, nil
}

// forFunction returns the overrides that apply to fn, already restricted to
// the variables fn declares.
func (o EnvOverrides) forFunction(fn *apimodel.Function) map[string]string {
	specific := o.Functions[fn.LogicalID]
	if specific == nil && fn.Name != "" {
		specific = o.Functions[fn.Name]
	}
	if len(specific) == 0 && len(o.Parameters) == 0 {
		return nil
	}
	out := make(map[string]string)
	for name := range fn.Environment {
		if v, ok := o.Parameters[name]; ok {
			out[name] = v
		}
		if v, ok := specific[name]; ok {
			out[name] = v
		}
	}
	return out
}

// environment builds a worker's environment, lowest precedence first (on
// duplicates exec keeps the last): host essentials, the function's
// variables, --env-vars overrides, then the variables Lambda reserves,
// which a function cannot set ("Defined runtime environment variables").
// AWS_LAMBDA_RUNTIME_API is appended per worker.
func (l *Local) environment(fn *apimodel.Function, name string, rt runtimeKind, taskRoot string, timeoutSec, memoryMB int) []string {
	// Host variables a worker inherits: what a process needs to run at all,
	// and the AWS credential chain so functions can call AWS as the
	// developer (the SAM CLI passes the same).
	hostPassthrough := [...]string{
		"PATH", "HOME", "USER", "TMPDIR", "SYSTEMROOT",
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
		"AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_ENDPOINT_URL",
	}
	env := make([]string, 0, 32+len(fn.Environment))
	for _, k := range hostPassthrough {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	names := make([]string, 0, len(fn.Environment))
	for k := range fn.Environment {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		env = append(env, k+"="+fn.Environment[k])
	}
	over := l.opts.EnvOverrides.forFunction(fn)
	names = names[:0]
	for k := range over {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		env = append(env, k+"="+over[k])
	}
	env = append(env,
		"AWS_LAMBDA_FUNCTION_NAME="+name,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE="+strconv.Itoa(memoryMB),
		"AWS_LAMBDA_FUNCTION_TIMEOUT="+strconv.Itoa(timeoutSec),
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/"+name,
		"AWS_LAMBDA_LOG_STREAM_NAME=$LATEST",
		"AWS_REGION="+l.opts.Region,
		"AWS_DEFAULT_REGION="+l.opts.Region,
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"_HANDLER="+fn.Handler,
		"LAMBDA_TASK_ROOT="+taskRoot,
		"LAMBDA_RUNTIME_DIR="+l.dir,
		"LANG=en_US.UTF-8",
		"TZ=:UTC",
	)
	switch rt {
	case runtimeNode:
		env = append(env, "AWS_EXECUTION_ENV=AWS_Lambda_"+fn.Runtime, "NODE_PATH="+strings.Join(append(layerPaths(fn, rt), taskRoot+"/node_modules"), ":"))
	case runtimePython:
		env = append(env, "AWS_EXECUTION_ENV=AWS_Lambda_"+fn.Runtime, "PYTHONUNBUFFERED=1")
		if ps := layerPaths(fn, rt); len(ps) > 0 {
			env = append(env, "PYTHONPATH="+strings.Join(ps, ":"))
		}
	}
	return env
}

// layerPaths are the directories of fn's layers where Lambda's runtimes
// look for them under /opt: nodejs/nodeNN/node_modules and
// nodejs/node_modules for Node.js, python and python/lib/pythonX.Y/site-packages
// for Python ("Layer paths for each Lambda runtime",
// https://docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html).
// Lambda extracts layers into /opt in order, a later one overwriting an
// earlier, so a later layer's directories come first.
func layerPaths(fn *apimodel.Function, rt runtimeKind) []string {
	var out []string
	for i := len(fn.LayerDirs) - 1; i >= 0; i-- {
		d := fn.LayerDirs[i]
		switch rt {
		case runtimeNode:
			if major := strings.TrimSuffix(strings.TrimPrefix(fn.Runtime, "nodejs"), ".x"); major != "" {
				out = append(out, filepath.Join(d, "nodejs", "node"+major, "node_modules"))
			}
			out = append(out, filepath.Join(d, "nodejs", "node_modules"))
		case runtimePython:
			out = append(out, filepath.Join(d, "python"), filepath.Join(d, "python", "lib", fn.Runtime, "site-packages"))
		}
	}
	return out
}

// fingerprint identifies a function's configuration: a reloaded template
// that leaves a function unchanged keeps its warm workers.
func fingerprint(fn *apimodel.Function) string {
	var b strings.Builder
	for _, s := range append([]string{fn.LogicalID, fn.Name, fn.Runtime, fn.Handler, fn.CodeDir, fn.InlineCode, fn.ARN}, fn.LayerDirs...) {
		b.WriteString(strconv.Quote(s))
	}
	b.WriteString(strconv.Itoa(fn.TimeoutSeconds))
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(fn.MemoryMB))
	names := make([]string, 0, len(fn.Environment))
	for k := range fn.Environment {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		b.WriteString(strconv.Quote(k))
		b.WriteString(strconv.Quote(fn.Environment[k]))
	}
	return b.String()
}
