package dbboot

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Every missing variable is named at once; a malformed port is refused, not defaulted.
func TestOpenNeedsTheEndpoint(t *testing.T) {
	for _, k := range []string{"SIGNET_DB_HOST", "SIGNET_DB_PORT", "SIGNET_DB_NAME", "AWS_REGION"} {
		t.Setenv(k, "")
	}
	_, err := Open(aws.Config{}, "signet_app")
	for _, k := range []string{"SIGNET_DB_HOST", "SIGNET_DB_PORT", "SIGNET_DB_NAME", "AWS_REGION"} {
		if err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("error does not name %s: %v", k, err)
		}
	}
	t.Setenv("SIGNET_DB_HOST", "db.example.com")
	t.Setenv("SIGNET_DB_PORT", "54x2")
	t.Setenv("SIGNET_DB_NAME", "signet")
	t.Setenv("AWS_REGION", "eu-west-1")
	if _, err := Open(aws.Config{}, "signet_app"); err == nil || !strings.Contains(err.Error(), `"54x2"`) {
		t.Errorf("bad port: %v", err)
	}
	t.Setenv("SIGNET_DB_PORT", "5432")
	s, err := Open(aws.Config{}, "signet_app")
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}
