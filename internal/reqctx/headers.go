package reqctx

import "strings"

// HopByHop reports whether a header belongs to one connection rather than
// to the request (RFC 9110 §7.6.1: Connection and the fields it names,
// Keep-Alive, Proxy-Connection, TE, Trailer, Transfer-Encoding, Upgrade) or
// is recomputed for each hop (Content-Length). API Gateway hands neither to
// a Lambda function nor to an HTTP backend.
func HopByHop(name string) bool {
	// Switch on length first so that the common headers cost one compare,
	// and compare case-insensitively without allocating a lower-case copy.
	switch len(name) {
	case 2:
		return strings.EqualFold(name, "te")
	case 7:
		return strings.EqualFold(name, "trailer") || strings.EqualFold(name, "upgrade")
	case 10:
		return strings.EqualFold(name, "connection") || strings.EqualFold(name, "keep-alive")
	case 14:
		return strings.EqualFold(name, "content-length")
	case 16:
		return strings.EqualFold(name, "proxy-connection")
	case 17:
		return strings.EqualFold(name, "transfer-encoding")
	}
	return false
}

// Forwarded returns the header lines that travel past the gateway: hs
// without hop-by-hop lines and without the fields a Connection header
// names. It returns hs itself, without copying, when nothing is dropped.
func Forwarded(hs []Header) []Header {
	drop := false
	var conn []string
	for _, h := range hs {
		if HopByHop(h.Name) {
			drop = true
			if strings.EqualFold(h.Name, "connection") {
				for tok := range strings.SplitSeq(h.Value, ",") {
					if tok = strings.TrimSpace(tok); tok != "" && !strings.EqualFold(tok, "keep-alive") && !strings.EqualFold(tok, "close") {
						conn = append(conn, tok)
					}
				}
			}
		}
	}
	if !drop {
		return hs
	}
	out := make([]Header, 0, len(hs))
next:
	for _, h := range hs {
		if HopByHop(h.Name) {
			continue
		}
		for _, c := range conn {
			if strings.EqualFold(h.Name, c) {
				continue next
			}
		}
		out = append(out, h)
	}
	return out
}
