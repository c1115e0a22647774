package cognito

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRenderClaims pins how claims reach the backend (docs/behaviour.md#COGNITO-1): strings
// throughout, exp/iat as Java's Date.toString() in UTC, auth_time and other
// numbers as their JSON text, booleans as "true"/"false", a one-element
// array as its element and a longer one as "[a b]" (docs/behaviour.md#DEC-COGNITO-MULTIVALUE).
func TestRenderClaims(t *testing.T) {
	tests := []struct {
		name   string
		claims string // JSON
		want   map[string]string
	}{
		{
			name: "ObservedProxyEvent",
			// The real event quoted in docs/behaviour.md#COGNITO-1.
			claims: `{"email_verified":true,"auth_time":1781499381,"exp":1781502981,"iat":1781499381,"cognito:groups":["admin"]}`,
			want: map[string]string{
				"email_verified": "true",
				"auth_time":      "1781499381",
				"exp":            "Mon Jun 15 05:56:21 UTC 2026",
				"iat":            "Mon Jun 15 04:56:21 UTC 2026",
				"cognito:groups": "admin",
			},
		},
		{
			name:   "DatesZeroPadTheDayOfMonth",
			claims: `{"exp":1767312245,"iat":1767312245.75,"nbf":1767312245}`,
			want: map[string]string{
				"exp": "Fri Jan 02 00:04:05 UTC 2026",
				"iat": "Fri Jan 02 00:04:05 UTC 2026",
				"nbf": "Fri Jan 02 00:04:05 UTC 2026",
			},
		},
		{
			name:   "SeveralGroups_BracketedSpaceSeparated_D17",
			claims: `{"cognito:groups":["admin","dev","ops"],"cognito:roles":["arn:aws:iam::1:role/a","arn:aws:iam::1:role/b"]}`,
			want: map[string]string{
				"cognito:groups": "[admin dev ops]",
				"cognito:roles":  "[arn:aws:iam::1:role/a arn:aws:iam::1:role/b]",
			},
		},
		{
			name:   "ArraysOfOtherValues",
			claims: `{"empty":[],"nums":[1,2.5],"flags":[true],"mixed":["a",{"k":"v"},null]}`,
			want: map[string]string{
				"empty": "[]",
				"nums":  "[1 2.5]",
				"flags": "true",
				"mixed": `[a {"k":"v"} null]`,
			},
		},
		{
			name:   "Scalars",
			claims: `{"sub":"a1b2","phone_number_verified":false,"version":2,"big":12345678901234567890,"frac":0.1,"custom:n":"5","empty":""}`,
			want: map[string]string{
				"sub":                   "a1b2",
				"phone_number_verified": "false",
				"version":               "2",
				"big":                   "12345678901234567890",
				"frac":                  "0.1",
				"custom:n":              "5",
				"empty":                 "",
			},
		},
		{
			name:   "ObjectsAsCompactJSONWithSortedKeys",
			claims: `{"address":{"street_address":"1 Main St","locality":"Springfield","geo":{"lat":1.5}}}`,
			want: map[string]string{
				"address": `{"geo":{"lat":1.5},"locality":"Springfield","street_address":"1 Main St"}`,
			},
		},
		{
			name:   "NullLeftOut",
			claims: `{"sub":"x","middle_name":null}`,
			want:   map[string]string{"sub": "x"},
		},
		{
			name:   "NonNumericDateKeptAsText",
			claims: `{"iat":"yesterday"}`,
			want:   map[string]string{"iat": "yesterday"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dec := json.NewDecoder(bytes.NewReader([]byte(tt.claims)))
			dec.UseNumber()
			var claims map[string]any
			if err := dec.Decode(&claims); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, RenderClaims(claims)); diff != "" {
				t.Errorf("RenderClaims (-want +got):\n%s", diff)
			}
		})
	}
}
