package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestGenerateEvent_Command(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"generate-event", "token", "-H", "Authorization: allow-alice", "--path", "/users/1"}, 0,
			`"methodArn": "arn:aws:execute-api:us-east-1:123456789012:1234567890/prod/GET/users/1"`},
		{[]string{"generate-event", "proxy", "--method", "put", "--path", "/users/1?a=b", "--resource", "/users/{id}", "--principal-id", "alice",
			"--authorizer-context", "tier=gold", "--stage-variable", "v=1", "--body", "{}"}, 0, `"tier": "gold"`},
		{[]string{"generate-event", "request", "--resource", "/users/{id}", "--path", "/users/1"}, 0, `"pathParameters": {`},
		{[]string{"generate-event", "http", "--path", "/x"}, 0, `"version": "2.0"`},
		{[]string{"generate-event", "websocket"}, 1, "unknown event kind"},
		{[]string{"generate-event", "proxy", "-H", "novalue"}, 2, "want 'Name: value'"},
		{[]string{"generate-event"}, 2, "usage: portcullis generate-event"},
	} {
		var out, errb bytes.Buffer
		code := run(tc.args, strings.NewReader(""), &out, &errb)
		if code != tc.code || !strings.Contains(out.String()+errb.String(), tc.want) {
			t.Errorf("%v: exit %d, want %d with %q\nstdout: %s\nstderr: %s", tc.args, code, tc.code, tc.want, out.String(), errb.String())
		}
	}
}
