package signerapi

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/database"
	"github.com/signet-cdk/signet/constructs/gofunction"
	"github.com/signet-cdk/signet/constructs/internal/nag"
)

// AdminImportPath is the admin API's Lambda main package.
const AdminImportPath = "github.com/signet-cdk/signet/lambda/admin"

// DefaultAdminReservedConcurrency is the admin Lambda's reserved concurrency unless
// AdminReservedConcurrency says otherwise: administration is a few people managing
// customers, rules and users, so two instances serve it, and they add two connections
// (database.ConnectionsPerInstance each) to the database's connection budget.
const DefaultAdminReservedConcurrency = 2

// DirectoryImportPath is the directory Lambda's main package: the Cognito calls of
// the admin API, outside the VPC (see package directory for why).
const DirectoryImportPath = "github.com/signet-cdk/signet/lambda/directory"

// directoryUserPoolActions are the Cognito user-pool API actions the directory Lambda
// calls (package directory), and the only ones it may call, on this user pool only.
var directoryUserPoolActions = []string{
	"cognito-idp:AdminCreateUser",
	"cognito-idp:AdminDeleteUser",
	"cognito-idp:AdminDisableUser",
	"cognito-idp:AdminUserGlobalSignOut",
	"cognito-idp:AdminAddUserToGroup",
	"cognito-idp:AdminRemoveUserFromGroup",
	"cognito-idp:AdminListGroupsForUser",
	"cognito-idp:CreateGroup",
}

// addAdmin creates the admin API: the admin Lambda in the database's VPC, which may
// connect to the database as signet_admin_app only and invoke the directory Lambda
// only; the directory Lambda outside the VPC, which may call exactly
// directoryUserPoolActions on this user pool only (Cognito refuses PrivateLink for a
// pool with a domain, which sign-in needs); the Lambda API's endpoint in Signet's own
// VPC; and /admin/{proxy+} (method ANY, a Lambda proxy integration) behind the same
// Cognito authorizer as every other route.
func (a *SignerApi) addAdmin(props *SignerApiProps, removal awscdk.RemovalPolicy, authorizer awsapigateway.IAuthorizer) {
	reserved := props.AdminReservedConcurrency
	if reserved == nil {
		reserved = jsii.Number(DefaultAdminReservedConcurrency)
	}
	a.Directory = gofunction.NewGoFunction(a.Construct, "Directory", &gofunction.GoFunctionProps{
		ImportPath:                   DirectoryImportPath,
		Description:                  jsii.String("Signet: the admin API's Cognito calls (invite, roles, disable, delete users)"),
		Environment:                  map[string]*string{"SIGNET_USER_POOL_ID": props.UserPool.UserPoolId()},
		Timeout:                      awscdk.Duration_Seconds(jsii.Number(20)),
		LogKey:                       props.LogKey,
		RemovalPolicy:                removal,
		ReservedConcurrentExecutions: reserved,
	})
	props.UserPool.Grant(a.Directory.Role, *jsii.Strings(directoryUserPoolActions...)...)
	a.Admin = a.databaseFunction(props, removal, "Admin", AdminImportPath,
		"Signet: admin API (customers, access rules, users, audit trail)",
		map[string]*string{"SIGNET_DIRECTORY_FUNCTION": a.Directory.Function.FunctionName()}, reserved)
	props.Database.GrantConnectAs(a.Admin.Role, database.AdminAppUser)
	// The function's exact ARN: not GrantInvoke, which adds "<arn>:*" (every version
	// and alias) for a function that is only ever invoked unqualified.
	a.Admin.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("lambda:InvokeFunction"), Resources: &[]*string{a.Directory.Function.FunctionArn()},
	}))
	props.Database.AddLambdaEndpoint()

	admin := a.Root.AddResource(jsii.String("admin"), nil)
	admin.AddResource(jsii.String("{proxy+}"), nil).AddMethod(jsii.String("ANY"),
		awsapigateway.NewLambdaIntegration(a.Admin.Function, nil),
		&awsapigateway.MethodOptions{Authorizer: authorizer, AuthorizationType: awsapigateway.AuthorizationType_COGNITO})

	for _, fn := range []*gofunction.GoFunction{a.Admin, a.Directory} {
		nag.Suppress(fn.Function, false, nag.Each("LambdaDLQ",
			"invoked synchronously (API Gateway, or the admin Lambda) and its errors go back to the caller; a dead-letter queue applies only to asynchronous invocations",
			"NIST.800.53.R5", "HIPAA.Security", "Serverless")...)
	}
	const outsideVPC = "the directory function calls only the Cognito user pools API, which refuses PrivateLink for a user pool that has a domain (Amazon Cognito Developer Guide, Access Amazon Cognito using an interface endpoint), so it runs outside the VPC; it has no database access"
	nag.Suppress(a.Directory.Function, false, nag.Each("LambdaInsideVPC", outsideVPC, "NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321")...)
	nag.SuppressGuard(a.Directory.Function, "lambda_inside_vpc_check", outsideVPC)
}
