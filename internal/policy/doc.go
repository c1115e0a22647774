// Package policy parses and evaluates IAM policy documents the way API
// Gateway does for REST APIs: the policies Lambda authorizers return
// (docs/behaviour.md#POLICY), API resource policies (docs/behaviour.md#RP) and the identity policies of
// AWS_IAM callers (docs/behaviour.md#IAM-1).
//
// It sits between the authorizer and the integration: the authorizer
// stage parses a Lambda's policyDocument with Parse (an error becomes 500
// AuthorizerConfigurationException), the gateway compiles the API's
// resource policy once with ParseResourcePolicy, and every request is
// decided by Evaluate against its own method ARN — also when the policy
// came from the authorizer cache. Combine merges identity-side and
// resource-policy results per the two outcome tables of docs/behaviour.md#RP-2, and
// AuthorizerDenyMessage and InvokeDenyMessage give the 403 texts of docs/behaviour.md#GWR-1.
//
// Semantics are IAM's (docs/behaviour.md#DEC-POLICY-IAM-SEMANTICS): explicit Deny beats Allow beats the
// implicit deny; Action/NotAction (case-insensitive), Resource/NotResource
// (case-sensitive ARN globs with '*' and '?' per colon-separated segment),
// Principal/NotPrincipal and Condition. Parse compiles everything up
// front, so evaluation parses nothing and, for ordinary policies,
// allocates nothing. Every Decision names the statement that decided it,
// so every denial can be explained.
//
// The package is pure: no I/O, no clock, no network, no AWS SDK. Time and
// source IP reach conditions through the caller's ConditionContext.
package policy
