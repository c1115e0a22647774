package vtl

import (
	"encoding/json"
	"errors"
	"reflect"
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

// FuzzParseJSON holds the hand-written decoder to encoding/json: both accept
// the same documents, and decode them to the same values.
func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5,-0,1e3,true,false,null,"x\u00e9\ud83d\ude00\n"]}`, `[]`, `{}`, `"\ud800"`, `01`, `1.`, `{"a":1,}`, `  7  `, `"\x01"`, `123456789012345678901234567890`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := ParseJSON(data)
		var ref any
		refErr := json.Unmarshal(data, &ref)
		if (err == nil) != (refErr == nil) {
			t.Fatalf("ParseJSON err %v, encoding/json err %v", err, refErr)
		}
		if err != nil {
			return
		}
		var back any
		if err := json.Unmarshal([]byte(JSON(v)), &back); err != nil {
			t.Fatalf("JSON(%v) is not JSON: %v", v, err)
		}
		if !reflect.DeepEqual(normalise(back), normalise(ref)) {
			t.Fatalf("decoded %#v, encoding/json %#v", back, ref)
		}
	})
}

// normalise makes float rounding of huge integers comparable.
func normalise(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalise(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalise(e)
		}
	case float64:
		return float32(x)
	}
	return v
}

// FuzzParsePath parses arbitrary JSONPath expressions and applies them to a
// document: no panic, and an indefinite path always yields the list of its
// matches (a definite one the value itself).
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"$", "$.a.b", "$['a'][0]", "$..name", "$.a[*].b", "$.a[1:3]", "$.a[-1]", "$['a','b']", "a.b", "$.a[?(@.x)]", "$[", "$..[0]"} {
		f.Add(s)
	}
	doc, err := ParseJSON([]byte(`{"a": [{"b": 1, "name": "x"}, {"b": [2, {"name": "y"}]}], "name": "z"}`))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		p, err := ParsePath(expr)
		if err != nil {
			return
		}
		v, found := p.Eval(doc)
		if !p.definite {
			if _, ok := v.(*List); !ok || !found {
				t.Fatalf("indefinite path %q gave %T (found %v), not a list", expr, v, found)
			}
		} else if !found && v != nil {
			t.Fatalf("definite path %q not found but gave %v", expr, JSON(v))
		}
	})
}
