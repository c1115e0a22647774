package vtl

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Param is one request parameter as $input.params() sees it.
type Param struct {
	Name  string
	Value string
}

// Input is $input: the payload (request or integration response body) and
// the method request's parameters.
type Input struct {
	Body []byte
	// Path, Query and Header are the method request parameters, looked up in
	// that order by $input.params(name). Query and Header hold one value
	// per name (the last query value, the first header value), as API
	// Gateway's single-value maps do.
	Path, Query, Header []Param
	// What the body parses to, decoded once on first use.
	parsed  any
	perr    error
	decoded bool
}

var _ Object = (*Input)(nil)

// BodyError is the error of $input.path or $input.json on a payload that is
// not JSON; API Gateway answers such a request with 400 BAD_REQUEST_BODY.
type BodyError struct{ Err error }

func (e *BodyError) Error() string {
	return "Could not parse request body into json: " + e.Err.Error()
}

func (e *BodyError) Unwrap() error { return e.Err }

func (in *Input) root() (any, error) {
	if !in.decoded {
		in.decoded = true
		// An empty payload reads as an empty object.
		if len(strings.TrimSpace(string(in.Body))) == 0 {
			in.parsed = NewMap(0)
		} else {
			in.parsed, in.perr = ParseJSON(in.Body)
			if in.perr != nil {
				in.perr = &BodyError{Err: in.perr}
			}
		}
	}
	return in.parsed, in.perr
}

// Property implements Object: $input.body.
func (in *Input) Property(name string) (any, bool) {
	if name == "body" {
		return string(in.Body), true
	}
	return nil, false
}

// Method implements Object: json, path, params.
func (in *Input) Method(name string, args []any) (any, error) {
	switch {
	case name == "params" && len(args) == 0:
		all := NewMap(3)
		all.Put("path", paramMap(in.Path))
		all.Put("querystring", paramMap(in.Query))
		all.Put("header", paramMap(in.Header))
		return all, nil
	case name == "params" && len(args) == 1:
		k := toString(args[0])
		for _, ps := range [][]Param{in.Path, in.Query} {
			for _, p := range ps {
				if p.Name == k {
					return p.Value, nil
				}
			}
		}
		for _, p := range in.Header {
			if strings.EqualFold(p.Name, k) {
				return p.Value, nil
			}
		}
		return "", nil
	case (name == "json" || name == "path") && len(args) == 1:
		expr, ok := args[0].(string)
		if !ok {
			return nil, fmt.Errorf("$input.%s takes a JSONPath string", name)
		}
		p, err := ParsePath(expr)
		if err != nil {
			return nil, err
		}
		root, err := in.root()
		if err != nil {
			return nil, err
		}
		v, found := p.Eval(root)
		if name == "path" {
			return v, nil
		}
		if !found {
			return `""`, nil
		}
		return JSON(v), nil
	case name == "body" && len(args) == 0:
		return string(in.Body), nil
	}
	return nil, fmt.Errorf("$input has no method %s with %d argument(s)", name, len(args))
}

func paramMap(ps []Param) *Map {
	m := NewMap(len(ps))
	for _, p := range ps {
		m.Put(p.Name, p.Value)
	}
	return m
}

// Util is $util.
type Util struct{}

var _ Object = Util{}

// Property implements Object; $util has none.
func (Util) Property(string) (any, bool) { return nil, false }

// Method implements Object.
func (Util) Method(name string, args []any) (any, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("$util.%s takes one argument", name)
	}
	s := toString(args[0])
	switch name {
	case "escapeJavaScript":
		return EscapeJavaScript(s), nil
	case "parseJson":
		v, err := ParseJSON([]byte(s))
		if err != nil {
			return nil, fmt.Errorf("$util.parseJson: %v", err)
		}
		return v, nil
	case "urlEncode":
		return URLEncode(s), nil
	case "urlDecode":
		out, err := url.QueryUnescape(s)
		if err != nil {
			return nil, fmt.Errorf("$util.urlDecode: %v", err)
		}
		return out, nil
	case "base64Encode":
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "base64Decode":
		out, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("$util.base64Decode: %v", err)
		}
		return string(out), nil
	}
	return nil, errors.New("$util has no method " + name)
}

// EscapeJavaScript escapes s with JavaScript string rules, as API Gateway's
// $util.escapeJavaScript (Apache Commons Lang's StringEscapeUtils) does:
// quotes, backslash and / are backslash-escaped, control characters use
// their short escapes or \u00XX, and every non-ASCII character becomes
// \uXXXX (UTF-16, upper-case hex). A single quote becomes \', which is not
// valid JSON — AWS's documentation shows the replaceAll that undoes it.
func EscapeJavaScript(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) + 8)
	u := func(r rune) {
		b.WriteString(`\u`)
		b.WriteByte(hex[r>>12&0xF])
		b.WriteByte(hex[r>>8&0xF])
		b.WriteByte(hex[r>>4&0xF])
		b.WriteByte(hex[r&0xF])
	}
	for _, r := range s {
		switch r {
		case '\'', '"', '\\', '/':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			switch {
			case r < 0x20 || (r > 0x7f && r <= 0xffff):
				if r == utf8.RuneError {
					u(0xFFFD)
				} else {
					u(r)
				}
			case r > 0xffff:
				r -= 0x10000
				u(0xD800 + (r >> 10))
				u(0xDC00 + (r & 0x3FF))
			default:
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// URLEncode is Java's URLEncoder.encode(s, "UTF-8"): letters, digits and
// .-*_ stay, space becomes +, every other byte %XX.
func URLEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isLetter(c) || isDigit(c) || c == '.' || c == '-' || c == '*' || c == '_':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xF])
		}
	}
	return b.String()
}
