// The canonical request is the string both sides hash; any byte that
// differs between what the client built and what we build is a signature
// mismatch, so each rule below follows AWS's definition for services other
// than S3 (execute-api included), checked against the AWS SigV4 test suite:
//
//	METHOD \n
//	canonical URI \n
//	canonical query \n
//	canonical headers (one "name:value\n" per signed header) \n
//	signed headers (names joined by ';') \n
//	hex SHA-256 of the body
//
// Canonical URI: the path exactly as on the request line (still escaped),
// with empty and "." segments dropped and ".." segments resolved (RFC 3986
// §5.2.4, as the SDKs do it: a trailing slash survives only when segments
// remain), then every byte outside the unreserved set A-Z a-z 0-9 - _ . ~
// percent-encoded except '/'. Because the input is already escaped, "%20"
// becomes "%2520": the "double encoding" that S3 alone skips.
//
// Canonical query: every parameter decoded ('+' as space, malformed escapes
// kept as sent), re-encoded with the same unreserved set, sorted by name and
// then value, joined as name=value with '&'. The presigned form leaves out
// X-Amz-Signature.
//
// Canonical headers: the names from SignedHeaders in lower case; the value
// of every header line with that name (compared case-insensitively), each
// trimmed and with runs of spaces and tabs collapsed to one space, joined
// with ','.

package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"slices"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

const (
	algorithm      = "AWS4-HMAC-SHA256"
	scopeTerm      = "aws4_request"
	iso8601Basic   = "20060102T150405Z"
	queryAlgorithm = "X-Amz-Algorithm"
	querySignature = "X-Amz-Signature"
	headerToken    = "X-Amz-Security-Token"
)

// canonOpts selects variants of the canonical request. Verify always uses
// the zero value plus normalizePath; the other fields let the diagnosis ask
// "would the signature have matched if the client had done X".
type canonOpts struct {
	normalizePath bool
	// omitToken leaves X-Amz-Security-Token out of a presigned query, for
	// clients that append the token after signing.
	omitToken bool
	// rawPath uses the wire path escaped once instead of twice.
	rawPath bool
	// stripPrefix removes a leading path prefix (the stage) before
	// canonicalising.
	stripPrefix string
	// host replaces the host header's value.
	host string
}

// canonicalRequest builds the canonical request of r for the signing
// parameters in a.
func canonicalRequest(r *reqctx.Request, a *authInput, o canonOpts) []byte {
	b := make([]byte, 0, 512)
	b = append(b, r.Method...)
	b = append(b, '\n')

	path := wirePath(r)
	if o.stripPrefix != "" {
		path = strings.TrimPrefix(path, o.stripPrefix)
		if path == "" || path[0] != '/' {
			path = "/" + path
		}
	}
	if o.normalizePath {
		path = normalizePath(path)
	}
	if o.rawPath {
		b = append(b, path...)
	} else {
		b = appendEscaped(b, path, true)
	}
	b = append(b, '\n')

	b = appendCanonicalQuery(b, r.RawQuery, func(name string) bool {
		return a.presigned && (name == querySignature || (o.omitToken && name == headerToken))
	})
	b = append(b, '\n')

	for _, name := range a.signedHeaders {
		b = append(b, name...)
		b = append(b, ':')
		if name == "host" && o.host != "" {
			b = appendHeaderValue(b, o.host)
		} else {
			b = appendHeaderValues(b, r, name)
		}
		b = append(b, '\n')
	}
	b = append(b, '\n')
	for i, name := range a.signedHeaders {
		if i > 0 {
			b = append(b, ';')
		}
		b = append(b, name...)
	}
	b = append(b, '\n')
	sum := sha256.Sum256(r.Body)
	return hex.AppendEncode(b, sum[:])
}

// wirePath is the path the client signed: the request line's, stage
// included, without any query.
func wirePath(r *reqctx.Request) string {
	p := r.WirePath
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	if p == "" {
		return "/"
	}
	return p
}

