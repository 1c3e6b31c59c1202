// Package lambdaboot is the start-up every Signet Lambda shares: a JSON logger on
// stdout (CloudWatch Logs parses it) and the AWS configuration from the Lambda
// environment. A function that cannot start logs why and exits, so the invocation
// fails loudly instead of limping.
package lambdaboot

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
)

// Init returns the logger and the AWS configuration, or exits.
func Init() (aws.Config, *slog.Logger) {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		Fail(logger, "load aws config", err)
	}
	return cfg, logger
}

// Fail logs a start-up failure and exits.
func Fail(logger *slog.Logger, what string, err error) {
	logger.Error("start-up failed: "+what, "error", err.Error())
	os.Exit(1)
}
