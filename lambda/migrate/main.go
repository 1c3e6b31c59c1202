// Command migrate is the custom-resource Lambda that applies Signet's schema at deploy
// time as the cluster's master user (store/migrate). main only wires.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/signet-cdk/signet/internal/lambdaboot"
	"github.com/signet-cdk/signet/store/migrate"
	"github.com/signet-cdk/signet/store/rdsca"
)

type secrets struct{ client *secretsmanager.Client }

func (s secrets) SecretString(ctx context.Context, arn string) (string, error) {
	out, err := s.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.SecretString), nil
}

func main() {
	cfg, logger := lambdaboot.Init()
	// Lambda always sets AWS_REGION, but the SDK would only notice it missing at its
	// first call, in the middle of a CloudFormation deployment; fail the cold start.
	if _, err := lambdaboot.Require("AWS_REGION"); err != nil {
		lambdaboot.Fail(logger, "configuration", err)
	}
	r := &migrate.Resource{Secrets: secrets{secretsmanager.NewFromConfig(cfg)}, TLS: rdsca.TLSConfig, Logger: logger}
	lambda.Start(cfn.LambdaWrap(r.Handle))
}
