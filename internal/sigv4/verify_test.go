package sigv4

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

func TestCanonicalURI_NormalisesThenEncodesTwice(t *testing.T) {
	tests := []struct{ wire, want string }{
		{"/", "/"},
		{"", "/"},
		{"/prod/pets", "/prod/pets"},
		{"/prod/pets/", "/prod/pets/"},
		{"/prod/pets/a%20b", "/prod/pets/a%2520b"},
		{"/prod/pets/a b", "/prod/pets/a%20b"},
		{"/prod/a%2Fb", "/prod/a%252Fb"},
		{"/prod//pets//", "/prod/pets/"},
		{"/prod/./pets/../dogs", "/prod/dogs"},
		{"/prod/pets/..", "/prod"},
		{"/..", "/"},
		{"/prod/...", "/prod/..."},
		{"/prod/ሴ", "/prod/%E1%88%B4"},
		{"/prod/a:b@c", "/prod/a%3Ab%40c"},
		{"/prod/pets?x=1", "/prod/pets"},
	}
	for _, tt := range tests {
		t.Run(tt.wire, func(t *testing.T) {
			got := string(appendEscaped(nil, normalizePath(wirePathOf(tt.wire)), true))
			if got != tt.want {
				t.Errorf("canonical URI of %q = %q, want %q", tt.wire, got, tt.want)
			}
		})
	}
}

func wirePathOf(p string) string { return wirePath(&reqctx.Request{WirePath: p}) }

func TestCanonicalQuery_DecodesSortsAndReencodes(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"", ""},
		{"b=2&a=1", "a=1&b=2"},
		{"a=2&a=1&a=10", "a=1&a=10&a=2"},
		{"flag&empty=", "empty=&flag="},
		{"q=a+b", "q=a%20b"},
		{"q=a%2Bb", "q=a%2Bb"},
		{"q=%zz", "q=%25zz"},
		{"%E1%88%B4=1&Param=2", "%E1%88%B4=1&Param=2"},
		{"a=1&&b=2", "a=1&b=2"},
		{"k=*~'()!", "k=%2A~%27%28%29%21"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got := string(appendCanonicalQuery(nil, tt.raw, func(string) bool { return false }))
			if got != tt.want {
				t.Errorf("canonical query of %q = %q, want %q", tt.raw, got, tt.want)
			}
		})
	}
}

func TestCanonicalHeaderValue_TrimsAndCollapses(t *testing.T) {
	for in, want := range map[string]string{
		"  a   b\t\tc  ": "a b c",
		`"a   b   c"`:    `"a b c"`,
		"v1\n   v2":      "v1 v2",
		"":               "",
	} {
		if got := string(appendHeaderValue(nil, in)); got != want {
			t.Errorf("appendHeaderValue(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseDate_AcceptsISOBasicAndHTTPDates(t *testing.T) {
	want := time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
	for _, s := range []string{"20150830T123600Z", "Sun, 30 Aug 2015 12:36:00 GMT", "Sunday, 30-Aug-15 12:36:00 GMT", "Sun Aug 30 12:36:00 2015"} {
		got, ok := parseDate(s)
		if !ok || !got.Equal(want) {
			t.Errorf("parseDate(%q) = %v, %v", s, got, ok)
		}
	}
	for _, s := range []string{"", "2015", "20150830T123600", "2015-08-30T12:36:00Z"} {
		if _, ok := parseDate(s); ok {
			t.Errorf("parseDate(%q) accepted", s)
		}
	}
}

func TestKeyCache_BoundedAndReused(t *testing.T) {
	c := newKeyCache(4)
	first := c.get("secret", "20150830", "us-east-1", "execute-api")
	if diff := cmp.Diff(deriveKey("secret", "20150830", "us-east-1", "execute-api"), first); diff != "" {
		t.Fatalf("derived key differs:\n%s", diff)
	}
	if c.len() != 1 {
		t.Fatalf("len = %d after one key", c.len())
	}
	c.get("secret", "20150830", "us-east-1", "execute-api")
	if c.len() != 1 {
		t.Fatalf("len = %d after a repeated key", c.len())
	}
	for i := range 10 {
		c.get("secret", fmt.Sprintf("201508%02d", i), "us-east-1", "execute-api")
	}
	if c.len() > 4 {
		t.Fatalf("len = %d, bound is 4", c.len())
	}
	if rotated := c.get("other", "20150830", "us-east-1", "execute-api"); cmp.Equal(rotated, first) {
		t.Fatalf("a rotated secret reused the old signing key")
	}
}

func TestKeyCache_ConcurrentUse(t *testing.T) {
	c := newKeyCache(8)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				date := fmt.Sprintf("2015%04d", (g*i)%16)
				if got, want := c.get("s", date, "r", "x"), deriveKey("s", date, "r", "x"); !cmp.Equal(got, want) {
					t.Errorf("key for %s differs", date)
					return
				}
			}
		})
	}
	wg.Wait()
	if c.len() > 8 {
		t.Fatalf("len = %d, bound is 8", c.len())
	}
}

// BenchmarkVerify_GET_CachedKey: a typical signed GET (SDK-signed, four
// headers) once the day's signing key is cached.
func BenchmarkVerify_GET_CachedKey(b *testing.B) {
	r := signHTTP(b, sdkRequest{
		url:     "/prod/pets/123?include=owner",
		headers: map[string]string{"Accept": "application/json", "User-Agent": "bench"},
	})
	v := sdkVerifier(b, sdkTime)
	if _, err := v.Verify(r); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify_Presigned_CachedKey: the same GET as a presigned URL.
func BenchmarkVerify_Presigned_CachedKey(b *testing.B) {
	r := presignHTTP(b, sdkRequest{url: "/prod/pets/123?include=owner"}, 0)
	v := sdkVerifier(b, sdkTime)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(r); err != nil {
			b.Fatal(err)
		}
	}
}
