package policy

import (
	"testing"
)

// evalCondition parses one statement with the given Condition block and
// reports whether it allows a request carrying ctx.
func evalCondition(t *testing.T, condition string, ctx ConditionContext) bool {
	t.Helper()
	d := mustParse(t, stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":`+condition+`}`))
	if w := d.Warnings(); len(w) != 0 {
		t.Fatalf("unexpected warnings: %q", w)
	}
	req := invoke(petsARN)
	req.Context = ctx
	return d.Evaluate(req).Effect == Allow
}

func ctx(kv ...string) MapContext {
	m := map[string][]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = append(m[kv[i]], kv[i+1])
	}
	return NewMapContext(m)
}

// Every operator, positive and negative, per IAM User Guide "IAM JSON
// policy elements: Condition operators" (docs/behaviour.md#RP-4, issue scope: String*,
// Numeric*, Date*, Bool, IpAddress, Arn*, Null, …IfExists).
func TestCondition_Operators(t *testing.T) {
	const (
		lambdaARN = "arn:aws:lambda:us-east-1:123456789012:function:pets"
	)
	tests := []struct {
		name, cond string
		ctx        MapContext
		want       bool
	}{
		{"StringEquals_Match", `{"StringEquals":{"aws:SourceVpc":"vpc-1"}}`, ctx("aws:SourceVpc", "vpc-1"), true},
		{"StringEquals_CaseSensitive", `{"StringEquals":{"aws:SourceVpc":"VPC-1"}}`, ctx("aws:SourceVpc", "vpc-1"), false},
		{"StringEquals_AnyListedValue", `{"StringEquals":{"aws:SourceVpc":["vpc-0","vpc-1"]}}`, ctx("aws:SourceVpc", "vpc-1"), true},
		{"StringNotEquals_Other", `{"StringNotEquals":{"aws:SourceVpc":"vpc-1"}}`, ctx("aws:SourceVpc", "vpc-2"), true},
		{"StringNotEquals_Listed", `{"StringNotEquals":{"aws:SourceVpc":["vpc-0","vpc-2"]}}`, ctx("aws:SourceVpc", "vpc-2"), false},
		{"StringEqualsIgnoreCase_Match", `{"StringEqualsIgnoreCase":{"aws:username":"ALICE"}}`, ctx("aws:username", "alice"), true},
		{"StringEqualsIgnoreCase_Other", `{"StringEqualsIgnoreCase":{"aws:username":"bob"}}`, ctx("aws:username", "alice"), false},
		{"StringNotEqualsIgnoreCase_Other", `{"StringNotEqualsIgnoreCase":{"aws:username":"bob"}}`, ctx("aws:username", "alice"), true},
		{"StringNotEqualsIgnoreCase_SameFolded", `{"StringNotEqualsIgnoreCase":{"aws:username":"ALICE"}}`, ctx("aws:username", "alice"), false},
		{"StringLike_Star", `{"StringLike":{"aws:UserAgent":"curl/*"}}`, ctx("aws:UserAgent", "curl/8.5.0"), true},
		{"StringLike_StarCrossesColonAndSlash", `{"StringLike":{"aws:Referer":"https://*.example.com/*"}}`, ctx("aws:Referer", "https://www.example.com/a:b/c"), true},
		{"StringLike_QuestionMark", `{"StringLike":{"aws:username":"al?ce"}}`, ctx("aws:username", "alice"), true},
		{"StringLike_NoMatch", `{"StringLike":{"aws:UserAgent":"curl/*"}}`, ctx("aws:UserAgent", "wget/1.0"), false},
		{"StringLike_CaseSensitive", `{"StringLike":{"aws:UserAgent":"Curl/*"}}`, ctx("aws:UserAgent", "curl/8"), false},
		{"StringNotLike_NoMatch", `{"StringNotLike":{"aws:UserAgent":"curl/*"}}`, ctx("aws:UserAgent", "wget/1.0"), true},
		{"StringNotLike_Match", `{"StringNotLike":{"aws:UserAgent":["wget/*","curl/*"]}}`, ctx("aws:UserAgent", "curl/8"), false},

		{"NumericEquals_Match", `{"NumericEquals":{"n":"10"}}`, ctx("n", "10"), true},
		{"NumericEquals_NumberValue", `{"NumericEquals":{"n":10}}`, ctx("n", "10.0"), true},
		{"NumericEquals_Other", `{"NumericEquals":{"n":10}}`, ctx("n", "11"), false},
		{"NumericNotEquals_Other", `{"NumericNotEquals":{"n":10}}`, ctx("n", "11"), true},
		{"NumericNotEquals_Same", `{"NumericNotEquals":{"n":10}}`, ctx("n", "10"), false},
		{"NumericLessThan_Less", `{"NumericLessThan":{"n":10}}`, ctx("n", "9.5"), true},
		{"NumericLessThan_Equal", `{"NumericLessThan":{"n":10}}`, ctx("n", "10"), false},
		{"NumericLessThanEquals_Equal", `{"NumericLessThanEquals":{"n":10}}`, ctx("n", "10"), true},
		{"NumericLessThanEquals_Greater", `{"NumericLessThanEquals":{"n":10}}`, ctx("n", "11"), false},
		{"NumericGreaterThan_Greater", `{"NumericGreaterThan":{"n":10}}`, ctx("n", "11"), true},
		{"NumericGreaterThan_Equal", `{"NumericGreaterThan":{"n":10}}`, ctx("n", "10"), false},
		{"NumericGreaterThanEquals_Equal", `{"NumericGreaterThanEquals":{"n":-1.5}}`, ctx("n", "-1.5"), true},
		{"NumericGreaterThanEquals_Less", `{"NumericGreaterThanEquals":{"n":10}}`, ctx("n", "9"), false},
		{"Numeric_RequestValueNotNumber", `{"NumericEquals":{"n":10}}`, ctx("n", "ten"), false},

		{"DateEquals_SameInstantOtherZone", `{"DateEquals":{"aws:CurrentTime":"2024-06-01T12:00:00Z"}}`, ctx("aws:CurrentTime", "2024-06-01T14:00:00+02:00"), true},
		{"DateEquals_Other", `{"DateEquals":{"aws:CurrentTime":"2024-06-01T12:00:00Z"}}`, ctx("aws:CurrentTime", "2024-06-01T12:00:01Z"), false},
		{"DateNotEquals_Other", `{"DateNotEquals":{"aws:CurrentTime":"2024-06-01"}}`, ctx("aws:CurrentTime", "2024-06-02T00:00:00Z"), true},
		{"DateNotEquals_Same", `{"DateNotEquals":{"aws:CurrentTime":"2024-06-01"}}`, ctx("aws:CurrentTime", "2024-06-01T00:00:00Z"), false},
		{"DateLessThan_Before", `{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}`, ctx("aws:CurrentTime", "2024-06-01T12:00:00Z"), true},
		{"DateLessThan_After", `{"DateLessThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}`, ctx("aws:CurrentTime", "2024-06-01T12:00:00Z"), false},
		{"DateLessThanEquals_Equal", `{"DateLessThanEquals":{"aws:CurrentTime":"2024-06-01T12:00:00Z"}}`, ctx("aws:CurrentTime", "2024-06-01T12:00:00Z"), true},
		{"DateLessThanEquals_After", `{"DateLessThanEquals":{"aws:CurrentTime":"2024-06-01T11:59:59Z"}}`, ctx("aws:CurrentTime", "2024-06-01T12:00:00Z"), false},
		{"DateGreaterThan_After", `{"DateGreaterThan":{"aws:CurrentTime":"2024-01-01T00:00:00Z"}}`, ctx("aws:CurrentTime", "2024-06-01T12:00:00Z"), true},
		{"DateGreaterThan_Equal", `{"DateGreaterThan":{"aws:CurrentTime":"2024-06-01T12:00:00Z"}}`, ctx("aws:CurrentTime", "2024-06-01T12:00:00Z"), false},
		{"DateGreaterThanEquals_Equal", `{"DateGreaterThanEquals":{"aws:CurrentTime":"2024-06-01T12:00:00.000Z"}}`, ctx("aws:CurrentTime", "2024-06-01T12:00:00Z"), true},
		{"DateGreaterThanEquals_Before", `{"DateGreaterThanEquals":{"aws:CurrentTime":"2025-01-01"}}`, ctx("aws:CurrentTime", "2024-06-01T12:00:00Z"), false},
		{"Date_EpochPolicyValue_ISORequest", `{"DateGreaterThan":{"aws:CurrentTime":1717243199}}`, ctx("aws:CurrentTime", "2024-06-01T12:00:00Z"), true},
		{"Date_EpochRequestValue", `{"DateLessThan":{"aws:EpochTime":"2024-06-01T12:00:01Z"}}`, ctx("aws:EpochTime", "1717243200"), true},
		{"Date_EpochBothSides", `{"DateLessThan":{"aws:EpochTime":1717243200}}`, ctx("aws:EpochTime", "1717243200"), false},
		{"Date_RequestValueNotDate", `{"DateLessThan":{"aws:CurrentTime":"2030-01-01"}}`, ctx("aws:CurrentTime", "soon"), false},

		{"Bool_True", `{"Bool":{"aws:SecureTransport":"true"}}`, ctx("aws:SecureTransport", "true"), true},
		{"Bool_JSONBoolean", `{"Bool":{"aws:SecureTransport":true}}`, ctx("aws:SecureTransport", "true"), true},
		{"Bool_Mismatch", `{"Bool":{"aws:SecureTransport":false}}`, ctx("aws:SecureTransport", "true"), false},
		{"Bool_CaseInsensitiveValue", `{"Bool":{"aws:SecureTransport":"TRUE"}}`, ctx("aws:SecureTransport", "true"), true},

		{"IpAddress_IPv4InCIDR", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctx("aws:SourceIp", "203.0.113.77"), true},
		{"IpAddress_IPv4OutsideCIDR", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctx("aws:SourceIp", "203.0.114.1"), false},
		{"IpAddress_BareAddress", `{"IpAddress":{"aws:SourceIp":"203.0.113.7"}}`, ctx("aws:SourceIp", "203.0.113.7"), true},
		{"IpAddress_UnmaskedCIDR", `{"IpAddress":{"aws:SourceIp":"203.0.113.7/24"}}`, ctx("aws:SourceIp", "203.0.113.200"), true},
		{"IpAddress_IPv6InCIDR", `{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}`, ctx("aws:SourceIp", "2001:db8:1::5"), true},
		{"IpAddress_IPv6Outside", `{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}`, ctx("aws:SourceIp", "2001:db9::5"), false},
		{"IpAddress_IPv4MappedIPv6", `{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctx("aws:SourceIp", "::ffff:10.1.2.3"), true},
		{"IpAddress_IPv4NotInIPv6Block", `{"IpAddress":{"aws:SourceIp":"::/0"}}`, ctx("aws:SourceIp", "10.1.2.3"), false},
		{"IpAddress_MixedList", `{"IpAddress":{"aws:SourceIp":["2001:db8::/32","10.0.0.0/8"]}}`, ctx("aws:SourceIp", "10.9.9.9"), true},
		{"IpAddress_RequestValueNotIP", `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, ctx("aws:SourceIp", "localhost"), false},
		{"NotIpAddress_Outside", `{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctx("aws:SourceIp", "192.0.2.1"), true},
		{"NotIpAddress_Inside", `{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","10.0.0.0/8"]}}`, ctx("aws:SourceIp", "10.0.0.1"), false},

		{"ArnEquals_Exact", `{"ArnEquals":{"aws:SourceArn":"` + lambdaARN + `"}}`, ctx("aws:SourceArn", lambdaARN), true},
		{"ArnEquals_WildcardLikeArnLike", `{"ArnEquals":{"aws:SourceArn":"arn:aws:lambda:*:123456789012:function:*"}}`, ctx("aws:SourceArn", lambdaARN), true},
		{"ArnLike_Match", `{"ArnLike":{"aws:SourceArn":"arn:aws:lambda:us-east-1:*:function:p?ts"}}`, ctx("aws:SourceArn", lambdaARN), true},
		{"ArnLike_OtherAccount", `{"ArnLike":{"aws:SourceArn":"arn:aws:lambda:*:111122223333:*"}}`, ctx("aws:SourceArn", lambdaARN), false},
		{"ArnNotEquals_Other", `{"ArnNotEquals":{"aws:SourceArn":"arn:aws:lambda:*:111122223333:*"}}`, ctx("aws:SourceArn", lambdaARN), true},
		{"ArnNotEquals_Same", `{"ArnNotEquals":{"aws:SourceArn":"` + lambdaARN + `"}}`, ctx("aws:SourceArn", lambdaARN), false},
		{"ArnNotLike_Other", `{"ArnNotLike":{"aws:SourceArn":"arn:aws:sqs:*"}}`, ctx("aws:SourceArn", lambdaARN), true},
		{"ArnNotLike_Match", `{"ArnNotLike":{"aws:SourceArn":"arn:aws:lambda:*"}}`, ctx("aws:SourceArn", lambdaARN), false},

		{"Null_True_KeyAbsent", `{"Null":{"aws:TokenIssueTime":"true"}}`, ctx(), true},
		{"Null_True_KeyPresent", `{"Null":{"aws:TokenIssueTime":"true"}}`, ctx("aws:TokenIssueTime", "2024-06-01T00:00:00Z"), false},
		{"Null_False_KeyPresent", `{"Null":{"aws:TokenIssueTime":false}}`, ctx("aws:TokenIssueTime", "2024-06-01T00:00:00Z"), true},
		{"Null_False_KeyAbsent", `{"Null":{"aws:TokenIssueTime":false}}`, ctx(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := evalCondition(t, tt.cond, tt.ctx); got != tt.want {
				t.Errorf("condition %s with %v = %v, want %v", tt.cond, tt.ctx, got, tt.want)
			}
		})
	}
}

// IAM User Guide "Condition operators": a key missing from the request
// makes positive operators false and negated ones true; …IfExists makes
// any operator true; ForAnyValue needs a value (false when missing),
// ForAllValues holds vacuously.
func TestCondition_MissingKey(t *testing.T) {
	tests := []struct {
		name, cond string
		want       bool
	}{
		{"Positive_False", `{"StringEquals":{"aws:SourceVpc":"vpc-1"}}`, false},
		{"Negated_True", `{"StringNotEquals":{"aws:SourceVpc":"vpc-1"}}`, true},
		{"NotIpAddress_True", `{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, true},
		{"IpAddress_False", `{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, false},
		{"ArnNotLike_True", `{"ArnNotLike":{"aws:SourceArn":"arn:*"}}`, true},
		{"NumericNotEquals_True", `{"NumericNotEquals":{"n":1}}`, true},
		{"DateLessThan_False", `{"DateLessThan":{"aws:CurrentTime":"2030-01-01"}}`, false},
		{"Bool_False", `{"Bool":{"aws:SecureTransport":"true"}}`, false},
		{"IfExists_PositiveTrue", `{"StringEqualsIfExists":{"aws:SourceVpc":"vpc-1"}}`, true},
		{"IfExists_NegatedTrue", `{"StringNotEqualsIfExists":{"aws:SourceVpc":"vpc-1"}}`, true},
		{"IfExists_IpAddressTrue", `{"IpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"}}`, true},
		{"IfExists_BoolTrue", `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}}`, true},
		{"ForAnyValue_False", `{"ForAnyValue:StringEquals":{"aws:TagKeys":"a"}}`, false},
		{"ForAnyValueNegated_False", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"a"}}`, false},
		{"ForAllValues_True", `{"ForAllValues:StringEquals":{"aws:TagKeys":"a"}}`, true},
		{"ForAnyValueIfExists_True", `{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":"a"}}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := evalCondition(t, tt.cond, ctx("other", "x")); got != tt.want {
				t.Errorf("%s with key missing = %v, want %v", tt.cond, got, tt.want)
			}
			if got := evalCondition(t, tt.cond, nil); got != tt.want {
				t.Errorf("%s with nil context = %v, want %v", tt.cond, got, tt.want)
			}
		})
	}
}

