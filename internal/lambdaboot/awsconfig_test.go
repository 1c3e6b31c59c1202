package lambdaboot

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/logging"
)

// lambdaEnv clears every AWS_ variable and sets what Lambda sets, with fake
// credentials; shared config files point at nothing, so no test reads a developer's.
func lambdaEnv(t *testing.T, vars map[string]string) {
	t.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "AWS_") {
			setenv(t, name, unset)
		}
	}
	none := filepath.Join(t.TempDir(), "none")
	for name, v := range map[string]string{
		"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1",
		"AWS_ACCESS_KEY_ID": "AKIDLAMBDABOOTTEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token",
		"AWS_CONFIG_FILE": none, "AWS_SHARED_CREDENTIALS_FILE": none, "AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(name, v)
	}
	for name, v := range vars {
		setenv(t, name, v)
	}
}

// In Lambda's environment AWSConfig is what config.LoadDefaultConfig resolves: the
// same credentials (sources included) behind a cache, and every other field equal.
func TestAWSConfigMatchesLoadDefaultConfig(t *testing.T) {
	for name, vars := range map[string]map[string]string{
		"lambda":                  nil,
		"no session token":        {"AWS_SESSION_TOKEN": unset},
		"account id":              {"AWS_ACCOUNT_ID": "123456789012"},
		"only AWS_DEFAULT_REGION": {"AWS_REGION": unset, "AWS_DEFAULT_REGION": "us-east-1"},
	} {
		t.Run(name, func(t *testing.T) {
			lambdaEnv(t, vars)
			ctx := context.Background()
			want, err := config.LoadDefaultConfig(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got, err := AWSConfig()
			if err != nil {
				t.Fatal(err)
			}
			sameCredentials(t, got.Credentials, want.Credentials)
			for _, c := range []*aws.Config{&got, &want} {
				if _, ok := c.Logger.(*logging.StandardLogger); !ok {
					t.Errorf("SDK logger %T, want a *logging.StandardLogger", c.Logger)
				}
				// Credentials are compared above. ConfigSources hold the environment
				// and shared files LoadDefaultConfig read, where clients look up
				// settings (FIPS, dual-stack, endpoint URLs) that Lambda never sets.
				c.Credentials, c.Logger, c.ConfigSources = nil, nil, nil
			}
			if !same(reflect.ValueOf(got), reflect.ValueOf(want)) {
				t.Fatalf("AWSConfig\n%+v\nLoadDefaultConfig\n%+v", got, want)
			}
		})
	}
}

// same is reflect.DeepEqual, except that a nil and an empty slice are the same (as
// they are to the clients, which only range over or append to them).
func same(a, b reflect.Value) bool {
	switch {
	case a.Kind() == reflect.Slice && a.Len() == 0 && b.Len() == 0:
		return true
	case a.Kind() == reflect.Struct:
		for i := range a.NumField() {
			if !same(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

func sameCredentials(t *testing.T, got, want aws.CredentialsProvider) {
	t.Helper()
	if _, ok := got.(*aws.CredentialsCache); !ok {
		t.Errorf("credentials %T, want an *aws.CredentialsCache", got)
	}
	ctx := context.Background()
	g, gErr := got.Retrieve(ctx)
	w, wErr := want.Retrieve(ctx)
	if gErr != nil || wErr != nil || !reflect.DeepEqual(g, w) {
		t.Errorf("credentials %+v %v, want %+v %v", g, gErr, w, wErr)
	}
	sources := func(p aws.CredentialsProvider) []aws.CredentialSource {
		return p.(aws.CredentialProviderSource).ProviderSources()
	}
	if !reflect.DeepEqual(sources(got), sources(want)) {
		t.Errorf("credential sources %v, want %v", sources(got), sources(want))
	}
}

// Without the role's credentials the cold start fails, naming both variables,
// instead of every AWS call failing later.
func TestAWSConfigNeedsCredentials(t *testing.T) {
	lambdaEnv(t, map[string]string{"AWS_ACCESS_KEY_ID": unset, "AWS_SECRET_ACCESS_KEY": ""})
	_, err := AWSConfig()
	if err == nil || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID") || !strings.Contains(err.Error(), "AWS_SECRET_ACCESS_KEY") {
		t.Fatalf("got %v", err)
	}
}
