package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Document is a parsed and compiled IAM policy document. It is immutable
// and safe for concurrent use; evaluating it parses nothing.
type Document struct {
	version    string
	statements []statement
	warnings   []string
}

// statement is one compiled Statement.
type statement struct {
	sid  string
	deny bool

	notAction bool
	actions   []actionPattern

	notResource bool
	resources   []arnPattern

	// principal is nil when the statement has neither Principal nor
	// NotPrincipal (identity policies, authorizer policies).
	principal    *principalSet
	notPrincipal bool

	conditions []condition
	// unsupported names the first condition operator Portcullis does not
	// know; such a statement denies every request it applies to.
	unsupported string
}

// Version returns the document's Version element, "" when absent.
func (d *Document) Version() string { return d.version }

// Len returns the number of statements.
func (d *Document) Len() int { return len(d.statements) }

// Warnings returns what Parse accepted but could not honour, such as an
// unknown condition operator (the statement then fails closed), for
// portcullis validate to print.
func (d *Document) Warnings() []string { return slices.Clone(d.warnings) }

// maxDepth bounds JSON nesting; a policy needs five levels
// (document, Statement array, statement, Condition, operator).
const maxDepth = 8

// Parse parses a policy document as a Lambda authorizer returns it or an
// IAM identity policy is written: Version, Statement as one object or an
// array, and per statement Sid, Effect, Action/NotAction,
// Resource/NotResource, Principal/NotPrincipal and Condition.
//
// Parsing is strict and fails closed: unknown or duplicated elements,
// wrong types, an Effect other than exactly "Allow" or "Deny", a
// statement without Action or Resource, a malformed ARN, number, date or
// CIDR are errors. An unknown condition operator is not an error: the
// statement denies every request it applies to and Warnings says so.
func Parse(data []byte) (*Document, error) {
	return parse(data, parseOptions{})
}

// ParseResourcePolicy parses the resource policy of one API (docs/behaviour.md#RP-3).
// Abbreviated resources such as execute-api:/prod/GET/pets and
// execute-api:/* are expanded to that API's ARNs, as API Gateway does when
// the policy is saved, and every statement must name a Principal or
// NotPrincipal.
func ParseResourcePolicy(data []byte, region, accountID, apiID string) (*Document, error) {
	return parse(data, parseOptions{
		resourcePolicy: true,
		region:         region,
		accountID:      accountID,
		apiID:          apiID,
	})
}

// ExpandResource returns the ARN an abbreviated resource-policy resource
// (execute-api:/stage/VERB/path, execute-api:/*) stands for; any other
// resource is returned unchanged. The partition is always aws, matching
// the method ARNs the gateway builds.
func ExpandResource(resource, region, accountID, apiID string) string {
	rest, ok := strings.CutPrefix(resource, "execute-api:/")
	if !ok {
		return resource
	}
	return "arn:aws:execute-api:" + region + ":" + accountID + ":" + apiID + "/" + rest
}

type parseOptions struct {
	resourcePolicy           bool
	region, accountID, apiID string
}

func parse(data []byte, opts parseOptions) (*Document, error) {
	root, err := decodeJSON(data)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	if root.kind != jObject {
		return nil, fmt.Errorf("policy: document must be a JSON object, got %s", root.kind)
	}
	d := &Document{}
	var stmts *jvalue
	for i := range root.obj {
		m := &root.obj[i]
		switch m.name {
		case "Version":
			if m.val.kind != jString {
				return nil, fmt.Errorf("policy: Version must be a string, got %s", m.val.kind)
			}
			if m.val.str != "2012-10-17" && m.val.str != "2008-10-17" {
				return nil, fmt.Errorf("policy: Version must be \"2012-10-17\" or \"2008-10-17\", got %q", m.val.str)
			}
			d.version = m.val.str
		case "Id":
			if m.val.kind != jString {
				return nil, fmt.Errorf("policy: Id must be a string, got %s", m.val.kind)
			}
		case "Statement":
			stmts = &m.val
		default:
			return nil, fmt.Errorf("policy: unknown element %q (element names are case-sensitive)", m.name)
		}
	}
	if stmts == nil {
		return nil, errors.New("policy: missing Statement")
	}
	var list []jvalue
	switch stmts.kind {
	case jObject:
		list = []jvalue{*stmts}
	case jArray:
		list = stmts.arr
	default:
		return nil, fmt.Errorf("policy: Statement must be an object or an array, got %s", stmts.kind)
	}
	d.statements = make([]statement, 0, len(list))
	for i := range list {
		s, err := parseStatement(&list[i], opts)
		if err != nil {
			if stmts.kind == jObject {
				return nil, fmt.Errorf("policy: Statement%w", err)
			}
			return nil, fmt.Errorf("policy: Statement[%d]%w", i, err)
		}
		if s.unsupported != "" {
			d.warnings = append(d.warnings, fmt.Sprintf(
				"statement %d%s: unsupported condition operator %q; the statement denies every request it applies to",
				i, sidSuffix(s.sid), s.unsupported))
		}
		d.statements = append(d.statements, s)
	}
	return d, nil
}

