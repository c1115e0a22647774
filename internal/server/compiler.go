package server

import (
	"fmt"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
	"github.com/portcullis-gateway/portcullis/internal/authorizer"
	"github.com/portcullis-gateway/portcullis/internal/gateway"
	"github.com/portcullis-gateway/portcullis/internal/integration"
)

// compiler builds what the gateway needs per method from the model: the
// authorization step and the AWS_PROXY integration.
type compiler struct {
	model   *apimodel.Model
	invoker integration.Invoker
	auth    authorizer.Options
	// lambdas shares one compiled authorizer between the methods of an API
	// that name it, keyed by API id and authorizer id.
	lambdas map[string]*authorizer.Lambda
}

var _ gateway.Compiler = (*compiler)(nil)

func newCompiler(m *apimodel.Model, inv integration.Invoker, auth authorizer.Options) *compiler {
	return &compiler{model: m, invoker: inv, auth: auth, lambdas: map[string]*authorizer.Lambda{}}
}

// function resolves a function by logical id or, for one given by ARN
// only, makes it a remote function (spec: an authorizer outside the
// template is invoked on AWS Lambda).
func (c *compiler) function(logicalID, arn string) *apimodel.Function {
	if logicalID != "" {
		return c.model.Functions[logicalID]
	}
	if arn == "" {
		return nil
	}
	for _, f := range c.model.Functions {
		if f.ARN == arn {
			return f
		}
	}
	name := arn
	if i := strings.LastIndex(arn, ":function:"); i >= 0 {
		name = arn[i+len(":function:"):]
	}
	return &apimodel.Function{LogicalID: name, Name: name, ARN: arn, Remote: true}
}

func (c *compiler) Authorizer(api *apimodel.API, m *apimodel.Method) (gateway.Authorizer, error) {
	switch m.AuthorizationType {
	case "", apimodel.AuthNone:
		return nil, nil
	case apimodel.AuthCustom:
		a := api.Authorizers[m.AuthorizerID]
		if a == nil {
			return nil, fmt.Errorf("authorizer %q is not defined", m.AuthorizerID)
		}
		key := api.ID + "/" + a.ID
		if l := c.lambdas[key]; l != nil {
			return l, nil
		}
		l, err := authorizer.NewLambda(api, a, c.function(a.Function, a.FunctionARN), c.auth)
		if err != nil {
			return nil, err
		}
		c.lambdas[key] = l
		return l, nil
	}
	return nil, fmt.Errorf("authorization type %s is not supported", m.AuthorizationType)
}

func (c *compiler) LambdaProxy(api *apimodel.API, r *apimodel.Resource, m *apimodel.Method) (integration.Integration, error) {
	in := m.Integration
	fn := c.function(in.Function, "")
	if fn == nil && in.Function == "" {
		fn = c.function("", lambdaARNFromURI(in.URI))
	}
	return integration.NewLambdaProxy(api, in, fn, c.invoker)
}

// lambdaARNFromURI extracts the function ARN of an API Gateway Lambda
// invocation URI (arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/ARN/invocations).
func lambdaARNFromURI(uri string) string {
	_, after, ok := strings.Cut(uri, "/functions/")
	if !ok {
		return ""
	}
	arn, _, _ := strings.Cut(after, "/invocations")
	return arn
}
