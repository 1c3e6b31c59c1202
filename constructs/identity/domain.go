package identity

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/internal/naming"
)

// DefaultDomainPrefix is the Cognito domain prefix of Signet's own pool for the
// Identity construct c: "signet-", 8 hex characters of c's address (its stack's name
// and its path, "Default" components left out as in logical ids) and "-<account id>"
// (the account's token in an environment-agnostic stack). 28 characters; prefixes are
// unique per region across every AWS account, and this one differs between stacks,
// copies of the construct and accounts, and stays the same from one deploy to the next.
func DefaultDomainPrefix(c constructs.IConstruct) *string {
	return jsii.String("signet-" + naming.AddressHash(c, 4) + "-" + *awscdk.Stack_Of(c).Account())
}

// addDomains creates the Cognito domain (always for Signet's own pool, with
// DomainPrefix for an existing one), the custom domain when named, and the managed
// login style of the app client; AuthUrl is the custom domain's, else the prefix's.
func (i *Identity) addDomains(parent constructs.Construct, props *IdentityProps) {
	version := props.ManagedLoginVersion
	if version == "" {
		version = awscognito.ManagedLoginVersion_NEWER_MANAGED_LOGIN
	}
	prefix := props.DomainPrefix
	if prefix == nil && props.UserPool == nil {
		prefix = DefaultDomainPrefix(i.Construct)
	}
	if prefix != nil {
		i.Domain = awscognito.NewUserPoolDomain(parent, jsii.String("Domain"), &awscognito.UserPoolDomainProps{
			UserPool:            i.UserPool,
			CognitoDomain:       &awscognito.CognitoDomainOptions{DomainPrefix: prefix},
			ManagedLoginVersion: version,
		})
		i.AuthUrl = i.Domain.BaseUrl(nil)
	}
	if props.CustomDomainName != nil {
		i.CustomDomain = awscognito.NewUserPoolDomain(parent, jsii.String("CustomDomain"), &awscognito.UserPoolDomainProps{
			UserPool:            i.UserPool,
			CustomDomain:        &awscognito.CustomDomainOptions{DomainName: props.CustomDomainName, Certificate: props.CustomDomainCertificate},
			ManagedLoginVersion: version,
		})
		i.AuthUrl = jsii.String("https://" + *props.CustomDomainName)
	}
	if i.AuthUrl != nil && version == awscognito.ManagedLoginVersion_NEWER_MANAGED_LOGIN {
		// Managed login shows an app client's pages only once the client has a style;
		// this one is Cognito's default.
		style := awscognito.NewCfnManagedLoginBranding(parent, jsii.String("LoginStyle"), &awscognito.CfnManagedLoginBrandingProps{
			UserPoolId:               i.UserPool.UserPoolId(),
			ClientId:                 i.Client.UserPoolClientId(),
			UseCognitoProvidedValues: jsii.Bool(true),
		})
		// After the domains, which switch the pool to managed login.
		for _, d := range []awscognito.UserPoolDomain{i.Domain, i.CustomDomain} {
			if d != nil {
				style.Node().AddDependency(d)
			}
		}
	}
}
