package function

import (
	"bytes"
	"testing"
)

// FuzzSplitFields: the allocation-free splitter of /proc/net/tcp lines
// splits on spaces only (the table pads with spaces), as
// bytes.FieldsFunc does with the same rule, and never panics.
func FuzzSplitFields(f *testing.F) {
	f.Add([]byte("   0: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0"))
	f.Add([]byte(""))
	f.Add([]byte("  a  b "))
	f.Fuzz(func(t *testing.T, line []byte) {
		var out [10][]byte
		n := splitFields(line, out[:])
		want := bytes.FieldsFunc(line, func(r rune) bool { return r == ' ' })
		if len(want) > len(out) {
			want = want[:len(out)]
		}
		if n != len(want) {
			t.Fatalf("splitFields(%q) found %d fields, want %d", line, n, len(want))
		}
		for i := range n {
			if !bytes.Equal(out[i], want[i]) {
				t.Fatalf("field %d = %q, want %q", i, out[i], want[i])
			}
		}
	})
}
