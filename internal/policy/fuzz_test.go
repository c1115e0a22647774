package policy

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// refARNMatch is the reference for arnPattern.match: it spells out the
// definition at the top of arn.go as a regular expression. The first five
// colons of pattern and subject become a boundary mark (NUL); '?' and '*'
// never match the mark, except a '*' that ends a pattern segment, which
// matches anything.
func refARNMatch(t testing.TB, pattern, subject string) bool {
	p, s := markBoundaries(pattern), markBoundaries(subject)
	var re strings.Builder
	re.WriteString(`^`)
	for i, r := range p {
		switch r {
		case '*':
			if i+1 == len(p) || p[i+1] == 0 {
				re.WriteString(`(?s:.*)`)
			} else {
				re.WriteString(`[^\x00]*`)
			}
		case '?':
			re.WriteString(`[^\x00]`)
		case 0:
			re.WriteString(`\x00`)
		default:
			re.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	re.WriteString(`$`)
	rx, err := regexp.Compile(re.String())
	if err != nil {
		t.Fatalf("reference regexp for %q: %v", pattern, err)
	}
	return rx.MatchString(s)
}

func markBoundaries(s string) string {
	b := []byte(s)
	for i, n := 0, 0; i < len(b) && n < 5; i++ {
		if b[i] == ':' {
			b[i] = 0
			n++
		}
	}
	return string(b)
}

// refGlob is the reference for glob: '*' is .*, '?' is one rune, with
// ASCII case folding when fold is set.
func refGlob(t testing.TB, pattern, subject string, fold bool) bool {
	var re strings.Builder
	if fold {
		re.WriteString(`(?i)`)
	}
	re.WriteString(`^`)
	for _, r := range pattern {
		switch r {
		case '*':
			re.WriteString(`(?s:.*)`)
		case '?':
			re.WriteString(`(?s:.)`)
		default:
			re.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	re.WriteString(`$`)
	rx, err := regexp.Compile(re.String())
	if err != nil {
		t.Fatalf("reference regexp for %q: %v", pattern, err)
	}
	return rx.MatchString(subject)
}

// comparable reports whether the regexp references define the expected
// result: they read UTF-8, and NUL is their boundary mark.
func comparable(ss ...string) bool {
	for _, s := range ss {
		if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
			return false
		}
	}
	return true
}

func FuzzARNGlob(f *testing.F) {
	const arn = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/pets/1"
	for _, p := range []string{
		"*", arn, "arn:aws:execute-api:*", "arn:aws:execute-api:*:*:*",
		"arn:aws:execute-api:us-east-1:123456789012:abcdef1234/*",
		"arn:aws:execute-api:us-east-1:*:abcdef1234/*/GET/*",
		"arn:aws:execute-api:us-?ast-1:*:*/prod/*",
		"arn:*:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/pets/?",
		"arn:aws:*-api:*",
		"a*:b*c",
	} {
		f.Add(p, arn)
	}
	f.Add("a*:b*c", "a:b:bc")
	f.Add("*?", "😀")
	f.Add("*???", "😀")
	f.Add("a:b:c:d:e:f*:g", "a:b:c:d:e:f:x:g")
	f.Fuzz(func(t *testing.T, pattern, subject string) {
		p := compileARN(pattern)
		got := p.match(subject)
		// The fast paths must agree with the segment automaton.
		forced, v := segmentARN(pattern), splitARN(subject)
		if general := forced.matchSplit(&v); general != got {
			t.Fatalf("match(%q, %q): fast path %v, segment automaton %v", pattern, subject, got, general)
		}
		if !comparable(pattern, subject) {
			return
		}
		if want := refARNMatch(t, pattern, subject); got != want {
			t.Fatalf("match(%q, %q) = %v, reference says %v", pattern, subject, got, want)
		}
	})
}

func FuzzGlob(f *testing.F) {
	f.Add("execute-api:*", "execute-api:Invoke", true)
	f.Add("execute-api:inv?ke", "EXECUTE-API:INVOKE", true)
	f.Add("*a*b*c*", "xxaxxbxxcxx", false)
	f.Add("a*a*a*a*a*a*b", strings.Repeat("a", 64), false)
	f.Add("?é*", "xé", false)
	f.Fuzz(func(t *testing.T, pattern, subject string, fold bool) {
		if fold {
			pattern = toLowerASCII(pattern)
		}
		got := glob(pattern, subject, fold)
		if !comparable(pattern, subject) {
			return
		}
		if fold && !isASCII(pattern+subject) {
			return // the reference folds Unicode, glob folds ASCII only
		}
		if want := refGlob(t, pattern, subject, fold); got != want {
			t.Fatalf("glob(%q, %q, %v) = %v, reference says %v", pattern, subject, fold, got, want)
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:abcdef1234/*"}]}`))
	f.Add([]byte(`{"Statement":{"Effect":"Deny","NotAction":["s3:*"],"NotResource":"arn:aws:execute-api:*:*:*/prod/*","Principal":{"AWS":["123456789012","arn:aws:iam::123456789012:role/R"]},"Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","::1"]},"ForAnyValue:StringLike":{"aws:PrincipalTag/team":"a*"},"NumericLessThan":{"aws:EpochTime":1700000000},"Bool":{"aws:SecureTransport":false},"Frobnicate":{"k":"v"}}}}`))
	f.Add([]byte(`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2024-01-01T00:00:00Z"},"Null":{"aws:Referer":"true"}}}]}`))
	f.Add([]byte(`{"Statement":[]}`))
	f.Add([]byte(`{"Statement":[{"Effect":"Allow","Effect":"Deny"}]}`))
	f.Add([]byte(`null`))
	reqs := []Request{
		{Action: ActionInvoke, Resource: "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/pets"},
		{Action: "EXECUTE-API:invoke", Resource: "arn:aws:execute-api:eu-west-1:210987654321:zz/dev/POST/", Principal: Principal{ARN: "arn:aws:sts::123456789012:assumed-role/R/s"}},
		{Action: "s3:GetObject", Resource: "", Principal: Principal{AccountID: "123456789012"}, Context: NewMapContext(map[string][]string{
			"aws:SourceIp": {"10.1.2.3"}, "aws:CurrentTime": {"2025-06-01T00:00:00Z"}, "aws:EpochTime": {"1750000000"},
			"aws:SecureTransport": {"true"}, "aws:PrincipalTag/team": {"alpha", "beta"}, "k": {"v", ""},
		})},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data)
		if err != nil {
			if d != nil {
				t.Fatalf("Parse returned a document and an error: %v", err)
			}
			return
		}
		_ = d.Warnings()
		for i := range reqs {
			dec := d.Evaluate(&reqs[i])
			_ = dec.Reason()
			if (dec.Statement < 0) != (dec.Effect == ImplicitDeny) {
				t.Fatalf("decision %+v: a statement decides exactly when the effect is not implicit", dec)
			}
		}
		_ = Evaluate([]*Document{d, nil, d}, &reqs[0])
		if _, err := ParseResourcePolicy(data, "us-east-1", "123456789012", "abcdef1234"); err != nil {
			return
		}
	})
}
