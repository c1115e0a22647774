package admin

import (
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
)

// The read side of API Gateway's REST management API ("Amazon API Gateway
// REST API Reference": GetRestApis, GetRestApi, GetResources, GetResource,
// GetMethod, GetAuthorizers, GetAuthorizer, GetStages, GetStage,
// GetGatewayResponses, GetGatewayResponse), answered from the served
// model. Field names, collection shapes ({"item": [...], "position": ...})
// and timestamps (epoch seconds) are the service's, so that AWS SDKs and
// the CLI decode them.

func (s *Server) routeRestAPIs() {
	s.mux.HandleFunc("GET /restapis", s.getRestAPIs)
	s.mux.HandleFunc("GET /restapis/{restapi_id}", s.getRestAPI)
	s.mux.HandleFunc("GET /restapis/{restapi_id}/resources", s.getResources)
	s.mux.HandleFunc("GET /restapis/{restapi_id}/resources/{resource_id}", s.getResource)
	s.mux.HandleFunc("GET /restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}", s.getMethod)
	s.mux.HandleFunc("GET /restapis/{restapi_id}/authorizers", s.getAuthorizers)
	s.mux.HandleFunc("GET /restapis/{restapi_id}/authorizers/{authorizer_id}", s.getAuthorizer)
	s.mux.HandleFunc("GET /restapis/{restapi_id}/stages", s.getStages)
	s.mux.HandleFunc("GET /restapis/{restapi_id}/stages/{stage_name}", s.getStage)
	s.mux.HandleFunc("GET /restapis/{restapi_id}/gatewayresponses", s.getGatewayResponses)
	s.mux.HandleFunc("GET /restapis/{restapi_id}/gatewayresponses/{response_type}", s.getGatewayResponse)
}

// RestAPI is API Gateway's RestApi resource.
type RestAPI struct {
	ID                        string                `json:"id"`
	Name                      string                `json:"name"`
	Description               string                `json:"description,omitempty"`
	CreatedDate               int64                 `json:"createdDate"`
	APIKeySource              string                `json:"apiKeySource"`
	BinaryMediaTypes          []string              `json:"binaryMediaTypes,omitempty"`
	EndpointConfiguration     EndpointConfiguration `json:"endpointConfiguration"`
	Policy                    string                `json:"policy,omitempty"`
	RootResourceID            string                `json:"rootResourceId"`
	DisableExecuteAPIEndpoint bool                  `json:"disableExecuteApiEndpoint"`
}

// EndpointConfiguration is a RestApi's endpoint types.
type EndpointConfiguration struct {
	Types []string `json:"types"`
}

// Resource is API Gateway's Resource. Without embed=methods a method is
// listed as an empty object, as the service does.
type Resource struct {
	ID              string             `json:"id"`
	ParentID        string             `json:"parentId,omitempty"`
	PathPart        string             `json:"pathPart,omitempty"`
	Path            string             `json:"path"`
	ResourceMethods map[string]*Method `json:"resourceMethods,omitempty"`
}

// Method is API Gateway's Method.
type Method struct {
	HTTPMethod          string                    `json:"httpMethod,omitempty"`
	AuthorizationType   string                    `json:"authorizationType,omitempty"`
	AuthorizerID        string                    `json:"authorizerId,omitempty"`
	APIKeyRequired      *bool                     `json:"apiKeyRequired,omitempty"`
	OperationName       string                    `json:"operationName,omitempty"`
	RequestParameters   map[string]bool           `json:"requestParameters,omitempty"`
	AuthorizationScopes []string                  `json:"authorizationScopes,omitempty"`
	MethodResponses     map[string]MethodResponse `json:"methodResponses,omitempty"`
	MethodIntegration   *Integration              `json:"methodIntegration,omitempty"`
}

// MethodResponse is one declared method response.
type MethodResponse struct {
	StatusCode         string          `json:"statusCode"`
	ResponseParameters map[string]bool `json:"responseParameters,omitempty"`
}

// Integration is API Gateway's Integration.
type Integration struct {
	Type                 string                         `json:"type"`
	HTTPMethod           string                         `json:"httpMethod,omitempty"`
	URI                  string                         `json:"uri,omitempty"`
	ConnectionType       string                         `json:"connectionType,omitempty"`
	Credentials          string                         `json:"credentials,omitempty"`
	RequestParameters    map[string]string              `json:"requestParameters,omitempty"`
	RequestTemplates     map[string]string              `json:"requestTemplates,omitempty"`
	PassthroughBehavior  string                         `json:"passthroughBehavior,omitempty"`
	TimeoutInMillis      int                            `json:"timeoutInMillis"`
	CacheNamespace       string                         `json:"cacheNamespace,omitempty"`
	CacheKeyParameters   []string                       `json:"cacheKeyParameters"`
	IntegrationResponses map[string]IntegrationResponse `json:"integrationResponses,omitempty"`
}

