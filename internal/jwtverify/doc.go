// Package jwtverify is the one JWT verifier of the gateway. It sits in the
// authorizer stage: the HTTP API JWT authorizer, the REST JwtConfiguration
// authorizer and the COGNITO_USER_POOLS authorizer (package cognito) all
// hand it a token and get back the verified claims or a typed *Error.
//
// A token passes when, in API Gateway's order ("Control access to HTTP APIs
// with JWT authorizers", "Control access to REST APIs using JWT
// authorizers"):
//
//   - it is the identity source value, bare or after "Bearer ";
//   - it decodes as a JWS whose alg is one of the allowed algorithms (RSA
//     ones only for HTTP APIs; RS256..RS512 and ES256..ES512 for REST);
//   - its iss is exactly one configured issuer, its kid names a key of that
//     issuer's key set, and the signature verifies with that key;
//   - exp is after now, nbf and iat before now (with a one-second leeway);
//   - its aud (or, when aud is absent and the caller allows it, client_id)
//     is one of the issuer's audiences;
//   - the issuer's additional claim rules hold (REST's requiredClaims);
//   - when the route or method has authorization scopes, its scope (space
//     separated) or scp (array) claim holds at least one of them.
//
// A failed check is an *Error carrying the HTTP status (401, 403 for a
// valid token without the scope, 500 when the keys cannot be obtained), the
// www-authenticate value API Gateway sends with it and a reason for the log
// only.
//
// Keys live in a KeySet per issuer: a JWKS file, a JWKS URL, the jwks_uri of
// the issuer's OpenID discovery document, or keys given in code. URL key
// sets are cached, refreshed hourly and refetched when a token names an
// unknown kid, at most once per UnknownKIDInterval; each fetch is bounded by
// API Gateway's 1500 ms JWKS timeout and 150000-byte response quota.
package jwtverify
