package policy

import (
	"fmt"
	"strings"
	"testing"
)

func BenchmarkEvaluate_TypicalAuthorizerPolicy(b *testing.B) {
	for _, resource := range []string{
		"arn:aws:execute-api:us-east-1:123456789012:abcdef1234/*",
		"arn:aws:execute-api:us-east-1:123456789012:abcdef1234/*/*",
	} {
		b.Run(resource[strings.LastIndexByte(resource, ':')+1:], func(b *testing.B) {
			d := mustParse(b, stmt(`{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"`+resource+`"}`))
			req := invoke(petsARN)
			b.ReportAllocs()
			for b.Loop() {
				if d.Evaluate(req).Effect != Allow {
					b.Fatal("not allowed")
				}
			}
		})
	}
}

// Ten statements of mixed shapes; the request is decided by the last.
func BenchmarkEvaluate_TenStatements(b *testing.B) {
	var stmts []string
	for i := range 9 {
		stmts = append(stmts, fmt.Sprintf(
			`{"Effect":"Allow","Action":["execute-api:Invoke","execute-api:InvalidateCache"],"Resource":["arn:aws:execute-api:*:123456789012:abcdef1234/prod/*/orders/%d/*","arn:aws:execute-api:us-east-1:123456789012:abcdef1234/dev/GET/items/%d"]}`, i, i))
	}
	stmts = append(stmts, `{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/DELETE/pets/*"}`)
	stmts[4] = `{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/pets"}`
	d := mustParse(b, stmt(strings.Join(stmts, ",")))
	req := invoke(petsARN)
	b.ReportAllocs()
	for b.Loop() {
		if d.Evaluate(req).Statement != 4 {
			b.Fatal("wrong statement")
		}
	}
}

func BenchmarkEvaluate_ResourcePolicyIPCondition(b *testing.B) {
	d, err := ParseResourcePolicy(stmt(
		`{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},`+
			`{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","10.0.0.0/8"]}}}`),
		"us-east-1", "123456789012", "abcdef1234")
	if err != nil {
		b.Fatal(err)
	}
	req := invoke(petsARN)
	req.Context = NewMapContext(map[string][]string{"aws:SourceIp": {"10.1.2.3"}})
	b.ReportAllocs()
	for b.Loop() {
		if d.Evaluate(req).Effect != Allow {
			b.Fatal("not allowed")
		}
	}
}

func BenchmarkARNGlob(b *testing.B) {
	p := compileARN("arn:aws:execute-api:*:*:abcdef1234/*/GET/pets*")
	b.ReportAllocs()
	for b.Loop() {
		if !p.match(petsARN) {
			b.Fatal("no match")
		}
	}
}

func BenchmarkParse_TypicalAuthorizerPolicy(b *testing.B) {
	doc := stmt(`{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"arn:aws:execute-api:us-east-1:123456789012:abcdef1234/*"}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(doc); err != nil {
			b.Fatal(err)
		}
	}
}