// IntegrationResponse is API Gateway's IntegrationResponse.
type IntegrationResponse struct {
	StatusCode         string            `json:"statusCode"`
	SelectionPattern   string            `json:"selectionPattern,omitempty"`
	ResponseParameters map[string]string `json:"responseParameters,omitempty"`
	ResponseTemplates  map[string]string `json:"responseTemplates,omitempty"`
}

// Authorizer is API Gateway's Authorizer.
type Authorizer struct {
	ID                           string   `json:"id"`
	Name                         string   `json:"name"`
	Type                         string   `json:"type"`
	AuthType                     string   `json:"authType,omitempty"`
	ProviderARNs                 []string `json:"providerARNs,omitempty"`
	AuthorizerURI                string   `json:"authorizerUri,omitempty"`
	AuthorizerCredentials        string   `json:"authorizerCredentials,omitempty"`
	IdentitySource               string   `json:"identitySource,omitempty"`
	IdentityValidationExpression string   `json:"identityValidationExpression,omitempty"`
	AuthorizerResultTTLInSeconds int      `json:"authorizerResultTtlInSeconds"`
}

// Stage is API Gateway's Stage.
type Stage struct {
	DeploymentID        string                   `json:"deploymentId"`
	StageName           string                   `json:"stageName"`
	Variables           map[string]string        `json:"variables,omitempty"`
	MethodSettings      map[string]MethodSetting `json:"methodSettings"`
	CacheClusterEnabled bool                     `json:"cacheClusterEnabled"`
	CacheClusterStatus  string                   `json:"cacheClusterStatus"`
	TracingEnabled      bool                     `json:"tracingEnabled"`
	CreatedDate         int64                    `json:"createdDate"`
	LastUpdatedDate     int64                    `json:"lastUpdatedDate"`
}

// MethodSetting is a stage's settings for one method, keyed in
// Stage.methodSettings by "{resourcePath}/{httpMethod}" with "/" in the
// resource path written "~1" ("~1pets/GET", "*/*").
type MethodSetting struct {
	MetricsEnabled       bool    `json:"metricsEnabled"`
	LoggingLevel         string  `json:"loggingLevel"`
	DataTraceEnabled     bool    `json:"dataTraceEnabled"`
	ThrottlingBurstLimit int     `json:"throttlingBurstLimit"`
	ThrottlingRateLimit  float64 `json:"throttlingRateLimit"`
	CachingEnabled       bool    `json:"cachingEnabled"`
	CacheTTLInSeconds    int     `json:"cacheTtlInSeconds"`
}

// GatewayResponse is API Gateway's GatewayResponse; DefaultResponse is true
// for a type the API did not customise.
type GatewayResponse struct {
	ResponseType       string            `json:"responseType"`
	StatusCode         string            `json:"statusCode,omitempty"`
	ResponseParameters map[string]string `json:"responseParameters"`
	ResponseTemplates  map[string]string `json:"responseTemplates"`
	DefaultResponse    bool              `json:"defaultResponse"`
}

// page is a collection answer: {"item": [...], "position": "..."}.
type page[T any] struct {
	Item     []T    `json:"item"`
	Position string `json:"position,omitempty"`
}

// paginate cuts items to the page that limit and position ask for. API
// Gateway's limit defaults to 25 and may be at most 500; position is
// opaque to clients — here it is the id of the next page's first item.
func paginate[T any](w http.ResponseWriter, r *http.Request, items []T, id func(T) string) (page[T], bool) {
	limit := 25
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			badRequest(w, "Invalid limit specified: "+v+" (it must be between 1 and 500)")
			return page[T]{}, false
		}
		limit = n
	}
	start := 0
	if pos := r.URL.Query().Get("position"); pos != "" {
		start = -1
		for i, it := range items {
			if id(it) == pos {
				start = i
			}
		}
		if start < 0 {
			badRequest(w, "Invalid position specified: "+pos)
			return page[T]{}, false
		}
	}
	end := min(start+limit, len(items))
	p := page[T]{Item: items[start:end]}
	if p.Item == nil {
		p.Item = []T{}
	}
	if end < len(items) {
		p.Position = id(items[end])
	}
	return p, true
}

