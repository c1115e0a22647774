package admin

// The admin listener runs functions (TestInvokeMethod skips the
// authorizer, Lambda Invoke calls any function) and flushes caches, so a
// request to it must come from the user's own tools, never from a web page
// the user happens to have open. Browsers can send a cross-site POST
// without asking (a "simple" request: form or text/plain body), and with
// DNS rebinding a page at evil.example resolving to 127.0.0.1 can even read
// the answers. What tells the two apart:
//
//   - Host. SDKs and the CLI send the name they were given in
//     --endpoint-url: the listener's own address, a loopback name, or a
//     name the user configured. A rebound page sends its own name.
//   - Origin and Sec-Fetch-Site. Browsers add them; AWS SDKs and the CLI
//     never do. Only the listener's own origin (a future UI served from
//     it) is accepted.
//   - Content-Type. AWS's JSON protocols never send the three types a
//     browser may send cross-origin without a CORS preflight
//     (application/x-www-form-urlencoded, multipart/form-data,
//     text/plain), so a state-changing call with one of them is refused.
//   - SigV4. When --config names identities, every call except the health
//     checks must be signed by one of them, as AWS requires; a browser
//     cannot sign without the secret.
//
// /healthz and /readyz are exempt: load balancers probe them with their
// own Host, and they reveal nothing. Every other refusal is a 403 with a JSON {"message"} that says which check
// failed and why, so a user whose proxy rewrites Host learns what to
// configure.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/reqctx"
	"github.com/portcullis-gateway/portcullis/internal/sigv4"
)

// maxSignedBody bounds the body read to verify a signature: the largest
// admin body (maxTestBody) is already an 11 MB test-invoke request.
const maxSignedBody = maxTestBody

// refusal is one failed check: the status, x-amzn-ErrorType and message.
type refusal struct {
	status  int
	errType string
	msg     string
}

func forbidden(format string, args ...any) *refusal {
	return &refusal{http.StatusForbidden, "AccessDeniedException", fmt.Sprintf(format, args...)}
}

// check runs the cross-site checks and, when identities are configured,
// the signature check. It may replace r.Body with a re-readable copy.
func (s *Server) check(r *http.Request) *refusal {
	if healthCheck(r) {
		return nil // what a load balancer probes; it reveals nothing
	}
	if ref := s.checkHost(r); ref != nil {
		return ref
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		if own := ownOrigin(r); origin != own {
			return forbidden("cross-origin request refused: Origin %q is not the admin listener's own origin %s", origin, own)
		}
	}
	switch site := r.Header.Get("Sec-Fetch-Site"); site {
	case "", "same-origin", "none":
	default:
		return forbidden("cross-site request refused: Sec-Fetch-Site is %q; only same-origin browser requests reach the admin API", site)
	}
	if stateChanging(r.Method) {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); simpleContentType(mt) {
			return forbidden("content type %q refused on %s: the admin API takes JSON (or a Lambda payload), and browsers send this type cross-site without asking", mt, r.Method)
		}
	}
	if s.opts.Keys != nil {
		return s.checkSignature(r)
	}
	return nil
}

// checkHost accepts a Host that names this listener: a loopback name or
// address, the address the connection arrived on, or a configured name;
// with the listener's port whenever it is known.
func (s *Server) checkHost(r *http.Request) *refusal {
	host, port := r.Host, ""
	if h, p, err := net.SplitHostPort(r.Host); err == nil {
		host, port = h, p
	}
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	for _, name := range s.opts.AllowedHosts {
		n := strings.ToLower(name)
		if n == host || (port != "" && n == net.JoinHostPort(host, port)) {
			return nil
		}
	}
	var local netip.AddrPort
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		local, _ = netip.ParseAddrPort(a.String())
	}
	if local.IsValid() {
		want := strconv.Itoa(int(local.Port()))
		if port == "" {
			port = "80"
		}
		if port != want {
			return forbidden("Host %q refused: it does not name the admin listener (port %s); use the address it listens on, or allow the name with --admin-host", r.Host, want)
		}
	}
	if host == "localhost" {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		ip = ip.Unmap()
		if ip.IsLoopback() || (local.IsValid() && ip == local.Addr().Unmap()) {
			return nil
		}
	}
	return forbidden("Host %q refused: the admin API answers only its own address, localhost and names allowed with --admin-host (a guard against DNS rebinding)", r.Host)
}

