package cognito

import (
	"cmp"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// DefaultClientID is the app client id of minted tokens when none is given.
const DefaultClientID = "portcullislocalclient0000"

// defaultAccessScope is the scope Cognito puts in access tokens from its
// user-pool APIs (InitiateAuth), the ones most clients use.
const defaultAccessScope = "aws.cognito.signin.user.admin"

// MintOptions describe a development token. Zero values are documented per
// field.
type MintOptions struct {
	// Region of the user pool; empty means the prefix of PoolID before "_"
	// (Cognito pool ids are "us-east-1_AbCdEf123").
	Region string
	// PoolID is the user pool id. Required.
	PoolID string
	// Sub is the user's subject. Required.
	Sub string
	// Username is cognito:username (ID token) or username (access token);
	// empty means Sub.
	Username string
	// Email, when set, adds email and email_verified: true (ID token).
	Email string
	// Groups is cognito:groups; nil leaves the claim out, as Cognito does
	// for users in no group.
	Groups []string
	// Scope is the access token's scopes; empty means
	// aws.cognito.signin.user.admin. Only access tokens carry scopes.
	Scope []string
	// Access mints an access token (token_use access, client_id, scope)
	// instead of an ID token (token_use id, aud).
	Access bool
	// ClientID is the app client id (aud or client_id); empty means
	// DefaultClientID.
	ClientID string
	// TTL is the validity; zero means one hour, Cognito's default.
	TTL time.Duration
	// Now is the issue time; zero means time.Now().
	Now time.Time
	// Extra claims (custom attributes such as "custom:role") are added
	// last and may override the claims above.
	Extra map[string]any
}

// Mint signs a Cognito-shaped ID or access token with the local key. The
// header and claim set are those Cognito emits (kid and alg only in the
// header; sub, iss, token_use, auth_time, iat, exp, jti, origin_jti,
// event_id and the token kind's own claims).
func Mint(key *LocalKey, o MintOptions) (string, error) {
	if key == nil {
		return "", errors.New("mint: no local key")
	}
	if o.PoolID == "" {
		return "", errors.New("mint: user pool id required")
	}
	if o.Sub == "" {
		return "", errors.New("mint: sub required")
	}
	if len(o.Scope) > 0 && !o.Access {
		return "", errors.New("mint: scopes are carried by access tokens only")
	}
	region := o.Region
	if region == "" {
		r, _, ok := strings.Cut(o.PoolID, "_")
		if !ok || r == "" {
			return "", fmt.Errorf("mint: cannot tell the region from user pool id %q; give it", o.PoolID)
		}
		region = r
	}
	username := cmp.Or(o.Username, o.Sub)
	clientID := cmp.Or(o.ClientID, DefaultClientID)
	ttl := o.TTL
	if ttl <= 0 {
		ttl = time.Hour
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	iat := now.Unix()

	c := jwt.MapClaims{
		"sub":        o.Sub,
		"iss":        issuer("aws", region, o.PoolID),
		"auth_time":  iat,
		"iat":        iat,
		"exp":        now.Add(ttl).Unix(),
		"jti":        uuid(),
		"origin_jti": uuid(),
		"event_id":   uuid(),
	}
	if o.Groups != nil {
		c["cognito:groups"] = o.Groups
	}
	if o.Access {
		scope := defaultAccessScope
		if len(o.Scope) > 0 {
			scope = strings.Join(o.Scope, " ")
		}
		c["token_use"] = "access"
		c["client_id"] = clientID
		c["scope"] = scope
		c["username"] = username
		c["version"] = 2
	} else {
		c["token_use"] = "id"
		c["aud"] = clientID
		c["cognito:username"] = username
		if o.Email != "" {
			c["email"] = o.Email
			c["email_verified"] = true
		}
	}
	for k, v := range o.Extra {
		c[k] = v
	}

	t := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	t.Header = map[string]any{"kid": key.kid, "alg": "RS256"}
	s, err := t.SignedString(key.priv)
	if err != nil {
		return "", fmt.Errorf("mint: %w", err)
	}
	return s, nil
}

// uuid is a random RFC 9562 version 4 UUID, the shape of Cognito's jti.
func uuid() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails.
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
