package jwtverify

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// Defaults for key retrieval, used when the KeyOptions field is zero.
const (
	// DefaultFetchTimeout is API Gateway's timeout for an issuer's OpenID
	// discovery or JWKS endpoint (HTTP API quotas: "JWKS/OIDC discovery
	// endpoint timeout 1500 ms", docs/behaviour.md#LIMIT-3).
	DefaultFetchTimeout = 1500 * time.Millisecond
	// DefaultRefreshInterval: API Gateway caches an issuer's keys "for up
	// to 1 hour on a best-effort basis" ("Signing keys and troubleshooting
	// JWT authorizers").
	DefaultRefreshInterval = time.Hour
	// DefaultUnknownKIDInterval spaces the refetches that tokens with an
	// unknown kid may trigger, so that a flood of forged kids cannot hammer
	// the issuer.
	DefaultUnknownKIDInterval = 5 * time.Minute
	// MaxJWKSBytes is API Gateway's quota on a JWKS response (docs/behaviour.md#LIMIT-3);
	// a larger answer is a failed fetch.
	MaxJWKSBytes = 150000
)

// KeySource says where an issuer's signing keys come from. At least one
// source is required; several may be combined (a file and static keys).
type KeySource struct {
	// Discovery is the URL of an OpenID discovery document, normally
	// {issuer}/.well-known/openid-configuration; its jwks_uri is fetched.
	Discovery string
	// Issuer, when set, must be the issuer the discovery document names
	// ("the issuer's OIDC discovery document must name this exact
	// issuer", API Reference JwtIssuerInput).
	Issuer string
	// JWKSURL is a JWKS document fetched and refreshed like a jwks_uri.
	JWKSURL string
	// JWKSFile is a JWKS document on disk, read once.
	JWKSFile string
	// Static are keys given in code (the local development key).
	Static []StaticKey
}

// StaticKey is a public key with its key id and algorithm.
type StaticKey struct {
	KID string
	ALG string // "RS256", ...
	Key crypto.PublicKey
}

// KeyOptions shape key retrieval. Zero values are documented per field.
type KeyOptions struct {
	// HTTPClient fetches discovery documents and JWKS URLs; nil means
	// http.DefaultClient's transport with FetchTimeout.
	HTTPClient *http.Client
	// FetchTimeout bounds one fetch; zero means DefaultFetchTimeout.
	FetchTimeout time.Duration
	// RefreshInterval is how often URL key sets are fetched again; zero
	// means DefaultRefreshInterval.
	RefreshInterval time.Duration
	// UnknownKIDInterval is the least time between two refetches caused
	// by unknown kids (or by a discovery document still unobtained); zero
	// means DefaultUnknownKIDInterval.
	UnknownKIDInterval time.Duration
	// Logger receives fetch failures and recoveries; nil discards.
	Logger *slog.Logger
}

// KeySet holds one issuer's verification keys. It is safe for concurrent
// use; Close stops its refreshes.
type KeySet struct {
	name   string
	src    KeySource
	opts   KeyOptions
	client *http.Client
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	given  jwkset.Storage

	// keys is the current lookup; nil while a discovery document is still
	// unobtained.
	keys atomic.Pointer[keyfunc.Keyfunc]
	// fetch is the outcome of the latest fetch (nil before the first).
	fetch atomic.Pointer[fetchOutcome]

	// owned is the transport NewKeySet made, closed by Close; nil when
	// the caller gave the client.
	owned *http.Transport

	resolveMu sync.Mutex
	resolve   *rate.Limiter // paces discovery retries
}

type fetchOutcome struct{ err error }

