// Package lambdaevent builds the JSON documents API Gateway (REST, v1) sends
// to Lambda functions and parses the one it expects back:
//
//   - the Lambda proxy integration event (AWS_PROXY) and its response
//     (docs/behaviour.md#INTEG-1; "Set up Lambda proxy integrations in API Gateway");
//   - the TOKEN and REQUEST Lambda authorizer events (docs/behaviour.md#LAMBDA-1, docs/behaviour.md#LAMBDA-2).
//
// It sits between the pipeline stages that hold a *reqctx.Request (the
// authorizer and the AWS_PROXY integration) and the function invokers, which
// only move bytes. Events are written by hand into one buffer rather than
// through encoding/json: they are built on every request, their key order is
// what API Gateway emits (Node and Python handlers see object keys in that
// order), and "null when empty" differs from field to field. The types of
// github.com/aws/aws-lambda-go/events are used only in tests, as the decoder
// a Go handler would use, because they cannot express that wire format.
package lambdaevent
