package identity

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/internal/propcheck"
	"github.com/signet-cdk/signet/pretoken"
)

// ProviderType is the kind of a federated identity provider.
type ProviderType string

const (
	// OIDC is an OpenID Connect provider (Entra ID, Okta, Auth0, Keycloak, Google
	// Workspace through OIDC, ...).
	OIDC ProviderType = "OIDC"
	// SAML is a SAML 2.0 provider (Entra ID, ADFS, Okta, ...).
	SAML ProviderType = "SAML"
)

// IdpGroupsAttribute is the custom attribute (without "custom:") every provider's
// groups are mapped to; the pre-token-generation trigger reads it. Mutable (Cognito
// rewrites mapped attributes at each federated sign-in), 2048 characters, never
// readable by the app client.
const IdpGroupsAttribute = "idp_groups"

// ReservedRoles can never be granted through an identity provider (pretoken drops
// them again at sign-in; a binding naming one fails synth here first).
var ReservedRoles = []string{"platform-admins"}

// Defaults of the provider fields.
var (
	DefaultOidcScopes     = []string{"openid", "email", "profile"}
	DefaultGroupsClaim    = "groups"
	DefaultEmailAttribute = "email"
)

// SecretRef names a secret in AWS Secrets Manager. The template holds only a
// {{resolve:secretsmanager:...}} dynamic reference to it, which CloudFormation
// resolves at deploy: the secret never appears in the template, the cloud assembly or
// the CDK context.
type SecretRef struct {
	// SecretArn of the secret, e.g.
	// "arn:aws:secretsmanager:eu-west-1:123456789012:secret:signet/okta-AbCdEf".
	SecretArn string `json:"secretArn"`
	// JsonField, when the secret is a JSON object, names the field holding the value.
	// Default: the whole secret string.
	JsonField string `json:"jsonField,omitempty"`
}

// IdentityProvider is one federated identity provider and its binding: the one
// customer its users belong to, and which of its groups grant which Signet roles. The
// JSON names are those of the context key signet:identityProviders.
type IdentityProvider struct {
	// Name of the provider in Cognito (3 to 32 characters, no leading underscore or
	// space; not COGNITO, Google, Facebook, LoginWithAmazon or SignInWithApple). It
	// appears on the sign-in page and in federated users' "identities"; renaming a
	// provider replaces it and signs its users up again under the new name.
	Name string `json:"name"`
	// Type is OIDC or SAML.
	Type ProviderType `json:"type"`

	// Issuer (OIDC): the provider's https issuer URL; Cognito discovers the endpoints
	// from <Issuer>/.well-known/openid-configuration.
	Issuer string `json:"issuer,omitempty"`
	// ClientId (OIDC) of the client registered at the provider.
	ClientId string `json:"clientId,omitempty"`
	// ClientSecret (OIDC) of that client, a Secrets Manager reference.
	ClientSecret *SecretRef `json:"clientSecret,omitempty"`
	// Scopes (OIDC) requested from the provider; must include openid.
	// Default: openid email profile.
	Scopes []string `json:"scopes,omitempty"`
	// GroupsClaim (OIDC): the claim holding the user's groups. Default: "groups".
	GroupsClaim string `json:"groupsClaim,omitempty"`

	// MetadataUrl (SAML): the https URL of the provider's metadata document.
	// Exactly one of MetadataUrl and MetadataDocument.
	MetadataUrl string `json:"metadataUrl,omitempty"`
	// MetadataDocument (SAML): the metadata XML itself.
	MetadataDocument string `json:"metadataDocument,omitempty"`
	// GroupsAttribute (SAML): the name of the assertion attribute holding the user's
	// groups, e.g. "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups".
	// Required for SAML.
	GroupsAttribute string `json:"groupsAttribute,omitempty"`

	// EmailAttribute: the claim (OIDC) or assertion attribute (SAML) holding the
	// user's email address. Default: "email".
	EmailAttribute string `json:"emailAttribute,omitempty"`

	// Customer is the only customer id this provider's users ever get
	// (^[a-z0-9][a-z0-9-]{0,62}$). Nothing the provider sends can change it.
	Customer string `json:"customer"`
	// Roles maps a group the provider sends to a Signet role
	// (^[A-Za-z0-9_.-]{1,128}$; never platform-admins). Unmapped groups grant nothing.
	// Default: none (the provider's users get the customer and no role).
	Roles map[string]string `json:"roles,omitempty"`
}

