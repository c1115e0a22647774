// Condition evaluation with IAM semantics (IAM User Guide "IAM JSON policy
// elements: Condition operators" and "Single-valued vs. multivalued
// context keys"; docs/behaviour.md#RP-4).
//
// A Condition block is operator → key → values. All operators and all keys
// must hold (AND); the values listed for one key are alternatives (OR).
// For a negated operator (StringNotEquals, NotIpAddress, ArnNotLike, …) the
// request value must match none of the listed values.
//
// A key the request does not carry makes a positive operator false and a
// negated one true; the …IfExists suffix makes any operator true; Null
// tests presence itself. With the set prefixes, ForAnyValue: needs at least
// one request value to satisfy the operator (false when the key is
// missing) and ForAllValues: needs every request value to (true when the
// key is missing). Condition keys are case-insensitive; they are stored
// lower-cased and looked up that way.
//
// Every policy value is parsed once, at Parse: numbers, dates, CIDRs and
// ARN globs. Only the request's values are parsed during evaluation.

package policy

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// ConditionContext supplies the request's condition keys (aws:SourceIp,
// aws:CurrentTime, …). Lookup receives the key lower-cased and reports the
// key's values and whether the request carries it.
type ConditionContext interface {
	Lookup(key string) (values []string, ok bool)
}

// ContextFunc adapts a function to ConditionContext.
type ContextFunc func(key string) ([]string, bool)

// Lookup calls f.
func (f ContextFunc) Lookup(key string) ([]string, bool) { return f(key) }

// MapContext is a ConditionContext backed by a map whose keys are lower
// case. Build it with NewMapContext unless the keys already are.
type MapContext map[string][]string

// NewMapContext returns a MapContext holding m with its keys lower-cased,
// so that callers may write keys as AWS documents them (aws:SourceIp).
func NewMapContext(m map[string][]string) MapContext {
	c := make(MapContext, len(m))
	for k, v := range m {
		c[strings.ToLower(k)] = v
	}
	return c
}

// Lookup returns the values of the lower-case key.
func (c MapContext) Lookup(key string) ([]string, bool) {
	v, ok := c[key]
	return v, ok
}

var (
	_ ConditionContext = MapContext(nil)
	_ ConditionContext = ContextFunc(nil)
)

// valueKind is the family of a condition operator.
type valueKind uint8

const (
	kindString valueKind = iota
	kindStringFold
	kindStringLike
	kindNumeric
	kindDate
	kindBool
	kindIP
	kindARN
	kindNull
)

// cmpOp is the comparison of a Numeric or Date operator.
type cmpOp uint8

const (
	cmpEq cmpOp = iota
	cmpLt
	cmpLe
	cmpGt
	cmpGe
)

// setOp is the ForAnyValue:/ForAllValues: prefix, if any.
type setOp uint8

const (
	setNone setOp = iota
	setAny
	setAll
)

// condition is one (operator, key) pair of a Condition block.
type condition struct {
	key      string // lower case
	kind     valueKind
	cmp      cmpOp
	negate   bool
	set      setOp
	ifExists bool

	strs     []string // String*, the raw text for Bool and Null
	nums     []float64
	times    []time.Time
	prefixes []netip.Prefix
	arns     []arnPattern
	bools    []bool // Bool, Null
}

// parseOperator splits an operator name into its parts; ok is false for
// an operator Portcullis does not know.
func parseOperator(name string) (c condition, ok bool) {
	base := name
	switch {
	case strings.HasPrefix(base, "ForAnyValue:"):
		c.set, base = setAny, strings.TrimPrefix(base, "ForAnyValue:")
	case strings.HasPrefix(base, "ForAllValues:"):
		c.set, base = setAll, strings.TrimPrefix(base, "ForAllValues:")
	}
	if b, found := strings.CutSuffix(base, "IfExists"); found {
		c.ifExists, base = true, b
	}
	switch base {
	case "StringEquals":
		c.kind = kindString
	case "StringNotEquals":
		c.kind, c.negate = kindString, true
	case "StringEqualsIgnoreCase":
		c.kind = kindStringFold
	case "StringNotEqualsIgnoreCase":
		c.kind, c.negate = kindStringFold, true
	case "StringLike":
		c.kind = kindStringLike
	case "StringNotLike":
		c.kind, c.negate = kindStringLike, true
	case "NumericEquals":
		c.kind, c.cmp = kindNumeric, cmpEq
	case "NumericNotEquals":
		c.kind, c.cmp, c.negate = kindNumeric, cmpEq, true
	case "NumericLessThan":
		c.kind, c.cmp = kindNumeric, cmpLt
	case "NumericLessThanEquals":
		c.kind, c.cmp = kindNumeric, cmpLe
	case "NumericGreaterThan":
		c.kind, c.cmp = kindNumeric, cmpGt
	case "NumericGreaterThanEquals":
		c.kind, c.cmp = kindNumeric, cmpGe
	case "DateEquals":
		c.kind, c.cmp = kindDate, cmpEq
	case "DateNotEquals":
		c.kind, c.cmp, c.negate = kindDate, cmpEq, true
	case "DateLessThan":
		c.kind, c.cmp = kindDate, cmpLt
	case "DateLessThanEquals":
		c.kind, c.cmp = kindDate, cmpLe
	case "DateGreaterThan":
		c.kind, c.cmp = kindDate, cmpGt
	case "DateGreaterThanEquals":
		c.kind, c.cmp = kindDate, cmpGe
	case "Bool":
		c.kind = kindBool
	case "IpAddress":
		c.kind = kindIP
	case "NotIpAddress":
		c.kind, c.negate = kindIP, true
	// IAM documents ArnEquals and ArnLike as the same per-segment glob.
	case "ArnEquals", "ArnLike":
		c.kind = kindARN
	case "ArnNotEquals", "ArnNotLike":
		c.kind, c.negate = kindARN, true
	case "Null":
		// Null tests presence; a set prefix or IfExists makes no sense
		// with it and IAM rejects them.
		if c.set != setNone || c.ifExists {
			return c, false
		}
		c.kind = kindNull
	default:
		return c, false
	}
	return c, true
}

