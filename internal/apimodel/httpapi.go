package apimodel

// The HTTP API (API Gateway v2, protocol HTTP) model. HTTP APIs share
// little with REST APIs beyond the execute-api ARN: routes are keyed by
// "VERB /path" strings instead of a resource tree, integrations choose a
// Lambda payload format, authorizers are REQUEST Lambdas (payload 1.0 or
// 2.0), JWT or IAM, and CORS is a property of the API rather than OPTIONS
// methods. The loaders fill these types; internal/httpapi compiles them.

// Kind says which data plane serves an API.
type Kind string

const (
	// KindREST is an API Gateway REST API (v1): API.
	KindREST Kind = "REST"
	// KindHTTP is an API Gateway HTTP API (v2, ProtocolType HTTP): HTTPAPI.
	KindHTTP Kind = "HTTP"
)

// DefaultStage is the stage an HTTP API serves at the root of its URL
// ("Working with stages for HTTP APIs").
const DefaultStage = "$default"

// DefaultRouteKey is the catch-all route of an HTTP API ("Working with
// routes for HTTP APIs": it matches requests no other route matches).
const DefaultRouteKey = "$default"

// HTTP API authorizer types (AWS::ApiGatewayV2::Authorizer AuthorizerType)
// and route authorization types (Route.AuthorizationType).
const (
	HTTPAuthorizerRequest = "REQUEST"
	HTTPAuthorizerJWT     = "JWT"
	HTTPAuthNone          = "NONE"
	HTTPAuthIAM           = "AWS_IAM"
	HTTPAuthCustom        = "CUSTOM"
	HTTPAuthJWT           = "JWT"
)

// HTTP API integration types (AWS::ApiGatewayV2::Integration
// IntegrationType) the gateway runs.
const (
	HTTPIntegrationLambda = "AWS_PROXY"
	HTTPIntegrationHTTP   = "HTTP_PROXY"
)

// Payload format versions of Lambda integrations and authorizers.
const (
	PayloadFormat1 = "1.0"
	PayloadFormat2 = "2.0"
)

// HTTPAPI is one HTTP API.
type HTTPAPI struct {
	// ID is the 10-character API id (the execute-api host label).
	ID        string
	LogicalID string
	Name      string
	Region    string
	AccountID string
	// Kind is always KindHTTP; it lets code holding either model say
	// which one it has without a type switch.
	Kind Kind
	// Stages in template order. A stage named DefaultStage is served at
	// the root; AutoDeploy has no local meaning (every load is a
	// deployment) and is not kept.
	Stages []*HTTPStage
	// Routes in template order; RouteKey is unique.
	Routes []*HTTPRoute
	// Integrations by id (the logical id, or a synthesised one for a
	// quick-create Target or a SAM event).
	Integrations map[string]*HTTPIntegration
	// Authorizers by name.
	Authorizers map[string]*HTTPAuthorizer
	// CORS is the API's CorsConfiguration; nil when none is configured,
	// and then the gateway neither answers preflight nor adds headers.
	CORS *CORSConfig
	// DisableExecuteAPIEndpoint is kept for the banner: locally the
	// gateway's listener is the only endpoint, so it is served anyway.
	DisableExecuteAPIEndpoint bool
	Pos                       Pos
}

// HTTPStage is one stage of an HTTP API.
type HTTPStage struct {
	Name      string
	Variables map[string]string
	// Throttling defaults of the stage (DefaultRouteSettings), 0 = none.
	ThrottlingRateLimit  float64
	ThrottlingBurstLimit int
	Pos                  Pos
}

// HTTPRoute is one route: a route key and what answers it.
type HTTPRoute struct {
	// RouteKey is "VERB /path" (VERB may be ANY) or DefaultRouteKey.
	RouteKey string
	// Integration is the id of the route's integration (Target without
	// the "integrations/" prefix).
	Integration string
	// AuthorizationType is one of the HTTPAuth* constants; "" is NONE.
	AuthorizationType string
	// Authorizer names the CUSTOM or JWT authorizer.
	Authorizer string
	// AuthorizationScopes are the JWT scopes the route requires (any one
	// of them suffices).
	AuthorizationScopes []string
	Pos                 Pos
}

// HTTPIntegration is one integration of an HTTP API.
type HTTPIntegration struct {
	ID string
	// Type is HTTPIntegrationLambda or HTTPIntegrationHTTP.
	Type string
	// Function is the logical id of the Lambda function (AWS_PROXY).
	Function string
	// PayloadFormatVersion is PayloadFormat1 or PayloadFormat2 for a
	// Lambda integration; "" means 2.0, SAM's default for HttpApi events.
	PayloadFormatVersion string
	// URI is the HTTP_PROXY target URL.
	URI string
	// Method is the HTTP_PROXY IntegrationMethod; "" or ANY forwards the
	// request's own method.
	Method        string
	TimeoutMillis int
	Pos           Pos
}

// HTTPAuthorizer is a Lambda REQUEST or JWT authorizer of an HTTP API.
type HTTPAuthorizer struct {
	Name string
	// Type is HTTPAuthorizerRequest or HTTPAuthorizerJWT.
	Type string
	// Function is the logical id of a REQUEST authorizer's function.
	Function string
	// PayloadFormatVersion of a REQUEST authorizer: PayloadFormat1 or
	// PayloadFormat2 (required on AWS).
	PayloadFormatVersion string
	// EnableSimpleResponses lets a 2.0 authorizer answer
	// {"isAuthorized": bool, "context": {...}} instead of an IAM policy.
	EnableSimpleResponses bool
	// IdentitySource lists the selection expressions ($request.header.X,
	// $request.querystring.X, $context.X, $stageVariables.X). For a
	// REQUEST authorizer every one must be present and non-empty or the
	// request is refused with 401 before the function runs; they are also
	// the cache key. A JWT authorizer has exactly one.
	IdentitySource []string
	// ResultTTLSeconds is AuthorizerResultTtlInSeconds (0 = no caching).
	ResultTTLSeconds int
	// JWT configuration.
	Issuer   string
	Audience []string
	Pos      Pos
}

// CORSConfig is an HTTP API's CorsConfiguration.
type CORSConfig struct {
	AllowOrigins     []string
	AllowMethods     []string
	AllowHeaders     []string
	ExposeHeaders    []string
	AllowCredentials bool
	// MaxAge in seconds; negative means not set.
	MaxAge int
	Pos    Pos
}

// Route returns the route with the given key, or nil.
func (a *HTTPAPI) Route(key string) *HTTPRoute {
	for _, r := range a.Routes {
		if r.RouteKey == key {
			return r
		}
	}
	return nil
}
