package apimodel

import "encoding/json"

// Authorization types of a method (API Gateway's authorizationType).
const (
	AuthNone    = "NONE"
	AuthIAM     = "AWS_IAM"
	AuthCustom  = "CUSTOM"
	AuthCognito = "COGNITO_USER_POOLS"
)

// Authorizer types (API Gateway's Authorizer.type).
const (
	AuthorizerToken   = "TOKEN"
	AuthorizerRequest = "REQUEST"
	AuthorizerCognito = "COGNITO_USER_POOLS"
)

// Integration types the gateway runs.
const (
	IntegrationHTTPProxy = "HTTP_PROXY"
	IntegrationAWSProxy  = "AWS_PROXY"
	IntegrationMock      = "MOCK"
)

// DefaultResultTTL is API Gateway's authorizerResultTtlInSeconds when the
// property is not set (docs/behaviour.md#CACHE-1); MaxResultTTL is its hard limit.
const (
	DefaultResultTTL = 300
	MaxResultTTL     = 3600
)

// DefaultIntegrationTimeoutMillis is API Gateway's REST integration timeout.
const DefaultIntegrationTimeoutMillis = 29000

// AnyMethod is the catch-all verb of a resource.
const AnyMethod = "ANY"

// Pos is where a construct was written: file, 1-based line and column.
type Pos struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	Col  int    `json:"col,omitempty"`
}

// Model is everything one template or OpenAPI document deploys.
type Model struct {
	APIs []*API
	// HTTPAPIs are the HTTP APIs (API Gateway v2), served after the REST
	// APIs, each on its own port.
	HTTPAPIs []*HTTPAPI
	// Functions by logical id (for a template) or name.
	Functions map[string]*Function
	// Roles are the template's AWS::IAM::Role resources by logical id, kept
	// for AWS_IAM identities that name a role.
	Roles map[string]*Role
	// Domains are the custom domain names with their base path mappings.
	Domains []*Domain
	// Ignored lists what the loader read but does not emulate, for validate.
	Ignored []Diagnostic
	// Warnings are problems that do not stop serving.
	Warnings []Diagnostic
}

// API is one REST API (AWS::ApiGateway::RestApi, AWS::Serverless::Api, an
// implicit SAM API or an OpenAPI document).
type API struct {
	// ID is the 10-character API id used in method ARNs.
	ID string
	// LogicalID is the template's logical id (or the document's title).
	LogicalID string
	Name      string
	Region    string
	AccountID string

	Stages    []*Stage
	Resources []*Resource // sorted by Path; "/" is always present
	// Authorizers by ID (the logical id or OpenAPI security scheme name).
	Authorizers map[string]*Authorizer
	// GatewayResponses by type name (ACCESS_DENIED, DEFAULT_4XX, ...).
	GatewayResponses map[string]*GatewayResponse
	// ResourcePolicy is the API's resource policy as JSON, abbreviated
	// execute-api:/ resources not yet expanded; nil when there is none.
	ResourcePolicy json.RawMessage
	// APIKeySource is HEADER (default) or AUTHORIZER.
	APIKeySource     string
	BinaryMediaTypes []string
	// Models are the API's models (AWS::ApiGateway::Model, OpenAPI
	// definitions / components.schemas) by name.
	Models     map[string]*DataModel
	APIKeys    []*APIKey
	UsagePlans []*UsagePlan

	Pos Pos
}

// Stage is a deployed stage of an API.
type Stage struct {
	Name           string
	Variables      map[string]string
	MethodSettings []MethodSetting
	Pos            Pos
}

// MethodSetting is one entry of a stage's MethodSettings. ResourcePath and
// HTTPMethod may be "*" (every resource / every verb), as in CloudFormation.
type MethodSetting struct {
	ResourcePath         string
	HTTPMethod           string
	ThrottlingRateLimit  float64 // requests per second; 0 with HasThrottling false = unset
	ThrottlingBurstLimit int
	HasThrottling        bool
}

// Resource is one node of the API's resource tree, identified by its full
// path template ("/users/{id}/info", "/{proxy+}").
type Resource struct {
	// ID is a 6-character resource id, stable for a given API and path.
	ID      string
	Path    string
	Methods map[string]*Method // by verb: GET, POST, ..., ANY
	Pos     Pos
}

// Method is a verb on a resource.
type Method struct {
	HTTPMethod        string
	AuthorizationType string // AuthNone, AuthIAM, AuthCustom, AuthCognito
	// AuthorizerID names an entry of API.Authorizers (CUSTOM and
	// COGNITO_USER_POOLS).
	AuthorizerID        string
	AuthorizationScopes []string
	APIKeyRequired      bool
	// RequestParameters are method.request.{header,querystring,path}.X names
	// with their required flag.
	RequestParameters map[string]bool
	// RequestModels map a content type ("application/json", "$default")
	// to the name of the API model the body must satisfy.
	RequestModels map[string]string
	// RequestValidator is the method's validator; nil validates nothing.
	RequestValidator *RequestValidator
	Integration      *Integration
	// OperationName is informational (OpenAPI operationId).
	OperationName string
	Pos           Pos
}

