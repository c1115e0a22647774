package gwresponse

// Type is a gateway response type.
type Type string

// The gateway response types (docs/behaviour.md#GWR-2).
const (
	AccessDenied                 Type = "ACCESS_DENIED"
	APIConfigurationError        Type = "API_CONFIGURATION_ERROR"
	AuthorizerConfigurationError Type = "AUTHORIZER_CONFIGURATION_ERROR"
	AuthorizerFailure            Type = "AUTHORIZER_FAILURE"
	BadRequestParameters         Type = "BAD_REQUEST_PARAMETERS"
	BadRequestBody               Type = "BAD_REQUEST_BODY"
	Default4XX                   Type = "DEFAULT_4XX"
	Default5XX                   Type = "DEFAULT_5XX"
	ExpiredToken                 Type = "EXPIRED_TOKEN"
	IntegrationFailure           Type = "INTEGRATION_FAILURE"
	IntegrationTimeout           Type = "INTEGRATION_TIMEOUT"
	InvalidAPIKey                Type = "INVALID_API_KEY"
	InvalidSignature             Type = "INVALID_SIGNATURE"
	MissingAuthenticationToken   Type = "MISSING_AUTHENTICATION_TOKEN"
	QuotaExceeded                Type = "QUOTA_EXCEEDED"
	RequestTooLarge              Type = "REQUEST_TOO_LARGE"
	ResourceNotFound             Type = "RESOURCE_NOT_FOUND"
	Throttled                    Type = "THROTTLED"
	Unauthorized                 Type = "UNAUTHORIZED"
	UnsupportedMediaType         Type = "UNSUPPORTED_MEDIA_TYPE"
	WAFFiltered                  Type = "WAF_FILTERED"
)

type typeInfo struct {
	status    int // 0 for DEFAULT_4XX/DEFAULT_5XX, which have none
	errorType string
}

// Types lists every gateway response type in API Gateway's order.
var Types = []Type{
	AccessDenied, APIConfigurationError, AuthorizerConfigurationError, AuthorizerFailure,
	BadRequestParameters, BadRequestBody, Default4XX, Default5XX, ExpiredToken,
	IntegrationFailure, IntegrationTimeout, InvalidAPIKey, InvalidSignature,
	MissingAuthenticationToken, QuotaExceeded, RequestTooLarge, ResourceNotFound,
	Throttled, Unauthorized, UnsupportedMediaType, WAFFiltered,
}

func info(t Type) typeInfo {
	// Every response type has its status and error type here; a new type
	// fails the exhaustive linter until it does.
	//exhaustive:enforce
	switch t {
	case AccessDenied:
		return typeInfo{403, "AccessDeniedException"}
	case APIConfigurationError:
		return typeInfo{500, "ApiConfigurationException"}
	case AuthorizerConfigurationError:
		return typeInfo{500, "AuthorizerConfigurationException"}
	case AuthorizerFailure:
		return typeInfo{500, "AuthorizerFailureException"}
	case BadRequestParameters, BadRequestBody:
		return typeInfo{400, "BadRequestException"}
	case Default4XX:
		return typeInfo{0, "BadRequestException"}
	case Default5XX:
		return typeInfo{0, "InternalServerErrorException"}
	case ExpiredToken:
		return typeInfo{403, "ExpiredTokenException"}
	case IntegrationFailure, IntegrationTimeout:
		return typeInfo{504, "InternalServerErrorException"}
	case InvalidAPIKey:
		return typeInfo{403, "ForbiddenException"}
	case InvalidSignature:
		return typeInfo{403, "InvalidSignatureException"}
	case MissingAuthenticationToken:
		return typeInfo{403, "MissingAuthenticationTokenException"}
	case QuotaExceeded:
		return typeInfo{429, "LimitExceededException"}
	case RequestTooLarge:
		return typeInfo{413, "RequestTooLargeException"}
	case ResourceNotFound:
		return typeInfo{404, "NotFoundException"}
	case Throttled:
		return typeInfo{429, "TooManyRequestsException"}
	case Unauthorized:
		return typeInfo{401, "UnauthorizedException"}
	case UnsupportedMediaType:
		return typeInfo{415, "UnsupportedMediaTypeException"}
	case WAFFiltered:
		return typeInfo{403, "WAFFilteredException"}
	}
	return typeInfo{}
}

// Valid reports whether t is one of the 21 types.
func Valid(t Type) bool {
	for _, v := range Types {
		if v == t {
			return true
		}
	}
	return false
}

// DefaultStatus is the type's own status code (0 for DEFAULT_4XX/5XX).
func DefaultStatus(t Type) int { return info(t).status }
