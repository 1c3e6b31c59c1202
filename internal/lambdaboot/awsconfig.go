package lambdaboot

import (
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go/logging"
)

// AWSConfig is the SDK configuration a Lambda function runs with, built from what
// Lambda sets: the region (AWS_REGION) and the execution role's credentials
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN). Everything else is
// left to the SDK's defaults, as config.LoadDefaultConfig leaves it in Lambda: each
// client builds its own HTTP client and standard retryer. A test checks that both
// give the same configuration.
//
// config.LoadDefaultConfig is not used because linking it links every credential
// source it might fall back to (SSO, SSO-OIDC, STS, sign-in, IMDS, containers,
// processes, shared files): 1.5 MB of each bootstrap and about 1 ms of package
// initialisation at each cold start, for sources a Lambda never uses. Nor does this
// read the SDK's other AWS_* settings (profiles, AWS_ENDPOINT_URL, AWS_RETRY_MODE,
// ...), which Signet's functions are never given.
func AWSConfig() (aws.Config, error) {
	keys, err := Require("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
	if err != nil {
		// LoadDefaultConfig would go on to other sources and fail at the first call.
		return aws.Config{}, err
	}
	region := os.Getenv("AWS_REGION")
	if region == "" {
		region = os.Getenv("AWS_DEFAULT_REGION") // the SDK's fallback, kept
	}
	creds := credentials.StaticCredentialsProvider{
		Value: aws.Credentials{
			AccessKeyID:     keys["AWS_ACCESS_KEY_ID"],
			SecretAccessKey: keys["AWS_SECRET_ACCESS_KEY"],
			SessionToken:    os.Getenv("AWS_SESSION_TOKEN"),
			AccountID:       os.Getenv("AWS_ACCOUNT_ID"),
			Source:          "EnvConfigCredentials", // config.CredentialsSourceName
		},
		// Reported in the User-Agent, as LoadDefaultConfig reports it.
		Source: []aws.CredentialSource{aws.CredentialSourceEnvVars},
	}
	return aws.Config{
		Region:      region,
		Credentials: aws.NewCredentialsCache(creds),
		Logger:      logging.NewStandardLogger(os.Stderr), // LoadDefaultConfig's SDK logger
		// The defaults LoadDefaultConfig writes in when nothing configures them.
		DefaultsMode:                aws.DefaultsModeLegacy,
		RequestMinCompressSizeBytes: 10240,
		AccountIDEndpointMode:       aws.AccountIDEndpointModePreferred,
		RequestChecksumCalculation:  aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation:  aws.ResponseChecksumValidationWhenSupported,
		RestrictFilePermissions:     aws.RestrictFilePermissionsUserReadWrite,
	}, nil
}
