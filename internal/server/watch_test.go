package server

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
)

// TestOpenedRoutes lists the methods a reload would open: guarded now (an
// authorizer, IAM, an API key or a resource policy) and matched afterwards
// by an unguarded method, including through a broader {proxy+} resource.
func TestOpenedRoutes(t *testing.T) {
	mock := &apimodel.Integration{Type: apimodel.IntegrationMock}
	method := func(auth string, key bool) *apimodel.Method {
		return &apimodel.Method{AuthorizationType: auth, APIKeyRequired: key, Integration: mock}
	}
	api := func(policy bool, res ...*apimodel.Resource) *apimodel.Model {
		a := &apimodel.API{ID: "abc", LogicalID: "Api", Resources: append([]*apimodel.Resource{{ID: "r0", Path: "/"}}, res...)}
		if policy {
			a.ResourcePolicy = []byte(`{"Statement":[]}`)
		}
		return &apimodel.Model{APIs: []*apimodel.API{a}}
	}
	res := func(path string, verb string, m *apimodel.Method) *apimodel.Resource {
		m.HTTPMethod = verb
		return &apimodel.Resource{ID: path, Path: path, Methods: map[string]*apimodel.Method{verb: m}}
	}
	guardedUser := res("/users/{id}", "GET", method(apimodel.AuthCustom, false))
	cases := []struct {
		name      string
		old, next *apimodel.Model
		want      []string
	}{
		{"SameGuard_Nothing", api(false, guardedUser), api(false, res("/users/{id}", "GET", method(apimodel.AuthCustom, false))), nil},
		{"AuthRemoved", api(false, guardedUser), api(false, res("/users/{id}", "GET", method(apimodel.AuthNone, false))), []string{"Api GET /users/{id}"}},
		{"GuardSwappedForIAM_Nothing", api(false, guardedUser), api(false, res("/users/{id}", "GET", method(apimodel.AuthIAM, false))), nil},
		{"RouteRemoved_Nothing", api(false, guardedUser), api(false), nil},
		{"OpenProxyNowCatchesIt", api(false, guardedUser), api(false, res("/{proxy+}", "ANY", method(apimodel.AuthNone, false))), []string{"Api GET /users/{id}"}},
		{"APIKeyDropped", api(false, res("/k", "POST", method(apimodel.AuthNone, true))), api(false, res("/k", "POST", method(apimodel.AuthNone, false))), []string{"Api POST /k"}},
		{"ResourcePolicyDropped", api(true, res("/p", "GET", method(apimodel.AuthNone, false))), api(false, res("/p", "GET", method(apimodel.AuthNone, false))), []string{"Api GET /p"}},
		{"OpenStaysOpen_Nothing", api(false, res("/o", "GET", method(apimodel.AuthNone, false))), api(false, res("/o", "GET", method(apimodel.AuthNone, false))), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, openedRoutes(tc.old, tc.next)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}
