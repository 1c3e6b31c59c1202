package test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/bucket"
	"github.com/signet-cdk/signet/constructs/cdn"
	"github.com/signet-cdk/signet/constructs/firewall"
	signetkeys "github.com/signet-cdk/signet/constructs/keys"
	"github.com/signet-cdk/signet/constructs/signet"
	"github.com/signet-cdk/signet/constructs/signingkeys"
)

// The README's "using pieces in your own stack", as a team would write it.
func Example_constructsInYourOwnStack() {
	ctx, _ := cdkJSONContext()
	ctx["aws:cdk:bundling-stacks"] = []any{}
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false), Context: &ctx})
	stack := awscdk.NewStack(app, jsii.String("TeamFiles"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("us-east-1")}})
	mySignerRole := awsiam.NewRole(stack, jsii.String("MySigner"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil)})

	k := signetkeys.NewKeys(stack, "Keys", nil)
	files := bucket.NewSecureBucket(stack, "Files", &bucket.SecureBucketProps{EncryptionKey: k.DataKey})
	sk := signingkeys.NewSigningKeys(stack, "SigningKeys", &signingkeys.SigningKeysProps{ParameterKey: k.ParameterKey})
	waf := firewall.NewWebAcl(stack, "Firewall", nil)
	dist := cdn.NewDistribution(stack, "Cdn", &cdn.DistributionProps{
		Bucket: files.Bucket, LogBucket: files.LogBucket, WebAclArn: waf.Arn,
		TrustedKeyGroups: []awscloudfront.IKeyGroup{sk.KeyGroup},
	})
	sk.AddDistributionDomain(dist.DomainName)
	sk.GrantSign(mySignerRole)

	t := toMap(assertions.Template_FromStack(stack, nil))
	for _, typ := range []string{"AWS::CloudFront::Distribution", "AWS::CloudFront::KeyGroup", "AWS::WAFv2::WebACL", "AWS::S3::Bucket", "Custom::SignetSigningKey"} {
		fmt.Println(typ, len(resources(t, typ)))
	}
	// Output:
	// AWS::CloudFront::Distribution 1
	// AWS::CloudFront::KeyGroup 1
	// AWS::WAFv2::WebACL 1
	// AWS::S3::Bucket 2
	// Custom::SignetSigningKey 1
}

// The README's "use it in your own stack": the whole system in a team's us-east-1
// stack, with a role of the team's own allowed to sign.
func Example_signetInYourOwnStack() {
	ctx, _ := cdkJSONContext()
	ctx["aws:cdk:bundling-stacks"] = []any{}
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false), Context: &ctx})
	stack := awscdk.NewStack(app, jsii.String("TeamFiles"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("us-east-1")}})
	myOwnSignerRole := awsiam.NewRole(stack, jsii.String("MySigner"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil)})

	s := signet.NewSignet(stack, "Sharing", nil)
	s.GrantSign(myOwnSignerRole)

	t := toMap(assertions.Template_FromStack(stack, nil))
	for _, typ := range []string{"AWS::CloudFront::Distribution", "AWS::WAFv2::WebACL", "AWS::RDS::DBCluster", "AWS::Cognito::UserPool", "AWS::ApiGateway::RestApi"} {
		fmt.Println(typ, len(resources(t, typ)))
	}
	fmt.Println("edge made here:", s.Edge != nil)
	// Output:
	// AWS::CloudFront::Distribution 1
	// AWS::WAFv2::WebACL 2
	// AWS::RDS::DBCluster 1
	// AWS::Cognito::UserPool 1
	// AWS::ApiGateway::RestApi 1
	// edge made here: true
}
