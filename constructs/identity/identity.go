// Package identity is Signet's sign-in: a Cognito user pool whose ID tokens carry the
// caller's subject, Cognito groups (roles) and custom:customer_id, and an app client
// for the Go client and web apps (authorization code with PKCE, or SRP).
//
// The customer id must come from an attribute the user cannot write: custom:customer_id
// is readable by the app client but not writable through it, so only an administrator
// (AdminUpdateUserAttributes) or an identity provider's attribute mapping sets it.
//
// Secure defaults: no self sign-up, sign-in by email, passwords of 12+ characters with
// every character class, MFA required (TOTP; no SMS), account recovery by email only,
// threat protection enforced (Cognito Plus plan), user existence errors hidden, token
// revocation on, 15-minute ID and access tokens and 12-hour refresh tokens, deletion
// protection, RETAIN.
package identity

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/internal/propcheck"
)

// CustomerIDAttribute is the custom attribute (without "custom:") holding the customer.
const CustomerIDAttribute = "customer_id"

// DefaultCallbackURL is the Go client's loopback redirect for PKCE sign-in.
const DefaultCallbackURL = "http://localhost:8976/callback"

// IdentityProps configures sign-in. The zero value is the secure default.
type IdentityProps struct {
	// CallbackUrls for the authorization-code flow: https, or http://localhost for
	// native apps. Default: [DefaultCallbackURL].
	CallbackUrls []*string
	// LogoutUrls. Default: the callback URLs.
	LogoutUrls []*string
	// DomainPrefix enables the hosted UI at <prefix>.auth.<region>.amazoncognito.com.
	// Default: none.
	DomainPrefix *string
	// RemovalPolicy. Default: RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
	// DisableDeletionProtection for throwaway environments. Default: false.
	DisableDeletionProtection bool
	// UserPool, an existing pool: only the app client (and the domain) are added to
	// it. It must have the custom attribute custom:customer_id (mutable); Signet cannot
	// inspect an existing pool's schema, and the pool's own settings (MFA, passwords,
	// threat protection) stay as they are. Default: a new pool with the defaults above.
	UserPool awscognito.IUserPool
}

// Identity is the user pool and its app client.
type Identity struct {
	constructs.Construct
	// UserPool is the created pool, or the one given.
	UserPool awscognito.IUserPool
	Client   awscognito.UserPoolClient
	Domain   awscognito.UserPoolDomain
}

var domainPrefix = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)

// ValidateIdentityProps checks props without building anything.
func ValidateIdentityProps(props *IdentityProps) error {
	c := propcheck.Checker{Construct: "identity"}
	if props == nil {
		return nil
	}
	check := func(prop string, urls []*string) {
		for _, u := range urls {
			if !propcheck.Resolved(u) {
				continue
			}
			p, err := url.Parse(*u)
			ok := err == nil && p.Host != "" && p.Fragment == "" &&
				(p.Scheme == "https" || (p.Scheme == "http" && p.Hostname() == "localhost"))
			if !ok {
				c.Fail(prop, *u, "must be an https URL, or http://localhost for a native app, without a fragment")
			}
		}
	}
	check("CallbackUrls", props.CallbackUrls)
	check("LogoutUrls", props.LogoutUrls)
	if d := props.DomainPrefix; propcheck.Resolved(d) && (!domainPrefix.MatchString(*d) || strings.Contains(*d, "aws") || strings.Contains(*d, "cognito")) {
		c.Fail("DomainPrefix", *d, "must be lowercase letters, digits and hyphens, without \"aws\" or \"cognito\"")
	}
	return c.Err()
}

