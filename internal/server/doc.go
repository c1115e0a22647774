// Package server assembles a running Portcullis from a definition file:
// it loads the model (SAM/CloudFormation template or OpenAPI document),
// starts the function runtime, builds the authorizers and integrations the
// gateway compiles, opens one data-plane listener per REST API and the
// admin listener, prints the start-up banner, and drains everything on
// shutdown. It holds the wiring that cmd/portcullis would otherwise hold,
// so that tests can run it in process.
package server
