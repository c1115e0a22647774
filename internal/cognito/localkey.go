package cognito

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
)

// localKeyBits matches the RSA key size Cognito signs with.
const localKeyBits = 2048

// LocalKey is the RSA key that signs local development tokens. "portcullis
// token" and the gateway load it from the same file, so the gateway trusts
// what the command mints for pools configured as local.
type LocalKey struct {
	priv *rsa.PrivateKey
	kid  string
	jwks []byte
}

// DefaultLocalKeyPath is where the local key lives unless configured
// otherwise: portcullis/cognito-local-key.pem under the user cache
// directory.
func DefaultLocalKeyPath() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("locating the local Cognito key: %w", err)
	}
	return filepath.Join(dir, "portcullis", "cognito-local-key.pem"), nil
}

// LoadOrCreateLocalKey reads the PEM RSA private key at path, generating
// and writing one (mode 0600) when the file does not exist. An empty path
// means DefaultLocalKeyPath. Two processes creating the key at once end up
// with the same key: the file is published with a hard link, which fails
// for the loser, who then reads the winner's key.
func LoadOrCreateLocalKey(path string) (*LocalKey, error) {
	if path == "" {
		p, err := DefaultLocalKeyPath()
		if err != nil {
			return nil, err
		}
		path = p
	}
	k, err := readLocalKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	if err := createLocalKey(path); err != nil {
		return nil, err
	}
	return readLocalKey(path)
}

func readLocalKey(path string) (*LocalKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the local Cognito key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("local Cognito key %s: no PEM block", path)
	}
	var priv *rsa.PrivateKey
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("local Cognito key %s: %w", path, err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("local Cognito key %s: a %T, want an RSA key", path, k)
		}
		priv = rk
	case "RSA PRIVATE KEY":
		priv, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("local Cognito key %s: %w", path, err)
		}
	default:
		return nil, fmt.Errorf("local Cognito key %s: PEM block %q, want PRIVATE KEY", path, block.Type)
	}
	return NewLocalKey(priv)
}

func createLocalKey(path string) error {
	priv, err := rsa.GenerateKey(rand.Reader, localKeyBits)
	if err != nil {
		return fmt.Errorf("generating the local Cognito key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return fmt.Errorf("encoding the local Cognito key: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating the local Cognito key: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".cognito-local-key-*")
	if err != nil {
		return fmt.Errorf("creating the local Cognito key: %w", err)
	}
	defer os.Remove(tmp.Name())
	// CreateTemp already opens with mode 0600.
	if err := pem.Encode(tmp, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		tmp.Close()
		return fmt.Errorf("writing the local Cognito key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing the local Cognito key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("publishing the local Cognito key: %w", err)
	}
	return nil
}

// NewLocalKey wraps an RSA private key. Its key id is the RFC 7638 JWK
// thumbprint of the public key, so it is stable for a given key.
func NewLocalKey(priv *rsa.PrivateKey) (*LocalKey, error) {
	if priv.N.BitLen() < 2048 {
		return nil, fmt.Errorf("local Cognito key: %d-bit RSA key, want at least 2048", priv.N.BitLen())
	}
	n := base64.RawURLEncoding.EncodeToString(priv.N.Bytes())
	e := base64.RawURLEncoding.EncodeToString(big.NewInt(int64(priv.E)).Bytes())
	// RFC 7638 §3.2: required members only, lexicographic order, no spaces.
	sum := sha256.Sum256([]byte(`{"e":"` + e + `","kty":"RSA","n":"` + n + `"}`))
	kid := base64.RawURLEncoding.EncodeToString(sum[:])
	type jwk struct {
		Alg string `json:"alg"`
		E   string `json:"e"`
		Kid string `json:"kid"`
		Kty string `json:"kty"`
		N   string `json:"n"`
		Use string `json:"use"`
	}
	jwks, err := json.Marshal(struct {
		Keys []jwk `json:"keys"`
	}{[]jwk{{Alg: "RS256", E: e, Kid: kid, Kty: "RSA", N: n, Use: "sig"}}})
	if err != nil {
		return nil, fmt.Errorf("local Cognito key: %w", err)
	}
	return &LocalKey{priv: priv, kid: kid, jwks: jwks}, nil
}

// KID is the key id local tokens carry in their header.
func (k *LocalKey) KID() string { return k.kid }

// PublicKey is the key that verifies local tokens.
func (k *LocalKey) PublicKey() *rsa.PublicKey { return &k.priv.PublicKey }

// JWKS is the public key as a JWKS document, shaped like a user pool's
// /.well-known/jwks.json.
func (k *LocalKey) JWKS() []byte { return bytes.Clone(k.jwks) }
