// Package sigv4 verifies AWS Signature Version 4 on requests to methods
// whose authorization type is AWS_IAM.
//
// It sits in the authorization stage: the gateway hands it a
// reqctx.Request after routing and before the IAM policy check, and gets
// back either the verified caller (access key, region, signing date) or a
// typed *Error whose Kind the gateway renders as the API Gateway response
// of docs/behaviour.md#IAM-2 and docs/behaviour.md#IAM-1 (403 Missing Authentication Token, IncompleteSignature,
// InvalidSignature, expired signature, unknown key).
//
// It reproduces the server side of SigV4 for service execute-api: the
// Authorization header form and the presigned query form (docs/behaviour.md#DEC-PRESIGNED-SIGV4),
// the canonical request rules AWS applies to non-S3 services (RFC 3986
// path normalisation and double URI encoding), credential scope checks,
// the ±5 minute clock window (docs/behaviour.md#DEC-SIGV4-EXPIRED), session tokens, and AWS's
// order of checks and error wording. Nothing here touches the network:
// keys come from a KeyStore, time from an injected clock.
package sigv4
