package firewallmanager_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/firewallmanager"
)

// The Firewall Manager administrator account's stack: Signet's rule set, with a
// stricter rate limit, on the Signet distributions of two OUs. Each Signet deployment
// in those OUs then tags its distribution instead of setting a web ACL:
//
//	awscdk.Tags_Of(distribution).Add(jsii.String(firewallmanager.DefaultTagKey),
//		jsii.String(firewallmanager.DefaultTagValue), nil)
func ExampleNewPolicy() {
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("SecurityWaf"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("111122223333"), Region: jsii.String("us-east-1")},
	})

	p := firewallmanager.NewPolicy(stack, "SignetWaf", &firewallmanager.PolicyProps{
		RateLimit:                  jsii.Number(500),
		IncludeOrganizationalUnits: *jsii.Strings("ou-ab12-11111111", "ou-ab12-22222222"),
	})

	t := assertions.Template_FromStack(stack, nil)
	for _, typ := range []string{"AWS::FMS::Policy", "AWS::WAFv2::RuleGroup"} {
		fmt.Println(typ, len(*t.FindResources(jsii.String(typ), nil)))
	}
	fmt.Println("policy name is generated:", len(*p.PolicyName) > len("signet-cloudfront-"))
	// Output:
	// AWS::FMS::Policy 1
	// AWS::WAFv2::RuleGroup 1
	// policy name is generated: true
}

func TestMain(m *testing.M) {
	defer jsii.Close()
	m.Run()
}
