package authorizer

import (
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/gwresponse"
	"github.com/portcullis-gateway/portcullis/internal/policy"
	"github.com/portcullis-gateway/portcullis/internal/reqctx"
	"github.com/portcullis-gateway/portcullis/internal/sigv4"
)

// ActionLambdaInvoke is what a caller's credentials must allow when an
// integration runs with them.
const ActionLambdaInvoke = "lambda:InvokeFunction"

// CallerCredentials is the integration credentials ARN that means "the
// caller's own" (SAM writes it for AWS_IAM methods without an InvokeRole).
const CallerCredentials = "arn:aws:iam::*:user/*"

// IAMIdentity is a caller of AWS_IAM methods: an access key with its secret
// and the identity policies of the user or role it belongs to (docs/behaviour.md#IAM-1).
type IAMIdentity struct {
	AccessKeyID     string
	SecretAccessKey string
	// SessionToken is set for temporary credentials; the request must then
	// carry it in X-Amz-Security-Token.
	SessionToken string
	// ARN is the user (arn:aws:iam::ACCT:user/NAME) or role session
	// (arn:aws:sts::ACCT:assumed-role/ROLE/SESSION).
	ARN       string
	AccountID string
	// UserID is requestContext.identity.caller and aws:userid; empty derives
	// a stable AIDA… (user) or AROA…:session (role session) id from ARN.
	UserID   string
	Policies []NamedPolicy
}

// NamedPolicy is an identity policy and where it came from, for the
// execution log ("inline policy 0", "role ApiCaller policy 1").
type NamedPolicy struct {
	Name     string
	Document *policy.Document
}

// iamCaller is a compiled IAMIdentity.
type iamCaller struct {
	id       *IAMIdentity
	docs     []*policy.Document
	userID   string
	username string // aws:username, users only
	kind     string // aws:PrincipalType
}

// iamStore indexes identities by access key; it is the KeyStore of the
// SigV4 verifiers.
type iamStore struct {
	byKey map[string]*iamCaller
}

func newIAMStore(ids []IAMIdentity) (*iamStore, error) {
	s := &iamStore{byKey: make(map[string]*iamCaller, len(ids))}
	for i := range ids {
		id := &ids[i]
		if id.AccessKeyID == "" || id.SecretAccessKey == "" {
			return nil, fmt.Errorf("identity %d: access key id and secret are required", i)
		}
		if _, dup := s.byKey[id.AccessKeyID]; dup {
			return nil, fmt.Errorf("access key %s is configured twice", id.AccessKeyID)
		}
		c := &iamCaller{id: id}
		for _, p := range id.Policies {
			c.docs = append(c.docs, p.Document)
		}
		c.userID, c.username, c.kind = describeARN(id.ARN, id.UserID)
		s.byKey[id.AccessKeyID] = c
	}
	return s, nil
}

// Lookup implements sigv4.KeyStore.
func (s *iamStore) Lookup(accessKey string) (string, string, bool) {
	c := s.byKey[accessKey]
	if c == nil {
		return "", "", false
	}
	return c.id.SecretAccessKey, c.id.SessionToken, true
}

var _ sigv4.KeyStore = (*iamStore)(nil)

// describeARN derives the caller id, user name and principal type of an
// IAM ARN. AWS's unique ids (AIDA… for users, AROA… for roles) cannot be
// known locally; a hash of the ARN gives one of the same shape that stays
// the same across restarts.
func describeARN(arn, userID string) (id, username, kind string) {
	var res string
	if f := strings.SplitN(arn, ":", 6); len(f) == 6 {
		res = f[5]
	}
	switch {
	case strings.HasPrefix(res, "user/"):
		username = res[strings.LastIndexByte(res, '/')+1:]
		kind = "User"
		if userID == "" {
			userID = "AIDA" + pseudoID(arn)
		}
	case strings.HasPrefix(res, "assumed-role/"):
		kind = "AssumedRole"
		if userID == "" {
			parts := strings.Split(res, "/")
			session := parts[len(parts)-1]
			role := strings.Join(parts[:len(parts)-1], "/")
			userID = "AROA" + pseudoID(role) + ":" + session
		}
	case res == "root":
		kind = "Account"
		if userID == "" {
			userID = arnAccount(arn)
		}
	default:
		if userID == "" {
			userID = "AIDA" + pseudoID(arn)
		}
	}
	return userID, username, kind
}

func pseudoID(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base32.StdEncoding.EncodeToString(sum[:])[:17]
}

// arnAccount is the account field of an ARN.
func arnAccount(arn string) string {
	f := strings.SplitN(arn, ":", 6)
	if len(f) < 5 {
		return ""
	}
	return f[4]
}

