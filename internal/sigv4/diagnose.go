package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// diagnose explains a signature mismatch for the execution log: the
// canonical request and string to sign we computed (what AWS's
// troubleshooting guide tells users to compare with their own), then hints
// for the causes we can test by re-signing a variant of the request with
// the same key. Only runs on the failure path.
func diagnose(r *reqctx.Request, a *authInput, amzDate, scope string, key []byte) string {
	canonical := canonicalRequest(r, a, canonOpts{normalizePath: true})
	var b strings.Builder
	b.WriteString("Canonical request:\n")
	b.Write(canonical)
	b.WriteString("\n\nString to sign:\n")
	b.WriteString(stringToSign(amzDate, scope, canonical))

	matches := func(o canonOpts) bool {
		sig := signature(key, stringToSign(amzDate, scope, canonicalRequest(r, a, o)))
		return hmac.Equal(sig, []byte(a.signature))
	}
	var hints []string
	hint := func(s string) { hints = append(hints, s) }

	host, _ := r.HeaderValue("Host")
	if host == "" {
		host = r.Host
	}
	for _, name := range []string{"X-Forwarded-Host", "X-Original-Host"} {
		fwd, ok := r.HeaderValue(name)
		fwd = strings.TrimSpace(strings.Split(fwd, ",")[0])
		if !ok || fwd == "" || strings.EqualFold(fwd, host) {
			continue
		}
		if matches(canonOpts{normalizePath: true, host: fwd}) {
			hint("The signature matches Host " + quote(fwd) + " (from " + name + "), but the gateway received Host " + quote(host) +
				": a proxy in front of the gateway rewrote Host after the client signed. Make the proxy preserve Host" +
				" (nginx: proxy_set_header Host $http_host) or sign for the host the gateway receives.")
		} else {
			hint("The gateway received Host " + quote(host) + " while " + name + " is " + quote(fwd) +
				": if a proxy rewrote Host, the client signed a different host than the gateway checks.")
		}
	}
	if fwd := forwardedHost(r); fwd != "" && !strings.EqualFold(fwd, host) && matches(canonOpts{normalizePath: true, host: fwd}) {
		hint("The signature matches Host " + quote(fwd) + " (from Forwarded), but the gateway received Host " + quote(host) +
			": a proxy rewrote Host after the client signed.")
	}

	if normalizePath(wirePath(r)) != wirePath(r) && matches(canonOpts{}) {
		hint("The signature matches the path without normalisation: the client did not remove empty, '.' and '..' segments" +
			" before signing, as AWS requires for every service but S3.")
	}
	if matches(canonOpts{normalizePath: true, rawPath: true}) {
		hint("The signature matches the path URI-encoded once: execute-api, like every service but S3, signs the path encoded twice" +
			" (an S3-style signer was used).")
	}
	if r.Stage != "" && matches(canonOpts{normalizePath: true, stripPrefix: "/" + r.Stage}) {
		hint("The signature matches the path without the stage prefix /" + r.Stage + ": sign the full path of the request, stage included.")
	}
	if a.presigned && a.hasToken && matches(canonOpts{normalizePath: true, omitToken: true}) {
		hint("The signature matches with X-Amz-Security-Token left out of the query.")
	}
	if v, ok := r.HeaderValue("X-Amz-Content-Sha256"); ok {
		sum := sha256.Sum256(r.Body)
		if !strings.EqualFold(strings.TrimSpace(v), hex.EncodeToString(sum[:])) {
			hint("X-Amz-Content-Sha256 is " + quote(v) + " but the body's SHA-256 is " + hex.EncodeToString(sum[:]) +
				": the body changed after signing, or the client signed a payload placeholder.")
		}
	}
	for _, name := range a.signedHeaders {
		if _, ok := r.HeaderValue(name); !ok && name != "host" {
			hint("Signed header " + quote(name) + " is not in the request: a proxy may have removed it.")
		}
	}
	if len(hints) > 0 {
		b.WriteString("\n\nHints:")
		for _, h := range hints {
			b.WriteString("\n- ")
			b.WriteString(h)
		}
	}
	return b.String()
}

// forwardedHost is the host= of the first element of an RFC 7239
// Forwarded header.
func forwardedHost(r *reqctx.Request) string {
	v, ok := r.HeaderValue("Forwarded")
	if !ok {
		return ""
	}
	first, _, _ := strings.Cut(v, ",")
	for pair := range strings.SplitSeq(first, ";") {
		k, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if ok && strings.EqualFold(k, "host") {
			return strings.Trim(val, `"`)
		}
	}
	return ""
}

func quote(s string) string { return "'" + s + "'" }
