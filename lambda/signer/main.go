// Command signer is the API's Lambda: it checks RBAC in the metadata store and hands
// out CloudFront signed URLs and cookies and S3 presigned uploads (package api). main
// only wires: configuration from the environment, clients built once, the metrics
// (CloudWatch embedded metric format lines on stdout, namespace "Signet", package
// emf), lambda.Start.
package main

import (
	"fmt"
	"io"
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
	"github.com/signet-cdk/signet/emf"
	"github.com/signet-cdk/signet/internal/dbboot"
	"github.com/signet-cdk/signet/internal/lambdaboot"
	"github.com/signet-cdk/signet/keysource"
	"github.com/signet-cdk/signet/presign"
	"github.com/signet-cdk/signet/signing"
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
	env, err := lambdaboot.Require("SIGNET_PARAMETER_PREFIX", "SIGNET_BUCKET")
	if err != nil {
		return nil, err
	}
	st, err := dbboot.Open(cfg, "signet_app")
	if err != nil {
		return nil, err
	}
	metrics := newMetrics(os.Stdout)
	keys, err := keysource.New(ssm.NewFromConfig(cfg), keysource.Config{Prefix: env["SIGNET_PARAMETER_PREFIX"], Logger: logger,
		SignerOptions: []signing.Option{signing.WithCache(4096)}, OnLoad: api.ReportKeyAge(metrics, time.Now)})
	if err != nil {
		return nil, err
	}
	uploads, err := presign.New(s3.NewFromConfig(cfg), presign.Config{Bucket: env["SIGNET_BUCKET"], KMSKeyID: os.Getenv("SIGNET_KMS_KEY_ARN"), MaxLifetime: time.Hour})
	if err != nil {
		return nil, err
	}
	c, err := config()
	if err != nil {
		return nil, err
	}
	return &api.Handler{Store: st, Keys: keys, Uploads: uploads, Logger: logger, Config: c, Metrics: metrics}, nil
}

// newMetrics writes the signer's metrics to w (stdout in Lambda, where CloudWatch Logs
// extracts them).
func newMetrics(w io.Writer) *emf.Writer {
	return &emf.Writer{W: w, Namespace: api.MetricNamespace}
}

// config is the handler's configuration from the environment. A malformed value
// fails the cold start rather than fall back to a default nobody chose.
func config() (api.Config, error) {
	c := api.Config{CookieDomain: os.Getenv("SIGNET_COOKIE_DOMAIN"), BehindEdge: os.Getenv("SIGNET_BEHIND_EDGE") == "true",
		AllowedOrigins: origins(os.Getenv("SIGNET_CORS_ORIGINS"))}
	if v := os.Getenv("SIGNET_MAX_UPLOAD_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 || n > presign.MaxObjectSize || strconv.FormatInt(n, 10) != v {
			return c, fmt.Errorf("SIGNET_MAX_UPLOAD_BYTES=%q: want a whole number of bytes from 1 to %d (5 TiB)", v, int64(presign.MaxObjectSize))
		}
		c.MaxUploadBytes = n
	}
	var err error
	if c.AllowS3Downloads, err = flag("SIGNET_ALLOW_S3_DOWNLOADS"); err != nil {
		return c, err
	}
	if c.MalwareScanning, err = flag("SIGNET_MALWARE_SCANNING"); err != nil {
		return c, err
	}
	return c, nil
}

// flag reads a boolean variable: unset, "false" or "true", nothing else.
func flag(name string) (bool, error) {
	switch v := os.Getenv(name); v {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	default:
		return false, fmt.Errorf("%s=%q: want true or false", name, v)
	}
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