// ownOrigin is the origin a page served by this listener would send.
func ownOrigin(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + strings.ToLower(r.Host)
	}
	return "http://" + strings.ToLower(r.Host)
}

func stateChanging(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// simpleContentType reports the media types of a CORS "simple request",
// which a browser sends cross-origin without a preflight (Fetch standard,
// CORS-safelisted request-header Content-Type).
func simpleContentType(mt string) bool {
	switch mt {
	case "application/x-www-form-urlencoded", "multipart/form-data", "text/plain":
		return true
	}
	return false
}

func healthCheck(r *http.Request) bool {
	return r.Method == http.MethodGet && (r.URL.Path == "/healthz" || r.URL.Path == "/readyz")
}

// checkSignature verifies the request's SigV4 signature against the
// configured identities, for the region and service it is scoped to
// (apigateway for the management API, lambda for Invoke); the local
// endpoint serves every region. Errors are AWS's own messages.
func (s *Server) checkSignature(r *http.Request) *refusal {
	var body []byte
	if r.Body != nil {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxSignedBody+1))
		if err != nil {
			return &refusal{http.StatusBadRequest, "BadRequestException", "reading the request body: " + err.Error()}
		}
		if len(b) > maxSignedBody {
			return &refusal{http.StatusRequestEntityTooLarge, "RequestTooLargeException", "Request Too Long"}
		}
		body = b
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	// net/http keeps Host and Content-Length out of the header map; the
	// signature covers them, so they are put back as lines.
	headers := []reqctx.Header{{Name: "Host", Value: r.Host}}
	if r.ContentLength >= 0 && r.Header.Get("Content-Length") == "" && (r.ContentLength > 0 || stateChanging(r.Method)) {
		headers = append(headers, reqctx.Header{Name: "Content-Length", Value: strconv.FormatInt(r.ContentLength, 10)})
	}
	for name, values := range r.Header {
		for _, v := range values {
			headers = append(headers, reqctx.Header{Name: name, Value: v})
		}
	}
	// The request is built like every other (reqctx.Edge.New); only its
	// signature is read here.
	req, err := (&reqctx.Edge{}).New(reqctx.Incoming{Method: r.Method, Target: r.URL.EscapedPath(), Query: r.URL.RawQuery,
		Headers: headers, Body: body, Protocol: r.Proto})
	if err != nil {
		return &refusal{http.StatusBadRequest, "BadRequestException", err.Error()}
	}
	region, service := scopeOf(req)
	switch service {
	case "apigateway", "lambda":
	default:
		service = "apigateway" // the verifier reports the scope mismatch
	}
	if region == "" {
		region = "us-east-1"
	}
	v, err := sigv4.New(sigv4.Options{Region: region, Service: service, Keys: s.opts.Keys, Clock: s.opts.Now})
	if err != nil {
		return &refusal{http.StatusInternalServerError, "InternalFailure", "signature verifier: " + err.Error()}
	}
	if _, err := v.Verify(req); err != nil {
		errType, msg := "InvalidSignatureException", err.Error()
		if se := (*sigv4.Error)(nil); errors.As(err, &se) {
			msg = se.Message
			switch se.Kind {
			case sigv4.MissingToken:
				errType = "MissingAuthenticationTokenException"
			case sigv4.UnknownKey:
				errType = "UnrecognizedClientException"
			case sigv4.Incomplete:
				errType = "IncompleteSignatureException"
			}
		}
		return &refusal{http.StatusForbidden, errType, msg}
	}
	return nil
}

// scopeOf reads the region and service a request's credential is scoped
// to, from the Authorization header or a presigned query.
func scopeOf(r *reqctx.Request) (region, service string) {
	cred := ""
	if authz, ok := r.HeaderValue("Authorization"); ok {
		if _, after, ok := strings.Cut(authz, "Credential="); ok {
			cred, _, _ = strings.Cut(after, ",")
		}
	} else {
		for _, p := range r.Query {
			if p.Name == "X-Amz-Credential" {
				cred = p.Value
				break
			}
		}
	}
	parts := strings.Split(strings.TrimSpace(cred), "/")
	if len(parts) != 5 {
		return "", ""
	}
	return parts[2], parts[3]
}
