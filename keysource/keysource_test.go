package keysource_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/signet-cdk/signet/internal/ssmfake"
	"github.com/signet-cdk/signet/keysource"
)

const prefix = "/signet/0a1b2c3d4e"

func rsaPEM(t *testing.T) string {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func ecPEM(t *testing.T) string {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// layout stores what the signingkeys construct and the keygen Lambda create.
func layout(f *ssmfake.Server, active, keyID string, keys map[string]string) {
	f.Put(prefix+"/distribution-domain", "String", "d111111abcdef8.cloudfront.net")
	f.Put(prefix+"/active-key-id", "String", keyID)
	f.Put(prefix+"/active-key-parameter", "String", prefix+"/private-keys/"+active)
	for name, k := range keys {
		f.Put(prefix+"/private-keys/"+name, "SecureString", k)
	}
}

func TestLoadsOnceAndRotatesAfterTTL(t *testing.T) {
	fake, client := ssmfake.New(t)
	layout(fake, "k1", "K1AAAAAAAAAAAA", map[string]string{"k1": rsaPEM(t), "k2": ecPEM(t)})
	// Enough extra parameters to need a second page.
	for i := 0; i < 12; i++ {
		fake.Put(fmt.Sprintf("%s/extra/%02d", prefix, i), "String", "x")
	}
	now := time.Unix(1_900_000_000, 0)
	var logs bytes.Buffer
	src, err := keysource.New(client, keysource.Config{Prefix: prefix, TTL: time.Minute, Now: func() time.Time { return now },
		Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	m, err := src.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m.Domain != "d111111abcdef8.cloudfront.net" || m.Signer.KeyPairID() != "K1AAAAAAAAAAAA" || m.KeyName != "k1" {
		t.Fatalf("%+v", m)
	}
	calls := fake.CallCount("GetParametersByPath")
	if calls != 2 {
		t.Errorf("first load made %d calls, want 2 pages", calls)
	}
	if _, err := src.Get(ctx); err != nil || fake.CallCount("GetParametersByPath") != calls {
		t.Error("reloaded within the TTL")
	}
	// Rotation: the construct points the parameters at k2; the signer follows after TTL.
	layout(fake, "k2", "K2BBBBBBBBBBBB", nil)
	now = now.Add(2 * time.Minute)
	m, err = src.Get(ctx)
	if err != nil || m.Signer.KeyPairID() != "K2BBBBBBBBBBBB" || m.KeyName != "k2" || m.Signer.Algorithm() != "ECDSA-SHA256" {
		t.Fatalf("after rotation: %+v %v", m, err)
	}
	if strings.Contains(logs.String(), "PRIVATE KEY") {
		t.Error("key material in logs")
	}
}

func TestServesStaleThenFailsWhenSSMIsDown(t *testing.T) {
	fake, client := ssmfake.New(t)
	layout(fake, "k1", "K1AAAAAAAAAAAA", map[string]string{"k1": rsaPEM(t)})
	now := time.Unix(1_900_000_000, 0)
	src, _ := keysource.New(client, keysource.Config{Prefix: prefix, TTL: time.Minute, MaxStale: 10 * time.Minute,
		Now: func() time.Time { return now }, Logger: slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil))})
	ctx := context.Background()
	if _, err := src.Get(ctx); err != nil {
		t.Fatal(err)
	}
	fake.FailNext("GetParametersByPath", "InternalServerError", "InternalServerError", "InternalServerError")
	now = now.Add(2 * time.Minute)
	if m, err := src.Get(ctx); err != nil || m.KeyName != "k1" {
		t.Fatalf("stale material not served: %v", err)
	}
	fake.FailNext("GetParametersByPath", "AccessDeniedException")
	now = now.Add(20 * time.Minute)
	if _, err := src.Get(ctx); !errors.Is(err, keysource.ErrUnavailable) {
		t.Fatalf("past MaxStale: %v", err)
	}
}

func TestMissingOrForeignParametersAreErrors(t *testing.T) {
	for name, setup := range map[string]func(f *ssmfake.Server){
		"nothing":        func(f *ssmfake.Server) {},
		"no private key": func(f *ssmfake.Server) { layout(f, "k1", "K1AAAAAAAAAAAA", nil) },
		"garbage key":    func(f *ssmfake.Server) { layout(f, "k1", "K1AAAAAAAAAAAA", map[string]string{"k1": "not a key"}) },
		"key outside prefix": func(f *ssmfake.Server) {
			layout(f, "k1", "K1AAAAAAAAAAAA", map[string]string{"k1": "x"})
			f.Put(prefix+"/active-key-parameter", "String", "/elsewhere/k1")
		},
	} {
		t.Run(name, func(t *testing.T) {
			fake, client := ssmfake.New(t)
			setup(fake)
			src, _ := keysource.New(client, keysource.Config{Prefix: prefix})
			_, err := src.Get(context.Background())
			if !errors.Is(err, keysource.ErrUnavailable) || strings.Contains(fmt.Sprint(err), "not a key") {
				t.Fatalf("%v", err)
			}
		})
	}
	if _, err := keysource.New(nil, keysource.Config{Prefix: "signet/"}); err == nil {
		t.Error("bad prefix accepted")
	}
}