// normalizePath removes empty and "." segments and resolves "..", keeping
// a leading slash, and a trailing one only when segments remain.
func normalizePath(p string) string {
	if !strings.Contains(p, "//") && !strings.Contains(p, "/.") && !strings.HasPrefix(p, ".") {
		return p
	}
	var segs []string
	for s := range strings.SplitSeq(p, "/") {
		switch s {
		case "", ".":
		case "..":
			if len(segs) > 0 {
				segs = segs[:len(segs)-1]
			}
		default:
			segs = append(segs, s)
		}
	}
	var out strings.Builder
	if strings.HasPrefix(p, "/") {
		out.WriteByte('/')
	}
	out.WriteString(strings.Join(segs, "/"))
	if len(segs) > 0 && strings.HasSuffix(p, "/") {
		out.WriteByte('/')
	}
	return out.String()
}

const upperHex = "0123456789ABCDEF"

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// appendEscaped percent-encodes every byte of s outside the unreserved set,
// keeping '/' when keepSlash is set.
func appendEscaped(b []byte, s string, keepSlash bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || keepSlash && c == '/' {
			b = append(b, c)
			continue
		}
		b = append(b, '%', upperHex[c>>4], upperHex[c&15])
	}
	return b
}

type queryPair struct{ name, value string }

// appendCanonicalQuery appends the canonical form of a raw query string,
// leaving out parameters for which skip returns true (skip sees decoded
// names).
func appendCanonicalQuery(b []byte, raw string, skip func(string) bool) []byte {
	if raw == "" {
		return b
	}
	var pairs []queryPair
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, v = queryUnescape(k), queryUnescape(v)
		if skip(k) {
			continue
		}
		pairs = append(pairs, queryPair{
			name:  string(appendEscaped(nil, k, false)),
			value: string(appendEscaped(nil, v, false)),
		})
	}
	slices.SortFunc(pairs, func(x, y queryPair) int {
		if c := strings.Compare(x.name, y.name); c != 0 {
			return c
		}
		return strings.Compare(x.value, y.value)
	})
	for i, p := range pairs {
		if i > 0 {
			b = append(b, '&')
		}
		b = append(b, p.name...)
		b = append(b, '=')
		b = append(b, p.value...)
	}
	return b
}

// queryUnescape decodes one query component the way the SDK signers read
// a URL's query ('+' is a space); a malformed escape is kept as sent so
// that it is re-encoded rather than rejected.
func queryUnescape(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	u, err := url.QueryUnescape(s)
	if err != nil {
		return s
	}
	return u
}

// appendHeaderValues appends the canonical value of the named (lower-case)
// header: every occurrence, in order, joined by ','. A missing host header
// falls back to Request.Host, where some listeners keep it.
func appendHeaderValues(b []byte, r *reqctx.Request, name string) []byte {
	found := false
	for i := range r.Headers {
		h := &r.Headers[i]
		if !strings.EqualFold(h.Name, name) {
			continue
		}
		if found {
			b = append(b, ',')
		}
		found = true
		b = appendHeaderValue(b, h.Value)
	}
	if !found && name == "host" {
		b = appendHeaderValue(b, r.Host)
	}
	return b
}

// appendHeaderValue trims v and collapses inner runs of whitespace (an
// obs-folded line break included) to a single space.
func appendHeaderValue(b []byte, v string) []byte {
	v = strings.Trim(v, " \t\r\n")
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			space = true
			continue
		}
		if space {
			b = append(b, ' ')
			space = false
		}
		b = append(b, c)
	}
	return b
}

// stringToSign hashes the canonical request under the credential scope.
func stringToSign(amzDate, scope string, canonical []byte) string {
	sum := sha256.Sum256(canonical)
	var b strings.Builder
	b.Grow(len(algorithm) + len(amzDate) + len(scope) + 3 + 2*sha256.Size)
	b.WriteString(algorithm)
	b.WriteByte('\n')
	b.WriteString(amzDate)
	b.WriteByte('\n')
	b.WriteString(scope)
	b.WriteByte('\n')
	b.WriteString(hex.EncodeToString(sum[:]))
	return b.String()
}

// deriveKey computes the signing key for one day, region and service.
func deriveKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, scopeTerm)
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// signature is the lower-case hex signature of a string to sign.
func signature(key []byte, sts string) []byte {
	sum := hmacSHA256(key, sts)
	return hex.AppendEncode(make([]byte, 0, 2*sha256.Size), sum)
}
