// Package localdir names the folder where the local stack (`make demo`) writes what
// the CLI needs to reach it, outputs.json and ca.pem, so that `signet configure
// --local` and the stack agree without either importing the other.
package localdir

import (
	"os"
	"path/filepath"
)

// Default is $SIGNET_LOCAL_DIR, else <temp>/signet-local.
func Default() string {
	if d := os.Getenv("SIGNET_LOCAL_DIR"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "signet-local")
}

// The files in it.
const (
	OutputsFile = "outputs.json"
	CAFile      = "ca.pem"
	// StackName is the stack name in OutputsFile, as `cdk deploy --outputs-file`
	// writes one per stack.
	StackName = "SignetLocal"
)
