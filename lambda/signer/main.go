// Command signer is the API's Lambda: it checks RBAC in the metadata store and hands
// out CloudFront signed URLs and cookies and S3 presigned uploads (package api). main
// only wires: configuration from the environment, clients built once, lambda.Start.
package main

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"
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

func env(name string) (string, error) {
	v := os.Getenv(name)
	if v == "" {
		return "", fmt.Errorf("environment variable %s is required", name)
	}
	return v, nil
}

func wire(cfg aws.Config, logger *slog.Logger) (*api.Handler, error) {
	var missing error
	get := func(name string) string {
		v, err := env(name)
		if err != nil && missing == nil {
			missing = err
		}
		return v
	}
	prefix, bucket, dbHost, dbName := get("SIGNET_PARAMETER_PREFIX"), get("SIGNET_BUCKET"), get("SIGNET_DB_HOST"), get("SIGNET_DB_NAME")
	region := get("AWS_REGION")
	if missing != nil {
		return nil, missing
	}
	port, err := strconv.Atoi(os.Getenv("SIGNET_DB_PORT"))
	if err != nil {
		port = 5432
	}
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
