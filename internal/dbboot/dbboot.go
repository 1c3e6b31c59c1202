// Package dbboot opens the metadata store the way every Signet Lambda that talks to
// the database does: the endpoint from SIGNET_DB_HOST, SIGNET_DB_PORT and
// SIGNET_DB_NAME (all required), TLS verify-full with the embedded RDS CAs, and a
// fresh IAM auth token per connection with the function's credentials. It is apart
// from lambdaboot so that Lambdas without a database do not link the driver.
package dbboot

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/signet-cdk/signet/internal/lambdaboot"
	"github.com/signet-cdk/signet/store"
	"github.com/signet-cdk/signet/store/rdsca"
)

// Open prepares the store as the database role user; it does not connect.
func Open(cfg aws.Config, user string) (*store.Store, error) {
	env, err := lambdaboot.Require("SIGNET_DB_HOST", "SIGNET_DB_PORT", "SIGNET_DB_NAME", "AWS_REGION")
	if err != nil {
		return nil, err
	}
	port, err := lambdaboot.Port(env["SIGNET_DB_PORT"])
	if err != nil {
		return nil, fmt.Errorf("environment variable SIGNET_DB_PORT %q: %w", env["SIGNET_DB_PORT"], err)
	}
	tlsCfg, err := rdsca.TLSConfig(env["SIGNET_DB_HOST"])
	if err != nil {
		return nil, err
	}
	return store.Open(store.Config{Host: env["SIGNET_DB_HOST"], Port: port, Database: env["SIGNET_DB_NAME"], User: user, TLS: tlsCfg,
		IAM: &store.IAMAuth{Region: env["AWS_REGION"], Credentials: cfg.Credentials}})
}
