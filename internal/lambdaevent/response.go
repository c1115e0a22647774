package lambdaevent

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// ErrMalformedProxyResponse is the cause of every ParseProxyResponse error:
// API Gateway logs "Execution failed due to configuration error: Malformed
// Lambda proxy response" and answers 502 {"message": "Internal server
// error"}.
var ErrMalformedProxyResponse = errors.New("Malformed Lambda proxy response")

// Header is one response header line.
type Header struct {
	Name  string
	Value string
}

// ProxyResponse is a proxy integration function's answer.
type ProxyResponse struct {
	// StatusCode is 200 when the function left it out.
	StatusCode int
	// Headers merges headers and multiValueHeaders in document order: a name
	// present in multiValueHeaders (compared case-insensitively) takes its
	// values from there only, the rule AWS states for the merge ("If the
	// same key-value pair is specified in both, only the values from
	// multiValueHeaders will appear in the merged list").
	Headers []Header
	// Body is the body field as returned, still base64 when IsBase64Encoded.
	Body            string
	IsBase64Encoded bool
}

// DecodedBody returns the body bytes, decoding base64 when the function set
// isBase64Encoded. Whether API Gateway decodes depends on the request's
// Accept header and the API's binary media types, which is the caller's
// decision.
func (p *ProxyResponse) DecodedBody() ([]byte, error) {
	if !p.IsBase64Encoded {
		return []byte(p.Body), nil
	}
	return base64.StdEncoding.DecodeString(p.Body)
}

// ParseProxyResponse parses a proxy integration function's payload as API
// Gateway (REST) does ("Set up Lambda proxy integrations in API Gateway",
// output format):
//
//   - the payload must be one JSON object; null, arrays, scalars and
//     non-JSON are malformed;
//   - every field is optional (statusCode defaults to 200), but no other
//     field is allowed: keys are matched case-sensitively, so an error
//     document {"errorMessage": ...} or {"StatusCode": 200} is malformed;
//   - statusCode is an integer or a numeric string ("200"), in 100..599;
//   - header values are strings, booleans (true becomes "true") or numbers
//     (kept as written: 3 becomes "3"); a null value leaves the header out;
//     multiValueHeaders values are arrays of those;
//   - header names are RFC 9110 tokens and values hold no CR, LF or NUL, so
//     that nothing accepted here can add a line to the client's response;
//   - body is a string or null (an object body is malformed);
//     isBase64Encoded is a boolean or null.
//
// The strictness follows AWS-validated behaviour recorded in LocalStack's
// API Gateway tests and field reports of "Malformed Lambda proxy response".
func ParseProxyResponse(payload []byte) (*ProxyResponse, error) {
	d := json.NewDecoder(bytes.NewReader(payload))
	d.UseNumber()
	if err := expectDelim(d, '{', "payload"); err != nil {
		return nil, err
	}
	out := &ProxyResponse{StatusCode: 200}
	var single, multi []Header
	var multiNames []string
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return nil, malformed("payload: %v", err)
		}
		key, _ := tok.(string)
		switch key {
		case "statusCode":
			if out.StatusCode, err = parseStatusCode(d); err != nil {
				return nil, err
			}
		case "headers":
			if single, err = parseHeaders(d); err != nil {
				return nil, err
			}
		case "multiValueHeaders":
			if multi, multiNames, err = parseMultiValueHeaders(d); err != nil {
				return nil, err
			}
		case "body":
			tok, err := d.Token()
			if err != nil {
				return nil, malformed("body: %v", err)
			}
			switch v := tok.(type) {
			case nil:
				out.Body = ""
			case string:
				out.Body = v
			default:
				return nil, malformed("body must be a string")
			}
		case "isBase64Encoded":
			tok, err := d.Token()
			if err != nil {
				return nil, malformed("isBase64Encoded: %v", err)
			}
			switch v := tok.(type) {
			case nil:
				out.IsBase64Encoded = false
			case bool:
				out.IsBase64Encoded = v
			default:
				return nil, malformed("isBase64Encoded must be a boolean")
			}
		default:
			return nil, malformed("unrecognized field %q", key)
		}
	}
	if _, err := d.Token(); err != nil {
		return nil, malformed("payload: %v", err)
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, malformed("payload: data after the JSON object")
	}
	out.Headers = mergeHeaders(single, multi, multiNames)
	return out, nil
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformedProxyResponse}, args...)...)
}

func expectDelim(d *json.Decoder, want json.Delim, what string) error {
	tok, err := d.Token()
	if err != nil {
		return malformed("%s: %v", what, err)
	}
	if got, ok := tok.(json.Delim); !ok || got != want {
		return malformed("%s must be a JSON %s", what, delimName(want))
	}
	return nil
}

func delimName(d json.Delim) string {
	if d == '[' {
		return "array"
	}
	return "object"
}