// iamAuth is the AWS_IAM step of a method: SigV4 verification against the
// configured identities (docs/behaviour.md#IAM-1).
type iamAuth struct {
	verifier *sigv4.Verifier
	store    *iamStore
}

// authenticate verifies the signature of r and returns its caller. Every
// failure is the gateway response of docs/behaviour.md#IAM-2/docs/behaviour.md#IAM-1.
func (a *iamAuth) authenticate(r *reqctx.Request, log *slog.Logger) (*iamCaller, error) {
	// The signature's own headers, each on several lines with different
	// values, would let the verifier read one credential and a backend
	// another: refused as an unusable signature, like a malformed one.
	for _, name := range [...]string{"Authorization", "X-Amz-Date", "X-Amz-Security-Token"} {
		if r.HeaderConflict(name) {
			msg := name + " header sent on several lines with different values"
			log.Info("SigV4 verification failed: " + msg)
			return nil, &gwresponse.Error{Type: gwresponse.MissingAuthenticationToken, Message: "Authorization header requires 'Credential' parameter.",
				ErrorType: "IncompleteSignatureException", Cause: errors.New(msg)}
		}
	}
	res, err := a.verifier.Verify(r)
	if err != nil {
		var se *sigv4.Error
		if !errors.As(err, &se) {
			return nil, gwresponse.InternalError(500, fmt.Errorf("sigv4: %w", err))
		}
		if se.Detail != "" {
			log.Info("SigV4 verification failed: " + se.Message + "\n" + se.Detail)
		} else {
			log.Info("SigV4 verification failed: " + se.Message)
		}
		return nil, sigv4Response(se)
	}
	c := a.store.byKey[res.AccessKey]
	log.Info(fmt.Sprintf("SigV4 signature of access key %s verified: caller %s", mask(res.AccessKey), c.id.ARN))
	return c, nil
}

// sigv4Response maps a verification failure to its gateway response (docs/behaviour.md#IAM-2 and docs/behaviour.md#IAM-1; docs/behaviour.md#DEC-SIGV4-EXPIRED for expired signatures).
func sigv4Response(e *sigv4.Error) *gwresponse.Error {
	cause := fmt.Errorf("sigv4 %s: %s", e.Kind, e.Message)
	// Every kind is named, so that a new one fails the exhaustive linter
	// until someone decides its response.
	//exhaustive:enforce
	switch e.Kind {
	case sigv4.MissingToken:
		return &gwresponse.Error{Type: gwresponse.MissingAuthenticationToken, Message: gwresponse.MissingAuthTokenMessage, Cause: cause}
	case sigv4.Incomplete:
		// A malformed Authorization header answers with its parse error
		// under the Missing Authentication Token response type, so that a
		// customised MISSING_AUTHENTICATION_TOKEN applies to it as well.
		return &gwresponse.Error{Type: gwresponse.MissingAuthenticationToken, Message: e.Message, ErrorType: "IncompleteSignatureException", Cause: cause}
	case sigv4.UnknownKey:
		// Field reports show a lower-case "message" key for this answer
		// (aws-api-gateway-client issue #31), so it is not rendered with
		// ACCESS_DENIED's capital-M default (docs/behaviour.md#DEC-ACCESS-DENIED-CAPITAL-M).
		return &gwresponse.Error{Type: gwresponse.Default4XX, Status: 403, Message: e.Message, ErrorType: "AccessDeniedException", Cause: cause}
	case sigv4.BodyTooLarge:
		return gwresponse.TooLarge(cause)
	case sigv4.InvalidSignature, sigv4.Expired, sigv4.ScopeRegion, sigv4.ScopeService, sigv4.ScopeDate:
	}
	// InvalidSignature, Expired and the credential-scope mismatches; any
	// other failure denies the same way.
	return &gwresponse.Error{Type: gwresponse.InvalidSignature, Message: e.Message, Cause: cause}
}

// identity fills requestContext.identity for a verified caller (docs/behaviour.md#IAM-1).
func (c *iamCaller) identity(r *reqctx.Request) {
	r.Identity.AccessKey = c.id.AccessKeyID
	r.Identity.AccountID = c.id.AccountID
	r.Identity.Caller = c.userID
	r.Identity.User = c.userID
	r.Identity.UserARN = c.id.ARN
}

// principal is the caller as resource-policy statements see it.
func (c *iamCaller) principal() policy.Principal {
	return policy.Principal{ARN: c.id.ARN, AccountID: c.id.AccountID}
}

// policyName names document i of the caller's policies.
func (c *iamCaller) policyName(i int) string {
	if i < 0 || i >= len(c.id.Policies) {
		return ""
	}
	return c.id.Policies[i].Name
}