var (
	// Cognito's ProviderName pattern; the length (3 to 32) is checked apart.
	providerNameRE = regexp.MustCompile(`^[^_\p{Z}][\p{L}\p{M}\p{S}\p{N}\p{P}][^_\p{Z}]+$`)
	// The pretoken trigger's (and the store's) patterns.
	customerIDRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	roleRE       = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,128}$`)
	secretArnRE  = regexp.MustCompile(`^arn:aws[a-z-]*:secretsmanager:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$`)
	jsonFieldRE  = regexp.MustCompile(`^[^:{}\s]{1,256}$`)
	// An OAuth scope token (RFC 6749 section 3.3).
	scopeRE = regexp.MustCompile(`^[\x21\x23-\x5B\x5D-\x7E]{1,256}$`)
	// A claim or attribute name: printable, no spaces.
	attributeNameRE = regexp.MustCompile(`^[\x21-\x7E]{1,256}$`)
)

// reservedProviderNames are the names Cognito keeps for itself and the social providers.
var reservedProviderNames = []string{"COGNITO", "Facebook", "Google", "LoginWithAmazon", "SignInWithApple"}

// ValidateIdentityProviders checks providers and their bindings on their own (what
// ValidateIdentityProps checks of them), reporting every problem at once.
func ValidateIdentityProviders(providers []IdentityProvider) error {
	c := propcheck.Checker{Construct: "identity"}
	validateProviders(&c, providers)
	return c.Err()
}

// Problem is one rejected value, for callers that report problems in their own terms
// (the app names context keys).
type Problem struct {
	Prop   string // e.g. "IdentityProviders[0].ClientSecret.SecretArn"
	Value  any
	Reason string
}

// ProviderProblems lists what ValidateIdentityProviders rejects, in order.
func ProviderProblems(providers []IdentityProvider) []Problem {
	c := propcheck.Checker{Construct: "identity"}
	validateProviders(&c, providers)
	var out []Problem
	if j, ok := c.Err().(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			var pe *propcheck.Error
			if errors.As(e, &pe) {
				out = append(out, Problem{Prop: pe.Prop, Value: pe.Value, Reason: pe.Reason})
			}
		}
	}
	return out
}

// validateProviders checks every provider and its binding, and that the bindings fit
// in the trigger's environment.
func validateProviders(c *propcheck.Checker, providers []IdentityProvider) {
	defer checkBindingsSize(c, providers)
	seen := map[string]int{}
	for i, p := range providers {
		at := func(field string) string { return fmt.Sprintf("IdentityProviders[%d].%s", i, field) }
		checkProviderName(c, at("Name"), p.Name)
		if j, dup := seen[strings.ToLower(p.Name)]; dup && p.Name != "" {
			c.Fail(at("Name"), p.Name, "is the name of IdentityProviders[%d] too; provider names must be unique (ignoring case)", j)
		} else {
			seen[strings.ToLower(p.Name)] = i
		}
		switch p.Type {
		case OIDC:
			checkOidc(c, at, p)
		case SAML:
			checkSaml(c, at, p)
		default:
			c.Fail(at("Type"), string(p.Type), "must be %q or %q", OIDC, SAML)
		}
		if p.EmailAttribute != "" && !attributeNameRE.MatchString(p.EmailAttribute) {
			c.Fail(at("EmailAttribute"), p.EmailAttribute, "must be a claim or attribute name: printable characters without spaces")
		}
		checkBinding(c, at, p)
	}
}

func checkProviderName(c *propcheck.Checker, prop, name string) {
	n := utf8.RuneCountInString(name)
	switch {
	case n < 3 || n > 32:
		c.Fail(prop, name, "must be 3 to 32 characters (Cognito's limit)")
	case !providerNameRE.MatchString(name):
		c.Fail(prop, name, "must not start with an underscore or a space, nor end with one (Cognito's provider name rules)")
	}
	for _, r := range reservedProviderNames {
		if strings.EqualFold(name, r) {
			c.Fail(prop, name, "is reserved by Cognito (%s)", strings.Join(reservedProviderNames, ", "))
		}
	}
}

func checkOidc(c *propcheck.Checker, at func(string) string, p IdentityProvider) {
	if reason := checkHTTPS(p.Issuer, false); reason != "" {
		c.Fail(at("Issuer"), p.Issuer, "%s", reason)
	}
	switch {
	case p.ClientId == "":
		c.Fail(at("ClientId"), p.ClientId, "is required for an OIDC provider: the client id registered at the provider")
	case !attributeNameRE.MatchString(p.ClientId):
		c.Fail(at("ClientId"), p.ClientId, "must be printable characters without spaces")
	}
	switch s := p.ClientSecret; {
	case s == nil:
		c.Fail(at("ClientSecret"), nil, "is required for an OIDC provider: {secretArn, jsonField?}, a secret in Secrets Manager (never the secret itself)")
	default:
		if !secretArnRE.MatchString(s.SecretArn) {
			c.Fail(at("ClientSecret.SecretArn"), s.SecretArn, "must be a Secrets Manager secret ARN, arn:aws:secretsmanager:<region>:<account>:secret:<name>")
		}
		if s.JsonField != "" && !jsonFieldRE.MatchString(s.JsonField) {
			c.Fail(at("ClientSecret.JsonField"), s.JsonField, "must be a JSON field name without spaces, colons or braces")
		}
	}
	if len(p.Scopes) > 0 {
		if !slices.Contains(p.Scopes, "openid") {
			c.Fail(at("Scopes"), p.Scopes, "must include openid")
		}
		for _, s := range p.Scopes {
			if !scopeRE.MatchString(s) {
				c.Fail(at("Scopes"), s, "is not an OAuth scope (printable characters, no spaces or quotes)")
			}
		}
	}
	if p.GroupsClaim != "" && !attributeNameRE.MatchString(p.GroupsClaim) {
		c.Fail(at("GroupsClaim"), p.GroupsClaim, "must be a claim name: printable characters without spaces")
	}
	for field, v := range map[string]string{"MetadataUrl": p.MetadataUrl, "MetadataDocument": p.MetadataDocument, "GroupsAttribute": p.GroupsAttribute} {
		if v != "" {
			c.Fail(at(field), short(v), "applies to SAML providers; an OIDC provider's groups come from GroupsClaim")
		}
	}
}

func checkSaml(c *propcheck.Checker, at func(string) string, p IdentityProvider) {
	switch {
	case p.MetadataUrl == "" && p.MetadataDocument == "":
		c.Fail(at("MetadataUrl"), "", "or MetadataDocument is required for a SAML provider (exactly one of them)")
	case p.MetadataUrl != "" && p.MetadataDocument != "":
		c.Fail(at("MetadataUrl"), p.MetadataUrl, "and MetadataDocument are both set; give exactly one of them")
	case p.MetadataUrl != "":
		if reason := checkHTTPS(p.MetadataUrl, true); reason != "" {
			c.Fail(at("MetadataUrl"), p.MetadataUrl, "%s", reason)
		}
	default:
		if doc := strings.TrimSpace(p.MetadataDocument); !strings.HasPrefix(doc, "<") || !strings.Contains(doc, "EntityDescriptor") {
			c.Fail(at("MetadataDocument"), short(doc), "is not SAML metadata (an XML EntityDescriptor)")
		}
	}
	switch {
	case p.GroupsAttribute == "":
		c.Fail(at("GroupsAttribute"), "", "is required for a SAML provider: the name of the assertion attribute holding the user's groups")
	case !attributeNameRE.MatchString(p.GroupsAttribute):
		c.Fail(at("GroupsAttribute"), p.GroupsAttribute, "must be an attribute name: printable characters without spaces")
	}
	if p.Issuer != "" || p.ClientId != "" || p.ClientSecret != nil || len(p.Scopes) > 0 || p.GroupsClaim != "" {
		c.Fail(at("Type"), string(p.Type), "is SAML but OIDC fields are set (issuer, clientId, clientSecret, scopes, groupsClaim); remove them or use type OIDC")
	}
}

func checkBinding(c *propcheck.Checker, at func(string) string, p IdentityProvider) {
	if !customerIDRE.MatchString(p.Customer) {
		c.Fail(at("Customer"), p.Customer, "must be a customer id matching %s: the one customer this provider's users belong to", customerIDRE)
	}
	for _, group := range slices.Sorted(maps.Keys(p.Roles)) {
		role := p.Roles[group]
		prop := at(fmt.Sprintf("Roles[%q]", group))
		switch {
		case group == "" || strings.TrimSpace(group) != group:
			c.Fail(prop, group, "IdP group names must be non-empty without leading or trailing spaces")
		case slices.ContainsFunc(ReservedRoles, func(r string) bool { return strings.EqualFold(r, role) }):
			c.Fail(prop, role, "is reserved: platform administrators are Signet's own users, never granted through an identity provider")
		case !roleRE.MatchString(role):
			c.Fail(prop, role, "must be a Signet role matching %s", roleRE)
		}
	}
}

// checkHTTPS says why u is not an https URL with a host (and, unless query is
// allowed, no query), or "".
func checkHTTPS(u string, query bool) string {
	p, err := url.Parse(u)
	if u == "" || err != nil || p.Scheme != "https" || p.Host == "" || p.User != nil || p.Fragment != "" || (!query && p.RawQuery != "") {
		return "must be an https URL with a host (no credentials, fragment or query)"
	}
	return ""
}

// short trims a long value (a metadata document) for an error message.
func short(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// Bindings are the providers' bindings as the pre-token-generation trigger reads them
// (SIGNET_PROVIDER_BINDINGS): each provider's customer and group-to-role map, the
// groups read from custom:idp_groups.
func Bindings(providers []IdentityProvider) []pretoken.Binding {
	out := make([]pretoken.Binding, 0, len(providers))
	for _, p := range providers {
		groups := maps.Clone(p.Roles)
		if groups == nil {
			groups = map[string]string{}
		}
		out = append(out, pretoken.Binding{Provider: p.Name, Customer: p.Customer, Groups: groups, GroupsAttribute: "custom:" + IdpGroupsAttribute})
	}
	return out
}

// BindingsJSON is Bindings as JSON, checked by the trigger's own parser so that a
// binding the trigger would refuse at cold start (locking every user out) fails synth.
func BindingsJSON(providers []IdentityProvider) (string, error) {
	b, err := json.Marshal(Bindings(providers))
	if err != nil {
		return "", err
	}
	if _, err := pretoken.ParseBindings(b); err != nil {
		return "", err
	}
	return string(b), nil
}

// maxBindingsBytes leaves room under Lambda's 4 KB limit on all environment variables.
const maxBindingsBytes = 4096 - len("SIGNET_PROVIDER_BINDINGS") - 64

// checkBindingsSize fails when the bindings would not fit in the trigger's environment.
func checkBindingsSize(c *propcheck.Checker, providers []IdentityProvider) {
	b, err := json.Marshal(Bindings(providers))
	if err == nil && len(b) > maxBindingsBytes {
		c.Fail("IdentityProviders", fmt.Sprintf("%d providers", len(providers)), "bind %d bytes of JSON, more than the trigger's environment holds (%d; Lambda allows 4 KB); map fewer groups", len(b), maxBindingsBytes)
	}
}

// addProviders creates the providers on pool, each mapping email and its groups, and
// never custom:customer_id: the binding alone decides the customer.
func (i *Identity) addProviders(pool awscognito.UserPool, providers []IdentityProvider) {
	for _, p := range providers {
		email := p.EmailAttribute
		if email == "" {
			email = DefaultEmailAttribute
		}
		var idp awscognito.IUserPoolIdentityProvider
		id := jsii.String("Provider" + p.Name)
		switch p.Type {
		case OIDC:
			scopes := p.Scopes
			if len(scopes) == 0 {
				scopes = DefaultOidcScopes
			}
			groups := p.GroupsClaim
			if groups == "" {
				groups = DefaultGroupsClaim
			}
			var opts *awscdk.SecretsManagerSecretOptions
			if p.ClientSecret.JsonField != "" {
				opts = &awscdk.SecretsManagerSecretOptions{JsonField: jsii.String(p.ClientSecret.JsonField)}
			}
			secret := awscdk.SecretValue_SecretsManager(jsii.String(p.ClientSecret.SecretArn), opts)
			idp = awscognito.NewUserPoolIdentityProviderOidc(pool, id, &awscognito.UserPoolIdentityProviderOidcProps{
				UserPool:  pool,
				Name:      jsii.String(p.Name),
				IssuerUrl: jsii.String(p.Issuer),
				ClientId:  jsii.String(p.ClientId),
				// A {{resolve:secretsmanager:...}} dynamic reference: CloudFormation
				// reads the secret at deploy; the template never holds it.
				ClientSecret:           secret.UnsafeUnwrap(),
				Scopes:                 jsii.Strings(scopes...),
				AttributeRequestMethod: awscognito.OidcAttributeRequestMethod_GET,
				AttributeMapping:       mapping(email, groups),
			})
		case SAML:
			metadata := awscognito.UserPoolIdentityProviderSamlMetadata_Url(jsii.String(p.MetadataUrl))
			if p.MetadataUrl == "" {
				metadata = awscognito.UserPoolIdentityProviderSamlMetadata_File(jsii.String(p.MetadataDocument))
			}
			idp = awscognito.NewUserPoolIdentityProviderSaml(pool, id, &awscognito.UserPoolIdentityProviderSamlProps{
				UserPool:         pool,
				Name:             jsii.String(p.Name),
				Metadata:         metadata,
				AttributeMapping: mapping(email, p.GroupsAttribute),
			})
		}
		i.Providers = append(i.Providers, idp)
	}
}

// mapping is what a provider writes into the pool at each sign-in: the email and the
// groups (into custom:idp_groups, for the trigger). custom:customer_id is never mapped.
func mapping(email, groups string) *awscognito.AttributeMapping {
	return &awscognito.AttributeMapping{
		Email: awscognito.ProviderAttribute_Other(jsii.String(email)),
		Custom: &map[string]awscognito.ProviderAttribute{
			"custom:" + IdpGroupsAttribute: awscognito.ProviderAttribute_Other(jsii.String(groups)),
		},
	}
}