func (s *Server) getRestAPIs(w http.ResponseWriter, r *http.Request) {
	var items []RestAPI
	if s.opts.APIs != nil {
		for _, a := range s.opts.APIs() {
			items = append(items, s.restAPI(a))
		}
	}
	if p, ok := paginate(w, r, items, func(a RestAPI) string { return a.ID }); ok {
		writeJSON(w, http.StatusOK, p)
	}
}

func (s *Server) getRestAPI(w http.ResponseWriter, r *http.Request) {
	if api, ok := s.api(w, r); ok {
		writeJSON(w, http.StatusOK, s.restAPI(api))
	}
}

func (s *Server) restAPI(a *apimodel.API) RestAPI {
	out := RestAPI{
		ID: a.ID, Name: a.Name, CreatedDate: s.created.Unix(), APIKeySource: a.APIKeySource,
		BinaryMediaTypes: a.BinaryMediaTypes, EndpointConfiguration: EndpointConfiguration{Types: []string{"EDGE"}},
		Policy: string(a.ResourcePolicy),
	}
	if out.Name == "" {
		out.Name = a.LogicalID
	}
	if out.APIKeySource == "" {
		out.APIKeySource = "HEADER"
	}
	for _, res := range a.Resources {
		if res.Path == "/" {
			out.RootResourceID = res.ID
		}
	}
	return out
}

func (s *Server) getResources(w http.ResponseWriter, r *http.Request) {
	api, ok := s.api(w, r)
	if !ok {
		return
	}
	embed := embedsMethods(r)
	items := make([]Resource, len(api.Resources))
	for i, res := range api.Resources {
		items[i] = s.resource(api, res, embed)
	}
	if p, ok := paginate(w, r, items, func(x Resource) string { return x.ID }); ok {
		writeJSON(w, http.StatusOK, p)
	}
}

// embedsMethods reports embed=methods (the query parameter is a list).
func embedsMethods(r *http.Request) bool {
	for _, v := range r.URL.Query()["embed"] {
		for _, e := range strings.Split(v, ",") {
			if strings.TrimSpace(e) == "methods" {
				return true
			}
		}
	}
	return false
}

// apiResource finds the API and resource a request names, answering 404
// NotFoundException for either.
func (s *Server) apiResource(w http.ResponseWriter, r *http.Request) (*apimodel.API, *apimodel.Resource, bool) {
	api, ok := s.api(w, r)
	if !ok {
		return nil, nil, false
	}
	res := findResource(api, r.PathValue("resource_id"))
	if res == nil {
		notFound(w, "Resource", r.PathValue("resource_id"))
		return nil, nil, false
	}
	return api, res, true
}

func (s *Server) getResource(w http.ResponseWriter, r *http.Request) {
	api, res, ok := s.apiResource(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.resource(api, res, embedsMethods(r)))
}

func (s *Server) getMethod(w http.ResponseWriter, r *http.Request) {
	api, res, ok := s.apiResource(w, r)
	if !ok {
		return
	}
	m := res.Methods[strings.ToUpper(r.PathValue("http_method"))]
	if m == nil {
		notFound(w, "Method", r.PathValue("http_method"))
		return
	}
	writeJSON(w, http.StatusOK, s.method(api, res, m))
}

func findResource(api *apimodel.API, id string) *apimodel.Resource {
	for _, res := range api.Resources {
		if res.ID == id {
			return res
		}
	}
	return nil
}

func (s *Server) resource(api *apimodel.API, res *apimodel.Resource, embed bool) Resource {
	out := Resource{ID: res.ID, Path: res.Path}
	if res.Path != "/" {
		out.PathPart = res.Path[strings.LastIndexByte(res.Path, '/')+1:]
		out.ParentID = parentID(api, res.Path)
	}
	if len(res.Methods) > 0 {
		out.ResourceMethods = make(map[string]*Method, len(res.Methods))
		for verb, m := range res.Methods {
			if embed {
				mm := s.method(api, res, m)
				out.ResourceMethods[verb] = &mm
			} else {
				out.ResourceMethods[verb] = &Method{}
			}
		}
	}
	return out
}

// parentID is the id of the closest ancestor resource that exists.
func parentID(api *apimodel.API, path string) string {
	for path != "/" && path != "" {
		path = path[:strings.LastIndexByte(path, '/')]
		if path == "" {
			path = "/"
		}
		for _, res := range api.Resources {
			if res.Path == path {
				return res.ID
			}
		}
	}
	return ""
}

