package reqctx

import (
	"strings"
	"testing"
)

// The canonical path (see path.go). API Gateway decodes the path before it
// matches resources and ignores a trailing slash (docs/behaviour.md#ROUTE-1); an encoded
// slash therefore separates segments: HTTP APIs decode /a%2Fb/thing to three
// segments (the double-encoding workaround quoted from Stack Exchange on
// volcengine.com/article/1333845), and a REST API path parameter cannot hold
// a slash, encoded or not (dev.classmethod.jp, "Amazon API Gateway REST API
// のパスパラメーターでスラッシュを含む値を指定できるか試してみた"). REST
// hands a Lambda function the path still encoded (captures in
// hotsock/voker#8, as cited by middleapi/standard-server#93). Forms with no
// established AWS meaning are refused.
func TestCanonicalPath(t *testing.T) {
	tests := []struct {
		raw, decoded, encoded string
		trailing              bool
		refused               string
	}{
		{raw: "/", decoded: "/", encoded: "/"},
		{raw: "/users/43/info", decoded: "/users/43/info", encoded: "/users/43/info"},
		{raw: "/ad%6Din", decoded: "/admin", encoded: "/admin"},
		{raw: "/%61%64%6D%69%6E", decoded: "/admin", encoded: "/admin"},
		{raw: "/admin/", decoded: "/admin", encoded: "/admin", trailing: true},
		{raw: "//admin//x//", decoded: "/admin/x", encoded: "/admin/x", trailing: true},
		{raw: "/caf%c3%a9", decoded: "/café", encoded: "/caf%C3%A9"},
		{raw: "/café", decoded: "/café", encoded: "/caf%C3%A9"},
		{raw: "/a%20b", decoded: "/a b", encoded: "/a%20b"},
		{raw: "/a%2Fb", decoded: "/a/b", encoded: "/a/b"},
		{raw: "/a%2fb%2F", decoded: "/a/b", encoded: "/a/b"},
		{raw: "/100%25", decoded: "/100%", encoded: "/100%25"},
		{raw: "/%2561dmin", decoded: "/%61dmin", encoded: "/%2561dmin"},
		{raw: "/a%3Fb%23c", decoded: "/a?b#c", encoded: "/a%3Fb%23c"},
		{raw: "/x:y@z;k=v,w!$&'()*+", decoded: "/x:y@z;k=v,w!$&'()*+", encoded: "/x:y@z;k=v,w!$&'()*+"},
		{raw: "/%7B%7D", decoded: "/{}", encoded: "/%7B%7D"},
		{raw: "/..a/a..", decoded: "/..a/a..", encoded: "/..a/a.."},
		{raw: "/a/./b", refused: "dot segments"},
		{raw: "/a/../b", refused: "dot segments"},
		{raw: "/..", refused: "dot segments"},
		{raw: "/a/%2e%2e/b", refused: "dot segments"},
		{raw: "/a/.%2E/b", refused: "dot segments"},
		{raw: "/a%2f..%2fb", refused: "dot segments"},
		{raw: "/a/..%5cb", refused: "backslashes"},
		{raw: `/a/..\b`, refused: "backslashes"},
		{raw: "/admin%5C", refused: "backslashes"},
		{raw: "/%C0%AE%C0%AE/admin", refused: "invalid UTF-8"},
		{raw: "/a%ff", refused: "invalid UTF-8"},
		{raw: "/a%00b", refused: "control characters"},
		{raw: "/a%0d%0ab", refused: "control characters"},
		{raw: "/a%7f", refused: "control characters"},
		{raw: "/a%", refused: "malformed"},
		{raw: "/a%2", refused: "malformed"},
		{raw: "/a%zz", refused: "malformed"},
		{raw: "a", refused: "must start with /"},
		{raw: "", refused: "must start with /"},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			d, e, trailing, err := CanonicalPath(tc.raw)
			if tc.refused != "" {
				if err == nil || !strings.Contains(err.Error(), tc.refused) {
					t.Fatalf("CanonicalPath(%q) = %q, %q, %v; want refusal %q", tc.raw, d, e, err, tc.refused)
				}
				return
			}
			if err != nil || d != tc.decoded || e != tc.encoded || trailing != tc.trailing {
				t.Fatalf("CanonicalPath(%q) = %q, %q, %v, %v; want %q, %q, %v", tc.raw, d, e, trailing, err, tc.decoded, tc.encoded, tc.trailing)
			}
		})
	}
}

func TestCanonicalPath_AlreadyCanonicalAllocatesNothing(t *testing.T) {
	raw := "/users/43/info"
	if n := testing.AllocsPerRun(100, func() { _, _, _, _ = CanonicalPath(raw) }); n != 0 {
		t.Errorf("%v allocations, want 0", n)
	}
}

// FuzzCanonicalPath checks the properties every later stage relies on: the
// encoded form is its own canonical form (no stage can decode it into a
// different path), it decodes to the decoded form, and neither holds an
// empty or dot segment.
func FuzzCanonicalPath(f *testing.F) {
	for _, s := range []string{"/", "/a/b", "/ad%6Din", "//x/", "/a%2F..%2Fb", "/caf%C3%A9", "/%25", "/a%", "/..%5c", "/x/%2e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		d, e, _, err := CanonicalPath(raw)
		if err != nil {
			return
		}
		d2, e2, trailing, err := CanonicalPath(e)
		if err != nil || d2 != d || e2 != e || trailing {
			t.Fatalf("encoded %q of %q is not canonical: %q %q %v %v", e, raw, d2, e2, trailing, err)
		}
		if !strings.HasPrefix(d, "/") || (d != "/" && strings.HasSuffix(d, "/")) {
			t.Fatalf("decoded %q of %q", d, raw)
		}
		if d == "/" {
			return
		}
		for _, seg := range strings.Split(d[1:], "/") {
			if seg == "" || seg == "." || seg == ".." {
				t.Fatalf("decoded %q of %q has segment %q", d, raw, seg)
			}
		}
		for i := 0; i < len(e); i++ {
			if c := e[i]; c != '/' && c != '%' && !literal(c) {
				t.Fatalf("encoded %q of %q has a raw %q", e, raw, c)
			}
		}
	})
}

func TestEscapeSegment_SlashCannotAddASegment(t *testing.T) {
	if got := EscapeSegment("../admin"); got != "..%2Fadmin" {
		t.Errorf("EscapeSegment = %q", got)
	}
	if got := EscapePath("a b/c"); got != "a%20b/c" {
		t.Errorf("EscapePath = %q", got)
	}
}