// NewIdentity creates the user pool and app client.
func NewIdentity(scope constructs.Construct, id string, props *IdentityProps) *Identity {
	propcheck.MustAt(scope, id, ValidateIdentityProps(props))
	if props == nil {
		props = &IdentityProps{}
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	i := &Identity{Construct: c, UserPool: props.UserPool}
	// The client and domain of a new pool are its children (as AddClient and
	// AddDomain make them); those of an existing pool are this construct's, so they
	// land in this stack whatever scope the pool was imported in.
	var parent constructs.Construct = c
	if i.UserPool == nil {
		pool := newUserPool(c, props)
		i.UserPool, parent = pool, pool
	}
	i.Client = newClient(parent, i.UserPool, props)
	if props.DomainPrefix != nil {
		i.Domain = awscognito.NewUserPoolDomain(parent, jsii.String("Domain"), &awscognito.UserPoolDomainProps{
			UserPool:      i.UserPool,
			CognitoDomain: &awscognito.CognitoDomainOptions{DomainPrefix: props.DomainPrefix},
		})
	}
	return i
}

// newUserPool is Signet's pool: the secure defaults in the package doc.
func newUserPool(c constructs.Construct, props *IdentityProps) awscognito.UserPool {
	return awscognito.NewUserPool(c, jsii.String("UserPool"), &awscognito.UserPoolProps{
		SelfSignUpEnabled:   jsii.Bool(false),
		SignInAliases:       &awscognito.SignInAliases{Email: jsii.Bool(true)},
		SignInCaseSensitive: jsii.Bool(false),
		AutoVerify:          &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
		CustomAttributes: &map[string]awscognito.ICustomAttribute{
			// Mutable so that an administrator or an IdP mapping can set it; the app
			// client below cannot write it.
			CustomerIDAttribute: awscognito.NewStringAttribute(&awscognito.StringAttributeProps{MinLen: jsii.Number(1), MaxLen: jsii.Number(63), Mutable: jsii.Bool(true)}),
		},
		PasswordPolicy: &awscognito.PasswordPolicy{
			MinLength: jsii.Number(12), RequireDigits: jsii.Bool(true), RequireLowercase: jsii.Bool(true),
			RequireUppercase: jsii.Bool(true), RequireSymbols: jsii.Bool(true),
			TempPasswordValidity: awscdk.Duration_Days(jsii.Number(3)),
		},
		Mfa:                          awscognito.Mfa_REQUIRED,
		MfaSecondFactor:              &awscognito.MfaSecondFactor{Otp: jsii.Bool(true), Sms: jsii.Bool(false)},
		AccountRecovery:              awscognito.AccountRecovery_EMAIL_ONLY,
		FeaturePlan:                  awscognito.FeaturePlan_PLUS,
		StandardThreatProtectionMode: awscognito.StandardThreatProtectionMode_FULL_FUNCTION,
		DeletionProtection:           jsii.Bool(!props.DisableDeletionProtection),
		RemovalPolicy:                propcheck.RemovalOrRetain(props.RemovalPolicy),
	})
}

// newClient is the app client: authorization code with PKCE (no secret) or SRP; it
// reads custom:customer_id and cannot write it.
func newClient(parent constructs.Construct, pool awscognito.IUserPool, props *IdentityProps) awscognito.UserPoolClient {
	callbacks := props.CallbackUrls
	if len(callbacks) == 0 {
		callbacks = []*string{jsii.String(DefaultCallbackURL)}
	}
	logouts := props.LogoutUrls
	if len(logouts) == 0 {
		logouts = callbacks
	}
	read := awscognito.NewClientAttributes().
		WithStandardAttributes(&awscognito.StandardAttributesMask{Email: jsii.Bool(true), EmailVerified: jsii.Bool(true), Fullname: jsii.Bool(true)}).
		WithCustomAttributes(jsii.String(CustomerIDAttribute))
	write := awscognito.NewClientAttributes().
		WithStandardAttributes(&awscognito.StandardAttributesMask{Fullname: jsii.Bool(true)})
	return awscognito.NewUserPoolClient(parent, jsii.String("Client"), &awscognito.UserPoolClientProps{
		UserPool:       pool,
		GenerateSecret: jsii.Bool(false),
		AuthFlows:      &awscognito.AuthFlow{UserSrp: jsii.Bool(true)},
		OAuth: &awscognito.OAuthSettings{
			Flows:        &awscognito.OAuthFlows{AuthorizationCodeGrant: jsii.Bool(true)},
			Scopes:       &[]awscognito.OAuthScope{awscognito.OAuthScope_OPENID(), awscognito.OAuthScope_EMAIL(), awscognito.OAuthScope_PROFILE()},
			CallbackUrls: &callbacks,
			LogoutUrls:   &logouts,
		},
		ReadAttributes:             read,
		WriteAttributes:            write,
		PreventUserExistenceErrors: jsii.Bool(true),
		EnableTokenRevocation:      jsii.Bool(true),
		IdTokenValidity:            awscdk.Duration_Minutes(jsii.Number(15)),
		AccessTokenValidity:        awscdk.Duration_Minutes(jsii.Number(15)),
		RefreshTokenValidity:       awscdk.Duration_Hours(jsii.Number(12)),
	})
}
