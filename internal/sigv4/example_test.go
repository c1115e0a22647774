package sigv4_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/portcullis-gateway/portcullis/internal/reqctx"
	"github.com/portcullis-gateway/portcullis/internal/sigv4"
)

// keys is a KeyStore with one long-term access key.
type keys map[string]string

func (k keys) Lookup(accessKey string) (secret, sessionToken string, ok bool) {
	secret, ok = k[accessKey]
	return secret, "", ok
}

// A request signed by aws-sdk-go-v2 verifies; the same request with a
// wrong secret fails with AWS's own message (docs/behaviour.md#IAM-2).
func ExampleVerifier_Verify() {
	at := time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
	v, err := sigv4.New(sigv4.Options{
		Region: "us-east-1",
		Keys:   keys{"AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
		Clock:  func() time.Time { return at },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	sign := func(secret string) *reqctx.Request {
		req, _ := http.NewRequest("GET", "https://abcde12345.execute-api.us-east-1.amazonaws.com/prod/users/7", nil)
		empty := sha256.Sum256(nil)
		creds := aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: secret}
		_ = v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(empty[:]), "execute-api", "us-east-1", at)
		// The request as the gateway receives it.
		r := &reqctx.Request{Method: req.Method, WirePath: req.URL.EscapedPath(), Host: req.URL.Host,
			Headers: []reqctx.Header{{Name: "Host", Value: req.URL.Host}}}
		for name, values := range req.Header {
			r.Headers = append(r.Headers, reqctx.Header{Name: name, Value: values[0]})
		}
		return r
	}

	res, err := v.Verify(sign("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"))
	fmt.Println(res.AccessKey, err)
	_, err = v.Verify(sign("not-the-secret"))
	var e *sigv4.Error
	if errors.As(err, &e) {
		fmt.Println(e.Kind, "|", e.Message)
	}
	// Output:
	// AKIDEXAMPLE <nil>
	// InvalidSignature | The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.
}