// compileValues parses the policy values of c.
func (c *condition) compileValues(vals []string) error {
	for _, v := range vals {
		switch c.kind {
		case kindString, kindStringFold, kindStringLike:
			c.strs = append(c.strs, v)
		case kindNumeric:
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return fmt.Errorf("%q is not a number", v)
			}
			c.nums = append(c.nums, f)
		case kindDate:
			t, ok := parseDate(v)
			if !ok {
				return fmt.Errorf("%q is not an ISO 8601 date or epoch seconds", v)
			}
			c.times = append(c.times, t)
		case kindBool, kindNull:
			b, ok := parseBool(v)
			if !ok {
				return fmt.Errorf("%q is not true or false", v)
			}
			c.bools = append(c.bools, b)
		case kindIP:
			p, err := parsePrefix(v)
			if err != nil {
				return err
			}
			c.prefixes = append(c.prefixes, p)
		case kindARN:
			c.arns = append(c.arns, compileARN(v))
		}
	}
	return nil
}

func parseBool(v string) (value, ok bool) {
	switch {
	case strings.EqualFold(v, "true"):
		return true, true
	case strings.EqualFold(v, "false"):
		return false, true
	}
	return false, false
}

// parsePrefix accepts a CIDR block or a bare address (a /32 or /128).
func parsePrefix(v string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(v); err == nil {
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(v)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR block", v)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// parseDate reads an ISO 8601 date (UTC when no zone is given) or epoch
// seconds, as IAM's Date operators and aws:EpochTime use.
func parseDate(v string) (time.Time, bool) {
	if v == "" {
		return time.Time{}, false
	}
	if isEpoch(v) {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f > 1e15 {
			return time.Time{}, false
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
	}
	// The ISO 8601 forms IAM accepts, most common first.
	for _, l := range [...]string{
		time.RFC3339Nano,
		"2006-01-02T15:04:05Z0700",
		"2006-01-02T15:04:05",
		"2006-01-02T15:04Z07:00",
		"2006-01-02T15:04",
		"2006-01-02",
	} {
		if t, err := time.Parse(l, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// isEpoch reports whether v looks like non-negative epoch seconds.
func isEpoch(v string) bool {
	dot := false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= '0' && c <= '9':
		case c == '.' && !dot && i > 0:
			dot = true
		default:
			return false
		}
	}
	return true
}

// eval reports whether the condition holds for the request.
func (c *condition) eval(ctx ConditionContext) bool {
	var vals []string
	if ctx != nil {
		v, ok := ctx.Lookup(c.key)
		if ok {
			vals = v
		}
	}
	if c.kind == kindNull {
		absent := len(vals) == 0
		for _, want := range c.bools {
			if want == absent {
				return true
			}
		}
		return false
	}
	if len(vals) == 0 {
		switch {
		case c.ifExists:
			return true
		case c.set == setAny:
			return false
		case c.set == setAll:
			return true
		}
		return c.negate
	}
	switch c.set {
	case setAny:
		for _, v := range vals {
			if c.matchAny(v) != c.negate {
				return true
			}
		}
		return false
	case setAll:
		for _, v := range vals {
			if c.matchAny(v) == c.negate {
				return false
			}
		}
		return true
	}
	// Without a set prefix, the key holds when any request value matches
	// any policy value; a negated operator holds when none does.
	for _, v := range vals {
		if c.matchAny(v) {
			return !c.negate
		}
	}
	return c.negate
}

// matchAny reports whether request value v matches at least one policy
// value under the positive form of the operator.
func (c *condition) matchAny(v string) bool {
	switch c.kind {
	case kindString:
		for _, s := range c.strs {
			if v == s {
				return true
			}
		}
	case kindStringFold:
		for _, s := range c.strs {
			if strings.EqualFold(v, s) {
				return true
			}
		}
	case kindStringLike:
		for _, s := range c.strs {
			if glob(s, v, false) {
				return true
			}
		}
	case kindNumeric:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return false
		}
		for _, n := range c.nums {
			if compare(f, n, c.cmp) {
				return true
			}
		}
	case kindDate:
		t, ok := parseDate(v)
		if !ok {
			return false
		}
		for _, d := range c.times {
			if compareOrder(t.Compare(d), c.cmp) {
				return true
			}
		}
	case kindBool:
		b, ok := parseBool(v)
		if !ok {
			return false
		}
		for _, want := range c.bools {
			if b == want {
				return true
			}
		}
	case kindIP:
		a, err := netip.ParseAddr(v)
		if err != nil {
			return false
		}
		a = a.Unmap()
		for _, p := range c.prefixes {
			if p.Contains(a) {
				return true
			}
		}
	case kindARN:
		for i := range c.arns {
			if c.arns[i].match(v) {
				return true
			}
		}
	}
	return false
}

func compare(a, b float64, op cmpOp) bool {
	switch op {
	case cmpEq:
		return a == b
	case cmpLt:
		return a < b
	case cmpLe:
		return a <= b
	case cmpGt:
		return a > b
	case cmpGe:
		return a >= b
	}
	return false
}

// compareOrder applies op to the result of a three-way comparison.
func compareOrder(order int, op cmpOp) bool {
	switch op {
	case cmpEq:
		return order == 0
	case cmpLt:
		return order < 0
	case cmpLe:
		return order <= 0
	case cmpGt:
		return order > 0
	case cmpGe:
		return order >= 0
	}
	return false
}
