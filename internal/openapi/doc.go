// Package openapi loads OpenAPI 2.0 (Swagger) and 3.x documents written for
// Amazon API Gateway REST APIs, with their x-amazon-apigateway-* extensions,
// into an apimodel.API.
//
// It is one of the two loaders at the front of the pipeline: Load reads a
// standalone document (what `portcullis serve -t openapi.yaml` serves), and
// BuildAPI turns an already intrinsic-resolved DefinitionBody or Body of a
// SAM or CloudFormation template into the same model. Nothing downstream
// learns that the API came from OpenAPI.
//
// It reproduces API Gateway's import rules (docs/behaviour.md#ID-1, docs/behaviour.md#CACHE-1, docs/behaviour.md#GWR-4 to docs/behaviour.md#GWR-5, docs/behaviour.md#RP-3,
// docs/behaviour.md#INTEG-3, docs/behaviour.md#ROUTE-1): the resource tree with one variable path part per level and
// greedy {name+} parts only at the end; x-amazon-apigateway-integration
// (http_proxy, aws_proxy, mock); securityDefinitions and
// components.securitySchemes with x-amazon-apigateway-authtype and
// x-amazon-apigateway-authorizer (TOKEN, REQUEST, COGNITO_USER_POOLS,
// awsSigv4); the api_key scheme; x-amazon-apigateway-gateway-responses,
// -policy, -api-key-source and -binary-media-types.
//
// Documents are decoded into yaml.Node trees (JSON documents through a small
// JSON reader that yields the same nodes), never into map[string]any, so
// every problem carries file:line:col and a property path. All problems are
// collected and reported together. Anything that would make a method's
// authorization unenforceable is an error: the gateway refuses to start
// rather than serve a route open. Extensions Portcullis reads but does not
// emulate are reported as warnings, never dropped silently.
//
// OpenAPI has no notion of a stage. A standalone document is served on the
// stage named by Options.StageName, "dev" when unset; basePath and servers
// are ignored, as API Gateway's default import mode (basepath=ignore) does.
package openapi
