package policy

// Deny messages, verbatim from docs/behaviour.md#POLICY-3. The gateway puts them in the
// ACCESS_DENIED response ($context.error.message).

// AuthorizerDenyMessage is the message of a request a Lambda authorizer's
// policy denies: "User is not authorized to access this resource", with
// " with an explicit deny" when a Deny statement matched. It returns ""
// for Allow.
func AuthorizerDenyMessage(e Effect) string {
	switch e {
	case ImplicitDeny:
		return "User is not authorized to access this resource"
	case ExplicitDeny:
		return "User is not authorized to access this resource with an explicit deny"
	}
	return ""
}

// InvokeDenyMessage is the message of a request IAM or a resource policy
// denies: "User: <caller> is not authorized to perform:
// execute-api:Invoke on resource: <methodARN>", with " with an explicit
// deny" when a Deny statement matched. An empty callerARN is the anonymous
// caller of a method without IAM authorization. It returns "" for Allow.
func InvokeDenyMessage(callerARN, methodARN string, e Effect) string {
	if e == Allow {
		return ""
	}
	if callerARN == "" {
		callerARN = "anonymous"
	}
	msg := "User: " + callerARN + " is not authorized to perform: " + ActionInvoke + " on resource: " + methodARN
	if e == ExplicitDeny {
		msg += " with an explicit deny"
	}
	return msg
}
