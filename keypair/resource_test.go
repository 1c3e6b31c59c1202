package keypair_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/cfn"

	"github.com/signet-cdk/signet/internal/ssmfake"
	"github.com/signet-cdk/signet/keypair"
)

// newResource returns the resource wired to a real SDK client that talks to a local
// fake SSM server.
func newResource(t *testing.T) (*ssmfake.Server, *keypair.Resource) {
	fake, client := ssmfake.New(t)
	return fake, &keypair.Resource{SSM: client, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}
}

func event(rt cfn.RequestType, physical string, props map[string]any) cfn.Event {
	return cfn.Event{RequestType: rt, RequestID: "req-1", LogicalResourceID: "Key", PhysicalResourceID: physical, ResourceProperties: props}
}

func keyProps(name, alg string) map[string]any {
	return map[string]any{"ParameterName": name, "KmsKeyId": "arn:aws:kms:eu-west-1:123456789012:key/abc", "Algorithm": alg, "RetainOnDelete": "false"}
}

// publicMatchesStored checks the returned public key belongs to the stored private key.
func publicMatchesStored(t *testing.T, fake *ssmfake.Server, name string, data map[string]any) {
	t.Helper()
	stored, _ := fake.Value(name)
	want, _, err := keypair.PublicPEMFromPrivate([]byte(stored))
	if err != nil {
		t.Fatal(err)
	}
	if data["PublicKeyPem"] != string(want) {
		t.Fatalf("public key does not match the stored private key")
	}
	block, _ := pem.Decode([]byte(data["PublicKeyPem"].(string)))
	if block == nil || block.Type != "PUBLIC KEY" {
		t.Fatalf("not a PKIX PEM: %v", data["PublicKeyPem"])
	}
	if _, err := x509.ParsePKIXPublicKey(block.Bytes); err != nil {
		t.Fatal(err)
	}
	if len(data) != 1 {
		t.Fatalf("data holds more than the public key: %v", data)
	}
}

func TestCreateStoresSecureStringAndReturnsOnlyPublicKey(t *testing.T) {
	for _, alg := range []string{"RSA_2048", "ECDSA_P256"} {
		t.Run(alg, func(t *testing.T) {
			fake, r := newResource(t)
			id, data, err := r.Handle(context.Background(), event(cfn.RequestCreate, "", keyProps("/signet/x/private-keys/k1", alg)))
			if err != nil {
				t.Fatal(err)
			}
			if id != "/signet/x/private-keys/k1" {
				t.Errorf("physical id %q", id)
			}
			p := fake.Params[id]
			if p["Type"] != "SecureString" || p["KeyId"] != "arn:aws:kms:eu-west-1:123456789012:key/abc" || p["Overwrite"] != false {
				t.Errorf("stored as %v/%v overwrite %v", p["Type"], p["KeyId"], p["Overwrite"])
			}
			publicMatchesStored(t, fake, id, data)
			if _, got, _ := keypair.PublicPEMFromPrivate([]byte(p["Value"].(string))); string(got) != alg {
				t.Errorf("algorithm %s, want %s", got, alg)
			}
		})
	}
}

// A Create that CloudFormation or Lambda retries finds the key already stored and
// answers with that key rather than failing or replacing it.
func TestRetriedCreateIsIdempotent(t *testing.T) {
	_, r := newResource(t)
	ev := event(cfn.RequestCreate, "", keyProps("/p/k1", "RSA_2048"))
	_, first, err := r.Handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	_, second, err := r.Handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if first["PublicKeyPem"] != second["PublicKeyPem"] {
		t.Fatal("retried create changed the key")
	}
}

func TestUpdateKeepsKeyAndRefusesAlgorithmChange(t *testing.T) {
	fake, r := newResource(t)
	_, created, err := r.Handle(context.Background(), event(cfn.RequestCreate, "", keyProps("/p/k1", "RSA_2048")))
	if err != nil {
		t.Fatal(err)
	}
	id, updated, err := r.Handle(context.Background(), event(cfn.RequestUpdate, "/p/k1", keyProps("/p/k1", "RSA_2048")))
	if err != nil || id != "/p/k1" || updated["PublicKeyPem"] != created["PublicKeyPem"] {
		t.Fatalf("update: %q %v", id, err)
	}
	_, _, err = r.Handle(context.Background(), event(cfn.RequestUpdate, "/p/k1", keyProps("/p/k1", "ECDSA_P256")))
	if !errors.Is(err, keypair.ErrBadProperties) {
		t.Fatalf("algorithm change: %v", err)
	}
	// A new name is a replacement: a new key under the new name.
	id, replaced, err := r.Handle(context.Background(), event(cfn.RequestUpdate, "/p/k1", keyProps("/p/k2", "ECDSA_P256")))
	if err != nil || id != "/p/k2" || replaced["PublicKeyPem"] == created["PublicKeyPem"] {
		t.Fatalf("replacement: %q %v", id, err)
	}
	publicMatchesStored(t, fake, "/p/k2", replaced)
}