// NewKeySet builds the key set named name (for logs and errors), reading
// files and fetching URLs once. Configuration mistakes (no source, an
// unreadable file, a URL that is not http(s)) are errors; an unreachable
// URL is not: it is logged, and tokens of the issuer fail with
// KeysUnavailable until a later fetch succeeds. ctx bounds the refreshes,
// as does Close.
func NewKeySet(ctx context.Context, name string, src KeySource, o KeyOptions) (*KeySet, error) {
	if src.Discovery == "" && src.JWKSURL == "" && src.JWKSFile == "" && len(src.Static) == 0 {
		return nil, fmt.Errorf("%s: no key source (discovery URL, JWKS URL, JWKS file or keys)", name)
	}
	if src.Discovery != "" && src.JWKSURL != "" {
		return nil, fmt.Errorf("%s: give a discovery URL or a JWKS URL, not both", name)
	}
	for _, u := range []string{src.Discovery, src.JWKSURL} {
		if u != "" && !httpURL(u) {
			return nil, fmt.Errorf("%s: JWKS URL %q is not an http(s) URL", name, u)
		}
	}
	o.FetchTimeout = positiveOr(o.FetchTimeout, DefaultFetchTimeout)
	o.RefreshInterval = positiveOr(o.RefreshInterval, DefaultRefreshInterval)
	o.UnknownKIDInterval = positiveOr(o.UnknownKIDInterval, DefaultUnknownKIDInterval)
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	k := &KeySet{name: name, src: src, opts: o, log: log, given: jwkset.NewMemoryStorage(),
		resolve: rate.NewLimiter(rate.Every(o.UnknownKIDInterval), 1)}
	k.client, k.owned = capped(o.HTTPClient, o.FetchTimeout)
	k.ctx, k.cancel = context.WithCancel(ctx)

	for _, s := range src.Static {
		jwk, err := jwkset.NewJWKFromKey(s.Key, jwkset.JWKOptions{
			Metadata: jwkset.JWKMetadataOptions{ALG: jwkset.ALG(s.ALG), KID: s.KID, USE: jwkset.UseSig},
		})
		if err == nil {
			err = k.given.KeyWrite(k.ctx, jwk)
		}
		if err != nil {
			k.Close()
			return nil, fmt.Errorf("%s: key %q: %w", name, s.KID, err)
		}
	}
	if src.JWKSFile != "" {
		if err := readJWKSFile(k.ctx, src.JWKSFile, k.given); err != nil {
			k.Close()
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	var err error
	switch {
	case src.JWKSURL != "":
		err = k.useURL(src.JWKSURL)
	case src.Discovery != "":
		// An unobtainable discovery document is retried by later tokens.
		k.resolve.Allow()
		if jwksURI, derr := k.discover(); derr != nil {
			k.failed(k.ctx, fmt.Errorf("discovery document %s: %w", src.Discovery, derr))
		} else {
			err = k.useURL(jwksURI)
		}
	default:
		err = k.useStorage(k.given)
	}
	if err != nil {
		k.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return k, nil
}

// Close stops the refreshes. It is safe to call more than once.
func (k *KeySet) Close() {
	k.cancel()
	if k.owned != nil {
		k.owned.CloseIdleConnections()
	}
}

func (k *KeySet) useStorage(s jwkset.Storage) error {
	kf, err := keyfunc.New(keyfunc.Options{Ctx: k.ctx, Storage: s})
	if err != nil {
		return err
	}
	k.keys.Store(&kf)
	return nil
}

// useURL serves the keys of a JWKS URL, with the given keys beside them.
func (k *KeySet) useURL(u string) error {
	remote, err := jwkset.NewStorageFromHTTP(u, jwkset.HTTPClientStorageOptions{
		Client:                    k.client,
		Ctx:                       k.ctx,
		HTTPTimeout:               k.opts.FetchTimeout,
		NoErrorReturnFirstHTTPReq: true,
		RefreshErrorHandler:       k.failed,
		RefreshInterval:           k.opts.RefreshInterval,
		Storage:                   trackedStorage{Storage: jwkset.NewMemoryStorage(), k: k, url: u},
	})
	if err != nil {
		return err
	}
	store, err := jwkset.NewHTTPClient(jwkset.HTTPClientOptions{
		Given:    k.given,
		HTTPURLs: map[string]jwkset.Storage{u: remote},
		// The wait bounds both the limiter and the refetch it allows: a
		// request never waits longer than one fetch, and an unknown kid
		// seen again within the interval is refused at once.
		RateLimitWaitMax:  k.opts.FetchTimeout,
		RefreshUnknownKID: rate.NewLimiter(rate.Every(k.opts.UnknownKIDInterval), 1),
	})
	if err != nil {
		return err
	}
	return k.useStorage(store)
}

// discover reads the discovery document's jwks_uri.
func (k *KeySet) discover() (string, error) {
	ctx, cancel := context.WithTimeout(k.ctx, k.opts.FetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.src.Discovery, nil)
	if err != nil {
		return "", err
	}
	resp, err := k.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("status %d", resp.StatusCode)
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		return "", fmt.Errorf("not a discovery document: %w", err)
	}
	if k.src.Issuer != "" && doc.Issuer != k.src.Issuer {
		return "", fmt.Errorf("it names issuer %q, not %q", doc.Issuer, k.src.Issuer)
	}
	if !httpURL(doc.JWKSURI) {
		return "", fmt.Errorf("jwks_uri %q is not an http(s) URL", doc.JWKSURI)
	}
	return doc.JWKSURI, nil
}

// lookup returns the current key lookup, trying once more to read a
// discovery document not yet obtained (paced by the unknown-kid limiter).
func (k *KeySet) lookup() keyfunc.Keyfunc {
	if kf := k.keys.Load(); kf != nil {
		return *kf
	}
	k.resolveMu.Lock()
	defer k.resolveMu.Unlock()
	if kf := k.keys.Load(); kf != nil {
		return *kf
	}
	if !k.resolve.Allow() {
		return nil
	}
	jwksURI, err := k.discover()
	if err == nil {
		err = k.useURL(jwksURI)
	}
	if err != nil {
		k.failed(k.ctx, fmt.Errorf("discovery document %s: %w", k.src.Discovery, err))
		return nil
	}
	return *k.keys.Load()
}

// Key returns the key that verifies t: the one with t's kid. A kid the set
// lacks is Unauthorized unless the latest fetch failed, which makes it
// KeysUnavailable: the key may exist where it cannot be read.
func (k *KeySet) Key(ctx context.Context, t *jwt.Token) (any, *Error) {
	kid, _ := t.Header["kid"].(string)
	if kid == "" {
		return nil, invalidToken(DescKey, "token header has no kid", nil)
	}
	kf := k.lookup()
	if kf == nil {
		return nil, keysUnavailable(fmt.Sprintf("the keys of %s cannot be obtained", k.name), k.fetchErr())
	}
	key, err := kf.KeyfuncCtx(ctx)(t)
	if err != nil {
		if ferr := k.fetchErr(); ferr != nil {
			return nil, keysUnavailable(fmt.Sprintf("kid %q is not in the cached keys of %s and they cannot be fetched", kid, k.name), ferr)
		}
		return nil, invalidToken(DescKey, fmt.Sprintf("kid %q is not a signing key of %s", kid, k.name), err)
	}
	return key, nil
}

func (k *KeySet) fetchErr() error {
	if f := k.fetch.Load(); f != nil {
		return f.err
	}
	return nil
}

func (k *KeySet) failed(ctx context.Context, err error) {
	if errors.Is(ctx.Err(), context.Canceled) {
		// The caller went away, or Close ran: says nothing about the URL.
		return
	}
	k.fetch.Store(&fetchOutcome{err: err})
	k.log.WarnContext(ctx, "jwt: fetching signing keys failed", "keySet", k.name, "error", err)
}

func (k *KeySet) fetched(u string, n int) {
	prev := k.fetch.Swap(&fetchOutcome{})
	if prev == nil || prev.err != nil {
		k.log.Info("jwt: fetched signing keys", "keySet", k.name, "url", u, "keys", n)
	}
}

// trackedStorage records every successful JWKS fetch; with the failures
// reported to KeySet.failed, it tells a key that does not exist from keys
// that cannot be obtained.
type trackedStorage struct {
	jwkset.Storage
	k   *KeySet
	url string
}

func (s trackedStorage) KeyReplaceAll(ctx context.Context, given []jwkset.JWK) error {
	if err := s.Storage.KeyReplaceAll(ctx, given); err != nil {
		return err
	}
	s.k.fetched(s.url, len(given))
	return nil
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
	for _, key := range keys {
		if err := into.KeyWrite(ctx, key); err != nil {
			return fmt.Errorf("JWKS file %s: %w", path, err)
		}
	}
	return nil
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func positiveOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// capped returns a client whose responses are cut at MaxJWKSBytes: a
// larger body fails to decode, which is a failed fetch. Without c it makes
// a transport of its own, returned so that Close can release it.
func capped(c *http.Client, timeout time.Duration) (*http.Client, *http.Transport) {
	if c == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		return &http.Client{Timeout: timeout, Transport: capTransport{t}}, t
	}
	out := *c
	rt := http.RoundTripper(http.DefaultTransport)
	if c.Transport != nil {
		rt = c.Transport
	}
	if out.Timeout == 0 {
		out.Timeout = timeout
	}
	out.Transport = capTransport{rt}
	return &out, nil
}

type capTransport struct{ rt http.RoundTripper }

func (t capTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.rt.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	resp.Body = &cappedBody{r: io.LimitReader(resp.Body, MaxJWKSBytes+1), c: resp.Body}
	return resp, nil
}

type cappedBody struct {
	r io.Reader
	c io.Closer
	n int
}

var errTooLarge = errors.New("response larger than " + strings.TrimSpace(fmt.Sprint(MaxJWKSBytes)) + " bytes")

func (b *cappedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += n
	if b.n > MaxJWKSBytes {
		return 0, errTooLarge
	}
	return n, err
}

func (b *cappedBody) Close() error { return b.c.Close() }
