// Package reqctx holds one request as the listener received it, built once
// per request and read by every later stage of the pipeline (router,
// authorizer, policy, integration, gwresponse). None of them rebuilds it.
//
// Header names are kept exactly as the client sent them, in order:
// API Gateway hands functions and authorizers header names as received, and
// authorizer code written for AWS indexes event.headers by those names.
// Lookups that AWS does case-insensitively (identity sources,
// method.request.header.X) go through Header, which folds case.
package reqctx
