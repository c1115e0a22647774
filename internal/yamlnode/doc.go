// Package yamlnode is the node layer both definition loaders (package
// template for SAM and CloudFormation, package openapi) read through: one
// parser for YAML and JSON that yields yaml.Node trees with the line and
// column of every node, and one reading of scalars (what is null, what is
// an integer, a number, a boolean) with one wording for what is wrong.
//
// It sits before the loaders in the pipeline and knows nothing of
// CloudFormation or API Gateway.
package yamlnode
