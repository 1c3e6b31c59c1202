// Command directory is the admin API's Cognito arm: it runs outside the VPC (Cognito
// refuses PrivateLink for a user pool that has a domain; see package directory) and
// answers the admin Lambda's invocations with the Cognito admin calls, holding rights
// on Signet's user pool only. main only wires.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/signet-cdk/signet/directory"
	"github.com/signet-cdk/signet/internal/lambdaboot"
)

func main() {
	cfg, logger := lambdaboot.Init()
	env, err := lambdaboot.Require("SIGNET_USER_POOL_ID")
	if err != nil {
		lambdaboot.Fail(logger, "configuration", err)
	}
	lambda.Start(directory.Serve(&directory.Directory{Client: cip.NewFromConfig(cfg), UserPoolID: env["SIGNET_USER_POOL_ID"]}))
}
