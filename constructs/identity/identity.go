// Package identity is Signet's sign-in: a Cognito user pool whose ID and access tokens
// carry the caller's subject, Signet roles (cognito:groups) and custom:customer_id, an
// app client for the Go client and web apps (authorization code with PKCE, or SRP), the
// managed login pages on a Cognito domain, federation with OIDC and SAML identity
// providers, the pre-token-generation trigger that binds each provider's users to one
// customer (package pretoken, lambda/pretoken), the admin groups and the first
// platform administrator.
//
// The customer id must come from something the user cannot write: custom:customer_id
// is readable by the app client but not writable through it, so only an administrator
// (AdminUpdateUserAttributes) sets it for a native user; for a federated user the
// trigger sets it from the provider's binding, deployed configuration, whatever the
// provider sends. No provider's attribute mapping ever writes custom:customer_id: a
// provider maps the email and its groups (into custom:idp_groups, which the trigger
// maps to roles through the binding) and nothing else.
//
// Secure defaults: no self sign-up, sign-in by email, passwords of 12+ characters with
// every character class, MFA required (TOTP; no SMS), account recovery by email only,
// threat protection enforced (Cognito Plus plan), user existence errors hidden, token
// revocation on, 15-minute ID and access tokens and 12-hour refresh tokens, deletion
// protection, RETAIN.
package identity

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/gofunction"
	"github.com/signet-cdk/signet/constructs/internal/propcheck"
)

// CustomerIDAttribute is the custom attribute (without "custom:") holding the customer.
const CustomerIDAttribute = "customer_id"

// DefaultCallbackURL is the Go client's loopback redirect for PKCE sign-in.
const DefaultCallbackURL = "http://localhost:8976/callback"

// Admin groups created in Signet's own pool.
const (
	PlatformAdminsGroup = "platform-admins"
	CustomerAdminsGroup = "customer-admins"
)

// IdentityProps configures sign-in. The zero value is the secure default.
type IdentityProps struct {
	// CallbackUrls for the authorization-code flow: https, or http://localhost for
	// native apps. Default: [DefaultCallbackURL].
	CallbackUrls []*string
	// LogoutUrls. Default: the callback URLs.
	LogoutUrls []*string
	// DomainPrefix of the Cognito domain serving the managed login pages,
	// <prefix>.auth.<region>.amazoncognito.com: lowercase letters, digits and hyphens,
	// at most 63, without "aws", "amazon" or "cognito"; unique in the region across
	// every AWS account. Default: for Signet's own pool, DefaultDomainPrefix
	// ("signet-<8 hex of the construct's address>-<account id>"); for an existing
	// UserPool, none (a pool has at most one prefix domain, and it may have one).
	DomainPrefix *string
	// CustomDomainName, e.g. "auth.example.com", serves the sign-in pages on a domain
	// of your own, with CustomDomainCertificate. Its parent domain must resolve (an A
	// record) when the stack is deployed, and a CNAME or alias record for it must
	// point at Domain's CloudFront endpoint (CustomDomain.CloudFrontEndpoint()).
	// AuthUrl is then https://<CustomDomainName>. Default: none.
	CustomDomainName *string
	// CustomDomainCertificate, an ACM certificate in us-east-1 covering
	// CustomDomainName. Required with it.
	CustomDomainCertificate awscertificatemanager.ICertificate
	// ManagedLoginVersion of the domains: NEWER_MANAGED_LOGIN (managed login, with
	// Cognito's default style for the app client) or CLASSIC_HOSTED_UI.
	// Default: NEWER_MANAGED_LOGIN.
	ManagedLoginVersion awscognito.ManagedLoginVersion
	// IdentityProviders, OIDC or SAML, each bound to one customer; their users sign
	// in through the managed login pages. Only with Signet's own pool. Default: none.
	IdentityProviders []IdentityProvider
	// AdminEmail creates the first platform administrator: a user with this email,
	// verified, in the platform-admins group; Cognito emails a temporary password
	// (valid 3 days) and the user sets a password and TOTP MFA at first sign-in. Only
	// with Signet's own pool. Changing it creates a new user; the old one is kept.
	// Default: none.
	AdminEmail *string
	// LogKey encrypts the trigger's log group. Default: CloudWatch Logs' own encryption.
	LogKey awskms.IKey
	// RemovalPolicy of the pool, the admin groups and user, and the trigger's logs.
	// Default: RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
	// DisableDeletionProtection for throwaway environments. Default: false.
	DisableDeletionProtection bool
	// UserPool, an existing pool: only the app client (and, when DomainPrefix or
	// CustomDomainName is given, the domain) are added to it. It must have the custom
	// attribute custom:customer_id (mutable); Signet cannot inspect an existing pool's
	// schema, and the pool's own settings (MFA, passwords, threat protection, triggers)
	// stay as they are. Signet adds no trigger to it, so its ID and access tokens must
	// carry custom:customer_id (and the roles as cognito:groups) by themselves; and no
	// identity providers, admin groups or users (IdentityProviders and AdminEmail fail
	// synth). Default: a new pool with the defaults above.
	UserPool awscognito.IUserPool
}

