// Package apimodel is the deployed API as plain data: REST APIs, stages,
// resources, methods, integrations, authorizers, gateway responses,
// functions and policies.
//
// Loaders (package template for SAM and CloudFormation, package openapi)
// produce a Model; everything downstream consumes it and never learns which
// file format it came from. A Model is validated once, by Validate, right
// after loading, and treated as immutable afterwards.
package apimodel
