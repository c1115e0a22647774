package vtl

import (
	"errors"
	"strings"
	"testing"
)

// TestParse_ErrorsCarryPosition: syntax errors name the line and column in
// the file the template was written in, counted from the base position.
func TestParse_ErrorsCarryPosition(t *testing.T) {
	base := Pos{File: "template.yaml", Line: 10, Col: 7}
	tests := []struct {
		name, src, want string
	}{
		{"unclosed if", "{\n  #if($a)\n  x\n}", "template.yaml:11:3: #if without #end"},
		{"stray end", "a\n#end", "template.yaml:11:1: #end without a matching #if or #foreach"},
		{"set without equals", "#set($a 1)", "template.yaml:10:15: #set needs = after the reference"},
		{"unterminated string", "#set($a = \"x)", "template.yaml:10:17: unterminated string"},
		{"bad expression", "#if($a == )#end", "template.yaml:10:17: unexpected \")\" in an expression"},
		{"macro", "x #macro(m)#end", "template.yaml:10:9: #macro is not supported in API Gateway mapping templates"},
		{"unterminated comment", "#* never closed", "template.yaml:10:7: unterminated #* comment"},
		{"unclosed brace ref", "${a.b", "template.yaml:10:7: ${ without a closing }"},
		{"foreach without in", "#foreach($a of $b)#end", "template.yaml:10:19: #foreach needs in after the variable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.src, base)
			if err == nil {
				t.Fatal("parsed")
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}

// TestParse_TextIsNotADirective: # and $ that start no directive or
// reference are text, as in Velocity (colours, prices, JSONPath in text).
func TestParse_TextIsNotADirective(t *testing.T) {
	src := `{"color": "#fff", "price": "$5", "path": "$.a", "tag": "#endif"}`
	tm, err := Parse(src, Pos{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := tm.Execute(MapEnv{}, Limits{})
	if err != nil || got != src {
		t.Fatalf("got %q, %v", got, err)
	}
}

// TestExecute_ForeachStopsAtLimit: API Gateway stops a #foreach after 1,000
// iterations (Velocity's directive.foreach.maxloops), without an error.
func TestExecute_ForeachStopsAtLimit(t *testing.T) {
	tm, err := Parse(`#foreach($i in $list)x#end`, Pos{})
	if err != nil {
		t.Fatal(err)
	}
	l := &List{}
	for i := 0; i < 1500; i++ {
		l.Items = append(l.Items, int64(i))
	}
	got, err := tm.Execute(MapEnv{"list": l}, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1000 {
		t.Fatalf("%d iterations, want 1000", len(got))
	}
}

// TestExecute_Budgets: a template cannot loop or grow without bound.
func TestExecute_Budgets(t *testing.T) {
	tests := []struct {
		name, src string
		lim       Limits
	}{
		{"nested loops exceed the step budget", `#foreach($a in [1..999])#foreach($b in [1..999])#foreach($c in [1..999])x#end#end#end`, Limits{MaxOutput: 1 << 30}},
		{"doubling string exceeds the allocation budget", `#set($s = "xxxxxxxxxxxxxxxx")#foreach($i in [1..100])#set($s = "$s$s")#end`, Limits{}},
		{"output budget", `#foreach($i in [1..999])0123456789#end`, Limits{MaxOutput: 1000}},
		{"huge range", `#foreach($i in [1..2000000000])x#end`, Limits{}},
		{"list growth", `#set($l = [])#foreach($a in [1..999])#foreach($b in [1..999])#set($x = $l.add($b))#end#end`, Limits{MaxSteps: 100000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tm, err := Parse(tt.src, Pos{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = tm.Execute(MapEnv{}, tt.lim)
			if !errors.Is(err, ErrBudget) {
				t.Fatalf("err = %v, want ErrBudget", err)
			}
		})
	}
}

// TestExecute_InvalidJSONBody: $input.path on a body that is not JSON fails
// with API Gateway's message, which the gateway answers as 400.
func TestExecute_InvalidJSONBody(t *testing.T) {
	tm, err := Parse(`{"a": "$input.path('$.a')"}`, Pos{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tm.Execute(MapEnv{"input": &Input{Body: []byte("not json")}}, Limits{})
	var be *BodyError
	if !errors.As(err, &be) {
		t.Fatalf("err = %v, want a *BodyError", err)
	}
	if !strings.HasPrefix(be.Error(), "Could not parse request body into json: ") {
		t.Errorf("message %q", be.Error())
	}
}

// TestExecute_SetNullKeepsValue: Velocity 1.7 ignores #set to null.
func TestExecute_SetNullKeepsValue(t *testing.T) {
	tm, err := Parse(`#set($a = "kept")#set($a = $input.path('$.missing'))$a`, Pos{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := tm.Execute(MapEnv{"input": &Input{Body: []byte(`{}`)}}, Limits{})
	if err != nil || got != "kept" {
		t.Fatalf("got %q, %v", got, err)
	}
}

// TestExecute_StringMethods pins the Java String methods templates use.
func TestExecute_StringMethods(t *testing.T) {
	tests := []struct{ src, want string }{
		{`$s.length()`, "11"},
		{`$s.substring(6)`, "World"},
		{`$s.substring(0, 5).toLowerCase()`, "hello"},
		{`$s.indexOf("o")`, "4"},
		{`$s.lastIndexOf("o")`, "7"},
		{`$s.replace("l", "L")`, "HeLLo WorLd"},
		{`$s.replaceAll("(\w+) (\w+)", "$2 $1")`, "World Hello"},
		{`$s.replaceFirst("l", "_")`, "He_lo World"},
		{`$s.split(" ")`, "[Hello, World]"},
		{`$s.contains("lo W")`, "true"},
		{`$s.startsWith("Hell")`, "true"},
		{`$s.endsWith("x")`, "false"},
		{`$s.equals("Hello World")`, "true"},
		{`$s.equalsIgnoreCase("hello world")`, "true"},
		{`$s.matches("H.*d")`, "true"},
		{`$s.charAt(1)`, "e"},
		{`$s.isEmpty()`, "false"},
		{`$s.empty`, "false"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			tm, err := Parse("#set($r = "+tt.src+")$r", Pos{})
			if err != nil {
				t.Fatal(err)
			}
			got, err := tm.Execute(MapEnv{"s": "Hello World"}, Limits{})
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestExecute_MethodErrorHasPosition: a failing method call reports where
// it was written.
func TestExecute_MethodErrorHasPosition(t *testing.T) {
	tm, err := Parse("a\n  $s.substring(50)", Pos{File: "t", Line: 1, Col: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tm.Execute(MapEnv{"s": "abc"}, Limits{})
	if err == nil || !strings.HasPrefix(err.Error(), "t:2:5: ") {
		t.Fatalf("err = %v", err)
	}
}

// TestTemplate_ConcurrentExecute: one parsed template serves concurrent
// requests (run with -race).
func TestTemplate_ConcurrentExecute(t *testing.T) {
	tm, err := Parse(typicalTemplate, Pos{})
	if err != nil {
		t.Fatal(err)
	}
	want := ""
	done := make(chan string, 8)
	for i := 0; i < 8; i++ {
		go func() {
			ctx := NewMap(1)
			ctx.Put("requestId", "r")
			out, err := tm.Execute(MapEnv{"input": &Input{Body: []byte(typicalBody)}, "util": Util{}, "context": ctx}, Limits{})
			if err != nil {
				out = err.Error()
			}
			done <- out
		}()
	}
	for i := 0; i < 8; i++ {
		got := <-done
		if want == "" {
			want = got
		}
		if got != want || !strings.Contains(got, `"sku": "C-3"`) {
			t.Fatalf("outputs differ or are wrong:\n%s\n%s", got, want)
		}
	}
}
