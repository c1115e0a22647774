// Package validation is the method request's basic validation, the step
// between authorization and the integration: a request validator on a
// method checks that its required request parameters are present and not
// blank, and that the body satisfies the method's model for the request's
// content type ("Request validation for REST APIs in API Gateway", "Data
// models for REST APIs"). A failure answers 400 BAD_REQUEST_PARAMETERS
// ("Missing required request parameters: [a, b]") or BAD_REQUEST_BODY
// ("Invalid request body") before the integration runs.
//
// Models are JSON Schema draft 4, API Gateway's dialect, compiled once at
// load with github.com/santhosh-tekuri/jsonschema/v6: it is maintained,
// implements draft 4 (and later drafts) against the official JSON Schema
// test suite, resolves $ref between documents we register, and never
// fetches a schema from the network or disk unless asked — here it is
// given a loader that refuses every URL, so a model can only reference the
// API's own models (https://apigateway.amazonaws.com/restapis/{id}/models/{name},
// #/definitions/{name} or #/components/schemas/{name}).
package validation
