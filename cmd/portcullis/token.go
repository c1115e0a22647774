package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/server"
)

// token mints a Cognito-shaped ID or access token signed by the local key,
// which the gateway trusts for user pools configured with local: true.
func token(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pool := fs.String("user-pool", "", "user pool id, as in the authorizer's provider ARN (us-east-1_AbCdEf123)")
	sub := fs.String("sub", "", "the user's subject (sub claim)")
	username := fs.String("username", "", "cognito:username / username claim (default: --sub)")
	email := fs.String("email", "", "email claim of an ID token (with email_verified true)")
	groups := fs.String("groups", "", "comma-separated cognito:groups")
	var scopes multiFlag
	fs.Var(&scopes, "scope", "scope of an access token (repeatable, or space-separated)")
	access := fs.Bool("access", false, "mint an access token instead of an ID token")
	region := fs.String("region", "", "region of the user pool (default: the prefix of --user-pool)")
	clientID := fs.String("client-id", "", "app client id (aud or client_id)")
	ttl := fs.Duration("ttl", time.Hour, "validity of the token")
	keyFile := fs.String("key-file", "", "local signing key (default: portcullis/cognito-local-key.pem under the user cache directory)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *pool == "" || *sub == "" {
		fmt.Fprintln(stderr, "portcullis token: --user-pool and --sub are required")
		return 2
	}
	if len(scopes) > 0 && !*access {
		fmt.Fprintln(stderr, "portcullis token: --scope is carried by access tokens only; add --access")
		return 2
	}
	o := server.MintOptions{
		Region: *region, PoolID: *pool, Sub: *sub, Username: *username, Email: *email,
		Scope: scopes, Access: *access, ClientID: *clientID, TTL: *ttl,
	}
	if *groups != "" {
		for _, g := range strings.Split(*groups, ",") {
			if g = strings.TrimSpace(g); g != "" {
				o.Groups = append(o.Groups, g)
			}
		}
	}
	key, err := server.LoadOrCreateLocalKey(*keyFile)
	if err != nil {
		fmt.Fprintln(stderr, "portcullis token:", err)
		return 1
	}
	tok, err := server.MintLocalToken(key, o)
	if err != nil {
		fmt.Fprintln(stderr, "portcullis token:", err)
		return 2
	}
	fmt.Fprintln(stdout, tok)
	return 0
}