func sidSuffix(sid string) string {
	if sid == "" {
		return ""
	}
	return fmt.Sprintf(" (Sid %q)", sid)
}

// elemError is an error about one element of a statement; parse prefixes
// the statement index.
func elemError(elem, format string, args ...any) error {
	return fmt.Errorf("."+elem+": "+format, args...)
}

func parseStatement(v *jvalue, opts parseOptions) (statement, error) {
	var s statement
	if v.kind != jObject {
		return s, fmt.Errorf(": statement must be an object, got %s", v.kind)
	}
	var haveEffect, haveAction, haveResource, havePrincipal bool
	for i := range v.obj {
		m := &v.obj[i]
		switch m.name {
		case "Sid":
			if m.val.kind != jString {
				return s, elemError("Sid", "must be a string, got %s", m.val.kind)
			}
			s.sid = m.val.str
		case "Effect":
			if m.val.kind != jString || (m.val.str != "Allow" && m.val.str != "Deny") {
				return s, elemError("Effect", "must be exactly \"Allow\" or \"Deny\", got %s", m.val.describe())
			}
			s.deny = m.val.str == "Deny"
			haveEffect = true
		case "Action", "NotAction":
			if haveAction {
				return s, elemError(m.name, "a statement has either Action or NotAction, not both")
			}
			haveAction = true
			vals, err := stringList(&m.val)
			if err != nil {
				return s, elemError(m.name, "%v", err)
			}
			s.notAction = m.name == "NotAction"
			for _, a := range vals {
				if err := checkAction(a); err != nil {
					return s, elemError(m.name, "%v", err)
				}
				s.actions = append(s.actions, compileAction(a))
			}
		case "Resource", "NotResource":
			if haveResource {
				return s, elemError(m.name, "a statement has either Resource or NotResource, not both")
			}
			haveResource = true
			vals, err := stringList(&m.val)
			if err != nil {
				return s, elemError(m.name, "%v", err)
			}
			s.notResource = m.name == "NotResource"
			for _, r := range vals {
				if opts.resourcePolicy {
					r = ExpandResource(r, opts.region, opts.accountID, opts.apiID)
				}
				if err := checkResource(r, opts.resourcePolicy); err != nil {
					return s, elemError(m.name, "%v", err)
				}
				s.resources = append(s.resources, compileARN(r))
			}
		case "Principal", "NotPrincipal":
			if havePrincipal {
				return s, elemError(m.name, "a statement has either Principal or NotPrincipal, not both")
			}
			havePrincipal = true
			ps, err := parsePrincipal(&m.val)
			if err != nil {
				return s, elemError(m.name, "%v", err)
			}
			s.principal = ps
			s.notPrincipal = m.name == "NotPrincipal"
		case "Condition":
			if err := parseCondition(&s, &m.val); err != nil {
				return s, err
			}
		default:
			return s, fmt.Errorf(": unknown element %q (element names are case-sensitive)", m.name)
		}
	}
	switch {
	case !haveEffect:
		return s, errors.New(": missing Effect")
	case !haveAction:
		return s, errors.New(": missing Action or NotAction")
	case !haveResource:
		return s, errors.New(": missing Resource or NotResource")
	case opts.resourcePolicy && !havePrincipal:
		return s, errors.New(": a resource policy statement must name a Principal or NotPrincipal")
	}
	return s, nil
}

