// Command rawgo is a custom runtime written against the Runtime API with
// the standard library only: what a provided.al2023 bootstrap in any
// language does.
package main

import (
	"io"
	"net/http"
	"os"
	"strings"
)

const version = "v1"

func main() {
	base := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/invocation/"
	for {
		resp, err := http.Get(base + "next")
		if err != nil {
			os.Exit(1)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		id := resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
		r, err := http.Post(base+id+"/response", "application/json", strings.NewReader(`"`+version+`"`))
		if err != nil {
			os.Exit(1)
		}
		r.Body.Close()
	}
}