func (s *Server) method(api *apimodel.API, res *apimodel.Resource, m *apimodel.Method) Method {
	keyRequired := m.APIKeyRequired
	out := Method{
		HTTPMethod: m.HTTPMethod, AuthorizationType: m.AuthorizationType, AuthorizerID: m.AuthorizerID,
		APIKeyRequired: &keyRequired, OperationName: m.OperationName, RequestParameters: m.RequestParameters,
		AuthorizationScopes: m.AuthorizationScopes,
	}
	if out.AuthorizationType == "" {
		out.AuthorizationType = apimodel.AuthNone
	}
	in := m.Integration
	if in == nil {
		return out
	}
	out.MethodResponses = map[string]MethodResponse{}
	for code, headers := range in.MethodResponses {
		mr := MethodResponse{StatusCode: code}
		if len(headers) > 0 {
			mr.ResponseParameters = map[string]bool{}
			for h, req := range headers {
				mr.ResponseParameters["method.response.header."+h] = req
			}
		}
		out.MethodResponses[code] = mr
	}
	if len(out.MethodResponses) == 0 {
		out.MethodResponses = nil
	}
	ig := &Integration{
		Type: in.Type, HTTPMethod: in.HTTPMethod, URI: in.URI, ConnectionType: "INTERNET", Credentials: in.Credentials,
		RequestParameters: in.RequestParameters, RequestTemplates: in.RequestTemplates, PassthroughBehavior: "WHEN_NO_MATCH",
		TimeoutInMillis: in.TimeoutMillis, CacheNamespace: res.ID, CacheKeyParameters: []string{},
	}
	if ig.TimeoutInMillis == 0 {
		ig.TimeoutInMillis = apimodel.DefaultIntegrationTimeoutMillis
	}
	switch in.Type {
	case apimodel.IntegrationAWSProxy:
		// Lambda is always invoked with POST, whatever the method's verb.
		ig.HTTPMethod = "POST"
		if ig.URI == "" {
			ig.URI = s.lambdaURI(api, in.Function)
		}
	case apimodel.IntegrationMock:
		ig.HTTPMethod = ""
	default:
		if ig.HTTPMethod == "" {
			ig.HTTPMethod = apimodel.AnyMethod
		}
	}
	if len(in.IntegrationResponses) > 0 {
		ig.IntegrationResponses = map[string]IntegrationResponse{}
		for _, ir := range in.IntegrationResponses {
			ig.IntegrationResponses[ir.StatusCode] = IntegrationResponse{
				StatusCode: ir.StatusCode, SelectionPattern: ir.SelectionPattern,
				ResponseParameters: ir.ResponseParameters, ResponseTemplates: ir.ResponseTemplates,
			}
		}
	}
	out.MethodIntegration = ig
	return out
}

// lambdaURI is the API Gateway invocation URI of a template function.
func (s *Server) lambdaURI(api *apimodel.API, logicalID string) string {
	if logicalID == "" || s.opts.Functions == nil {
		return ""
	}
	fn := s.opts.Functions.Function(logicalID)
	if fn == nil || fn.ARN == "" {
		return ""
	}
	return "arn:aws:apigateway:" + api.Region + ":lambda:path/2015-03-31/functions/" + fn.ARN + "/invocations"
}

