package apimodel

import "strings"

// LambdaURI builds the API Gateway invocation URI of a Lambda function, the
// form both AWS_PROXY integrations and Lambda authorizers name it by:
//
//	arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:MyFn/invocations
func LambdaURI(partition, region, functionARN string) string {
	if partition == "" {
		partition = "aws"
	}
	return "arn:" + partition + ":apigateway:" + region + ":lambda:path/2015-03-31/functions/" + functionARN + "/invocations"
}

// ParseLambdaURI returns the function ARN of a Lambda invocation URI, false
// when uri is not one (or the ARN in it is not a function ARN).
func ParseLambdaURI(uri string) (string, bool) {
	parts := strings.SplitN(uri, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "apigateway" || parts[4] != "lambda" {
		return "", false
	}
	rest, ok := strings.CutPrefix(parts[5], "path/")
	if !ok {
		return "", false
	}
	_, fn, ok := strings.Cut(rest, "/functions/")
	if !ok {
		return "", false
	}
	fn, ok = strings.CutSuffix(fn, "/invocations")
	if !ok {
		return "", false
	}
	if _, ok := FunctionKey(fn); !ok {
		return "", false
	}
	return fn, true
}

// FunctionKey is the name under which a function known only by ARN is kept
// in Model.Functions: its name, with the qualifier (version or alias) when
// the ARN has one, since two qualifiers are two things to invoke.
func FunctionKey(arn string) (string, bool) {
	p := strings.Split(arn, ":")
	if len(p) < 7 || len(p) > 8 || p[0] != "arn" || p[2] != "lambda" || p[5] != "function" || p[6] == "" {
		return "", false
	}
	if len(p) == 8 {
		if p[7] == "" {
			return "", false
		}
		return p[6] + ":" + p[7], true
	}
	return p[6], true
}
