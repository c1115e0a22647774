package policy

import (
	"fmt"
	"strings"
)

// Principal is the caller a request is evaluated for. The zero value is
// the anonymous caller of an API without IAM authorization.
type Principal struct {
	// ARN is the caller's IAM ARN: a user, a role session
	// (arn:aws:sts::ACCT:assumed-role/Role/session) or an account root.
	ARN string
	// AccountID is the caller's 12-digit account; when empty it is taken
	// from ARN.
	AccountID string
}

// Anonymous reports whether p is the unauthenticated caller.
func (p Principal) Anonymous() bool { return p.ARN == "" && p.AccountID == "" }

// account returns the caller's account id without allocating.
func (p Principal) account() string {
	if p.AccountID != "" {
		return p.AccountID
	}
	return arnAccount(p.ARN)
}

// arnAccount returns the fifth colon-separated field of an ARN, "" if the
// ARN has fewer fields.
func arnAccount(arn string) string {
	s := arn
	for range 4 {
		i := strings.IndexByte(s, ':')
		if i < 0 {
			return ""
		}
		s = s[i+1:]
	}
	if i := strings.IndexByte(s, ':'); i >= 0 {
		return s[:i]
	}
	return ""
}

// principalSet is a compiled Principal or NotPrincipal element. IAM does
// not allow wildcards in principals other than "*" itself, so everything
// here is an exact comparison.
type principalSet struct {
	any      bool     // "*" or {"AWS":"*"}: everyone, anonymous included
	accounts []string // 12-digit ids and arn:…:iam::ACCT:root
	arns     []string // users, roles, role sessions, compared exactly
	// sessions holds "arn:…:sts::ACCT:assumed-role/Name/" for every role
	// ARN, because a role principal covers the sessions of that role.
	sessions []string
}

func (ps *principalSet) match(p *Principal) bool {
	if ps.any {
		return true
	}
	if p.Anonymous() {
		return false
	}
	if acct := p.account(); acct != "" {
		for _, a := range ps.accounts {
			if a == acct {
				return true
			}
		}
	}
	for _, a := range ps.arns {
		if a == p.ARN {
			return true
		}
	}
	for _, s := range ps.sessions {
		if strings.HasPrefix(p.ARN, s) {
			return true
		}
	}
	return false
}

// addAWS records one value of a Principal's "AWS" list.
func (ps *principalSet) addAWS(v string) error {
	switch {
	case v == "*":
		ps.any = true
		return nil
	case isAccountID(v):
		ps.accounts = append(ps.accounts, v)
		return nil
	case !strings.HasPrefix(v, "arn:"):
		return fmt.Errorf("%q is not \"*\", a 12-digit account id or an ARN", v)
	}
	f := strings.SplitN(v, ":", 6)
	if len(f) != 6 || f[1] == "" || !isAccountID(f[4]) || f[5] == "" {
		return fmt.Errorf("%q is not a valid IAM principal ARN", v)
	}
	partition, service, account, res := f[1], f[2], f[4], f[5]
	switch {
	case service == "iam" && res == "root":
		ps.accounts = append(ps.accounts, account)
	case service == "iam" && strings.HasPrefix(res, "role/"):
		ps.arns = append(ps.arns, v)
		name := res[strings.LastIndexByte(res, '/')+1:]
		ps.sessions = append(ps.sessions, "arn:"+partition+":sts::"+account+":assumed-role/"+name+"/")
	default:
		ps.arns = append(ps.arns, v)
	}
	return nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
