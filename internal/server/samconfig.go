package server

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/BurntSushi/toml"
)

// SAMConfig is what a SAM CLI samconfig.toml gives `sam local start-api`:
// the [ENV.global.parameters] table overlaid by
// [ENV.local_start_api.parameters], the keys SAM CLI documents for it
// (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-sam-cli-config.html).
// validate reads the same tables as serve, so that what validates is what
// serves.
type SAMConfig struct {
	Template           string   // template_file (or template)
	ParameterOverrides []string // parameter_overrides, a string or a list of "K=V"
	Region             string
	StackName          string
	EnvVars            string // env_vars
}

// LoadSAMConfig reads env's settings from the samconfig.toml at path. A
// missing file is no configuration when optional is true; an env the file
// does not have is an error only when it is not "default".
func LoadSAMConfig(path, env string, optional bool) (SAMConfig, error) {
	var c SAMConfig
	var doc map[string]any
	if _, err := toml.DecodeFile(path, &doc); err != nil {
		if optional && errors.Is(err, fs.ErrNotExist) {
			return c, nil
		}
		return c, fmt.Errorf("%s: %w", path, err)
	}
	if env == "" {
		env = "default"
	}
	e, ok := doc[env].(map[string]any)
	if !ok {
		if env == "default" {
			return c, nil
		}
		return c, fmt.Errorf("%s: no [%s] environment (--config-env)", path, env)
	}
	for _, cmd := range []string{"global", "local_start_api"} {
		section, _ := e[cmd].(map[string]any)
		params, _ := section["parameters"].(map[string]any)
		for k, v := range params {
			if err := c.set(k, v); err != nil {
				return c, fmt.Errorf("%s: [%s.%s.parameters] %s: %w", path, env, cmd, k, err)
			}
		}
	}
	return c, nil
}

func (c *SAMConfig) set(key string, v any) error {
	str := func() (string, error) {
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("want a string, not %T", v)
		}
		return s, nil
	}
	var err error
	switch key {
	case "template_file", "template":
		c.Template, err = str()
	case "region":
		c.Region, err = str()
	case "stack_name":
		c.StackName, err = str()
	case "env_vars":
		c.EnvVars, err = str()
	case "parameter_overrides":
		switch x := v.(type) {
		case string:
			c.ParameterOverrides = []string{x}
		case []any:
			c.ParameterOverrides = nil
			for _, it := range x {
				s, ok := it.(string)
				if !ok {
					return fmt.Errorf("list items must be strings, not %T", it)
				}
				c.ParameterOverrides = append(c.ParameterOverrides, s)
			}
		default:
			return fmt.Errorf("want a string or a list of strings, not %T", v)
		}
	}
	return err
}

// DefaultSAMConfig is the file SAM CLI reads from the project directory.
const DefaultSAMConfig = "samconfig.toml"
