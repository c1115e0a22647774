package reqctx

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"time"
)

// NewIDs returns a request id (a version 4 UUID, x-amzn-RequestId) and an
// extended request id (x-amz-apigw-id) from one random read and one
// allocation.
func NewIDs() (requestID, extendedID string) {
	requestID, extendedID, _ = newRequestIDs(time.Time{})
	return requestID, extendedID
}

// newRequestIDs returns NewIDs and an X-Amzn-Trace-Id value
// (NewTraceID) from one random read and one allocation.
func newRequestIDs(now time.Time) (requestID, extendedID, traceID string) {
	var b [25 + 12]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36 + 12 + 1 + traceLen]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], b[10:16])
	base64.StdEncoding.Encode(out[36:48], b[16:25])
	out[48] = '='
	putTraceID(out[49:], now, b[25:])
	all := string(out[:])
	return all[:36], all[36:49], all[49:]
}

// NewRequestID returns a random version 4 UUID, the form of API Gateway
// and Lambda request ids.
func NewRequestID() string {
	id, _ := NewIDs()
	return id
}
