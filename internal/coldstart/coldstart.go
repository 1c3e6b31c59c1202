// Package coldstart measures what a Lambda's start costs: the time from exec to the
// bootstrap's first Runtime API call (its init phase, with no network), timed
// against a local fake of the Runtime API, and the size of the bootstrap as
// constructs/gofunction builds it. `make bench` (internal/benchtable) prints both.
package coldstart

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// BuildFlags and BuildEnv are gofunction.BuildFlags and gofunction.BuildEnv, copied
// so that benchtable need not link the CDK; a test keeps them equal.
var (
	BuildFlags = []string{"-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w"}
	BuildEnv   = []string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0"}
)

// EmptyImportPath is the yardstick: a program that only calls lambda.Start.
const EmptyImportPath = "github.com/signet-cdk/signet/internal/coldstart/empty"

// Build compiles the main package at importPath into out with gofunction's flags,
// for Lambda (linux/arm64) or, with host set, for this machine: the same static,
// stripped, CGO-free binary, but one that can run here to be timed.
func Build(importPath, out string, host bool) error {
	env := BuildEnv
	if host {
		env = []string{"GOOS=" + runtime.GOOS, "GOARCH=" + runtime.GOARCH, "CGO_ENABLED=0"}
	}
	args := append(append([]string{"build"}, BuildFlags...), "-o", out, importPath)
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s: %v: %s", importPath, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// Size is a file's size in bytes.
func Size(path string) (int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// Env is the environment the bootstraps start with: what Lambda sets (fake
// credentials included, as Lambda passes the role's in these variables) and what the
// signer requires, all harmless, so that a start needs no network. AWS is never
// called: the handler never runs, and nothing in init may call out.
func Env() []string {
	return []string{
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"TZ=:UTC",
		"AWS_REGION=eu-west-1",
		"AWS_DEFAULT_REGION=eu-west-1",
		"AWS_ACCESS_KEY_ID=AKIDCOLDSTARTFAKE",
		"AWS_SECRET_ACCESS_KEY=coldstart-fake-secret",
		"AWS_SESSION_TOKEN=coldstart-fake-token",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_LAMBDA_FUNCTION_NAME=coldstart",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		"AWS_LAMBDA_LOG_FORMAT=JSON",
		"AWS_LAMBDA_LOG_LEVEL=INFO",
		"SIGNET_PARAMETER_PREFIX=/signet/abc",
		"SIGNET_BUCKET=signet-coldstart-bucket",
		"SIGNET_DB_HOST=db.cluster-coldstart.eu-west-1.rds.amazonaws.com",
		"SIGNET_DB_PORT=5432",
		"SIGNET_DB_NAME=signet",
	}
}
