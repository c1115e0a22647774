package vtl

import (
	"errors"
	"testing"
)

// FuzzTemplate parses and runs arbitrary templates against an arbitrary
// body: no panic, and evaluation ends within its budget (a small one, so
// that each input runs quickly).
func FuzzTemplate(f *testing.F) {
	f.Add(`#set($r = $input.path('$'))#foreach($e in $r)$e.id#if($foreach.hasNext),#end#end`, `[{"id":1},{"id":2}]`)
	f.Add(`{"a": $input.json('$.a[*]'), "b": "$util.escapeJavaScript($input.body)"}`, `{"a":[1,2]}`)
	f.Add(`#if($a == 1 && !$b || $c < 3)x#elseif($d)y#else z#end`, ``)
	f.Add(`#set($m = {"k": [1..3]})$m.k.get(1) ${m} $!x #[[ raw ]]# ## c`, `x`)
	f.Add(`$input.params().header.get("a") $input.params('x') $util.parseJson($input.body).x`, `{"x": "\u00e9"}`)
	f.Add(`#foreach($i in [1..5])#foreach($j in [1..5])$i$j#break#end#end#stop after`, ``)
	f.Add(`"$s.replaceAll('(a)', '$1$1')"`, ``)
	f.Fuzz(func(t *testing.T, src, body string) {
		tm, err := Parse(src, Pos{File: "fuzz"})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("parse error is %T, not *Error", err)
			}
			return
		}
		env := MapEnv{
			"input": &Input{Body: []byte(body), Header: []Param{{"a", "b"}}},
			"util":  Util{},
			"s":     body,
		}
		out, err := tm.Execute(env, Limits{MaxSteps: 20000, MaxOutput: 1 << 16})
		if err == nil && len(out) > 1<<16+len(src) {
			t.Fatalf("output of %d bytes over the limit", len(out))
		}
	})
}
