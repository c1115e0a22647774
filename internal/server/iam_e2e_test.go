package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/portcullis-gateway/portcullis/internal/cognito"
	"github.com/portcullis-gateway/portcullis/internal/testenv"
)

// azServer is a running Portcullis over a definition and a --config file
// written to a temporary directory.
type azServer struct {
	base  string // http://127.0.0.1:port
	host  string // 127.0.0.1:port
	apiID string
	dir   string
}

// startAuthz writes files (name → content) to a temporary directory and
// serves the definition named def with config (none when "").
func startAuthz(t *testing.T, files map[string]string, def, config string) *azServer {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(strings.ReplaceAll(content, "$DIR", dir)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := Config{
		DefinitionPath: filepath.Join(dir, def), Port: 0, AdminAddr: "-",
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}
	if config != "" {
		cfg.ConfigFile = filepath.Join(dir, "portcullis.yaml")
		if err := os.WriteFile(cfg.ConfigFile, []byte(strings.ReplaceAll(config, "$DIR", dir)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv := runServer(t, cfg)
	host := srv.Addrs()[0]
	return &azServer{base: "http://" + host, host: host, apiID: srv.Model().APIs[0].ID, dir: dir}
}

type azReply struct {
	status int
	header http.Header
	body   string
}

func azDo(t *testing.T, req *http.Request) azReply {
	t.Helper()
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return azReply{resp.StatusCode, resp.Header, string(b)}
}

func (r azReply) want(t *testing.T, status int, errorType, body string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	if got := r.header.Get("x-amzn-ErrorType"); got != errorType {
		t.Fatalf("x-amzn-ErrorType = %q, want %q; body %s", got, errorType, r.body)
	}
	if body != "" && r.body != body {
		t.Fatalf("body = %s\nwant   %s", r.body, body)
	}
}

const emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// sdkSigned is a request signed by aws-sdk-go-v2's signer at the given time.
func sdkSigned(t *testing.T, method, url, key, secret string, at time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	creds := aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, emptyPayloadHash, "execute-api", "us-east-1", at); err != nil {
		t.Fatal(err)
	}
	return req
}

// iamTemplate is a SAM API with AWS_IAM as its default authorizer. /secure
// runs its integration with the caller's credentials (what SAM writes for
// AWS_IAM without an InvokeRole); /own and /denied do not.
const iamTemplate = `Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        DefaultAuthorizer: AWS_IAM
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: |
        import json
        def handler(event, context):
            return {"statusCode": 200, "body": json.dumps(event["requestContext"]["identity"])}
      Events:
        Secure:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /secure, Method: get}
        Own:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /own
            Method: get
            Auth: {Authorizer: AWS_IAM, InvokeRole: NONE}
        Denied:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /denied
            Method: get
            Auth: {Authorizer: AWS_IAM, InvokeRole: NONE}
`

// iamConfig: alice may invoke the API (but not /denied) and the function;
// bob may invoke the API only.
const iamConfig = `identities:
  - accessKeyId: AKIDALICE
    secretAccessKey: alice-secret
    arn: arn:aws:iam::123456789012:user/alice
    policies:
      - Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Action: execute-api:Invoke, Resource: "arn:aws:execute-api:us-east-1:123456789012:*/prod/*"}
          - {Effect: Deny, Action: execute-api:Invoke, Resource: "arn:aws:execute-api:us-east-1:123456789012:*/prod/GET/denied"}
          - {Effect: Allow, Action: lambda:InvokeFunction, Resource: "arn:aws:lambda:us-east-1:123456789012:function:Fn"}
  - accessKeyId: AKIDBOB
    secretAccessKey: bob-secret
    arn: arn:aws:iam::123456789012:user/bob
    policies:
      - '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}'
`

func needPython(t *testing.T) {
	t.Helper()
	testenv.Require(t, "python3")
}

// TestE2E_IAM_SigV4 drives AWS_IAM methods with requests signed by
// aws-sdk-go-v2 (docs/behaviour.md#GWR-1, docs/behaviour.md#IAM-1): an allowed caller reaches the backend with
// requestContext.identity filled; an explicit deny, a wrong secret, an
// expired signature and an unsigned request get API Gateway's answers;
// and a caller whose own policies do not allow lambda:InvokeFunction gets
// 500 on the caller-credentials integration.
func TestE2E_IAM_SigV4(t *testing.T) {
	needPython(t)
	s := startAuthz(t, map[string]string{"template.yaml": iamTemplate}, "template.yaml", iamConfig)
	now := time.Now()
	arn := "arn:aws:execute-api:us-east-1:123456789012:" + s.apiID + "/prod/GET/"

	t.Run("Allow_IdentityToBackend", func(t *testing.T) {
		r := azDo(t, sdkSigned(t, "GET", s.base+"/prod/own", "AKIDALICE", "alice-secret", now))
		r.want(t, 200, "", "")
		var id map[string]any
		if err := json.Unmarshal([]byte(r.body), &id); err != nil {
			t.Fatalf("backend body %s: %v", r.body, err)
		}
		if id["accessKey"] != "AKIDALICE" || id["accountId"] != "123456789012" || id["userArn"] != "arn:aws:iam::123456789012:user/alice" ||
			!strings.HasPrefix(id["caller"].(string), "AIDA") || id["user"] != id["caller"] {
			t.Fatalf("requestContext.identity = %v", id)
		}
	})
	t.Run("ExplicitDeny_403", func(t *testing.T) {
		azDo(t, sdkSigned(t, "GET", s.base+"/prod/denied", "AKIDALICE", "alice-secret", now)).want(t, 403, "AccessDeniedException",
			`{"Message":"User: arn:aws:iam::123456789012:user/alice is not authorized to perform: execute-api:Invoke on resource: `+arn+`denied with an explicit deny"}`)
	})
	t.Run("BadSignature_403", func(t *testing.T) {
		azDo(t, sdkSigned(t, "GET", s.base+"/prod/own", "AKIDALICE", "not-the-secret", now)).want(t, 403, "InvalidSignatureException",
			`{"message":"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}`)
	})
	t.Run("Expired_403", func(t *testing.T) {
		r := azDo(t, sdkSigned(t, "GET", s.base+"/prod/own", "AKIDALICE", "alice-secret", now.Add(-10*time.Minute)))
		r.want(t, 403, "InvalidSignatureException", "")
		if !strings.Contains(r.body, "Signature expired: ") || !strings.Contains(r.body, " - 5 min.)") {
			t.Fatalf("body = %s", r.body)
		}
	})
	t.Run("UnknownKey_403", func(t *testing.T) {
		azDo(t, sdkSigned(t, "GET", s.base+"/prod/own", "AKIDMALLORY", "x", now)).want(t, 403, "AccessDeniedException",
			`{"message":"The security token included in the request is invalid."}`)
	})
	t.Run("Unsigned_MissingAuthenticationToken", func(t *testing.T) {
		req, _ := http.NewRequest("GET", s.base+"/prod/own", nil)
		azDo(t, req).want(t, 403, "MissingAuthenticationTokenException", `{"message":"Missing Authentication Token"}`)
	})
	t.Run("CallerCredentials_AllowedCaller_200", func(t *testing.T) {
		azDo(t, sdkSigned(t, "GET", s.base+"/prod/secure", "AKIDALICE", "alice-secret", now)).want(t, 200, "", "")
	})
	t.Run("CallerCredentials_NoLambdaPermission_500", func(t *testing.T) {
		// bob may invoke the API but his own credentials cannot invoke the
		// function the integration calls with them.
		azDo(t, sdkSigned(t, "GET", s.base+"/prod/own", "AKIDBOB", "bob-secret", now)).want(t, 200, "", "")
		azDo(t, sdkSigned(t, "GET", s.base+"/prod/secure", "AKIDBOB", "bob-secret", now)).want(t, 500, "ApiConfigurationException",
			`{"message":"Internal server error"}`)
	})
	t.Run("JavaScriptSDKSigner_Allow", func(t *testing.T) {
		req := jsSigned(t, s.host, "GET", "/prod/own", "AKIDALICE", "alice-secret", now)
		azDo(t, req).want(t, 200, "", "")
		req = jsSigned(t, s.host, "GET", "/prod/denied", "AKIDALICE", "alice-secret", now)
		azDo(t, req).want(t, 403, "AccessDeniedException", "")
	})
}

// jsSigned signs with the AWS SDK for JavaScript's signer
// (@smithy/signature-v4 under test/js), through the script the sigv4
// package's tests use. Outside CI a missing node or node_modules skips.
func jsSigned(t *testing.T, host, method, path, key, secret string, at time.Time) *http.Request {
	t.Helper()
	testenv.Require(t, "js-sdk")
	modules, err := testenv.JSModules()
	if err != nil {
		t.Fatal(err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal(err)
	}
	job, _ := json.Marshal(map[string]any{
		"service": "execute-api", "region": "us-east-1", "host": host,
		"accessKeyId": key, "secretAccessKey": secret,
		"date": at.UTC().Format(time.RFC3339), "requests": []map[string]any{{"method": method, "path": path}},
	})
	cmd := exec.Command(node, "../sigv4/testdata/jssigner/sign.cjs")
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	cmd.Stdin = bytes.NewReader(job)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
	var signed []struct {
		Method  string            `json:"method"`
		Path    string            `json:"path"`
		Headers map[string]string `json:"headers"`
	}
	if err := json.Unmarshal(out, &signed); err != nil || len(signed) != 1 {
		t.Fatalf("signer output %s: %v", out, err)
	}
	req, err := http.NewRequest(signed[0].Method, "http://"+host+signed[0].Path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range signed[0].Headers {
		if strings.EqualFold(k, "host") {
			continue
		}
		req.Header.Set(k, v)
	}
	return req
}

// cognitoDoc is an OpenAPI API with a Cognito authorizer over two pools:
// one trusting the local key (what "portcullis token" signs with), one
// with a JWKS file.
const cognitoDoc = `openapi: "3.0.1"
info: {title: Orders, version: "1"}
paths:
  /profile:
    get:
      security: [{Pools: []}]
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: 200, responseTemplates: {application/json: '{"ok":true}'}}}
  /orders:
    get:
      security: [{Pools: [orders/read]}]
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: 200, responseTemplates: {application/json: '{"ok":true}'}}}
components:
  securitySchemes:
    Pools:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: cognito_user_pools
      x-amazon-apigateway-authorizer:
        type: cognito_user_pools
        providerARNs:
          - arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Local
          - arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Jwks
`

const cognitoConfig = `cognito:
  localKeyFile: $DIR/local-key.pem
  userPools:
    - arn: arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Local
      local: true
    - arn: arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Jwks
      jwksFile: jwks.json
`

// TestE2E_Cognito drives COGNITO_USER_POOLS methods with tokens minted
// with the local key as "portcullis token" does and with a test key
// published in a JWKS file (docs/behaviour.md#COGNITO-1): valid ID token, access token with
// and without the method's scope, expired, wrong issuer, wrong token_use
// and a tampered signature.
func TestE2E_Cognito(t *testing.T) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	testKey, err := cognito.NewLocalKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	s := startAuthz(t, map[string]string{"openapi.yaml": cognitoDoc, "jwks.json": string(testKey.JWKS())}, "openapi.yaml", cognitoConfig)
	// The gateway created the local key at start; "portcullis token" loads
	// the same file.
	localKey, err := cognito.LoadOrCreateLocalKey(filepath.Join(s.dir, "local-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	mint := func(key *cognito.LocalKey, o cognito.MintOptions) string {
		t.Helper()
		if o.PoolID == "" {
			o.PoolID = "us-east-1_Local"
		}
		o.Sub = "alice"
		tok, err := cognito.Mint(key, o)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	idTok := mint(localKey, cognito.MintOptions{Groups: []string{"admin"}})
	// One character of the signature changed, still valid base64url.
	tampered := []byte(idTok)
	if tampered[len(tampered)-5] == 'A' {
		tampered[len(tampered)-5] = 'B'
	} else {
		tampered[len(tampered)-5] = 'A'
	}
	tests := []struct {
		name, path, token string
		want              int
	}{
		{"LocalKey_IDToken_200", "/dev/profile", idTok, 200},
		{"LocalKey_BearerPrefix_200", "/dev/profile", "Bearer " + idTok, 200},
		{"JWKSFile_IDToken_200", "/dev/profile", mint(testKey, cognito.MintOptions{PoolID: "us-east-1_Jwks"}), 200},
		{"AccessTokenWithScope_200", "/dev/orders", mint(localKey, cognito.MintOptions{Access: true, Scope: []string{"orders/read"}}), 200},
		{"AccessTokenWithoutScope_401", "/dev/orders", mint(localKey, cognito.MintOptions{Access: true}), 401},
		{"WrongTokenUse_AccessOnIDMethod_401", "/dev/profile", mint(localKey, cognito.MintOptions{Access: true}), 401},
		{"WrongTokenUse_IDOnScopedMethod_401", "/dev/orders", idTok, 401},
		{"Expired_401", "/dev/profile", mint(localKey, cognito.MintOptions{Now: time.Now().Add(-2 * time.Hour)}), 401},
		{"WrongIssuer_401", "/dev/profile", mint(localKey, cognito.MintOptions{PoolID: "us-east-1_Other"}), 401},
		{"KeyOfAnotherPool_401", "/dev/profile", mint(testKey, cognito.MintOptions{PoolID: "us-east-1_Local"}), 401},
		{"Tampered_401", "/dev/profile", string(tampered), 401},
		{"Missing_401", "/dev/profile", "", 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", s.base+tc.path, nil)
			if tc.token != "" {
				req.Header.Set("Authorization", tc.token)
			}
			r := azDo(t, req)
			if tc.want == 200 {
				r.want(t, 200, "", `{"ok":true}`)
				return
			}
			r.want(t, 401, "UnauthorizedException", `{"message":"Unauthorized"}`)
		})
	}
}

// policyDoc is an OpenAPI API whose resource policy allows only callers
// from CIDR; its only method has no authorization.
func policyDoc(cidr string) string {
	return `openapi: "3.0.1"
info: {title: Open, version: "1"}
paths:
  /open:
    get:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: 200, responseTemplates: {application/json: '{"ok":true}'}}}
x-amazon-apigateway-policy:
  Version: "2012-10-17"
  Statement:
    - Effect: Allow
      Principal: "*"
      Action: execute-api:Invoke
      Resource: execute-api:/*
      Condition:
        IpAddress:
          aws:SourceIp: "` + cidr + `"
`
}

// TestE2E_ResourcePolicy_SourceIP pins the resource-policy-only workflow of
// docs/behaviour.md#RP-2 with aws:SourceIp from the connection: a policy allowing
// 127.0.0.1 lets the test client in; one allowing only 10.0.0.0/8 answers
// 403 with the anonymous message of docs/behaviour.md#GWR-1.
func TestE2E_ResourcePolicy_SourceIP(t *testing.T) {
	allowed := startAuthz(t, map[string]string{"openapi.yaml": policyDoc("127.0.0.1/32")}, "openapi.yaml", "")
	req, _ := http.NewRequest("GET", allowed.base+"/dev/open", nil)
	azDo(t, req).want(t, 200, "", `{"ok":true}`)

	denied := startAuthz(t, map[string]string{"openapi.yaml": policyDoc("10.0.0.0/8")}, "openapi.yaml", "")
	req, _ = http.NewRequest("GET", denied.base+"/dev/open", nil)
	azDo(t, req).want(t, 403, "AccessDeniedException",
		`{"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:`+denied.apiID+`/dev/GET/open"}`)
}

// corsTemplate is a SAM API with Cors and a Lambda TOKEN authorizer as
// default; preflight and gateway responses vary per test.
func corsTemplate(authOnPreflight, gatewayResponses string) string {
	return `Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Cors:
        AllowOrigin: "'https://app.example.com'"
        AllowHeaders: "'Authorization'"
` + gatewayResponses + `      Auth:
        DefaultAuthorizer: Tok
` + authOnPreflight + `        Authorizers:
          Tok:
            FunctionArn: !GetAtt AuthFn.Arn
  AuthFn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      InlineCode: "exports.handler = async () => { throw new Error('Unauthorized'); };"
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      InlineCode: "exports.handler = async () => ({ statusCode: 200 });"
      Events:
        Get:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /pets, Method: get}
`
}

// TestE2E_CORS pins docs/behaviour.md#INTEG-3: SAM's preflight OPTIONS methods (MOCK) are
// served without the default authorizer when
// AddDefaultAuthorizerToCorsPreflight is false and behind it otherwise
// (the browser's preflight then fails with 401), and gateway errors carry
// no CORS headers unless gateway responses add them.
func TestE2E_CORS(t *testing.T) {
	// The template's functions are Node.js.
	testenv.Require(t, "node")
	preflight := func(t *testing.T, s *azServer) azReply {
		req, _ := http.NewRequest("OPTIONS", s.base+"/prod/pets", nil)
		req.Header.Set("Origin", "https://app.example.com")
		req.Header.Set("Access-Control-Request-Method", "GET")
		return azDo(t, req)
	}
	get := func(t *testing.T, s *azServer) azReply {
		req, _ := http.NewRequest("GET", s.base+"/prod/pets", nil)
		req.Header.Set("Origin", "https://app.example.com")
		return azDo(t, req)
	}
	t.Run("PreflightWithoutAuthorizer", func(t *testing.T) {
		s := startAuthz(t, map[string]string{"template.yaml": corsTemplate("        AddDefaultAuthorizerToCorsPreflight: false\n", "")}, "template.yaml", "")
		r := preflight(t, s)
		r.want(t, 200, "", "")
		if got := r.header.Get("Access-Control-Allow-Origin"); got != "https://app.example.com" {
			t.Fatalf("Access-Control-Allow-Origin = %q", got)
		}
		r = get(t, s)
		r.want(t, 401, "UnauthorizedException", `{"message":"Unauthorized"}`)
		if got := r.header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Fatalf("gateway error carries Access-Control-Allow-Origin %q without a gateway response adding it", got)
		}
	})
	t.Run("PreflightBehindDefaultAuthorizer_401", func(t *testing.T) {
		s := startAuthz(t, map[string]string{"template.yaml": corsTemplate("", "")}, "template.yaml", "")
		r := preflight(t, s)
		r.want(t, 401, "UnauthorizedException", `{"message":"Unauthorized"}`)
		if got := r.header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Fatalf("Access-Control-Allow-Origin = %q on the failed preflight", got)
		}
	})
	t.Run("GatewayResponseAddsCORS", func(t *testing.T) {
		gr := `      GatewayResponses:
        DEFAULT_4XX:
          ResponseParameters:
            Headers:
              Access-Control-Allow-Origin: "'https://app.example.com'"
`
		s := startAuthz(t, map[string]string{"template.yaml": corsTemplate("        AddDefaultAuthorizerToCorsPreflight: false\n", gr)}, "template.yaml", "")
		r := get(t, s)
		r.want(t, 401, "UnauthorizedException", `{"message":"Unauthorized"}`)
		if got := r.header.Get("Access-Control-Allow-Origin"); got != "https://app.example.com" {
			t.Fatalf("Access-Control-Allow-Origin = %q, want the DEFAULT_4XX header", got)
		}
	})
}