func TestCondition_PresentKey_IfExistsBehavesAsOperator(t *testing.T) {
	if evalCondition(t, `{"StringEqualsIfExists":{"aws:SourceVpc":"vpc-1"}}`, ctx("aws:SourceVpc", "vpc-2")) {
		t.Error("StringEqualsIfExists with a different present value held")
	}
	if !evalCondition(t, `{"NotIpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"}}`, ctx("aws:SourceIp", "192.0.2.1")) {
		t.Error("NotIpAddressIfExists with an outside address did not hold")
	}
}

// IAM User Guide "Single-valued vs. multivalued context keys".
func TestCondition_SetOperators(t *testing.T) {
	tags := ctx("aws:TagKeys", "env", "aws:TagKeys", "team")
	tests := []struct {
		name, cond string
		want       bool
	}{
		{"ForAnyValue_OneMatches", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["team","owner"]}}`, true},
		{"ForAnyValue_NoneMatches", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["owner"]}}`, false},
		{"ForAllValues_AllListed", `{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team","owner"]}}`, true},
		{"ForAllValues_OneNotListed", `{"ForAllValues:StringEquals":{"aws:TagKeys":["env"]}}`, false},
		{"ForAllValues_Like", `{"ForAllValues:StringLike":{"aws:TagKeys":["e*","t*"]}}`, true},
		{"ForAnyValue_NotEquals_OneOutside", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["env"]}}`, true},
		{"ForAnyValue_NotEquals_AllListed", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["env","team"]}}`, false},
		{"ForAllValues_NotEquals_NoneListed", `{"ForAllValues:StringNotEquals":{"aws:TagKeys":["owner"]}}`, true},
		{"ForAllValues_NotEquals_OneListed", `{"ForAllValues:StringNotEquals":{"aws:TagKeys":["team"]}}`, false},
		{"NoPrefix_MultiValued_AnyMatches", `{"StringEquals":{"aws:TagKeys":"team"}}`, true},
		{"NoPrefix_Negated_MultiValued_OneMatches", `{"StringNotEquals":{"aws:TagKeys":"team"}}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := evalCondition(t, tt.cond, tags); got != tt.want {
				t.Errorf("%s = %v, want %v", tt.cond, got, tt.want)
			}
		})
	}
	if !evalCondition(t, `{"ForAllValues:StringEquals":{"aws:TagKeys":"a"}}`, MapContext{"aws:tagkeys": {}}) {
		t.Error("ForAllValues over an empty set did not hold")
	}
}

// Keys and operators are ANDed, values of one key ORed; keys compare
// case-insensitively.
func TestCondition_CombinationAndKeyCase(t *testing.T) {
	const cond = `{"IpAddress":{"AWS:SOURCEIP":["10.0.0.0/8","192.0.2.0/24"]},"StringEquals":{"aws:SourceVpc":"vpc-1","aws:SourceVpce":"vpce-1"}}`
	tests := []struct {
		name string
		ctx  MapContext
		want bool
	}{
		{"AllHold", ctx("aws:SourceIp", "192.0.2.5", "aws:sourcevpc", "vpc-1", "aws:SourceVpce", "vpce-1"), true},
		{"OneKeyFails", ctx("aws:SourceIp", "192.0.2.5", "aws:SourceVpc", "vpc-1", "aws:SourceVpce", "vpce-2"), false},
		{"OtherOperatorFails", ctx("aws:SourceIp", "203.0.113.1", "aws:SourceVpc", "vpc-1", "aws:SourceVpce", "vpce-1"), false},
		{"KeyMissing", ctx("aws:SourceIp", "10.0.0.1", "aws:SourceVpc", "vpc-1"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := evalCondition(t, cond, tt.ctx); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCondition_UnknownOperators_FailClosed(t *testing.T) {
	for _, op := range []string{"StringEqualz", "ForSomeValues:StringEquals", "NullIfExists", "ForAnyValue:Null", "stringequals", "BinaryEquals"} {
		t.Run(op, func(t *testing.T) {
			d := mustParse(t, stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"`+op+`":{"k":"v"}}}`))
			if len(d.Warnings()) != 1 {
				t.Errorf("Warnings = %q, want one", d.Warnings())
			}
			if got := d.Evaluate(invoke(petsARN)); got.Effect != ExplicitDeny || got.Unsupported != op {
				t.Errorf("Evaluate = %+v, want ExplicitDeny naming %q", got, op)
			}
		})
	}
}

func TestContextFunc_Adapter(t *testing.T) {
	var asked string
	f := ContextFunc(func(key string) ([]string, bool) {
		asked = key
		return []string{"10.0.0.1"}, true
	})
	d := mustParse(t, stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}`))
	req := invoke(petsARN)
	req.Context = f
	if got := d.Evaluate(req).Effect; got != Allow {
		t.Errorf("Evaluate = %v, want Allow", got)
	}
	if asked != "aws:sourceip" {
		t.Errorf("Lookup key = %q, want the lower-cased key", asked)
	}
}
