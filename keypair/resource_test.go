package keypair_test

import (
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
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/signet-cdk/signet/keypair"
)

// fakeSSM speaks enough of the SSM JSON protocol (awsJson1_1) for the resource:
// PutParameter, GetParameter, DeleteParameter, with injectable failures.
type fakeSSM struct {
	mu     sync.Mutex
	params map[string]map[string]any
	// fail maps an operation to the error codes to answer with, one per call, before
	// answering normally.
	fail  map[string][]string
	calls map[string]int
}

func newFakeSSM() *fakeSSM {
	return &fakeSSM{params: map[string]map[string]any{}, fail: map[string][]string{}, calls: map[string]int{}}
}

func (f *fakeSSM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AmazonSSM.")
	f.calls[op]++
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		writeErr(w, 400, "MissingAuthenticationToken")
		return
	}
	if q := f.fail[op]; len(q) > 0 {
		f.fail[op] = q[1:]
		status := 400
		if q[0] == "InternalServerError" {
			status = 500
		}
		writeErr(w, status, q[0])
		return
	}
	var in map[string]any
	body, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(body, &in)
	name, _ := in["Name"].(string)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	switch op {
	case "PutParameter":
		if _, ok := f.params[name]; ok && in["Overwrite"] != true {
			writeErr(w, 400, "ParameterAlreadyExists")
			return
		}
		f.params[name] = in
		_, _ = w.Write([]byte(`{"Version":1,"Tier":"Standard"}`))
	case "GetParameter":
		p, ok := f.params[name]
		if !ok {
			writeErr(w, 400, "ParameterNotFound")
			return
		}
		out, _ := json.Marshal(map[string]any{"Parameter": map[string]any{"Name": name, "Type": p["Type"], "Value": p["Value"], "Version": 1}})
		_, _ = w.Write(out)
	case "DeleteParameter":
		if _, ok := f.params[name]; !ok {
			writeErr(w, 400, "ParameterNotFound")
			return
		}
		delete(f.params, name)
		_, _ = w.Write([]byte(`{}`))
	default:
		writeErr(w, 400, "InvalidAction")
	}
}

func writeErr(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"__type":"` + code + `","message":"fake ` + code + `"}`))
}

// newResource returns the resource wired to a real SDK client that talks to fake.
func newResource(t *testing.T, fake *fakeSSM) *keypair.Resource {
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	client := ssm.New(ssm.Options{
		Region:       "eu-west-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 3
			o.MaxBackoff = 5 * time.Millisecond
		}),
	})
	return &keypair.Resource{SSM: client, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}
}

func event(rt cfn.RequestType, physical string, props map[string]any) cfn.Event {
	return cfn.Event{RequestType: rt, RequestID: "req-1", LogicalResourceID: "Key", PhysicalResourceID: physical, ResourceProperties: props}
}

func keyProps(name, alg string) map[string]any {
	return map[string]any{"ParameterName": name, "KmsKeyId": "arn:aws:kms:eu-west-1:123456789012:key/abc", "Algorithm": alg, "RetainOnDelete": "false"}
}

// publicMatchesStored checks the returned public key belongs to the stored private key.
func publicMatchesStored(t *testing.T, fake *fakeSSM, name string, data map[string]any) {
	t.Helper()
	stored := fake.params[name]["Value"].(string)
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
			fake := newFakeSSM()
			r := newResource(t, fake)
			id, data, err := r.Handle(context.Background(), event(cfn.RequestCreate, "", keyProps("/signet/x/private-keys/k1", alg)))
			if err != nil {
				t.Fatal(err)
			}
			if id != "/signet/x/private-keys/k1" {
				t.Errorf("physical id %q", id)
			}
			p := fake.params[id]
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
	fake := newFakeSSM()
	r := newResource(t, fake)
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
	fake := newFakeSSM()
	r := newResource(t, fake)
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
	fake := newFakeSSM()
	r := newResource(t, fake)
	ctx := context.Background()
	if _, _, err := r.Handle(ctx, event(cfn.RequestCreate, "", keyProps("/p/k1", "RSA_2048"))); err != nil {
		t.Fatal(err)
	}
	retain := keyProps("/p/k1", "RSA_2048")
	retain["RetainOnDelete"] = "true"
	if _, _, err := r.Handle(ctx, event(cfn.RequestDelete, "/p/k1", retain)); err != nil || fake.params["/p/k1"] == nil {
		t.Fatalf("retained delete: %v, stored %v", err, fake.params["/p/k1"] != nil)
	}
	if _, _, err := r.Handle(ctx, event(cfn.RequestDelete, "/p/k1", keyProps("/p/k1", "RSA_2048"))); err != nil || fake.params["/p/k1"] != nil {
		t.Fatalf("delete: %v", err)
	}
	// Deleting again (a retried delete) succeeds.
	if _, _, err := r.Handle(ctx, event(cfn.RequestDelete, "/p/k1", keyProps("/p/k1", "RSA_2048"))); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	// A create that failed before naming a parameter leaves a request-id physical id.
	before := fake.calls["DeleteParameter"]
	if _, _, err := r.Handle(ctx, event(cfn.RequestDelete, "req-1", map[string]any{})); err != nil || fake.calls["DeleteParameter"] != before {
		t.Fatalf("delete of a failed create: %v", err)
	}
}

func TestThrottlingIsRetried(t *testing.T) {
	fake := newFakeSSM()
	fake.fail["PutParameter"] = []string{"ThrottlingException", "InternalServerError"}
	r := newResource(t, fake)
	if _, _, err := r.Handle(context.Background(), event(cfn.RequestCreate, "", keyProps("/p/k1", "RSA_2048"))); err != nil {
		t.Fatalf("create after two transient failures: %v", err)
	}
	if fake.calls["PutParameter"] != 3 {
		t.Errorf("PutParameter calls %d, want 3", fake.calls["PutParameter"])
	}
}

func TestBadPropertiesAndAccessDeniedFail(t *testing.T) {
	fake := newFakeSSM()
	r := newResource(t, fake)
	for _, p := range []map[string]any{
		keyProps("relative/name", "RSA_2048"),
		keyProps("/p/k1", "RSA_1024"),
		{"ParameterName": "/p/k1"},
	} {
		if _, _, err := r.Handle(context.Background(), event(cfn.RequestCreate, "", p)); !errors.Is(err, keypair.ErrBadProperties) {
			t.Errorf("%v: %v", p, err)
		}
	}
	fake.fail["PutParameter"] = []string{"AccessDeniedException"}
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
	fake := newFakeSSM()
	r := newResource(t, fake)
	wrapped := cfn.LambdaWrap(r.Handle)

	ev := event(cfn.RequestCreate, "", keyProps("/p/k1", "RSA_2048"))
	ev.ResponseURL = cfnSrv.URL
	if _, err := wrapped(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	fake.fail["PutParameter"] = []string{"InternalServerError", "InternalServerError", "InternalServerError"}
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
}
