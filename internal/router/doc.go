// Package router resolves (verb, path) to an API Gateway resource and method
// with REST API semantics (docs/behaviour.md#ROUTE-1): per path level a static segment beats
// a {param}, which beats a greedy {param+}; a dead end backtracks to the next
// candidate; {proxy+} needs at least one segment; an explicit verb beats ANY;
// a trailing slash is ignored; path parameters are unescaped. No resource, or
// no method for the verb, is the caller's 403 Missing Authentication Token.
//
// It is written by hand rather than taken from http.ServeMux or chi because
// both disagree with API Gateway on legal resource trees (ServeMux panics on
// /a/{b} beside /{a}/b, lets {x...} match an empty remainder, redirects
// cleaned paths and answers 404). The tree is built once at load and is
// immutable; Match allocates nothing unless a parameter needs unescaping.
package router
