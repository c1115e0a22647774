package redisconn

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		url  string
		want Options
	}{
		{"redis://127.0.0.1:6379/0", Options{Kind: Standalone, Addrs: []string{"127.0.0.1:6379"}}},
		{"redis://localhost", Options{Kind: Standalone, Addrs: []string{"localhost:6379"}}},
		{"redis://u:p%40ss@h:7000/3", Options{Kind: Standalone, Addrs: []string{"h:7000"}, Username: "u", Password: "p@ss", DB: 3}},
		{"redis://secret@h:7000", Options{Kind: Standalone, Addrs: []string{"h:7000"}, Password: "secret"}},
		{"rediss://h:6380", Options{Kind: Standalone, Addrs: []string{"h:6380"}, TLS: true}},
		{"redis-cluster://h1:7000,h2:7001,[::1]:7002", Options{Kind: Cluster, Addrs: []string{"h1:7000", "h2:7001", "[::1]:7002"}}},
		{"redis-cluster://h1:7000", Options{Kind: Cluster, Addrs: []string{"h1:7000"}}},
		{"rediss-cluster://:pw@h1:7000,h2:7001/", Options{Kind: Cluster, Addrs: []string{"h1:7000", "h2:7001"}, Password: "pw", TLS: true}},
		{"redis-sentinel://s1:26379,s2/2?master=mymaster", Options{Kind: Sentinel, Addrs: []string{"s1:26379", "s2:26379"}, DB: 2, Master: "mymaster"}},
		{"redis-sentinel://u:p@s1:5000?master=m", Options{Kind: Sentinel, Addrs: []string{"s1:5000"}, Username: "u", Password: "p", Master: "m"}},
	} {
		t.Run(tc.url, func(t *testing.T) {
			got, err := Parse(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParse_Errors(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"localhost:6379", "want redis://"},
		{"http://h:1", `unknown scheme "http"`},
		{"redis://h1:1,h2:2", "use redis-cluster://"},
		{"redis-cluster://h:1/2", "only database 0"},
		{"redis-sentinel://s:1", "needs ?master=NAME"},
		{"redis://h:1?master=m", "master= is for redis-sentinel"},
		{"redis://h:1?dial_timeout=3", `unknown parameter "dial_timeout"`},
		{"redis://h:99999", "port"},
		{"redis://h:x", "port"},
		{"redis-cluster://h:1,,h:2", "empty host"},
		{"redis://:1", "has no name"},
		{"redis://h:1/db", "not a number"},
	} {
		t.Run(tc.url, func(t *testing.T) {
			_, err := Parse(tc.url)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// Parse reads user input (the --cache flag): it must answer every string
// with options or an error, never a panic, and never options without an
// address.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"redis://h:1/0", "redis-cluster://a:1,b:2", "redis-sentinel://u:p@s:1/2?master=m", "rediss://@/?", "redis://[::1]:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := Parse(s)
		if err == nil && len(o.Addrs) == 0 {
			t.Fatalf("Parse(%q) = %+v without an address", s, o)
		}
	})
}
