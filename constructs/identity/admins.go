package identity

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/internal/propcheck"
)

// addAdmins creates the admin groups in Signet's pool and, with AdminEmail, the first
// platform administrator in platform-admins.
func (i *Identity) addAdmins(pool awscognito.UserPool, props *IdentityProps) {
	removal := propcheck.RemovalOrRetain(props.RemovalPolicy)
	group := func(id, name, description string) awscognito.UserPoolGroup {
		g := awscognito.NewUserPoolGroup(pool, jsii.String(id), &awscognito.UserPoolGroupProps{
			UserPool: pool, GroupName: jsii.String(name), Description: jsii.String(description),
		})
		g.ApplyRemovalPolicy(removal)
		return g
	}
	i.PlatformAdmins = group("PlatformAdmins", PlatformAdminsGroup,
		"Signet platform administrators: manage every customer, its users and rules. Never granted through an identity provider.")
	i.CustomerAdmins = group("CustomerAdmins", CustomerAdminsGroup,
		"Signet customer administrators: manage the users and rules of their own customer (custom:customer_id).")
	if props.AdminEmail == nil {
		return
	}
	// The pool signs in by email, so the email is the user name Cognito resolves.
	i.FirstAdmin = awscognito.NewCfnUserPoolUser(pool, jsii.String("FirstAdmin"), &awscognito.CfnUserPoolUserProps{
		UserPoolId: pool.UserPoolId(),
		Username:   props.AdminEmail,
		UserAttributes: []any{
			&awscognito.CfnUserPoolUser_AttributeTypeProperty{Name: jsii.String("email"), Value: props.AdminEmail},
			&awscognito.CfnUserPoolUser_AttributeTypeProperty{Name: jsii.String("email_verified"), Value: jsii.String("true")},
		},
		// Cognito emails the temporary password.
		DesiredDeliveryMediums: jsii.Strings("EMAIL"),
	})
	i.FirstAdmin.ApplyRemovalPolicy(removal, nil)
	member := awscognito.NewCfnUserPoolUserToGroupAttachment(pool, jsii.String("FirstAdminMembership"), &awscognito.CfnUserPoolUserToGroupAttachmentProps{
		UserPoolId: pool.UserPoolId(),
		GroupName:  i.PlatformAdmins.GroupName(),
		Username:   props.AdminEmail,
	})
	member.AddDependency(i.FirstAdmin)
}
