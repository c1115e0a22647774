package apimodel

import "slices"

// gatewayResponseTypes are the 21 gateway response types of a REST API
// (docs/behaviour.md#GWR-2; https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html).
// Read-only; sorted for binary search.
var gatewayResponseTypes = [...]string{
	"ACCESS_DENIED", "API_CONFIGURATION_ERROR", "AUTHORIZER_CONFIGURATION_ERROR", "AUTHORIZER_FAILURE",
	"BAD_REQUEST_BODY", "BAD_REQUEST_PARAMETERS", "DEFAULT_4XX", "DEFAULT_5XX", "EXPIRED_TOKEN",
	"INTEGRATION_FAILURE", "INTEGRATION_TIMEOUT", "INVALID_API_KEY", "INVALID_SIGNATURE",
	"MISSING_AUTHENTICATION_TOKEN", "QUOTA_EXCEEDED", "REQUEST_TOO_LARGE", "RESOURCE_NOT_FOUND",
	"THROTTLED", "UNAUTHORIZED", "UNSUPPORTED_MEDIA_TYPE", "WAF_FILTERED",
}

// IsGatewayResponseType reports whether t is a REST API gateway response type.
func IsGatewayResponseType(t string) bool {
	_, ok := slices.BinarySearch(gatewayResponseTypes[:], t)
	return ok
}
