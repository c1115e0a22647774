// Package apimodel is the deployed API as plain data: REST APIs, stages,
// resources, methods, integrations, authorizers, gateway responses,
// functions and policies.
//
// Loaders (package template for SAM and CloudFormation, package openapi)
// produce a Model; everything downstream consumes it and never learns which
// file format it came from. A Model is validated once, by Validate, at the
// end of each loader's Load, and treated as immutable afterwards. Validate
// is the single home of the rules that do not depend on the file format
// (identity-source grammar, authorizer rules, gateway response types, the
// resource tree, stage names, Lambda invocation URIs); the loaders read
// their format and leave these rules to it.
package apimodel
