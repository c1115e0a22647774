package apimodel

import (
	"strings"
	"testing"
)

// Two deployments differ in any of stack name, account or region; the
// namespace must then differ too, and must be the same for every instance
// of one deployment.
func TestDeploymentNamespace(t *testing.T) {
	base := Deployment{StackName: "orders", AccountID: "123456789012", Region: "us-east-1"}
	seen := map[string]Deployment{}
	for _, d := range []Deployment{
		base,
		{StackName: "payments", AccountID: base.AccountID, Region: base.Region},
		{StackName: base.StackName, AccountID: "210987654321", Region: base.Region},
		{StackName: base.StackName, AccountID: base.AccountID, Region: "eu-west-1"},
		// The fields are joined unambiguously.
		{StackName: "orders1", AccountID: "23456789012", Region: base.Region},
		{StackName: "a{b}:c", AccountID: base.AccountID, Region: base.Region},
	} {
		ns := d.Namespace()
		if prev, dup := seen[ns]; dup {
			t.Errorf("%+v and %+v share namespace %s", prev, d, ns)
		}
		seen[ns] = d
		if len(ns) != 12 || strings.ContainsAny(ns, "{}:") {
			t.Errorf("%+v: namespace %q is not 12 characters safe in a hash tag", d, ns)
		}
	}
	if base.Namespace() != (Deployment{StackName: "orders", AccountID: "123456789012", Region: "us-east-1"}).Namespace() {
		t.Error("one deployment got two namespaces")
	}
}
