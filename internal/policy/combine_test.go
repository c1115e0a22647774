package policy

import "testing"

// TestCombine_TableA_SameAccount is docs/behaviour.md#RP-2 Table A, row by row ("How
// API Gateway resource policies affect authorization workflow").
func TestCombine_TableA_SameAccount(t *testing.T) {
	const (
		Neither = ImplicitDeny
		Deny    = ExplicitDeny
	)
	table := []struct {
		identity, resource, result Effect
	}{
		{Allow, Allow, Allow},
		{Allow, Neither, Allow},
		{Allow, Deny, ExplicitDeny},
		{Neither, Allow, Allow},
		{Neither, Neither, ImplicitDeny},
		{Neither, Deny, ExplicitDeny},
		{Deny, Allow, ExplicitDeny},
		{Deny, Neither, ExplicitDeny},
		{Deny, Deny, ExplicitDeny},
	}
	for _, row := range table {
		t.Run(row.identity.String()+"_"+row.resource.String(), func(t *testing.T) {
			if got := Combine(row.identity, row.resource, true); got != row.result {
				t.Errorf("Combine(%v, %v, same account) = %v, want %v", row.identity, row.resource, got, row.result)
			}
		})
	}
}

// TestCombine_TableB_CrossAccount is docs/behaviour.md#RP-2 Table B; its last row
// ("Deny | Allow/Neither/Deny | Explicit Deny") is spelled out.
func TestCombine_TableB_CrossAccount(t *testing.T) {
	const (
		Neither = ImplicitDeny
		Deny    = ExplicitDeny
	)
	table := []struct {
		identity, resource, result Effect
	}{
		{Allow, Allow, Allow},
		{Allow, Neither, ImplicitDeny},
		{Allow, Deny, ExplicitDeny},
		{Neither, Allow, ImplicitDeny},
		{Neither, Neither, ImplicitDeny},
		{Neither, Deny, ExplicitDeny},
		{Deny, Allow, ExplicitDeny},
		{Deny, Neither, ExplicitDeny},
		{Deny, Deny, ExplicitDeny},
	}
	for _, row := range table {
		t.Run(row.identity.String()+"_"+row.resource.String(), func(t *testing.T) {
			if got := Combine(row.identity, row.resource, false); got != row.result {
				t.Errorf("Combine(%v, %v, cross account) = %v, want %v", row.identity, row.resource, got, row.result)
			}
		})
	}
}
