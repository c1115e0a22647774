// Package cognito verifies Amazon Cognito user pool tokens the way API
// Gateway's COGNITO_USER_POOLS authorizer does (docs/behaviour.md#COGNITO-1), and mints
// Cognito-shaped tokens for local development.
//
// It sits in the authorizer stage: the gateway extracts the token from the
// authorizer's identity source and calls Verifier.Verify with the
// authorizer's provider ARNs, the method's authorization scopes and the
// identity validation expression. A token passes when it is an RS256 JWT
// signed by a key of one of those pools, issued by that pool
// (https://cognito-idp.{region}.amazonaws.com/{poolId}), inside its
// exp/nbf window, and of the right kind: an ID token when the method has no
// scopes, an access token holding one of the method's scopes otherwise. An
// optional "Bearer " prefix is stripped first (docs/behaviour.md#DEC-COGNITO-BEARER); the validation
// expression must match the ID token's aud as a whole (docs/behaviour.md#DEC-VALIDATION-ANCHORED).
//
// Every rejection is an *Error of kind Unauthorized (the gateway answers 401
// {"message":"Unauthorized"}, docs/behaviour.md#COGNITO-1) except an unobtainable key set, which
// is KeysUnavailable (AUTHORIZER_FAILURE 500, docs/behaviour.md#DEC-AUTHORIZER-FAILURE). The reason an error
// carries is for the execution log only.
//
// Claims reach the backend as strings rendered like API Gateway renders
// them (docs/behaviour.md#COGNITO-1, docs/behaviour.md#DEC-COGNITO-MULTIVALUE): see RenderClaims.
//
// The signature, issuer and date checks and the key sets are package
// jwtverify's, the verifier the JWT authorizers share: each pool is a
// jwtverify issuer (no audience check, RS256 only, iat not checked) whose
// keys come from a JWKS file, a JWKS URL (refreshed periodically, with
// refreshes for unknown key ids rate-limited) or, for pools configured as
// local, from the LocalKey that Mint signs with, so that tokens from
// "portcullis token" are trusted by the gateway on the same machine. What
// is Cognito's own stays here: user pool ARNs and issuers, token_use,
// scopes on access tokens, the validation expression and claim rendering.
package cognito
