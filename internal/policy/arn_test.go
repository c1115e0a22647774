package policy

import (
	"math/rand/v2"
	"testing"
)

const (
	petsARN  = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/pets"
	rootARN  = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/"
	colonARN = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/items/a:b"
)

// Patterns and expectations follow IAM User Guide "IAM JSON policy
// elements: Resource" and API Gateway "Control access for invoking an
// API" (docs/behaviour.md#POLICY-1).
func TestResourceMatch_IAMWildcards(t *testing.T) {
	tests := []struct {
		name, pattern, resource string
		want                    bool
	}{
		{"StarAlone_MatchesEverything", "*", petsARN, true},
		{"StarAlone_MatchesEmpty", "*", "", true},
		{"Exact_Matches", petsARN, petsARN, true},
		{"Exact_OtherPath_NoMatch", petsARN, petsARN + "/1", false},
		{"ResourceIsCaseSensitive_Verb", "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/get/pets", petsARN, false},
		{"ResourceIsCaseSensitive_Path", "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/Pets", petsARN, false},
		{"APIWildcard_CoversEveryStageVerbPath", "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/*", petsARN, true},
		{"APIWildcard_CoversStageRoot", "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/*", rootARN, true},
		{"APIWildcard_OtherAPI_NoMatch", "arn:aws:execute-api:us-east-1:123456789012:zzzzzzzzzz/*", petsARN, false},
		{"StageVerbWildcards_StarSlashStar", "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/*/*", petsARN, true},
		{"StarMatchesSlashInResourceSegment", "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/*/pets", petsARN, true},
		{"AnyStage_GET_pets", "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/*/GET/pets", petsARN, true},
		{"AnyStage_POST_pets_NoMatch", "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/*/POST/pets", petsARN, false},
		{"PathWildcard_DoesNotCoverParent", "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/pets/*", petsARN, false},
		{"PathWildcard_CoversChild", "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/pets/*", petsARN + "/42/info", true},
		{"AllSegmentsStar", "arn:aws:execute-api:*:*:*", petsARN, true},
		{"RegionAndAccountStar", "arn:aws:execute-api:*:*:abcdef1234/prod/*", petsARN, true},
		{"QuestionMark_OneChar", "arn:aws:execute-api:us-east-?:123456789012:abcdef1234/prod/GET/pets", petsARN, true},
		{"QuestionMark_NotZeroChars", "arn:aws:execute-api:us-east-1?:123456789012:abcdef1234/prod/GET/pets", petsARN, false},
		{"QuestionMark_NotTwoChars", "arn:aws:execute-api:us-east?:123456789012:abcdef1234/prod/GET/pets", petsARN, false},
		{"QuestionMark_OneRune", "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/caf?", "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/café", true},
		{"MidSegmentStar_StaysInSegment", "arn:aws:execute-api:us-*-1:123456789012:abcdef1234/*", petsARN, true},
		{"MidSegmentStar_DoesNotCrossColon", "arn:aws:execute-api:u*1:abcdef1234/*", petsARN, false},
		{"TrailingSegmentStar_CrossesColons", "arn:aws:execute-api:*", petsARN, true},
		{"TrailingSegmentStar_CrossesColons_ThenMatchesRest", "arn:aws:*:123456789012:abcdef1234/prod/GET/pets", petsARN, true},
		{"TrailingSegmentStar_MustStillMatchPrefix", "arn:aws:s3*", petsARN, false},
		{"TrailingSegmentStar_PartialServiceName", "arn:aws:execute-*", petsARN, true},
		{"OtherService_NoMatch", "arn:aws:lambda:*:*:*", petsARN, false},
		{"OtherPartition_NoMatch", "arn:aws-cn:execute-api:*:*:*", petsARN, false},
		{"ColonInPath_IsPartOfResourceSegment", "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/items/*", colonARN, true},
		{"ColonInPath_LiteralColonMatches", "arn:aws:execute-api:*:*:*/items/a:b", colonARN, true},
		{"TooFewSegments_NoMatch", "arn:aws:execute-api:us-east-1", petsARN, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := compileARN(tt.pattern)
			if got := p.match(tt.resource); got != tt.want {
				t.Errorf("compileARN(%q).match(%q) = %v, want %v", tt.pattern, tt.resource, got, tt.want)
			}
			if got := refARNMatch(t, tt.pattern, tt.resource); got != tt.want {
				t.Errorf("reference matcher disagrees with the table for %q: %v", tt.pattern, got)
			}
		})
	}
}

// Actions are compared case-insensitively (IAM User Guide "IAM JSON policy
// elements: Action").
func TestActionMatch_CaseInsensitive(t *testing.T) {
	tests := []struct {
		name, pattern, action string
		want                  bool
	}{
		{"Exact", "execute-api:Invoke", "execute-api:Invoke", true},
		{"LowerCasePolicy", "execute-api:invoke", "execute-api:Invoke", true},
		{"UpperCaseRequest", "Execute-Api:Invoke", "EXECUTE-API:INVOKE", true},
		{"ServiceWildcard", "execute-api:*", "execute-api:Invoke", true},
		{"ServiceWildcard_OtherService", "execute-api:*", "lambda:InvokeFunction", false},
		{"Star", "*", "execute-api:Invoke", true},
		{"PartialWildcard", "execute-api:Inv*", "execute-api:invoke", true},
		{"QuestionMark", "execute-api:Inv?ke", "execute-api:INVOKE", true},
		{"OtherAction", "execute-api:InvalidateCache", "execute-api:Invoke", false},
		{"Prefix_NotEnough", "execute-api:Invoke", "execute-api:Invok", false},
		{"LambdaInvoke", "lambda:InvokeFunction", "lambda:invokefunction", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := compileAction(tt.pattern)
			if got := a.match(tt.action); got != tt.want {
				t.Errorf("compileAction(%q).match(%q) = %v, want %v", tt.pattern, tt.action, got, tt.want)
			}
		})
	}
}

func TestGlob_NoExponentialBacktracking(t *testing.T) {
	subject := make([]byte, 4096)
	for i := range subject {
		subject[i] = 'a'
	}
	// A backtracking matcher needs time exponential in the number of
	// stars for this pair; the two-pointer matcher is quadratic at worst.
	if glob("a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", string(subject), false) {
		t.Fatal("matched a subject without b")
	}
}

// TestARNMatch_AgreesWithReference runs the fuzz property over a fixed
// pseudo-random sample on every go test, over an alphabet dense in the
// characters that matter.
func TestARNMatch_AgreesWithReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const alphabet = "ab:*?/é"
	runes := []rune(alphabet)
	gen := func() string {
		n := r.IntN(14)
		b := make([]rune, n)
		for i := range b {
			b[i] = runes[r.IntN(len(runes))]
		}
		return string(b)
	}
	for range 20000 {
		p, s := gen(), gen()
		pat := compileARN(p)
		got := pat.match(s)
		seg, v := segmentARN(p), splitARN(s)
		if slow := seg.matchSplit(&v); slow != got {
			t.Fatalf("match(%q, %q): fast path %v, segment automaton %v", p, s, got, slow)
		}
		if want := refARNMatch(t, p, s); got != want {
			t.Fatalf("match(%q, %q) = %v, reference says %v", p, s, got, want)
		}
		if got, want := glob(p, s, false), refGlob(t, p, s, false); got != want {
			t.Fatalf("glob(%q, %q) = %v, reference says %v", p, s, got, want)
		}
	}
}
