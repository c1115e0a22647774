package vtl

import "testing"

// typicalTemplate is a request template of the kind published APIs use:
// fields picked from the body, a loop over an array, request parameters and
// context values, one escapeJavaScript.
const typicalTemplate = `#set($body = $input.path('$'))
{
  "userId": "$context.authorizer.principalId",
  "requestId": "$context.requestId",
  "orderId": "$input.params('orderId')",
  "note": "$util.escapeJavaScript($body.note)",
  "items": [
#foreach($item in $body.items)
    {"sku": "$item.sku", "qty": $item.qty}#if($foreach.hasNext),#end

#end
  ],
  "total": $input.json('$.total')
}`

const typicalBody = `{"note": "leave at the door", "items": [{"sku": "A-1", "qty": 2}, {"sku": "B-7", "qty": 1}, {"sku": "C-3", "qty": 5}], "total": 42.5}`

func BenchmarkExecute_TypicalRequestTemplate(b *testing.B) {
	tm, err := Parse(typicalTemplate, Pos{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := NewMap(2)
	ctx.Put("requestId", "c6af9ac6-7b61-11e6-9a41-93e8deadbeef")
	auth := NewMap(1)
	auth.Put("principalId", "alice")
	ctx.Put("authorizer", auth)
	b.ReportAllocs()
	for b.Loop() {
		env := MapEnv{"input": &Input{Body: []byte(typicalBody), Path: []Param{{"orderId", "o-17"}}}, "util": Util{}, "context": ctx}
		if _, err := tm.Execute(env, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse_TypicalRequestTemplate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(typicalTemplate, Pos{}); err != nil {
			b.Fatal(err)
		}
	}
}