func (s *Server) getAuthorizers(w http.ResponseWriter, r *http.Request) {
	api, ok := s.api(w, r)
	if !ok {
		return
	}
	ids := make([]string, 0, len(api.Authorizers))
	for id := range api.Authorizers {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	items := make([]Authorizer, len(ids))
	for i, id := range ids {
		items[i] = s.authorizer(api, api.Authorizers[id])
	}
	if p, ok := paginate(w, r, items, func(a Authorizer) string { return a.ID }); ok {
		writeJSON(w, http.StatusOK, p)
	}
}

func (s *Server) getAuthorizer(w http.ResponseWriter, r *http.Request) {
	api, ok := s.api(w, r)
	if !ok {
		return
	}
	a := api.Authorizers[r.PathValue("authorizer_id")]
	if a == nil {
		notFound(w, "Authorizer", r.PathValue("authorizer_id"))
		return
	}
	writeJSON(w, http.StatusOK, s.authorizer(api, a))
}

func (s *Server) authorizer(api *apimodel.API, a *apimodel.Authorizer) Authorizer {
	out := Authorizer{
		ID: a.ID, Name: a.Name, Type: a.Type, ProviderARNs: a.ProviderARNs, AuthorizerCredentials: a.Credentials,
		IdentitySource: a.IdentitySource, IdentityValidationExpression: a.IdentityValidationExpression,
		AuthorizerResultTTLInSeconds: a.ResultTTL,
	}
	if out.Name == "" {
		out.Name = a.ID
	}
	switch a.Type {
	case apimodel.AuthorizerCognito:
		out.AuthType = "cognito_user_pools"
	default:
		out.AuthType = "custom"
		if a.FunctionARN != "" {
			out.AuthorizerURI = "arn:aws:apigateway:" + api.Region + ":lambda:path/2015-03-31/functions/" + a.FunctionARN + "/invocations"
		} else {
			out.AuthorizerURI = s.lambdaURI(api, a.Function)
		}
	}
	return out
}

func (s *Server) getStages(w http.ResponseWriter, r *http.Request) {
	api, ok := s.api(w, r)
	if !ok {
		return
	}
	// GetStages is not paginated: its answer is {"item": [...]} only.
	items := make([]Stage, len(api.Stages))
	for i, st := range api.Stages {
		items[i] = s.stage(api, st)
	}
	writeJSON(w, http.StatusOK, page[Stage]{Item: items})
}

func (s *Server) getStage(w http.ResponseWriter, r *http.Request) {
	api, ok := s.api(w, r)
	if !ok {
		return
	}
	st := findStage(api, r.PathValue("stage_name"))
	if st == nil {
		notFound(w, "Stage", r.PathValue("stage_name"))
		return
	}
	writeJSON(w, http.StatusOK, s.stage(api, st))
}

func (s *Server) stage(api *apimodel.API, st *apimodel.Stage) Stage {
	out := Stage{
		DeploymentID: apimodel.DeriveID(api.ID+"/"+st.Name, 6), StageName: st.Name, Variables: st.Variables,
		MethodSettings: map[string]MethodSetting{}, CacheClusterStatus: "NOT_AVAILABLE",
		CreatedDate: s.created.Unix(), LastUpdatedDate: s.created.Unix(),
	}
	for _, ms := range st.MethodSettings {
		if !ms.HasThrottling {
			continue
		}
		rp := ms.ResourcePath
		if rp == "" || rp == "/*" {
			rp = "*"
		}
		hm := strings.ToUpper(ms.HTTPMethod)
		if hm == "" {
			hm = "*"
		}
		out.MethodSettings[strings.ReplaceAll(rp, "/", "~1")+"/"+hm] = MethodSetting{
			LoggingLevel: "OFF", ThrottlingBurstLimit: ms.ThrottlingBurstLimit, ThrottlingRateLimit: ms.ThrottlingRateLimit,
			CacheTTLInSeconds: 300,
		}
	}
	return out
}

// The bodies API Gateway answers with when a response type is not
// customised; ACCESS_DENIED keeps the capital-M key the gateway really
// sends (docs/behaviour.md#DEC-ACCESS-DENIED-CAPITAL-M, gwresponse).
const (
	defaultResponseTemplate      = `{"message":$context.error.messageString}`
	accessDeniedResponseTemplate = `{"Message":$context.error.messageString}`
)

func (s *Server) getGatewayResponses(w http.ResponseWriter, r *http.Request) {
	api, ok := s.api(w, r)
	if !ok {
		return
	}
	items := make([]GatewayResponse, len(gwresponse.Types))
	for i, t := range gwresponse.Types {
		items[i] = gatewayResponse(api, t)
	}
	if p, ok := paginate(w, r, items, func(g GatewayResponse) string { return g.ResponseType }); ok {
		writeJSON(w, http.StatusOK, p)
	}
}

func (s *Server) getGatewayResponse(w http.ResponseWriter, r *http.Request) {
	api, ok := s.api(w, r)
	if !ok {
		return
	}
	t := gwresponse.Type(r.PathValue("response_type"))
	if !gwresponse.Valid(t) {
		badRequest(w, "Invalid response type specified: "+string(t))
		return
	}
	writeJSON(w, http.StatusOK, gatewayResponse(api, t))
}

func gatewayResponse(api *apimodel.API, t gwresponse.Type) GatewayResponse {
	out := GatewayResponse{ResponseType: string(t), ResponseParameters: map[string]string{}, ResponseTemplates: map[string]string{}}
	status := gwresponse.DefaultStatus(t)
	tmpl := defaultResponseTemplate
	if t == gwresponse.AccessDenied {
		tmpl = accessDeniedResponseTemplate
	}
	gr := api.GatewayResponses[string(t)]
	if gr == nil {
		out.DefaultResponse = true
		out.ResponseTemplates["application/json"] = tmpl
	} else {
		if gr.StatusCode != 0 {
			status = gr.StatusCode
		}
		for k, v := range gr.ResponseParameters {
			out.ResponseParameters[k] = v
		}
		for k, v := range gr.ResponseTemplates {
			out.ResponseTemplates[k] = v
		}
		if len(out.ResponseTemplates) == 0 {
			out.ResponseTemplates["application/json"] = tmpl
		}
	}
	if status != 0 {
		out.StatusCode = strconv.Itoa(status)
	}
	return out
}
