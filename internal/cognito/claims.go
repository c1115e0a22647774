// Claims rendering. API Gateway hands a Cognito token's claims to the backend
// (requestContext.authorizer.claims, $context.authorizer.claims.X) as a map
// of strings, and the strings are not the JSON text of the values (docs/behaviour.md#COGNITO-1,
// observed on a real proxy event):
//
//   - strings pass through;
//   - exp and iat are rendered like Java's Date.toString() in UTC,
//     "Mon Jun 15 05:56:21 UTC 2026". nbf, the third registered date claim
//     of RFC 7519, is rendered the same way; Cognito never emits it;
//   - other numbers keep their JSON text: auth_time "1781499381";
//   - booleans are "true" / "false";
//   - an array of one element is that element ("cognito:groups": ["admin"]
//     → "admin"); a longer array is its elements separated by spaces inside
//     brackets, "[g1 g2]" (docs/behaviour.md#DEC-COGNITO-MULTIVALUE); an empty one is "[]";
//   - objects are their compact JSON text, keys sorted;
//   - null claims are left out.
//
// Values are decoded with json.Number so that numbers keep their exact
// text.

package cognito

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// javaDateLayout is java.util.Date.toString()'s "EEE MMM dd HH:mm:ss zzz
// yyyy" in UTC.
const javaDateLayout = "Mon Jan 02 15:04:05 UTC 2006"

// RenderClaims renders decoded JWT claims as API Gateway passes them to the
// backend. Numbers must be json.Number (decode with UseNumber).
func RenderClaims(claims map[string]any) map[string]string {
	out := make(map[string]string, len(claims))
	for name, v := range claims {
		if v == nil {
			continue
		}
		switch name {
		case "exp", "iat", "nbf":
			if s, ok := renderDate(v); ok {
				out[name] = s
				continue
			}
		}
		switch v := v.(type) {
		case []any:
			out[name] = renderArray(v)
		default:
			out[name] = renderScalar(v)
		}
	}
	return out
}

func renderDate(v any) (string, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return "", false
	}
	secs, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil {
		f, ferr := n.Float64()
		if ferr != nil {
			return "", false
		}
		secs = int64(f) // Date keeps milliseconds, but toString shows whole seconds.
	}
	return time.Unix(secs, 0).UTC().Format(javaDateLayout), true
}

func renderArray(a []any) string {
	switch len(a) {
	case 0:
		return "[]"
	case 1:
		return renderScalar(a[0])
	}
	var b strings.Builder
	b.WriteByte('[')
	for i, e := range a {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(renderScalar(e))
	}
	b.WriteByte(']')
	return b.String()
}

func renderScalar(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return string(v)
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return "null"
	case float64: // claims decoded without UseNumber
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}
