package cognito

import (
	"context"
	"fmt"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/jwtverify"
)

// PoolConfig names a user pool and where its signing keys come from. At
// least one source is required; several may be combined (a JWKS file and
// the local key, say).
type PoolConfig struct {
	// ARN is arn:aws:cognito-idp:REGION:ACCOUNT:userpool/POOL_ID, as in the
	// authorizer's providerARNs.
	ARN string
	// JWKSFile is a JWKS document on disk, read once by New.
	JWKSFile string
	// JWKSURL is fetched by New and refreshed periodically; a real pool
	// publishes it at {issuer}/.well-known/jwks.json.
	JWKSURL string
	// Local trusts Options.LocalKey, the key "portcullis token" signs with.
	Local bool
}

// pool is one configured user pool and its keys.
type pool struct {
	arn    string
	issuer string
	keys   *jwtverify.KeySet
}

func newPool(ctx context.Context, c PoolConfig, local *LocalKey, o jwtverify.KeyOptions) (*pool, error) {
	partition, region, poolID, err := parseUserPoolARN(c.ARN)
	if err != nil {
		return nil, err
	}
	if c.JWKSFile == "" && c.JWKSURL == "" && !c.Local {
		return nil, fmt.Errorf("user pool %s: no key source (JWKS file, JWKS URL or local)", c.ARN)
	}
	src := jwtverify.KeySource{JWKSFile: c.JWKSFile, JWKSURL: c.JWKSURL}
	if c.Local {
		if local == nil {
			return nil, fmt.Errorf("user pool %s is local but no local key is configured", c.ARN)
		}
		src.Static = []jwtverify.StaticKey{{KID: local.KID(), ALG: "RS256", Key: local.PublicKey()}}
	}
	// A failed first fetch of a JWKS URL is not fatal: the gateway serves
	// its other routes, and this pool's methods answer AUTHORIZER_FAILURE
	// until a refresh succeeds.
	keys, err := jwtverify.NewKeySet(ctx, "user pool "+c.ARN, src, o)
	if err != nil {
		return nil, err
	}
	return &pool{arn: c.ARN, issuer: issuer(partition, region, poolID), keys: keys}, nil
}

// parseUserPoolARN splits arn:PARTITION:cognito-idp:REGION:ACCOUNT:userpool/ID.
func parseUserPoolARN(arn string) (partition, region, poolID string, err error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != "cognito-idp" || parts[3] == "" {
		return "", "", "", fmt.Errorf("%q is not a Cognito user pool ARN (arn:aws:cognito-idp:REGION:ACCOUNT:userpool/POOL_ID)", arn)
	}
	id, ok := strings.CutPrefix(parts[5], "userpool/")
	if !ok || id == "" || strings.Contains(id, "/") {
		return "", "", "", fmt.Errorf("%q is not a Cognito user pool ARN (arn:aws:cognito-idp:REGION:ACCOUNT:userpool/POOL_ID)", arn)
	}
	return parts[1], parts[3], id, nil
}

// issuer is the iss claim of the pool's tokens.
func issuer(partition, region, poolID string) string {
	domain := "amazonaws.com"
	if partition == "aws-cn" {
		domain = "amazonaws.com.cn"
	}
	return "https://cognito-idp." + region + "." + domain + "/" + poolID
}