func parseStatusCode(d *json.Decoder) (int, error) {
	tok, err := d.Token()
	if err != nil {
		return 0, malformed("statusCode: %v", err)
	}
	var code int
	switch v := tok.(type) {
	case nil:
		return 200, nil
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil || math.IsInf(f, 0) || f != math.Trunc(f) {
			return 0, malformed("statusCode %s is not an integer", v)
		}
		if f < 0 || f > 999 {
			return 0, malformed("statusCode %s out of range", v)
		}
		code = int(f)
	case string:
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, malformed("statusCode %q is not an integer", v)
		}
		code = n
	default:
		return 0, malformed("statusCode must be a number")
	}
	if code < 100 || code > 599 {
		return 0, malformed("statusCode %d out of range", code)
	}
	return code, nil
}

// headerValue reads one header value: a string, a boolean written as
// "true"/"false", or a number as written. ok is false for null, which
// leaves the value out.
func headerValue(d *json.Decoder, name string) (v string, ok bool, err error) {
	tok, err := d.Token()
	if err != nil {
		return "", false, malformed("header %q: %v", name, err)
	}
	switch v := tok.(type) {
	case string:
		if !validHeaderValue(v) {
			return "", false, malformed("header %q: value contains CR, LF or NUL", name)
		}
		return v, true, nil
	case bool:
		return strconv.FormatBool(v), true, nil
	case json.Number:
		return string(v), true, nil
	case nil:
		return "", false, nil
	default:
		return "", false, malformed("header %q: value must be a string", name)
	}
}

// headerName reads one header name, which must be an RFC 9110 token.
func headerName(d *json.Decoder, what string) (string, error) {
	tok, err := d.Token()
	if err != nil {
		return "", malformed("%s: %v", what, err)
	}
	name, _ := tok.(string)
	if !validHeaderName(name) {
		return "", malformed("%s: %q is not a valid header name", what, name)
	}
	return name, nil
}

// validHeaderName reports whether s is an RFC 9110 token (RFC 9110 section 5.6.2).
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return true
}

func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

// validHeaderValue reports whether s can be written as one header line's
// value: CR and LF would end the line, NUL is refused by HTTP parsers.
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\r' || c == '\n' || c == 0 {
			return false
		}
	}
	return true
}

// openObject reads the start of an object, or null (ok false).
func openObject(d *json.Decoder, what string) (ok bool, err error) {
	tok, err := d.Token()
	if err != nil {
		return false, malformed("%s: %v", what, err)
	}
	if tok == nil {
		return false, nil
	}
	if delim, isDelim := tok.(json.Delim); isDelim && delim == '{' {
		return true, nil
	}
	return false, malformed("%s must be an object", what)
}

// openArray reads the start of a multiValueHeaders array, or null (ok
// false).
func openArray(d *json.Decoder, name string) (ok bool, err error) {
	tok, err := d.Token()
	if err != nil {
		return false, malformed("multiValueHeaders %q: %v", name, err)
	}
	if tok == nil {
		return false, nil
	}
	if delim, isDelim := tok.(json.Delim); isDelim && delim == '[' {
		return true, nil
	}
	return false, malformed("multiValueHeaders %q must be a JSON array", name)
}

func parseHeaders(d *json.Decoder) ([]Header, error) {
	ok, err := openObject(d, "headers")
	if !ok || err != nil {
		return nil, err
	}
	var hs []Header
	for d.More() {
		name, err := headerName(d, "headers")
		if err != nil {
			return nil, err
		}
		v, ok, err := headerValue(d, name)
		if err != nil {
			return nil, err
		}
		if ok {
			hs = append(hs, Header{Name: name, Value: v})
		}
	}
	if _, err := d.Token(); err != nil {
		return nil, malformed("headers: %v", err)
	}
	return hs, nil
}

func parseMultiValueHeaders(d *json.Decoder) (hs []Header, names []string, err error) {
	ok, err := openObject(d, "multiValueHeaders")
	if !ok || err != nil {
		return nil, nil, err
	}
	for d.More() {
		name, err := headerName(d, "multiValueHeaders")
		if err != nil {
			return nil, nil, err
		}
		list, err := openArray(d, name)
		if err != nil {
			return nil, nil, err
		}
		if !list { // null: no values
			continue
		}
		names = append(names, name)
		for d.More() {
			v, ok, err := headerValue(d, name)
			if err != nil {
				return nil, nil, err
			}
			if ok {
				hs = append(hs, Header{Name: name, Value: v})
			}
		}
		if _, err := d.Token(); err != nil {
			return nil, nil, malformed("multiValueHeaders: %v", err)
		}
	}
	if _, err := d.Token(); err != nil {
		return nil, nil, malformed("multiValueHeaders: %v", err)
	}
	return hs, names, nil
}

func mergeHeaders(single, multi []Header, multiNames []string) []Header {
	if len(multiNames) == 0 {
		return single
	}
	out := make([]Header, 0, len(single)+len(multi))
	for _, h := range single {
		overridden := false
		for _, n := range multiNames {
			if asciiEqualFold(h.Name, n) {
				overridden = true
				break
			}
		}
		if !overridden {
			out = append(out, h)
		}
	}
	return append(out, multi...)
}
