package sigv4

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// vectorContext is a test-suite case's context.json.
type vectorContext struct {
	Credentials struct {
		AccessKeyID     string `json:"access_key_id"`
		SecretAccessKey string `json:"secret_access_key"`
		Token           string `json:"token"`
	} `json:"credentials"`
	Normalize        bool      `json:"normalize"`
	Region           string    `json:"region"`
	Service          string    `json:"service"`
	Timestamp        time.Time `json:"timestamp"`
	OmitSessionToken bool      `json:"omit_session_token"`
}

type vector struct {
	name string
	dir  string
	ctx  vectorContext
}

func loadVectors(t *testing.T) []vector {
	t.Helper()
	dirs, err := filepath.Glob("testdata/sigv4/*/context.json")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no test vectors: %v", err)
	}
	var out []vector
	for _, p := range dirs {
		dir := filepath.Dir(p)
		vc := vector{name: filepath.Base(dir), dir: dir}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &vc.ctx); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out = append(out, vc)
	}
	return out
}

func readVectorFile(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestVectors_CanonicalRequestStringToSignAndSignature checks every case of
// the AWS SigV4 test suite, header and query form: the canonical request,
// the string to sign and the signature we compute for the signed request
// must equal the suite's, byte for byte.
func TestVectors_CanonicalRequestStringToSignAndSignature(t *testing.T) {
	for _, vc := range loadVectors(t) {
		for _, form := range []string{"header", "query"} {
			t.Run(vc.name+"/"+form, func(t *testing.T) {
				r := parseRawRequest(t, readVectorFile(t, vc.dir, form+"-signed-request.txt"))
				var a *authInput
				var perr *Error
				if form == "header" {
					authz, _ := r.HeaderValue("Authorization")
					a, perr = fromHeader(r, authz)
				} else {
					a, perr = fromQuery(r.Query)
				}
				if perr != nil {
					t.Fatalf("parse: %v", perr)
				}
				canonical := canonicalRequest(r, a, canonOpts{normalizePath: vc.ctx.Normalize, omitToken: vc.ctx.OmitSessionToken})
				if diff := cmp.Diff(readVectorFile(t, vc.dir, form+"-canonical-request.txt"), string(canonical)); diff != "" {
					t.Errorf("canonical request (-want +got):\n%s", diff)
				}
				scope := vc.ctx.Timestamp.Format("20060102") + "/" + vc.ctx.Region + "/" + vc.ctx.Service + "/aws4_request"
				sts := stringToSign(vc.ctx.Timestamp.Format(iso8601Basic), scope, canonical)
				if diff := cmp.Diff(readVectorFile(t, vc.dir, form+"-string-to-sign.txt"), sts); diff != "" {
					t.Errorf("string to sign (-want +got):\n%s", diff)
				}
				key := deriveKey(vc.ctx.Credentials.SecretAccessKey, vc.ctx.Timestamp.Format("20060102"), vc.ctx.Region, vc.ctx.Service)
				want := strings.TrimSpace(readVectorFile(t, vc.dir, form+"-signature.txt"))
				if got := string(signature(key, sts)); got != want {
					t.Errorf("signature = %s, want %s", got, want)
				}
				if a.signature != want {
					t.Errorf("signature in the signed request = %s, want %s", a.signature, want)
				}
			})
		}
	}
}

// TestVectors_Verify runs Verify on every signed request of the suite.
// execute-api always normalises the path, so a request signed without
// normalisation verifies only when normalising changes nothing; otherwise
// it fails with InvalidSignature and a diagnosis naming the cause.
func TestVectors_Verify(t *testing.T) {
	for _, vc := range loadVectors(t) {
		for _, form := range []string{"header", "query"} {
			t.Run(vc.name+"/"+form, func(t *testing.T) {
				v := mustNew(t, Options{
					Region:  vc.ctx.Region,
					Service: vc.ctx.Service,
					Keys:    staticKeys{vc.ctx.Credentials.AccessKeyID: {vc.ctx.Credentials.SecretAccessKey, vc.ctx.Credentials.Token}},
					Clock:   fixedClock(vc.ctx.Timestamp.Add(90 * time.Second)),
				})
				r := parseRawRequest(t, readVectorFile(t, vc.dir, form+"-signed-request.txt"))
				normalized := vc.ctx.Normalize || normalizePath(r.WirePath) == r.WirePath
				res, err := v.Verify(r)
				if !normalized {
					e, ok := err.(*Error)
					if !ok || e.Kind != InvalidSignature {
						t.Fatalf("Verify = %v, want InvalidSignature for a path signed without normalisation", err)
					}
					if !strings.Contains(e.Detail, "without normalisation") {
						t.Errorf("Detail does not explain the normalisation:\n%s", e.Detail)
					}
					return
				}
				if err != nil {
					t.Fatalf("Verify: %v\n%s", err, err.(*Error).Detail)
				}
				want := &Result{
					AccessKey: vc.ctx.Credentials.AccessKeyID,
					Region:    vc.ctx.Region,
					Date:      vc.ctx.Timestamp,
					Presigned: form == "query",
				}
				if diff := cmp.Diff(want, res, cmpIgnoreSignedHeaders); diff != "" {
					t.Errorf("Result (-want +got):\n%s", diff)
				}
			})
		}
	}
}

var cmpIgnoreSignedHeaders = cmp.FilterPath(func(p cmp.Path) bool {
	return p.Last().String() == ".SignedHeaders"
}, cmp.Ignore())

// TestVectors_AnyChangedByteFails flips parts of every header-form vector
// and expects the signature to stop verifying.
func TestVectors_AnyChangedByteFails(t *testing.T) {
	for _, vc := range loadVectors(t) {
		if !vc.ctx.Normalize {
			continue
		}
		t.Run(vc.name, func(t *testing.T) {
			v := mustNew(t, Options{
				Region:  vc.ctx.Region,
				Service: vc.ctx.Service,
				Keys:    staticKeys{vc.ctx.Credentials.AccessKeyID: {vc.ctx.Credentials.SecretAccessKey, vc.ctx.Credentials.Token}},
				Clock:   fixedClock(vc.ctx.Timestamp),
			})
			raw := readVectorFile(t, vc.dir, "header-signed-request.txt")
			mutations := map[string]func(r *reqctx.Request){
				"method": func(r *reqctx.Request) { r.Method = "PUT" },
				"path":   func(r *reqctx.Request) { r.WirePath += "x" },
				"query":  func(r *reqctx.Request) { r.RawQuery += "&extra=1"; r.Query = reqctx.ParseQuery(r.RawQuery) },
				"host": func(r *reqctx.Request) {
					for i := range r.Headers {
						if r.Headers[i].Name == "Host" {
							r.Headers[i].Value = "example.amazonaws.co"
						}
					}
				},
				"body":   func(r *reqctx.Request) { r.Body = append(r.Body, 'x') },
				"secret": func(r *reqctx.Request) {},
			}
			for name, mutate := range mutations {
				t.Run(name, func(t *testing.T) {
					r := parseRawRequest(t, raw)
					mutate(r)
					vv := v
					if name == "secret" {
						vv = mustNew(t, Options{
							Region: vc.ctx.Region, Service: vc.ctx.Service, Clock: fixedClock(vc.ctx.Timestamp),
							Keys: staticKeys{vc.ctx.Credentials.AccessKeyID: {"wrong" + vc.ctx.Credentials.SecretAccessKey, vc.ctx.Credentials.Token}},
						})
					}
					e := verifyErr(t, vv, r)
					if e == nil || e.Kind != InvalidSignature {
						t.Fatalf("Verify = %v, want InvalidSignature", e)
					}
				})
			}
		})
	}
}
