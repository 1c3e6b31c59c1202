package database

// The migration Lambda is built by import path from the consuming module at synth
// time, so its dependencies must be in that module's go.sum; these blank imports (the
// Lambda's own) make `go mod tidy` there keep them. See constructs/signingkeys/deps.go.
import (
	_ "github.com/aws/aws-lambda-go/cfn"
	_ "github.com/aws/aws-lambda-go/lambda"
	_ "github.com/aws/aws-sdk-go-v2/config"
	_ "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	_ "github.com/signet-cdk/signet/store/rdsca"
)
