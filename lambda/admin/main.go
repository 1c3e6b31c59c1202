// Command admin is the admin API's Lambda (routes under /admin, package api's
// AdminHandler): customers, access rules, users and the audit trail, as the database
// role signet_admin_app and with Cognito admin rights on Signet's user pool only. main
// only wires: configuration from the environment, clients built once, lambda.Start.
package main

import (
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/signet-cdk/signet/api"
	"github.com/signet-cdk/signet/directory"
	"github.com/signet-cdk/signet/internal/lambdaboot"
	"github.com/signet-cdk/signet/store"
	"github.com/signet-cdk/signet/store/rdsca"
)

// AdminUser is the database role the admin API connects as.
const AdminUser = "signet_admin_app"

func main() {
	cfg, logger := lambdaboot.Init()
	h, err := wire(cfg, logger)
	if err != nil {
		lambdaboot.Fail(logger, "configuration", err)
	}
	lambda.Start(h.Handle)
}

func wire(cfg aws.Config, logger *slog.Logger) (*api.AdminHandler, error) {
	env, err := lambdaboot.Require("SIGNET_USER_POOL_ID", "SIGNET_DB_HOST", "SIGNET_DB_PORT", "SIGNET_DB_NAME", "AWS_REGION")
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
	st, err := store.Open(store.Config{Host: env["SIGNET_DB_HOST"], Port: port, Database: env["SIGNET_DB_NAME"], User: AdminUser, TLS: tlsCfg,
		IAM: &store.IAMAuth{Region: env["AWS_REGION"], Credentials: cfg.Credentials}})
	if err != nil {
		return nil, err
	}
	dir := &directory.Directory{Client: cip.NewFromConfig(cfg), UserPoolID: env["SIGNET_USER_POOL_ID"]}
	return &api.AdminHandler{Store: st, Directory: dir, Logger: logger}, nil
}
