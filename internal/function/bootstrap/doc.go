// Package bootstrap embeds the runtime bootstraps Portcullis runs in place
// of the managed Lambda runtimes: bootstrap.js for nodejs* functions and
// bootstrap.py for python3* functions. Each is a small standard-library-only
// client of the Lambda Runtime API (package runtimeapi is the server) that
// loads the user's handler the way the managed runtime does and reports
// results and errors in the same JSON shapes (AWS Lambda Developer Guide,
// "Lambda runtimes" and "Building Lambda functions with Node.js / Python").
//
// Both speak HTTP/1.1 over one raw keep-alive socket instead of node:http
// or http.client: the server is always ours and always answers with a
// Content-Length body, and the library clients cost more than the rest of
// a warm invocation put together (measured: node:http doubles the warm
// round trip).
//
// Go and provided.* functions need no bootstrap: aws-lambda-go speaks the
// Runtime API itself.
package bootstrap
