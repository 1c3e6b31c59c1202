// Command admin is the admin API's Lambda (routes under /admin, package api's
// AdminHandler): customers, access rules, users and the audit trail, as the database
// role signet_admin_app. Cognito is reached through the directory Lambda
// (SIGNET_DIRECTORY_FUNCTION; see package directory for why), or directly with
// SIGNET_USER_POOL_ID where the function has a route to Cognito. main only wires.
package main

import (
	"errors"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/signet-cdk/signet/api"
	"github.com/signet-cdk/signet/directory"
	"github.com/signet-cdk/signet/emf"
	"github.com/signet-cdk/signet/internal/dbboot"
	"github.com/signet-cdk/signet/internal/lambdaboot"
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
	st, err := dbboot.Open(cfg, AdminUser)
	if err != nil {
		return nil, err
	}
	var dir api.Directory
	switch fn, pool := os.Getenv("SIGNET_DIRECTORY_FUNCTION"), os.Getenv("SIGNET_USER_POOL_ID"); {
	case fn != "":
		dir = &directory.Remote{Lambda: awslambda.NewFromConfig(cfg), FunctionName: fn}
	case pool != "":
		dir = &directory.Directory{Client: cip.NewFromConfig(cfg), UserPoolID: pool}
	default:
		return nil, errors.New("environment variable SIGNET_DIRECTORY_FUNCTION (or SIGNET_USER_POOL_ID) is required")
	}
	return &api.AdminHandler{Store: st, Directory: dir, Logger: logger,
		Metrics: &emf.Writer{W: os.Stdout, Namespace: api.MetricNamespace}}, nil
}
