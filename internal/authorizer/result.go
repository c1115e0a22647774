package authorizer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/portcullis-gateway/portcullis/internal/policy"
)

// Result is a parsed Lambda authorizer answer (docs/behaviour.md#LAMBDA-3). It is cached and
// shared between requests, so it is never modified after parsing.
type Result struct {
	PrincipalID string
	Policy      *policy.Document
	// Context values stringified as API Gateway does; nil for JSON null.
	Context            map[string]*string
	UsageIdentifierKey string
}

// configError is an authorizer answer API Gateway cannot use; its text is
// the execution-log wording of docs/behaviour.md#LOG-1.
type configError struct{ msg string }

func (e *configError) Error() string { return "Execution failed due to configuration error: " + e.msg }

// ParseResult parses an authorizer's response strictly (docs/behaviour.md#DEC-STRICT-AUTHORIZER-RESULT): exactly the
// fields principalId, policyDocument, context and usageIdentifierKey; the
// first two required; context values scalar.
func ParseResult(raw []byte) (*Result, error) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) || trimmed[0] != '{' {
		return nil, &configError{"Could not parse policy"}
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &fields); err != nil {
		return nil, &configError{"Invalid JSON in response: " + err.Error()}
	}
	for k := range fields {
		switch k {
		case "principalId", "policyDocument", "context", "usageIdentifierKey":
		default:
			return nil, &configError{fmt.Sprintf("Invalid JSON in response: Unrecognized field %q , not marked as ignorable", k)}
		}
	}
	r := &Result{}
	pid, ok := fields["principalId"]
	if !ok {
		return nil, &configError{"Invalid JSON in response: principalId is missing"}
	}
	if err := json.Unmarshal(pid, &r.PrincipalID); err != nil {
		return nil, &configError{"Invalid JSON in response: principalId must be a string"}
	}
	pd, ok := fields["policyDocument"]
	if !ok || bytes.Equal(bytes.TrimSpace(pd), []byte("null")) {
		return nil, &configError{"Could not parse policy"}
	}
	doc, err := policy.Parse(pd)
	if err != nil {
		return nil, &configError{"Could not parse policy: " + err.Error()}
	}
	r.Policy = doc
	if c, ok := fields["context"]; ok && !bytes.Equal(bytes.TrimSpace(c), []byte("null")) {
		ctx, err := parseContext(c)
		if err != nil {
			return nil, err
		}
		r.Context = ctx
	}
	if u, ok := fields["usageIdentifierKey"]; ok && !bytes.Equal(bytes.TrimSpace(u), []byte("null")) {
		if err := json.Unmarshal(u, &r.UsageIdentifierKey); err != nil {
			return nil, &configError{"Invalid JSON in response: usageIdentifierKey must be a string"}
		}
	}
	return r, nil
}

// parseContext stringifies context values as API Gateway does: numbers and
// booleans become their text, null stays null, objects and arrays are a
// configuration error (docs/behaviour.md#LAMBDA-3).
func parseContext(raw json.RawMessage) (map[string]*string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, &configError{"Invalid JSON in response: context must be an object"}
	}
	out := make(map[string]*string, len(m))
	for k, v := range m {
		v = bytes.TrimSpace(v)
		switch {
		case len(v) == 0:
			return nil, &configError{"Invalid JSON in response: context"}
		case bytes.Equal(v, []byte("null")):
			out[k] = nil
		case v[0] == '"':
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, &configError{"Invalid JSON in response: context." + k}
			}
			out[k] = &s
		case v[0] == '{' || v[0] == '[':
			return nil, &configError{fmt.Sprintf("Invalid JSON in response: context value %q must be a string, number or boolean", k)}
		default:
			s := string(v)
			if s != "true" && s != "false" {
				if _, err := strconv.ParseFloat(s, 64); err != nil {
					return nil, &configError{"Invalid JSON in response: context." + k}
				}
			}
			out[k] = &s
		}
	}
	return out, nil
}

// functionErrorMessage returns errorMessage of a Lambda error document.
func functionErrorMessage(payload []byte) (string, error) {
	var doc struct {
		ErrorMessage *string `json:"errorMessage"`
	}
	if err := json.Unmarshal(payload, &doc); err != nil || doc.ErrorMessage == nil {
		return "", errors.New("function error without errorMessage")
	}
	return *doc.ErrorMessage, nil
}
