package cognito

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"golang.org/x/time/rate"
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
	keys   keyfunc.Keyfunc
	// url is the JWKS URL, "" when the keys are static (file, local key).
	url string
	// fetch is the outcome of the latest JWKS fetch (nil before the first).
	fetch atomic.Pointer[fetchOutcome]
	log   *slog.Logger
}

type fetchOutcome struct {
	err error
}

// fetchErr is the error of the latest JWKS fetch, nil when it succeeded or
// the pool has no URL.
func (p *pool) fetchErr() error {
	if f := p.fetch.Load(); f != nil {
		return f.err
	}
	return nil
}

func (p *pool) fetchFailed(ctx context.Context, err error) {
	if errors.Is(ctx.Err(), context.Canceled) {
		// The caller went away, or Close ran: says nothing about the URL.
		return
	}
	p.fetch.Store(&fetchOutcome{err: err})
	p.log.WarnContext(ctx, "cognito: fetching the user pool's JWKS failed",
		"userPool", p.arn, "url", p.url, "error", err)
}

func (p *pool) fetched(n int) {
	prev := p.fetch.Swap(&fetchOutcome{})
	if prev == nil || prev.err != nil {
		p.log.Info("cognito: fetched the user pool's JWKS", "userPool", p.arn, "url", p.url, "keys", n)
	}
}

// trackedStorage is the store a JWKS URL's keys are written to. jwkset
// replaces the whole set after every successful fetch and reports failures
// to a handler; recording both tells a key that does not exist from keys
// that cannot be obtained (Unauthorized versus KeysUnavailable).
type trackedStorage struct {
	jwkset.Storage
	p *pool
}

func (s trackedStorage) KeyReplaceAll(ctx context.Context, given []jwkset.JWK) error {
	if err := s.Storage.KeyReplaceAll(ctx, given); err != nil {
		return err
	}
	s.p.fetched(len(given))
	return nil
}

// keySettings are the resolved Options that shape key retrieval.
type keySettings struct {
	local           *LocalKey
	client          *http.Client
	fetchTimeout    time.Duration
	refreshInterval time.Duration
	unknownKID      time.Duration
	log             *slog.Logger
}

func newPool(ctx context.Context, c PoolConfig, s keySettings) (*pool, error) {
	partition, region, poolID, err := parseUserPoolARN(c.ARN)
	if err != nil {
		return nil, err
	}
	if c.JWKSFile == "" && c.JWKSURL == "" && !c.Local {
		return nil, fmt.Errorf("user pool %s: no key source (JWKS file, JWKS URL or local)", c.ARN)
	}
	p := &pool{arn: c.ARN, issuer: issuer(partition, region, poolID), url: c.JWKSURL, log: s.log}

	given := jwkset.NewMemoryStorage()
	if c.Local {
		if s.local == nil {
			return nil, fmt.Errorf("user pool %s is local but no local key is configured", c.ARN)
		}
		jwk, err := jwkset.NewJWKFromKey(s.local.PublicKey(), jwkset.JWKOptions{
			Metadata: jwkset.JWKMetadataOptions{ALG: jwkset.AlgRS256, KID: s.local.KID(), USE: jwkset.UseSig},
		})
		if err != nil {
			return nil, fmt.Errorf("user pool %s: local key: %w", c.ARN, err)
		}
		if err := given.KeyWrite(ctx, jwk); err != nil {
			return nil, fmt.Errorf("user pool %s: local key: %w", c.ARN, err)
		}
	}
	if c.JWKSFile != "" {
		if err := readJWKSFile(ctx, c.JWKSFile, given); err != nil {
			return nil, fmt.Errorf("user pool %s: %w", c.ARN, err)
		}
	}

	var store jwkset.Storage = given
	if c.JWKSURL != "" {
		if u, err := url.Parse(c.JWKSURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("user pool %s: JWKS URL %q is not an http(s) URL", c.ARN, c.JWKSURL)
		}
		// A failed first fetch is not fatal: the gateway serves its other
		// routes, and this pool's methods answer AUTHORIZER_FAILURE until a
		// refresh succeeds.
		remote, err := jwkset.NewStorageFromHTTP(c.JWKSURL, jwkset.HTTPClientStorageOptions{
			Client:                    s.client,
			Ctx:                       ctx,
			HTTPTimeout:               s.fetchTimeout,
			NoErrorReturnFirstHTTPReq: true,
			RefreshErrorHandler:       p.fetchFailed,
			RefreshInterval:           s.refreshInterval,
			Storage:                   trackedStorage{Storage: jwkset.NewMemoryStorage(), p: p},
		})
		if err != nil {
			return nil, fmt.Errorf("user pool %s: %w", c.ARN, err)
		}
		store, err = jwkset.NewHTTPClient(jwkset.HTTPClientOptions{
			Given:    given,
			HTTPURLs: map[string]jwkset.Storage{c.JWKSURL: remote},
			// The wait bounds both the limiter and the refresh it allows:
			// a request never waits longer than one fetch, and an unknown
			// kid seen again within the interval is refused at once.
			RateLimitWaitMax:  s.fetchTimeout,
			RefreshUnknownKID: rate.NewLimiter(rate.Every(s.unknownKID), 1),
		})
		if err != nil {
			return nil, fmt.Errorf("user pool %s: %w", c.ARN, err)
		}
	}
	p.keys, err = keyfunc.New(keyfunc.Options{Ctx: ctx, Storage: store})
	if err != nil {
		return nil, fmt.Errorf("user pool %s: %w", c.ARN, err)
	}
	return p, nil
}

func readJWKSFile(ctx context.Context, path string, into jwkset.Storage) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading JWKS file: %w", err)
	}
	var set jwkset.JWKSMarshal
	if err := json.Unmarshal(data, &set); err != nil {
		return fmt.Errorf("JWKS file %s: %w", path, err)
	}
	keys, err := set.JWKSlice()
	if err != nil {
		return fmt.Errorf("JWKS file %s: %w", path, err)
	}
	if len(keys) == 0 {
		return fmt.Errorf("JWKS file %s holds no keys", path)
	}
	for _, k := range keys {
		if err := into.KeyWrite(ctx, k); err != nil {
			return fmt.Errorf("JWKS file %s: %w", path, err)
		}
	}
	return nil
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
