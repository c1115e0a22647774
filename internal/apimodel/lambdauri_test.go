package apimodel

import (
	"strings"
	"testing"
)

func TestParseLambdaURI(t *testing.T) {
	tests := []struct {
		uri, want string
		ok        bool
	}{
		{"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:MyFn/invocations", "arn:aws:lambda:us-east-1:123456789012:function:MyFn", true},
		{"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:MyFn:live/invocations", "arn:aws:lambda:us-east-1:123456789012:function:MyFn:live", true},
		{"arn:aws-cn:apigateway:cn-north-1:lambda:path/2015-03-31/functions/arn:aws-cn:lambda:cn-north-1:123456789012:function:f/invocations", "arn:aws-cn:lambda:cn-north-1:123456789012:function:f", true},
		{"arn:aws:lambda:us-east-1:123456789012:function:MyFn", "", false},
		{"arn:aws:apigateway:us-east-1:dynamodb:action/PutItem", "", false},
		{"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:MyFn", "", false},
		{"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:/invocations", "", false},
		{"https://example.com", "", false},
	}
	for _, tt := range tests {
		if tt.ok {
			// Building the URI of the ARN gives the URI back: one home
			// for both directions.
			part := strings.Split(tt.uri, ":")[1]
			region := strings.Split(tt.uri, ":")[3]
			if u := LambdaURI(part, region, tt.want); u != tt.uri {
				t.Errorf("LambdaURI(%q, %q, %q) = %q, want %q", part, region, tt.want, u, tt.uri)
			}
		}
		got, ok := ParseLambdaURI(tt.uri)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseLambdaURI(%q) = %q, %t; want %q, %t", tt.uri, got, ok, tt.want, tt.ok)
		}
	}
}
