package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/function"
)

// The Lambda Invoke API for the definition's functions, as `sam local
// start-lambda` offers it, so that an AWS SDK Lambda client or `aws lambda
// invoke --endpoint-url` runs them locally ("AWS Lambda API Reference":
// Invoke, ListFunctions). Wire format: the payload is the body, in and
// out; a function error is still 200 with X-Amz-Function-Error; service
// errors are {"Type": ..., "Message": ...} with x-amzn-ErrorType.

// maxInvokePayload is Lambda's synchronous request payload limit (6 MB).
const maxInvokePayload = 6 << 20

// Functions is what the Lambda API needs from the function runtime.
type Functions interface {
	// Function resolves a function name, logical id, ARN or partial ARN
	// ("123456789012:function:name"); nil when none matches.
	Function(name string) *apimodel.Function
	// Functions lists the definition's functions.
	Functions() []*apimodel.Function
	// Invoke runs a function once.
	Invoke(ctx context.Context, fn *apimodel.Function, payload []byte) (function.Result, error)
}

func (s *Server) routeLambda() {
	s.mux.HandleFunc("POST /2015-03-31/functions/{function_name}/invocations", s.lambdaInvoke)
	s.mux.HandleFunc("GET /2015-03-31/functions/{$}", s.lambdaList)
	s.mux.HandleFunc("GET /2015-03-31/functions", s.lambdaList)
}

// lambdaError is a Lambda service error.
func lambdaError(w http.ResponseWriter, status int, errType, kind, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-ErrorType", errType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"Type": kind, "Message": msg})
}

func (s *Server) lambdaInvoke(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("function_name")
	fn := s.opts.Functions.Function(name)
	if q := r.URL.Query().Get("Qualifier"); fn != nil && q != "" && q != "$LATEST" {
		fn = nil
		name += ":" + q
	}
	if fn == nil {
		lambdaError(w, http.StatusNotFound, "ResourceNotFoundException", "User", "Function not found: "+name)
		return
	}
	switch t := r.Header.Get("X-Amz-Invocation-Type"); t {
	case "", "RequestResponse":
	case "DryRun":
		w.Header().Set("X-Amz-Executed-Version", "$LATEST")
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		// Asynchronous invocation has no local queue; sam local start-lambda
		// refuses it the same way.
		lambdaError(w, http.StatusNotImplemented, "NotImplementedException", "LocalService",
			"X-Amz-Invocation-Type "+t+" is not supported locally; use RequestResponse")
		return
	}
	payload, err := io.ReadAll(io.LimitReader(r.Body, maxInvokePayload+1))
	if err != nil {
		lambdaError(w, http.StatusBadRequest, "InvalidRequestContentException", "User", "Could not read the request payload")
		return
	}
	if len(payload) > maxInvokePayload {
		lambdaError(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException", "User",
			fmt.Sprintf("Request must be smaller than %d bytes for the InvokeFunction operation", maxInvokePayload))
		return
	}
	if len(strings.TrimSpace(string(payload))) == 0 {
		payload = []byte("{}")
	}
	if !json.Valid(payload) {
		lambdaError(w, http.StatusBadRequest, "InvalidRequestContentException", "User", "Could not parse request body into json")
		return
	}
	res, err := s.opts.Functions.Invoke(r.Context(), fn, payload)
	if err != nil {
		var ie *function.InvokeError
		if !errors.As(err, &ie) {
			s.opts.Logger.Error("function invocation failed", "function", fn.Name, "err", err)
			lambdaError(w, http.StatusInternalServerError, "ServiceException", "Service", err.Error())
			return
		}
		switch ie.Kind {
		case function.KindNotFound:
			lambdaError(w, http.StatusNotFound, "ResourceNotFoundException", "User", "Function not found: "+name)
			return
		case function.KindThrottled:
			lambdaError(w, http.StatusTooManyRequests, "TooManyRequestsException", "User", "Rate Exceeded.")
			return
		case function.KindTransport:
			s.opts.Logger.Error("function invocation failed", "function", fn.Name, "err", err)
			lambdaError(w, http.StatusInternalServerError, "ServiceException", "Service", err.Error())
			return
		}
		// A timeout, a crash or a failed init is the function's own failure:
		// Lambda answers 200 with X-Amz-Function-Error and an error document.
		res = function.Result{FunctionError: "Unhandled", Payload: ie.Payload}
		if len(res.Payload) == 0 {
			res.Payload, _ = json.Marshal(map[string]string{"errorType": ie.Kind.String(), "errorMessage": ie.Error()})
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amz-Executed-Version", "$LATEST")
	if res.FunctionError != "" {
		w.Header().Set("X-Amz-Function-Error", res.FunctionError)
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(res.Payload)
}

// FunctionConfiguration is the subset of Lambda's FunctionConfiguration
// that ListFunctions answers with.
type FunctionConfiguration struct {
	FunctionName string `json:"FunctionName"`
	FunctionArn  string `json:"FunctionArn"`
	Runtime      string `json:"Runtime,omitempty"`
	Handler      string `json:"Handler,omitempty"`
	Timeout      int    `json:"Timeout"`
	MemorySize   int    `json:"MemorySize"`
	Version      string `json:"Version"`
	PackageType  string `json:"PackageType"`
}

func (s *Server) lambdaList(w http.ResponseWriter, r *http.Request) {
	fns := s.opts.Functions.Functions()
	sort.Slice(fns, func(i, j int) bool { return fns[i].Name < fns[j].Name })
	out := struct {
		Functions []FunctionConfiguration `json:"Functions"`
	}{Functions: []FunctionConfiguration{}}
	for _, fn := range fns {
		if fn.Remote {
			continue
		}
		c := FunctionConfiguration{FunctionName: fn.Name, FunctionArn: fn.ARN, Runtime: fn.Runtime, Handler: fn.Handler,
			Timeout: fn.TimeoutSeconds, MemorySize: fn.MemoryMB, Version: "$LATEST", PackageType: "Zip"}
		if c.Timeout == 0 {
			c.Timeout = 3
		}
		if c.MemorySize == 0 {
			c.MemorySize = 128
		}
		out.Functions = append(out.Functions, c)
	}
	writeJSON(w, http.StatusOK, out)
}