func TestDeleteHonoursRetainAndToleratesMissing(t *testing.T) {
	fake, r := newResource(t)
	ctx := context.Background()
	if _, _, err := r.Handle(ctx, event(cfn.RequestCreate, "", keyProps("/p/k1", "RSA_2048"))); err != nil {
		t.Fatal(err)
	}
	retain := keyProps("/p/k1", "RSA_2048")
	retain["RetainOnDelete"] = "true"
	if _, _, err := r.Handle(ctx, event(cfn.RequestDelete, "/p/k1", retain)); err != nil || fake.Params["/p/k1"] == nil {
		t.Fatalf("retained delete: %v, stored %v", err, fake.Params["/p/k1"] != nil)
	}
	if _, _, err := r.Handle(ctx, event(cfn.RequestDelete, "/p/k1", keyProps("/p/k1", "RSA_2048"))); err != nil || fake.Params["/p/k1"] != nil {
		t.Fatalf("delete: %v", err)
	}
	// Deleting again (a retried delete) succeeds.
	if _, _, err := r.Handle(ctx, event(cfn.RequestDelete, "/p/k1", keyProps("/p/k1", "RSA_2048"))); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	// A create that failed before naming a parameter leaves a request-id physical id.
	before := fake.Calls["DeleteParameter"]
	if _, _, err := r.Handle(ctx, event(cfn.RequestDelete, "req-1", map[string]any{})); err != nil || fake.Calls["DeleteParameter"] != before {
		t.Fatalf("delete of a failed create: %v", err)
	}
}

func TestThrottlingIsRetried(t *testing.T) {
	fake, r := newResource(t)
	fake.FailNext("PutParameter", "ThrottlingException", "InternalServerError")
	if _, _, err := r.Handle(context.Background(), event(cfn.RequestCreate, "", keyProps("/p/k1", "RSA_2048"))); err != nil {
		t.Fatalf("create after two transient failures: %v", err)
	}
	if fake.Calls["PutParameter"] != 3 {
		t.Errorf("PutParameter calls %d, want 3", fake.Calls["PutParameter"])
	}
}

func TestBadPropertiesAndAccessDeniedFail(t *testing.T) {
	fake, r := newResource(t)
	for _, p := range []map[string]any{
		keyProps("relative/name", "RSA_2048"),
		keyProps("/p/k1", "RSA_1024"),
		{"ParameterName": "/p/k1"},
	} {
		if _, _, err := r.Handle(context.Background(), event(cfn.RequestCreate, "", p)); !errors.Is(err, keypair.ErrBadProperties) {
			t.Errorf("%v: %v", p, err)
		}
	}
	fake.FailNext("PutParameter", "AccessDeniedException")
	if _, _, err := r.Handle(context.Background(), event(cfn.RequestCreate, "", keyProps("/p/k1", "RSA_2048"))); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("access denied: %v", err)
	}
}

// Through aws-lambda-go's cfn.LambdaWrap, as deployed: CloudFormation gets SUCCESS
// with only the public key, or FAILED with a reason, and never a private key.
func TestCloudFormationResponses(t *testing.T) {
	var bodies []string
	var mu sync.Mutex
	cfnSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
	}))
	defer cfnSrv.Close()
	fake, r := newResource(t)
	var logs bytes.Buffer
	r.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	wrapped := cfn.LambdaWrap(r.Handle)

	ev := event(cfn.RequestCreate, "", keyProps("/p/k1", "RSA_2048"))
	ev.ResponseURL = cfnSrv.URL
	if _, err := wrapped(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	fake.FailNext("PutParameter", "InternalServerError", "InternalServerError", "InternalServerError")
	ev2 := event(cfn.RequestCreate, "", keyProps("/p/k2", "RSA_2048"))
	ev2.ResponseURL = cfnSrv.URL
	if _, err := wrapped(context.Background(), ev2); err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 2 {
		t.Fatalf("responses: %d", len(bodies))
	}
	var ok, failed cfn.Response
	_ = json.Unmarshal([]byte(bodies[0]), &ok)
	_ = json.Unmarshal([]byte(bodies[1]), &failed)
	if ok.Status != cfn.StatusSuccess || ok.PhysicalResourceID != "/p/k1" || !strings.Contains(ok.Data["PublicKeyPem"].(string), "BEGIN PUBLIC KEY") {
		t.Errorf("success response: %s", bodies[0])
	}
	if failed.Status != cfn.StatusFailed || failed.Reason == "" {
		t.Errorf("failure response: %s", bodies[1])
	}
	for _, b := range bodies {
		if strings.Contains(b, "PRIVATE KEY") {
			t.Error("private key in a CloudFormation response")
		}
	}
	if logs.Len() == 0 || strings.Contains(logs.String(), "PRIVATE KEY") || strings.Contains(logs.String(), "BEGIN") {
		t.Errorf("logs hold key material or nothing: %s", logs.String())
	}
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("log line is not JSON: %s", line)
		}
	}
}
