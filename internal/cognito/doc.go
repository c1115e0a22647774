// Package cognito verifies Amazon Cognito user pool tokens the way API
// Gateway's COGNITO_USER_POOLS authorizer does (spec §10), and mints
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
// optional "Bearer " prefix is stripped first (D16); the validation
// expression must match the ID token's aud as a whole (D2).
//
// Every rejection is an *Error of kind Unauthorized (the gateway answers 401
// {"message":"Unauthorized"}, spec §5) except an unobtainable key set, which
// is KeysUnavailable (AUTHORIZER_FAILURE 500, D9). The reason an error
// carries is for the execution log only.
//
// Claims reach the backend as strings rendered like API Gateway renders
// them (spec §10, D17): see RenderClaims.
//
// Keys come per pool from a JWKS file, a JWKS URL (refreshed periodically,
// with refreshes for unknown key ids rate-limited) or, for pools configured
// as local, from the LocalKey that Mint signs with, so that tokens from
// "portcullis token" are trusted by the gateway on the same machine.
package cognito