// Integration is what a method calls.
type Integration struct {
	Type string // IntegrationHTTPProxy, IntegrationAWSProxy, IntegrationMock
	// URI for HTTP_PROXY (may hold {proxy}, {param} and
	// ${stageVariables.x}); the Lambda invocation URI for AWS_PROXY.
	URI        string
	HTTPMethod string // integration verb; "" or ANY = the request's verb
	// Function is the logical id of the function an AWS_PROXY integration
	// invokes (resolved by the loader from URI).
	Function      string
	TimeoutMillis int
	// Credentials is the integration's credentials ARN;
	// "arn:aws:iam::*:user/*" means "the caller's own".
	Credentials string
	// RequestParameters map integration.request.{header,querystring,path}.X
	// to a method.request.* / context.* / stageVariables.* / 'static' value.
	RequestParameters map[string]string
	RequestTemplates  map[string]string
	// PassthroughBehavior is WHEN_NO_MATCH (the default, also for ""),
	// WHEN_NO_TEMPLATES or NEVER.
	PassthroughBehavior string
	// ContentHandling is CONVERT_TO_TEXT, CONVERT_TO_BINARY or "" (pass
	// the payload through).
	ContentHandling      string
	IntegrationResponses []IntegrationResponse
	// MethodResponses declared on the method, by status code, with the
	// response headers they declare.
	MethodResponses map[string]map[string]bool
	Pos             Pos
}

// IntegrationResponse maps an integration outcome to a method response.
type IntegrationResponse struct {
	StatusCode         string
	SelectionPattern   string
	ResponseParameters map[string]string // method.response.header.X -> 'value' | integration.response.header.Y
	ResponseTemplates  map[string]string
	// ContentHandling is CONVERT_TO_TEXT, CONVERT_TO_BINARY or "".
	ContentHandling string
}

// Passthrough behaviours of an integration request (passthroughBehavior).
const (
	PassthroughWhenNoMatch     = "WHEN_NO_MATCH"
	PassthroughWhenNoTemplates = "WHEN_NO_TEMPLATES"
	PassthroughNever           = "NEVER"
)

// Integration types served only with mapping templates.
const (
	IntegrationHTTP = "HTTP"
	IntegrationAWS  = "AWS"
)

// RequestValidator is a method's request validator
// (x-amazon-apigateway-request-validators, AWS::ApiGateway::RequestValidator).
type RequestValidator struct {
	Name               string
	ValidateBody       bool
	ValidateParameters bool
}

// DataModel is a data model: a JSON Schema draft 4 document.
type DataModel struct {
	Name        string
	ContentType string
	// Schema is the schema as JSON.
	Schema json.RawMessage
	Pos    Pos
}

// Authorizer is a Lambda (TOKEN or REQUEST) or Cognito authorizer.
type Authorizer struct {
	ID   string
	Name string
	Type string // AuthorizerToken, AuthorizerRequest, AuthorizerCognito
	// Function is the logical id of a template function; FunctionARN is set
	// instead when the function lives outside the template (remote invoke).
	Function    string
	FunctionARN string
	// IdentitySource is API Gateway's comma-separated expression list
	// ("method.request.header.Authorization").
	IdentitySource               string
	IdentityValidationExpression string
	// ResultTTL is the resolved authorizerResultTtlInSeconds (default 300
	// already applied; 0 disables caching).
	ResultTTL int
	// ProviderARNs are the Cognito user pool ARNs.
	ProviderARNs []string
	// Credentials is authorizerCredentials (role API Gateway assumes).
	Credentials string
	Pos         Pos
}

// GatewayResponse is a customised gateway response.
type GatewayResponse struct {
	Type string
	// StatusCode 0 keeps the type's default (and for DEFAULT_4XX/5XX means
	// "no override").
	StatusCode int
	// ResponseParameters map gatewayresponse.header.X to 'static' or a
	// method.request.* / stageVariables.* / context.* expression.
	ResponseParameters map[string]string
	ResponseTemplates  map[string]string
	Pos                Pos
}

// APIKey is an API key usable with the API.
type APIKey struct {
	ID      string
	Name    string
	Value   string
	Enabled bool
}

// UsagePlan binds API keys to stages with throttle and quota limits.
type UsagePlan struct {
	ID          string
	Name        string
	Stages      []string // stage names of this API
	KeyIDs      []string
	RateLimit   float64 // 0 = unset
	BurstLimit  int
	QuotaLimit  int    // 0 = unset
	QuotaPeriod string // DAY, WEEK, MONTH
}

// Function is a Lambda function the gateway can invoke.
type Function struct {
	LogicalID string
	Name      string // FunctionName; defaults to LogicalID
	Runtime   string // nodejs20.x, python3.12, go1.x, provided.al2023, ...
	Handler   string
	// CodeDir is the absolute directory of the function code (CodeUri).
	CodeDir string
	// InlineCode is the source given in the template (InlineCode /
	// Code.ZipFile); when set the runtime writes it to a private directory.
	InlineCode string
	// LayerDirs are the local directories of the function's layers, in
	// the template's order; the runtime reads them where Lambda mounts
	// them under /opt (NODE_PATH, PYTHONPATH).
	LayerDirs      []string
	Environment    map[string]string
	TimeoutSeconds int // default 3
	MemoryMB       int
	// ARN is the function ARN (synthesised for local functions).
	ARN string
	// Remote functions are invoked on AWS Lambda.
	Remote bool
	// Permissions records whether an AWS::Lambda::Permission lets API
	// Gateway invoke the function (for validate's warning).
	HasAPIGatewayPermission bool
	Pos                     Pos
}

// Role is an IAM role of the template with its inline policies.
type Role struct {
	LogicalID string
	ARN       string
	// Policies are inline policy documents as JSON.
	Policies []json.RawMessage
	// ManagedPolicyARNs cannot be resolved locally.
	ManagedPolicyARNs []string
	Pos               Pos
}

// Diagnostic is a load-time error or warning with its position.
type Diagnostic struct {
	Pos Pos
	// LogicalID is the template resource the problem belongs to, if any.
	LogicalID string
	// Path is the property path ("Properties.Auth.Authorizers.MyAuth").
	Path    string
	Message string
}
