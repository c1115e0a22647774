// Package awsservice calls AWS service APIs for the AWS service
// integrations of a REST API (integration type AWS with a URI
// arn:aws:apigateway:{region}:{subdomain.}{service}:action/{Action} or
// :path/{path}; "Set up AWS service integrations" and "Tutorial: Create a
// REST API as an Amazon DynamoDB proxy"). Requests are signed with
// Signature Version 4 by aws-sdk-go-v2's signer, with credentials from the
// SDK's standard chain (environment, shared files, SSO, container and
// instance roles), and sent to the service's regional endpoint — or to a
// per-service endpoint override, so that a local stand-in (dynalite for
// DynamoDB, for instance) answers instead of AWS.
//
// With the remote Lambda invoker it is the only code that links the AWS
// SDK (see internal/archtest).
package awsservice
