// Command keygen is the custom-resource Lambda that creates CloudFront signing key
// pairs inside AWS (package keypair). main only wires: config, one SSM client, start.
package main

import (
	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/signet-cdk/signet/internal/lambdaboot"
	"github.com/signet-cdk/signet/keypair"
)

func main() {
	cfg, logger := lambdaboot.Init()
	// Lambda always sets AWS_REGION, but the SDK would only notice it missing at its
	// first call, in the middle of a CloudFormation deployment; fail the cold start.
	if _, err := lambdaboot.Require("AWS_REGION"); err != nil {
		lambdaboot.Fail(logger, "configuration", err)
	}
	r := &keypair.Resource{SSM: ssm.NewFromConfig(cfg), Logger: logger}
	lambda.Start(cfn.LambdaWrap(r.Handle))
}
