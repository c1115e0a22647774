// Package gateway runs the request pipeline of one or more REST APIs:
// listener → stage → router → resource-policy pre-check → authorization →
// policy → API key and throttling → integration, with every failure
// rendered once, by gwresponse (docs/behaviour.md#PIPE-1).
//
// The data-plane listener is fasthttp with header-name normalisation off,
// because API Gateway hands functions and authorizers header names exactly
// as the client sent them and net/http cannot give them back (see
// docs/architecture.md for the measurement behind the choice). A model is
// compiled once into an immutable serving form (routes, authorizers,
// integrations, gateway responses) and swapped in atomically on reload.
package gateway
