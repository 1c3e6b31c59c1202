package monitoring_test

import (
	"fmt"
	"sort"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/monitoring"
)

// Monitoring for parts of a Signet deployment made elsewhere, in eu-west-1: the
// alarms of that region and one dashboard. CloudFront's alarms go in a us-east-1
// stack (NewEdgeMonitoring); the dashboard graphs its metrics from here.
func ExampleNewMonitoring() {
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("SignetMonitoring"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("111122223333"), Region: jsii.String("eu-west-1")},
	})
	fn := func(name string) awslambda.IFunction {
		return awslambda.Function_FromFunctionName(stack, jsii.String(name), jsii.String("signet-"+name))
	}

	m := monitoring.NewMonitoring(stack, "Monitoring", &monitoring.MonitoringProps{
		SignerFunction: fn("signer"),
		AdminFunction:  fn("admin"),
		KeygenFunction: fn("keygen"),
		Api: awsapigateway.RestApi_FromRestApiAttributes(stack, jsii.String("Api"), &awsapigateway.RestApiAttributes{
			RestApiId: jsii.String("a1b2c3d4e5"), RootResourceId: jsii.String("r00t00"), RestApiName: jsii.String("Signet"),
		}),
		DatabaseCluster: awsrds.DatabaseCluster_FromDatabaseClusterAttributes(stack, jsii.String("Db"), &awsrds.DatabaseClusterAttributes{
			ClusterIdentifier: jsii.String("signet-metadata"),
		}),
		DatabaseMaxCapacity: jsii.Number(8),
		RegionalWebAclArn:   jsii.String("arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/signet-api/11111111-2222-3333-4444-555555555555"),
		DistributionId:      jsii.String("E2QWRUHAPOMQZL"),
		AlarmEmail:          jsii.String("ops@example.com"),
	})

	names := make([]string, 0, len(m.Alarms))
	for k := range m.Alarms {
		names = append(names, k)
	}
	sort.Strings(names)
	fmt.Println(names)
	t := assertions.Template_FromStack(stack, nil)
	for _, typ := range []string{"AWS::CloudWatch::Alarm", "AWS::CloudWatch::Dashboard", "AWS::SNS::Topic", "AWS::SNS::Subscription", "AWS::KMS::Key"} {
		fmt.Println(typ, len(*t.FindResources(jsii.String(typ), nil)))
	}
	// Output:
	// [AdminErrors AdminThrottles Api4xxRate Api5xxRate ApiLatencyP99 DatabaseCapacity DatabaseFailures KeygenErrors RegionalWafBlocked SignerErrors SignerThrottles SigningKeyAge]
	// AWS::CloudWatch::Alarm 12
	// AWS::CloudWatch::Dashboard 1
	// AWS::SNS::Topic 1
	// AWS::SNS::Subscription 1
	// AWS::KMS::Key 1
}

func TestMain(m *testing.M) {
	defer jsii.Close()
	m.Run()
}
