// Package vtl is the mapping-template engine: the dialect of the Apache
// Velocity Template Language (VTL 1.7) that API Gateway runs for REST API
// request and response templates, with the JSONPath subset behind
// $input.path and $input.json.
//
// References are AWS's "API Gateway mapping template and access logging
// variable reference" (Variables for data transformations), "Mapping
// templates for REST APIs", "Examples using variables for mapping template
// transformations for API Gateway" and the Apache Velocity 1.7 user guide
// and VTL reference.
//
// It is hand-written rather than borrowed because no maintained Go VTL
// engine reproduces Velocity's semantics (Java method calls on strings,
// lists and maps, interpolated double-quoted strings, whitespace gobbling
// after directives, #set ignoring null) and because a template must be
// parsed once at load, with file:line:col errors, and evaluated per request
// under hard limits: a template is user input running inside the gateway.
//
// Parse turns template text into a *Template (an immutable tree, safe for
// concurrent use). Template.Execute evaluates it against an Env, which
// supplies the root variables ($input, $context, $util, $stageVariables,
// ...); objects the gateway provides implement Object. Evaluation is
// bounded by Limits: AWS's #foreach iteration limit (the loop stops after
// 1,000 iterations, as Velocity's directive.foreach.maxloops does), a step
// budget and an output/allocation budget, so no template can loop or grow
// without bound.
//
// Left out, with the reason: #macro, #define, #include, #parse and
// #evaluate (API Gateway's documentation does not offer them and a template
// has no files to include; they are load-time errors, never text), and
// JSONPath filter expressions [?()] (rare in published templates; also a
// load-time error when written literally).
package vtl
