// Package lambdaboot is the start-up every Signet Lambda shares: a JSON logger on
// stdout (CloudWatch Logs parses it) that tags each line logged with a context by
// the Lambda request id, the AWS configuration from the Lambda environment, and
// checked reads of the function's environment variables. A function that cannot
// start logs why and exits, so the invocation fails loudly instead of limping.
package lambdaboot

import (
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Init returns the AWS configuration and the logger, or exits. The logger is also
// slog's default, so packages that fall back to slog.Default (and the log package,
// which slog.SetDefault redirects) write the same JSON lines.
func Init() (aws.Config, *slog.Logger) {
	logger := setupLogging(os.Stdout)
	cfg, err := AWSConfig()
	if err != nil {
		Fail(logger, "load aws config", err)
	}
	return cfg, logger
}

// Fail logs a start-up failure as one line and exits non-zero, which fails the cold
// start: Lambda reports the init error instead of running a half-configured handler.
func Fail(logger *slog.Logger, what string, err error) {
	logger.Error("start-up failed: "+what, "error", err.Error())
	os.Exit(1)
}
