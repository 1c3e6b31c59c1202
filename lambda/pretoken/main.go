// Command pretoken is the user pool's pre-token-generation trigger (V2_0 event): it
// puts the customer id and the Signet roles into the ID and access tokens (package
// pretoken). main only wires: the provider bindings from SIGNET_PROVIDER_BINDINGS,
// parsed once, then lambda.Start. It calls no AWS API.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/signet-cdk/signet/internal/lambdaboot"
	"github.com/signet-cdk/signet/pretoken"
)

func main() {
	_, logger := lambdaboot.Init()
	env, err := lambdaboot.Require("SIGNET_PROVIDER_BINDINGS")
	if err != nil {
		lambdaboot.Fail(logger, "configuration", err)
	}
	// A bad binding fails the cold start: guessing would put users in the wrong
	// customer, or lock every federated user out without saying why.
	bindings, err := pretoken.ParseBindings([]byte(env["SIGNET_PROVIDER_BINDINGS"]))
	if err != nil {
		lambdaboot.Fail(logger, "configuration: SIGNET_PROVIDER_BINDINGS", err)
	}
	logger.Info("provider bindings loaded", "providers", bindings.Providers())
	lambda.Start(bindings.WithLogger(logger).Handle)
}
