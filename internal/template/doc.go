// Package template loads AWS SAM and CloudFormation templates into an
// apimodel.Model, so that Portcullis serves the same template.yaml a user
// deploys, unmodified.
//
// It sits at the very start of the pipeline: the command line calls Load,
// the gateway compiles the resulting model. Nothing downstream sees YAML.
//
// Loading has three stages:
//
//  1. intrinsics.go evaluates the template (parameters, pseudo parameters,
//     conditions, mappings and every intrinsic function), keeping references
//     to resources symbolic so that !GetAtt AuthFn.Arn still names AuthFn.
//  2. sam.go expands the AWS::Serverless-2016-10-31 transform the way SAM
//     does: Globals, implicit ServerlessRestApi, function Api events, Auth,
//     Cors, GatewayResponses and ResourcePolicy are written into an OpenAPI
//     (Swagger 2) document exactly as SAM's SwaggerEditor writes them, and that
//     document is read by package openapi, as API Gateway imports it.
//  3. cfn.go reads the plain CloudFormation resources (AWS::ApiGateway::*,
//     AWS::Lambda::*, AWS::IAM::*).
//
// Gaps are reported, never hidden (docs/behaviour.md#PIPE-3 and the peers survey: no
// emulator should fail open): a resource type we do not emulate is listed in
// Model.Ignored, an unimplemented property that changes behaviour is a
// warning, and one that concerns authorization is an error, so that no route
// is ever served more openly than API Gateway would serve it. Every
// diagnostic carries file:line:col, the logical id and the property path, and
// Load reports all of them at once.
//
// Each problem is reported once, where the user wrote it. A value whose
// intrinsic failed is left as a placeholder (errorTag) that every reader
// treats as "present but unreadable": required-property checks and checks
// that derive from it stay silent, while independent checks of the same
// resource still run. What package openapi finds in a document SAM edited is
// mapped back to the SAM property it was generated from (GatewayResponses,
// Auth.Authorizers, Cors, an event's Path), and what it finds only because an
// authorizer was already rejected is dropped.
//
// Defaults when the template does not say: region us-east-1, account
// 123456789012, stack name "portcullis"; a function without FunctionName is
// named after its logical id; an API's id is apimodel.DeriveID(logicalID, 10).
//
// Choices where AWS leaves no local answer:
//   - A parameter without a Default or override is an error only where it is
//     used, so that parameters unrelated to the API need no override.
//   - A SAM API gets SAM's second stage named "Stage" (SAM's deployment
//     carries StageName: Stage) unless OpenApiVersion is set, as in AWS.
//   - An API key whose value AWS would generate gets a 40-character value
//     derived from its logical id, stable across restarts.
//   - A function the template only names by ARN is remote, keyed in
//     Model.Functions by its name (with its qualifier, if any), as package
//     openapi keys it.
package template
