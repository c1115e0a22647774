// Claim rendering. The integration sees a verified token's claims in a
// different shape per API kind:
//
//   - HTTP APIs put them at requestContext.authorizer.jwt.claims as a map of
//     strings: strings pass through, numbers keep their JSON text ("exp":
//     "1787996002", observed in a real payload 2.0 event quoted in
//     DefinitelyTyped PR #75458), booleans are "true"/"false", arrays are
//     their elements separated by spaces in brackets ("[admin dev]") and
//     objects their compact JSON. requestContext.authorizer.jwt.scopes is
//     the token's scopes, null when the route asks for none (aws-lambda-go
//     issue #317).
//   - REST JWT authorizers keep each claim's JSON type for Lambda proxy
//     integrations and give parameter mappings, templates and access logs
//     the claim's JSON text with non-ASCII characters as \uXXXX escapes
//     ("Pass JWT claims to your integration"): see ClaimJSON.

package jwtverify

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// HTTPClaims renders claims as an HTTP API's requestContext.authorizer.jwt
// .claims. Numbers must be json.Number.
func HTTPClaims(claims map[string]any) map[string]string {
	out := make(map[string]string, len(claims))
	for name, v := range claims {
		if v == nil {
			continue
		}
		if a, ok := v.([]any); ok {
			parts := make([]string, len(a))
			for i, e := range a {
				parts[i] = scalar(e)
			}
			out[name] = "[" + strings.Join(parts, " ") + "]"
			continue
		}
		out[name] = scalar(v)
	}
	return out
}

func scalar(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return string(v)
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return "null"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// ClaimJSON is a claim as REST's $context.authorizer.claims.X gives it:
// its compact JSON text, object keys sorted, every non-ASCII character
// written as a \uXXXX escape in upper-case hex (é → \u00E9; characters
// beyond the BMP as a surrogate pair).
func ClaimJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("claim: %w", err)
	}
	ascii := true
	for _, c := range b {
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return string(b), nil
	}
	var sb strings.Builder
	for _, r := range string(b) {
		switch {
		case r < utf8.RuneSelf:
			sb.WriteRune(r)
		case r > 0xFFFF:
			r -= 0x10000
			fmt.Fprintf(&sb, `\u%04X\u%04X`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
		default:
			fmt.Fprintf(&sb, `\u%04X`, r)
		}
	}
	return sb.String(), nil
}

// HTTPAuthorizer is requestContext.authorizer.jwt of an HTTP API's
// payload 2.0 event (and $context.authorizer.claims.X of its parameter
// mappings).
type HTTPAuthorizer struct {
	Claims map[string]string `json:"claims"`
	// Scopes is JSON null when the route has no authorization scopes,
	// as observed on AWS (aws-lambda-go issue #317), and the token's
	// scopes otherwise.
	Scopes []string `json:"scopes"`
}

// ForHTTP renders a verified token for a route with the given scopes.
func (t *Token) ForHTTP(routeScopes []string) HTTPAuthorizer {
	a := HTTPAuthorizer{Claims: HTTPClaims(t.Claims)}
	if len(routeScopes) > 0 {
		a.Scopes = t.Scopes
	}
	return a
}
