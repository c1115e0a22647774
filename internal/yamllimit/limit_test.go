package yamllimit

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

func parse(t testing.TB, src string) *yaml.Node {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatal(err)
	}
	return &n
}

// laughs is a document of levels nested aliases, each level nine of the
// one before.
func laughs(levels int) string {
	var b strings.Builder
	b.WriteString("x0: &a0 [l,l,l,l,l,l,l,l,l]\n")
	for i := 1; i <= levels; i++ {
		p := "*a" + string(rune('0'+i-1))
		b.WriteString("x" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [" + strings.Repeat(p+",", 8) + p + "]\n")
	}
	return b.String()
}

func TestCheck(t *testing.T) {
	type want struct {
		OK        bool
		Line, Col int
		Anchor    string
	}
	cases := []struct {
		name  string
		src   string
		limit int
		want  want
	}{
		{"NoAliases", "a: 1\nb: [1, 2, 3]\n", 100, want{OK: true}},
		// Anchors as templates use them (Globals-like defaults, merge keys).
		{"OrdinaryAnchorsAndMergeKeys", "base: &b {Timeout: 5, Runtime: python3.12}\nf1: {<<: *b, Handler: a}\nf2: {<<: *b, Handler: b}\n", 100, want{OK: true}},
		// document, mapping, a, [x, y] (3 nodes), b, and *a standing for 3.
		{"ExactlyAtTheLimit", "a: &a [x, y]\nb: *a\n", 10, want{OK: true}},
		{"OneOverTheLimit_AtTheAlias", "a: &a [x, y]\nb: *a\n", 9, want{Line: 2, Col: 4, Anchor: "a"}},
		{"BillionLaughs_AtTheFirstAliasOverTheLimit", laughs(8), MaxNodes, want{Line: 7, Col: 10, Anchor: "a5"}},
		{"SevenLevelsFit", laughs(5), MaxNodes, want{OK: true}},
		{"TooManyPlainNodes", "[1, 2, 3, 4, 5]\n", 4, want{Line: 1, Col: 8}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckLimit(parse(t, tc.src), tc.limit)
			got := want{OK: err == nil}
			var le *Error
			if errors.As(err, &le) {
				got.Line, got.Col, got.Anchor = le.Line, le.Col, le.Anchor
			} else if err != nil {
				t.Fatalf("error %v is not an *Error", err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("(-want +got):\n%s\nerror: %v", d, err)
			}
		})
	}
}

// TestCheck_HandBuiltCycle_Refused: yaml.v3 refuses an anchor that
// contains its own alias, but a tree built in code may have one; Check
// reports it instead of recursing forever.
func TestCheck_HandBuiltCycle_Refused(t *testing.T) {
	seq := &yaml.Node{Kind: yaml.SequenceNode}
	seq.Content = []*yaml.Node{{Kind: yaml.AliasNode, Alias: seq, Value: "self", Line: 1, Column: 2}}
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{seq}}
	var le *Error
	if err := Check(doc); !errors.As(err, &le) || !le.Cycle {
		t.Fatalf("Check = %v, want a cycle *Error", err)
	}
}

// FuzzCheck: any document yaml.v3 accepts is checked without a panic,
// and a document Check accepts stands for at most MaxNodes nodes.
func FuzzCheck(f *testing.F) {
	f.Add("a: &a [x, y]\nb: *a\n")
	f.Add(laughs(4))
	f.Add("base: &b {k: v}\nm: {<<: *b}\n")
	f.Fuzz(func(t *testing.T, src string) {
		var n yaml.Node
		if yaml.Unmarshal([]byte(src), &n) != nil {
			return
		}
		_ = CheckLimit(&n, 1000)
	})
}

func BenchmarkCheck_FiveLevelsOfAliases(b *testing.B) {
	n := parse(b, laughs(5))
	for b.Loop() {
		_ = Check(n)
	}
}
