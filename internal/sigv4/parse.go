package sigv4

import (
	"strconv"
	"strings"
	"time"

	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// authInput is what a request says about its own signature, from either
// the Authorization header or the presigned query.
type authInput struct {
	presigned  bool
	algorithm  string
	credential string
	// signedHeaders are lower-cased, in the order the client listed them.
	signedHeaders []string
	signature     string
	// date is the raw X-Amz-Date (or Date) value.
	date string
	// expires is the raw X-Amz-Expires value of a presigned request.
	expires string
	// token is the X-Amz-Security-Token the request carries.
	token    string
	hasToken bool
}

// headerParams are the key=value parts of an Authorization header.
type headerParams struct {
	algorithm     string
	credential    string
	signedHeaders string
	signature     string
	// hasSignedHeaders distinguishes "SignedHeaders=" from no SignedHeaders.
	hasSignedHeaders bool
}

// parseAuthorization splits an Authorization header value the way AWS
// does: the algorithm up to the first space, then comma-separated
// key=value parts. hasDate says whether the request carries an X-Amz-Date
// or Date header, which AWS reports in the same message as missing parts.
func parseAuthorization(value string, hasDate bool) (headerParams, *Error) {
	var p headerParams
	v := strings.TrimSpace(value)
	alg, rest, _ := strings.Cut(v, " ")
	p.algorithm = alg
	for part := range strings.SplitSeq(rest, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, val, ok := strings.Cut(part, "=")
		if !ok {
			// AWS reports the first such part only.
			return p, newError(Incomplete, "'"+part+"' not a valid key=value pair (missing equal-sign) in Authorization header: '"+value+"'.")
		}
		k, val = strings.TrimSpace(k), strings.TrimSpace(val)
		switch k {
		case "Credential":
			if p.credential == "" {
				p.credential = val
			}
		case "SignedHeaders":
			if !p.hasSignedHeaders {
				p.signedHeaders, p.hasSignedHeaders = val, true
			}
		case "Signature":
			if p.signature == "" {
				p.signature = val
			}
		}
	}
	var msg strings.Builder
	if p.credential == "" {
		msg.WriteString("Authorization header requires 'Credential' parameter. ")
	}
	if p.signature == "" {
		msg.WriteString("Authorization header requires 'Signature' parameter. ")
	}
	if !p.hasSignedHeaders {
		msg.WriteString("Authorization header requires 'SignedHeaders' parameter. ")
	}
	if !hasDate {
		msg.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	if msg.Len() > 0 {
		msg.WriteString("Authorization=")
		msg.WriteString(value)
		return p, newError(Incomplete, msg.String())
	}
	return p, nil
}

// fromHeader reads the signing parameters of the header form.
func fromHeader(r *reqctx.Request, authz string) (*authInput, *Error) {
	date, hasDate := r.HeaderValue("X-Amz-Date")
	if !hasDate {
		date, hasDate = r.HeaderValue("Date")
	}
	p, err := parseAuthorization(authz, hasDate)
	if err != nil {
		return nil, err
	}
	a := &authInput{
		algorithm:     p.algorithm,
		credential:    p.credential,
		signedHeaders: splitSignedHeaders(p.signedHeaders),
		signature:     p.signature,
		date:          strings.TrimSpace(date),
	}
	a.token, a.hasToken = r.HeaderValue(headerToken)
	return a, nil
}

// fromQuery reads the signing parameters of the presigned form. AWS
// requires the five parameters below (X-Amz-Expires is optional outside
// S3) and names every missing one.
func fromQuery(q []reqctx.Param) (*authInput, *Error) {
	a := &authInput{presigned: true}
	var signedHeaders string
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{queryAlgorithm, &a.algorithm},
		{"X-Amz-Credential", &a.credential},
		{querySignature, &a.signature},
		{"X-Amz-SignedHeaders", &signedHeaders},
		{"X-Amz-Date", &a.date},
	} {
		*f.dst, _ = firstParam(q, f.name)
	}
	var msg strings.Builder
	for _, f := range []struct{ name, v string }{
		{queryAlgorithm, a.algorithm},
		{"X-Amz-Credential", a.credential},
		{querySignature, a.signature},
		{"X-Amz-SignedHeaders", signedHeaders},
		{"X-Amz-Date", a.date},
	} {
		if f.v == "" {
			msg.WriteString("AWS query-string parameters must include '" + f.name + "'. ")
		}
	}
	if msg.Len() > 0 {
		msg.WriteString("Re-examine the query-string parameters.")
		return nil, newError(Incomplete, msg.String())
	}
	a.signedHeaders = splitSignedHeaders(signedHeaders)
	a.expires, _ = firstParam(q, "X-Amz-Expires")
	a.token, a.hasToken = firstParam(q, headerToken)
	return a, nil
}

func firstParam(q []reqctx.Param, name string) (string, bool) {
	for _, p := range q {
		if p.Name == name {
			return p.Value, true
		}
	}
	return "", false
}

func splitSignedHeaders(s string) []string {
	if s == "" {
		return nil
	}
	out := strings.Split(s, ";")
	for i := range out {
		out[i] = strings.ToLower(strings.TrimSpace(out[i]))
	}
	return out
}

// parseDate reads X-Amz-Date (ISO 8601 basic format) or, from a Date
// header, an HTTP date.
func parseDate(s string) (time.Time, bool) {
	if t, err := time.Parse(iso8601Basic, s); err == nil {
		return t, true
	}
	for _, layout := range []string{time.RFC1123, time.RFC850, time.ANSIC} {
		// HTTP dates are always GMT, whatever zone name the client wrote.
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// parseExpires reads a presigned request's X-Amz-Expires (seconds, at most
// seven days). The messages are S3's, the only service AWS documents them
// for.
func parseExpires(s string) (time.Duration, *Error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, newError(Incomplete, "X-Amz-Expires should be a number")
	}
	if n > 604800 {
		return 0, newError(Incomplete, "X-Amz-Expires must be less than a week (in seconds) that is 604800")
	}
	return time.Duration(n) * time.Second, nil
}

// IncompleteAuthorization returns the message API Gateway answers with
// when a request that matches no method carries an Authorization header
// that is not a complete SigV4 header: the header's parse error takes the
// place of "Missing Authentication Token" (docs/behaviour.md#IAM-2, docs/behaviour.md#ROUTE-2). ok is
// false when the request has no such header.
func IncompleteAuthorization(r *reqctx.Request) (msg string, ok bool) {
	authz, has := r.HeaderValue("Authorization")
	if !has || strings.TrimSpace(authz) == "" {
		return "", false
	}
	_, hasDate := r.HeaderValue("X-Amz-Date")
	if !hasDate {
		_, hasDate = r.HeaderValue("Date")
	}
	if _, err := parseAuthorization(authz, hasDate); err != nil {
		return err.Message, true
	}
	return "", false
}