// Identity is the user pool, its app client, domain, providers and trigger.
type Identity struct {
	constructs.Construct
	// UserPool is the created pool, or the one given.
	UserPool awscognito.IUserPool
	Client   awscognito.UserPoolClient
	// Domain is the Cognito (prefix) domain; nil for an existing pool without
	// DomainPrefix.
	Domain awscognito.UserPoolDomain
	// CustomDomain is the domain named CustomDomainName, or nil.
	CustomDomain awscognito.UserPoolDomain
	// AuthUrl is the base URL of the sign-in pages and OAuth endpoints
	// (https://<prefix>.auth.<region>.amazoncognito.com, or https://<CustomDomainName>);
	// nil without a domain.
	AuthUrl *string
	// Providers are the federated identity providers, in IdentityProviders' order.
	Providers []awscognito.IUserPoolIdentityProvider
	// TokenTrigger is the pre-token-generation trigger (lambda/pretoken); nil for an
	// existing pool.
	TokenTrigger *gofunction.GoFunction
	// PlatformAdmins and CustomerAdmins are the admin groups; nil for an existing pool.
	PlatformAdmins, CustomerAdmins awscognito.UserPoolGroup
	// FirstAdmin is the AdminEmail user, or nil.
	FirstAdmin awscognito.CfnUserPoolUser
}

