package router_test

import (
	"fmt"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/router"
)

// API Gateway's precedence (docs/behaviour.md#ROUTE-1): a literal segment
// beats {param}, which beats {proxy+}. A resource that matches without a
// method for the verb does not fall through to {proxy+}: like a path that
// matches nothing, it is 403 Missing Authentication Token at the gateway
// (docs/behaviour.md#ROUTE-2). The root has no resource here.
func ExampleTree_Match() {
	resource := func(path string, verbs ...string) *apimodel.Resource {
		r := &apimodel.Resource{Path: path, Methods: map[string]*apimodel.Method{}}
		for _, v := range verbs {
			r.Methods[v] = &apimodel.Method{HTTPMethod: v}
		}
		return r
	}
	tree, err := router.New([]*apimodel.Resource{
		resource("/pets/mine", "GET"),
		resource("/pets/{id}", "GET"),
		resource("/{proxy+}", "ANY"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, req := range [][2]string{{"GET", "/pets/mine"}, {"GET", "/pets/7"}, {"POST", "/pets/7"}, {"POST", "/pets/7/toys"}, {"GET", "/"}} {
		res, method, params, found := tree.Match(req[0], req[1], nil)
		if !found || method == nil {
			fmt.Printf("%s %s: no resource or method\n", req[0], req[1])
			continue
		}
		fmt.Printf("%s %s: %s %s %v\n", req[0], req[1], method.HTTPMethod, res.Path, params)
	}
	// Output:
	// GET /pets/mine: GET /pets/mine []
	// GET /pets/7: GET /pets/{id} [{id 7}]
	// POST /pets/7: no resource or method
	// POST /pets/7/toys: ANY /{proxy+} [{proxy pets/7/toys}]
	// GET /: no resource or method
}
