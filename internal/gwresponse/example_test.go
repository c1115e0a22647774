package gwresponse_test

import (
	"fmt"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
)

// A stage returns a typed error; the API's compiled gateway responses turn
// it into the response (docs/behaviour.md#GWR-1). Here DEFAULT_4XX is
// customised with a CORS header, which every 4xx type without its own
// customisation inherits (docs/behaviour.md#GWR-3); the default
// ACCESS_DENIED body keeps its capital M
// (docs/behaviour.md#DEC-ACCESS-DENIED-CAPITAL-M).
func ExampleSet_Render() {
	set, err := gwresponse.Compile(&apimodel.API{ID: "abcde12345", GatewayResponses: map[string]*apimodel.GatewayResponse{
		"DEFAULT_4XX": {Type: "DEFAULT_4XX", ResponseParameters: map[string]string{
			"gatewayresponse.header.Access-Control-Allow-Origin": "'*'",
		}},
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	r := &reqctx.Request{ID: "req-1", Method: "GET", Path: "/users/7", Stage: "prod"}
	for _, e := range []*gwresponse.Error{
		gwresponse.New(gwresponse.Unauthorized, "Unauthorized"),
		gwresponse.New(gwresponse.AccessDenied, "User is not authorized to access this resource"),
		gwresponse.InternalError(502, nil),
	} {
		resp := set.Render(e, r)
		origin := ""
		for _, h := range resp.Headers {
			if h.Name == "Access-Control-Allow-Origin" {
				origin = " (Access-Control-Allow-Origin: " + h.Value + ")"
			}
		}
		fmt.Printf("%s %d %s%s\n", resp.Type, resp.Status, resp.Body, origin)
	}
	// Output:
	// UNAUTHORIZED 401 {"message":"Unauthorized"} (Access-Control-Allow-Origin: *)
	// ACCESS_DENIED 403 {"Message":"User is not authorized to access this resource"} (Access-Control-Allow-Origin: *)
	// DEFAULT_5XX 502 {"message":"Internal server error"}
}
