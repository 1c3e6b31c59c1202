package signerapi

// The signer and admin Lambdas are built by import path from the consuming module at
// synth time; these blank imports (the Lambdas' own) keep their dependencies in that
// module's go.sum. See constructs/signingkeys/deps.go.
import (
	_ "github.com/aws/aws-lambda-go/lambda"
	_ "github.com/aws/aws-sdk-go-v2/config"
	_ "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	_ "github.com/aws/aws-sdk-go-v2/service/s3"
	_ "github.com/aws/aws-sdk-go-v2/service/ssm"

	_ "github.com/signet-cdk/signet/api"
	_ "github.com/signet-cdk/signet/directory"
	_ "github.com/signet-cdk/signet/keysource"
	_ "github.com/signet-cdk/signet/presign"
	_ "github.com/signet-cdk/signet/store"
	_ "github.com/signet-cdk/signet/store/rdsca"
)
