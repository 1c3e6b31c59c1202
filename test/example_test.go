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
