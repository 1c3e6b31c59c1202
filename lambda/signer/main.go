// Command signer is the API's Lambda: it checks RBAC in the metadata store and hands
// out CloudFront signed URLs and cookies and S3 presigned uploads (package api). main
// only wires: configuration from the environment, clients built once, lambda.Start.
package main

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/signet-cdk/signet/api"
	"github.com/signet-cdk/signet/internal/lambdaboot"
	"github.com/signet-cdk/signet/keysource"
	"github.com/signet-cdk/signet/presign"
	"github.com/signet-cdk/signet/signing"
	"github.com/signet-cdk/signet/store"
	"github.com/signet-cdk/signet/store/rdsca"
)

func main() {
	cfg, logger := lambdaboot.Init()
	h, err := wire(cfg, logger)
	if err != nil {
		lambdaboot.Fail(logger, "configuration", err)
	}
	lambda.Start(h.Handle)
}

func wire(cfg aws.Config, logger *slog.Logger) (*api.Handler, error) {
	env, missing := lambdaboot.Require("SIGNET_PARAMETER_PREFIX", "SIGNET_BUCKET", "SIGNET_DB_HOST", "SIGNET_DB_PORT", "SIGNET_DB_NAME", "AWS_REGION")
	if missing != nil {
		return nil, missing
	}
	port, err := lambdaboot.Port(env["SIGNET_DB_PORT"])
	if err != nil {
		return nil, fmt.Errorf("environment variable SIGNET_DB_PORT %q: %w", env["SIGNET_DB_PORT"], err)
	}
	prefix, bucket, dbHost, dbName, region := env["SIGNET_PARAMETER_PREFIX"], env["SIGNET_BUCKET"], env["SIGNET_DB_HOST"], env["SIGNET_DB_NAME"], env["AWS_REGION"]
	keys, err := keysource.New(ssm.NewFromConfig(cfg), keysource.Config{Prefix: prefix, Logger: logger,
		SignerOptions: []signing.Option{signing.WithCache(4096)}})
	if err != nil {
		return nil, err
	}
	uploads, err := presign.New(s3.NewFromConfig(cfg), presign.Config{Bucket: bucket, KMSKeyID: os.Getenv("SIGNET_KMS_KEY_ARN"), MaxLifetime: time.Hour})
	if err != nil {
		return nil, err
	}
	tlsCfg, err := rdsca.TLSConfig(dbHost)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(store.Config{Host: dbHost, Port: port, Database: dbName, User: "signet_app", TLS: tlsCfg,
		IAM: &store.IAMAuth{Region: region, Credentials: cfg.Credentials}})
	if err != nil {
		return nil, err
	}
	return &api.Handler{Store: st, Keys: keys, Uploads: uploads, Logger: logger,
		Config: api.Config{CookieDomain: os.Getenv("SIGNET_COOKIE_DOMAIN"), AllowedOrigins: origins(os.Getenv("SIGNET_CORS_ORIGINS"))}}, nil
}

// origins splits the comma-separated SIGNET_CORS_ORIGINS.
func origins(s string) []string {
	var out []string
	for _, o := range strings.Split(s, ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}