// checkAction accepts "*" and service:action forms such as
// execute-api:Invoke or execute-api:*.
func checkAction(a string) error {
	if a == "*" {
		return nil
	}
	svc, name, ok := strings.Cut(a, ":")
	if !ok || svc == "" || name == "" || strings.ContainsAny(a, " \t\r\n") {
		return fmt.Errorf("%q is not \"*\" or service:action", a)
	}
	return nil
}

func checkResource(r string, resourcePolicy bool) error {
	switch {
	case r == "*" || strings.HasPrefix(r, "arn:"):
		return nil
	case strings.HasPrefix(r, "execute-api:") && !resourcePolicy:
		return fmt.Errorf("%q: abbreviated execute-api resources are only valid in resource policies", r)
	}
	return fmt.Errorf("%q is not \"*\" or an ARN", r)
}

func parsePrincipal(v *jvalue) (*principalSet, error) {
	ps := &principalSet{}
	switch v.kind {
	case jString:
		if v.str != "*" {
			return nil, fmt.Errorf("a string principal must be \"*\", got %q (use {\"AWS\": …})", v.str)
		}
		ps.any = true
		return ps, nil
	case jObject:
	default:
		return nil, fmt.Errorf("must be \"*\" or an object, got %s", v.kind)
	}
	if len(v.obj) == 0 {
		return nil, errors.New("must not be empty")
	}
	for i := range v.obj {
		m := &v.obj[i]
		vals, err := stringList(&m.val)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", m.name, err)
		}
		switch m.name {
		case "AWS":
			for _, a := range vals {
				if err := ps.addAWS(a); err != nil {
					return nil, fmt.Errorf("AWS: %v", err)
				}
			}
		case "Service", "Federated", "CanonicalUser":
			// Valid IAM, but never an execute-api caller: these entries
			// match nothing.
		default:
			return nil, fmt.Errorf("unknown principal type %q", m.name)
		}
	}
	return ps, nil
}

func parseCondition(s *statement, v *jvalue) error {
	if v.kind != jObject {
		return elemError("Condition", "must be an object, got %s", v.kind)
	}
	for i := range v.obj {
		op := &v.obj[i]
		if op.val.kind != jObject || len(op.val.obj) == 0 {
			return elemError("Condition."+op.name, "must be a non-empty object of key: values")
		}
		proto, known := parseOperator(op.name)
		for j := range op.val.obj {
			k := &op.val.obj[j]
			path := "Condition." + op.name + "." + k.name
			if k.name == "" {
				return elemError("Condition."+op.name, "empty condition key")
			}
			vals, err := scalarList(&k.val)
			if err != nil {
				return elemError(path, "%v", err)
			}
			if !known {
				continue
			}
			c := proto
			c.key = strings.ToLower(k.name)
			if err := c.compileValues(vals); err != nil {
				return elemError(path, "%v", err)
			}
			s.conditions = append(s.conditions, c)
		}
		if !known && s.unsupported == "" {
			s.unsupported = op.name
		}
	}
	return nil
}

// stringList reads a string or a non-empty array of strings.
func stringList(v *jvalue) ([]string, error) {
	switch v.kind {
	case jString:
		return []string{v.str}, nil
	case jArray:
		if len(v.arr) == 0 {
			return nil, errors.New("must not be an empty array")
		}
		out := make([]string, len(v.arr))
		for i := range v.arr {
			if v.arr[i].kind != jString {
				return nil, fmt.Errorf("array element %d must be a string, got %s", i, v.arr[i].kind)
			}
			out[i] = v.arr[i].str
		}
		return out, nil
	}
	return nil, fmt.Errorf("must be a string or an array of strings, got %s", v.kind)
}

