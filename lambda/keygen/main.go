// Command keygen is the custom-resource Lambda that creates CloudFront signing key
// pairs inside AWS (package keypair). main only wires: config, one SSM client, start.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/signet-cdk/signet/keypair"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		logger.Error("load aws config", "error", err)
		os.Exit(1)
	}
	r := &keypair.Resource{SSM: ssm.NewFromConfig(cfg), Logger: logger}
	lambda.Start(cfn.LambdaWrap(r.Handle))
}
