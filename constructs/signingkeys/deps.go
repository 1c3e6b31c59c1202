package signingkeys

// The keygen Lambda is built by import path from the consuming module at synth time,
// so its dependencies must be in that module's go.sum. Go only records what is
// imported, and nobody imports a main package; these blank imports (the Lambda's own
// imports) make `go mod tidy` in a consuming module keep everything the build needs.
// TestConsumerModuleBundles in package gofunction proves it.
import (
	_ "github.com/aws/aws-lambda-go/cfn"
	_ "github.com/aws/aws-lambda-go/lambda"
	_ "github.com/aws/aws-sdk-go-v2/config"
	_ "github.com/aws/aws-sdk-go-v2/service/ssm"

	_ "github.com/signet-cdk/signet/keypair"
)
