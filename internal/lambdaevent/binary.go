package lambdaevent

import "strings"

// IsBinary reports whether a payload of the given Content-Type is binary for
// an API with the given binaryMediaTypes, so that API Gateway hands it to a
// proxy integration base64-encoded ("Working with binary media types for
// REST APIs"). Parameters (";charset=...") are ignored and comparison is
// case-insensitive; a configured type may be "type/*" or "*/*". Types written
// in CloudFormation's escaped form ("image~1png") are understood too. A
// request without a Content-Type is taken as application/json, the media
// type API Gateway assumes when the header is absent.
func IsBinary(contentType string, binaryMediaTypes []string) bool {
	if len(binaryMediaTypes) == 0 {
		return false
	}
	mt := contentType
	if i := strings.IndexByte(mt, ';'); i >= 0 {
		mt = mt[:i]
	}
	mt = strings.TrimSpace(mt)
	if mt == "" {
		mt = "application/json"
	}
	typ, sub, ok := strings.Cut(mt, "/")
	if !ok {
		return false
	}
	for _, pattern := range binaryMediaTypes {
		if matchMediaType(pattern, typ, sub) {
			return true
		}
	}
	return false
}

func matchMediaType(pattern, typ, sub string) bool {
	pattern = strings.TrimSpace(pattern)
	pt, ps, ok := strings.Cut(pattern, "/")
	if !ok {
		pt, ps, ok = strings.Cut(pattern, "~1")
		if !ok {
			return false
		}
	}
	if pt == "*" {
		return ps == "*"
	}
	if !asciiEqualFold(pt, typ) {
		return false
	}
	return ps == "*" || asciiEqualFold(ps, sub)
}

// IsBinaryAccept reports whether a Lambda proxy response is binary for a
// client that sent accept: API Gateway "uses the first Accept header from
// clients to determine if a response should return binary media" ("Binary
// media types for REST APIs"; "Content type conversions in API Gateway":
// "API Gateway honors only the first Accept media type"). The response's
// own Content-Type plays no part. An absent Accept is taken as
// application/json, as for a request without a Content-Type.
func IsBinaryAccept(accept string, binaryMediaTypes []string) bool {
	if len(binaryMediaTypes) == 0 {
		return false
	}
	first, _, _ := strings.Cut(accept, ",")
	return IsBinary(first, binaryMediaTypes)
}
