package lambdaboot

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Fail exits the process, so the test re-runs its own binary with this variable set
// and inspects the child's output and exit status.
const failChild = "LAMBDABOOT_TEST_FAIL_CHILD"

func TestFail(t *testing.T) {
	if os.Getenv(failChild) == "1" {
		err := errors.Join(errors.New("environment variable SIGNET_BUCKET is required but not set"),
			errors.New("environment variable SIGNET_DB_HOST is required but empty"))
		Fail(newLogger(os.Stdout), "configuration", err)
		return // not reached; the parent would see exit status 0
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestFail$")
	cmd.Env = append(os.Environ(), failChild+"=1", "AWS_LAMBDA_LOG_LEVEL=")
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Fatalf("want a non-zero exit, got %v; output: %s", err, stdout.String())
	}
	out := strings.TrimSuffix(stdout.String(), "\n")
	if strings.Contains(out, "\n") {
		t.Fatalf("want exactly one line, got: %s", out)
	}
	var line map[string]any
	if err := json.Unmarshal([]byte(out), &line); err != nil {
		t.Fatalf("not one JSON line: %q: %v", out, err)
	}
	msg, _ := line["error"].(string)
	if line["level"] != "ERROR" || line["message"] != "start-up failed: configuration" ||
		!strings.Contains(msg, "SIGNET_BUCKET") || !strings.Contains(msg, "SIGNET_DB_HOST") {
		t.Fatalf("unexpected line: %v", line)
	}
}