// scalarList reads a condition value: a string, number or boolean, or a
// non-empty array of them, each stringified as IAM compares them.
func scalarList(v *jvalue) ([]string, error) {
	switch v.kind {
	case jString, jNumber, jBool:
		return []string{v.str}, nil
	case jArray:
		if len(v.arr) == 0 {
			return nil, errors.New("must not be an empty array")
		}
		out := make([]string, len(v.arr))
		for i := range v.arr {
			switch v.arr[i].kind {
			case jString, jNumber, jBool:
				out[i] = v.arr[i].str
			default:
				return nil, fmt.Errorf("array element %d must be a string, number or boolean, got %s", i, v.arr[i].kind)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("must be a string, number, boolean or an array of them, got %s", v.kind)
}

// jvalue is a decoded JSON value that keeps object members in order and
// lets the decoder reject duplicate names, which encoding/json would
// silently resolve to the last one — a policy with two Effect elements
// must not be read either way.
type jvalue struct {
	kind jkind
	str  string // string value, number text, "true"/"false"
	arr  []jvalue
	obj  []jmember
}

type jmember struct {
	name string
	val  jvalue
}

type jkind uint8

const (
	jNull jkind = iota
	jString
	jNumber
	jBool
	jArray
	jObject
)

func (k jkind) String() string {
	switch k {
	case jString:
		return "a string"
	case jNumber:
		return "a number"
	case jBool:
		return "a boolean"
	case jArray:
		return "an array"
	case jObject:
		return "an object"
	}
	return "null"
}

// describe renders v for an error message.
func (v *jvalue) describe() string {
	if v.kind == jString {
		return strconv.Quote(v.str)
	}
	return v.kind.String()
}

func decodeJSON(data []byte) (jvalue, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := readValue(dec, 0)
	if errors.Is(err, io.EOF) {
		return v, errors.New("empty document")
	}
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) || errors.Is(err, io.ErrUnexpectedEOF) {
		return v, invalidJSON(err)
	}
	if err != nil {
		return v, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return v, errors.New("invalid JSON: unexpected data after the document")
	}
	return v, nil
}

func invalidJSON(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("invalid JSON: unexpected end of input")
	}
	return fmt.Errorf("invalid JSON: %v", err)
}

func readValue(dec *json.Decoder, depth int) (jvalue, error) {
	if depth > maxDepth {
		return jvalue{}, errors.New("nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		return jvalue{}, err
	}
	switch t := tok.(type) {
	case nil:
		return jvalue{kind: jNull}, nil
	case string:
		return jvalue{kind: jString, str: t}, nil
	case json.Number:
		return jvalue{kind: jNumber, str: t.String()}, nil
	case bool:
		return jvalue{kind: jBool, str: strconv.FormatBool(t)}, nil
	case json.Delim:
		switch t {
		case '[':
			v := jvalue{kind: jArray}
			for dec.More() {
				e, err := readValue(dec, depth+1)
				if err != nil {
					return v, unexpectedEOF(err)
				}
				v.arr = append(v.arr, e)
			}
			_, err := dec.Token()
			return v, unexpectedEOF(err)
		case '{':
			v := jvalue{kind: jObject}
			// Small objects are checked for duplicates by scanning; a
			// set takes over before that could turn quadratic.
			var seen map[string]struct{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return v, unexpectedEOF(err)
				}
				name, _ := kt.(string)
				dup := false
				if seen != nil {
					_, dup = seen[name]
				} else {
					for i := range v.obj {
						dup = dup || v.obj[i].name == name
					}
				}
				if dup {
					return v, fmt.Errorf("duplicate element %q", name)
				}
				if seen == nil && len(v.obj) >= 16 {
					seen = make(map[string]struct{}, 2*len(v.obj))
					for i := range v.obj {
						seen[v.obj[i].name] = struct{}{}
					}
				}
				if seen != nil {
					seen[name] = struct{}{}
				}
				e, err := readValue(dec, depth+1)
				if err != nil {
					return v, unexpectedEOF(err)
				}
				v.obj = append(v.obj, jmember{name: name, val: e})
			}
			_, err := dec.Token()
			return v, unexpectedEOF(err)
		}
	}
	return jvalue{}, fmt.Errorf("unexpected %v", tok)
}

// unexpectedEOF turns an end of input inside a value into an error.
func unexpectedEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
