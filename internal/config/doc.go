// Package config reads the gateway's configuration file (serve --config
// portcullis.yaml): what a deployed API would find in the AWS account around
// it and a template cannot say.
//
//   - identities: the access keys AWS_IAM callers sign with (docs/behaviour.md#IAM-1), each
//     with its secret, an optional session token, the user or role-session
//     ARN and its identity policies, given inline (JSON or YAML) or as
//     role: <LogicalId> of an AWS::IAM::Role of the template, whose inline
//     policies apply (managed policy ARNs cannot be known locally and are
//     reported as warnings);
//   - cognito: the key source of each user pool a COGNITO_USER_POOLS
//     authorizer names (docs/behaviour.md#COGNITO-1): a JWKS file, a JWKS URL, or the local
//     key that "portcullis token" signs with;
//   - apiKeys: API keys usable besides the template's, bound to usage plans
//     by id (docs/behaviour.md#KEY-1).
//
// Parsing is strict (unknown fields are errors) and every error names the
// file, line and column. Load reads the file; Resolve parses its identity
// policies for one model. The package produces data only: server converts
// it into the options of packages authorizer and cognito.
package config
