package policy

import "testing"

// Texts of docs/behaviour.md#POLICY-3, verbatim.
func TestDenyMessages_Spec5(t *testing.T) {
	const arn = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/pets"
	tests := []struct {
		name, got, want string
	}{
		{"LambdaAuthorizer_ImplicitDeny", AuthorizerDenyMessage(ImplicitDeny),
			"User is not authorized to access this resource"},
		{"LambdaAuthorizer_ExplicitDeny", AuthorizerDenyMessage(ExplicitDeny),
			"User is not authorized to access this resource with an explicit deny"},
		{"LambdaAuthorizer_Allow_NoMessage", AuthorizerDenyMessage(Allow), ""},
		{"ResourcePolicy_Anonymous_ImplicitDeny", InvokeDenyMessage("", arn, ImplicitDeny),
			"User: anonymous is not authorized to perform: execute-api:Invoke on resource: " + arn},
		{"ResourcePolicy_Anonymous_ExplicitDeny", InvokeDenyMessage("", arn, ExplicitDeny),
			"User: anonymous is not authorized to perform: execute-api:Invoke on resource: " + arn + " with an explicit deny"},
		{"IAM_User_ImplicitDeny", InvokeDenyMessage("arn:aws:iam::123456789012:user/alice", arn, ImplicitDeny),
			"User: arn:aws:iam::123456789012:user/alice is not authorized to perform: execute-api:Invoke on resource: " + arn},
		{"IAM_User_ExplicitDeny", InvokeDenyMessage("arn:aws:iam::123456789012:user/alice", arn, ExplicitDeny),
			"User: arn:aws:iam::123456789012:user/alice is not authorized to perform: execute-api:Invoke on resource: " + arn + " with an explicit deny"},
		{"IAM_Allow_NoMessage", InvokeDenyMessage("", arn, Allow), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got  %q\nwant %q", tt.got, tt.want)
			}
		})
	}
}