var (
	domainPrefixRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)
	hostnameRE     = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.){2,}[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`)
)

// reservedDomainWords may not appear in a Cognito domain prefix.
var reservedDomainWords = []string{"aws", "amazon", "cognito"}

// ValidateIdentityProps checks props without building anything, reporting every
// problem at once.
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
	if d := props.DomainPrefix; propcheck.Resolved(d) {
		if reason := CheckDomainPrefix(*d); reason != "" {
			c.Fail("DomainPrefix", *d, "%s", reason)
		}
	}
	checkCustomDomain(&c, props)
	switch props.ManagedLoginVersion {
	case "", awscognito.ManagedLoginVersion_NEWER_MANAGED_LOGIN, awscognito.ManagedLoginVersion_CLASSIC_HOSTED_UI:
	default:
		c.Fail("ManagedLoginVersion", string(props.ManagedLoginVersion), "must be NEWER_MANAGED_LOGIN or CLASSIC_HOSTED_UI")
	}
	validateProviders(&c, props.IdentityProviders)
	if e := props.AdminEmail; propcheck.Resolved(e) {
		if reason := CheckEmail(*e); reason != "" {
			c.Fail("AdminEmail", *e, "%s", reason)
		}
	}
	if props.UserPool != nil {
		pool := propcheck.Show(props.UserPool.UserPoolId())
		if len(props.IdentityProviders) > 0 {
			c.Fail("IdentityProviders", providerNames(props.IdentityProviders),
				"cannot be added to an existing UserPool %s: each provider needs the pre-token-generation trigger that binds its users to their customer, and Signet cannot change an existing pool's triggers; add providers and a trigger (lambda/pretoken) to your pool yourself, or let Signet create the pool", pool)
		}
		if props.AdminEmail != nil {
			c.Fail("AdminEmail", *props.AdminEmail,
				"cannot be created in an existing UserPool %s: Signet creates the admin groups and the first administrator only in its own pool; add the user to your pool's platform-admins group yourself", pool)
		}
	}
	return c.Err()
}

// CheckDomainPrefix says why p is not a Cognito domain prefix, or "".
func CheckDomainPrefix(p string) string {
	if !domainPrefixRE.MatchString(p) {
		return "must be 1 to 63 lowercase letters, digits and hyphens, starting and ending with a letter or digit"
	}
	for _, w := range reservedDomainWords {
		if strings.Contains(p, w) {
			return fmt.Sprintf("must not contain %q (Cognito reserves aws, amazon and cognito)", w)
		}
	}
	return ""
}

// CheckDomainName says why d is not a custom auth domain name, or "".
func CheckDomainName(d string) string {
	if !hostnameRE.MatchString(d) || len(d) > 253 {
		return "must be a lowercase subdomain such as auth.example.com (three labels or more)"
	}
	return ""
}

// CheckEmail says why e is not a plain email address, or "".
func CheckEmail(e string) string {
	a, err := mail.ParseAddress(e)
	local, domain, _ := strings.Cut(e, "@")
	if err != nil || a.Address != e || a.Name != "" || local == "" || !strings.Contains(domain, ".") || len(e) > 254 || strings.ContainsAny(e, " \t\r\n<>\"") {
		return "must be a plain email address such as admin@example.com (no display name or angle brackets)"
	}
	return ""
}

// checkCustomDomain: a lowercase host name of three labels or more, with a us-east-1
// certificate, the two together.
func checkCustomDomain(c *propcheck.Checker, props *IdentityProps) {
	name, cert := props.CustomDomainName, props.CustomDomainCertificate
	switch {
	case name != nil && cert == nil:
		c.Fail("CustomDomainCertificate", nil, "is required with CustomDomainName %s: an ACM certificate in us-east-1 covering it", propcheck.Show(name))
	case name == nil && cert != nil:
		c.Fail("CustomDomainName", nil, "is required with CustomDomainCertificate %s", propcheck.Show(cert.CertificateArn()))
	}
	if propcheck.Resolved(name) {
		if reason := CheckDomainName(*name); reason != "" {
			c.Fail("CustomDomainName", *name, "%s", reason)
		}
	}
	if cert != nil {
		if r := propcheck.CertificateRegion(cert); r != "" && r != "us-east-1" {
			c.Fail("CustomDomainCertificate", *cert.CertificateArn(), "is in region %q; Cognito custom domains take ACM certificates in us-east-1 only", r)
		}
	}
}

func providerNames(ps []IdentityProvider) []string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name
	}
	return names
}

// NewIdentity creates the user pool (unless given), the app client, the domains, the
// identity providers, the trigger, the admin groups and the first administrator.
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
	var pool awscognito.UserPool
	if i.UserPool == nil {
		pool = newUserPool(c, props)
		i.UserPool, parent = pool, pool
		i.addProviders(pool, props.IdentityProviders)
	}
	i.Client = newClient(parent, i.UserPool, props)
	for _, p := range i.Providers {
		// The client names the providers; Cognito refuses a name it does not know yet.
		i.Client.Node().AddDependency(p)
	}
	i.addDomains(parent, props)
	if pool != nil {
		i.addTrigger(pool, props)
		i.addAdmins(pool, props)
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
			// Mutable so that an administrator can set it; the app client below
			// cannot write it, and no identity provider maps it.
			CustomerIDAttribute: awscognito.NewStringAttribute(&awscognito.StringAttributeProps{MinLen: jsii.Number(1), MaxLen: jsii.Number(63), Mutable: jsii.Bool(true)}),
			// The groups an identity provider sent at the user's last sign-in, for the
			// trigger. Mutable: Cognito rewrites mapped attributes at every federated
			// sign-in. The app client cannot read it.
			IdpGroupsAttribute: awscognito.NewStringAttribute(&awscognito.StringAttributeProps{MaxLen: jsii.Number(2048), Mutable: jsii.Bool(true)}),
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
// reads custom:customer_id and cannot write it. It signs in through Cognito and every
// identity provider.
//
// With identity providers it may write email and custom:idp_groups, the attributes
// the providers map: Cognito writes mapped attributes at each federated sign-in with
// the app client's permissions, and fails the sign-in ("a client attempted to write
// unauthorized attribute") without them. It never reads custom:idp_groups, and never
// writes custom:customer_id.
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
	writable := &awscognito.StandardAttributesMask{Fullname: jsii.Bool(true)}
	supported := []awscognito.UserPoolClientIdentityProvider{awscognito.UserPoolClientIdentityProvider_COGNITO()}
	for _, p := range props.IdentityProviders {
		supported = append(supported, awscognito.UserPoolClientIdentityProvider_Custom(jsii.String(p.Name)))
	}
	write := awscognito.NewClientAttributes()
	if len(props.IdentityProviders) > 0 && props.UserPool == nil {
		writable.Email = jsii.Bool(true)
		write = write.WithCustomAttributes(jsii.String(IdpGroupsAttribute))
	}
	write = write.WithStandardAttributes(writable)
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
		SupportedIdentityProviders: &supported,
		ReadAttributes:             read,
		WriteAttributes:            write,
		PreventUserExistenceErrors: jsii.Bool(true),
		EnableTokenRevocation:      jsii.Bool(true),
		IdTokenValidity:            awscdk.Duration_Minutes(jsii.Number(15)),
		AccessTokenValidity:        awscdk.Duration_Minutes(jsii.Number(15)),
		RefreshTokenValidity:       awscdk.Duration_Hours(jsii.Number(12)),
	})
}
