package keysource_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/signet-cdk/signet/internal/ssmfake"
	"github.com/signet-cdk/signet/keysource"
)

// withDates serves fake with each parameter's LastModifiedDate (from dates) added to
// GetParametersByPath answers, as SSM sends it (awsJson1_1: epoch seconds with a
// fraction), and returns a real SDK client for it. ssmfake itself sends no dates.
func withDates(t *testing.T, fake *ssmfake.Server, dates map[string]time.Time) *ssm.Client {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		fake.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if rec.Code == http.StatusOK && r.Header.Get("X-Amz-Target") == "AmazonSSM.GetParametersByPath" {
			var out map[string]any
			if err := json.Unmarshal(body, &out); err != nil {
				t.Error(err)
			}
			params, _ := out["Parameters"].([]any)
			for _, p := range params {
				p := p.(map[string]any)
				if d, ok := dates[p["Name"].(string)]; ok {
					p["LastModifiedDate"] = float64(d.UnixMilli()) / 1000
				}
			}
			body, _ = json.Marshal(out)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return ssm.New(ssm.Options{Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		Retryer:     retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = 1 })})
}

// The active private key's LastModifiedDate becomes KeyModifiedAt (not another
// parameter's), follows a rotation, and OnLoad sees each load from SSM: the first,
// each reload after TTL, never a Get served from memory or stale material.
func TestKeyModifiedAtAndOnLoad(t *testing.T) {
	fake, _ := ssmfake.New(t)
	layout(fake, "k1", "K1AAAAAAAAAAAA", map[string]string{"k1": rsaPEM(t), "k2": ecPEM(t)})
	k1At := time.Date(2029, 11, 2, 8, 30, 15, 250_000_000, time.UTC)
	k2At := time.Date(2030, 3, 1, 0, 0, 0, 0, time.UTC)
	dates := map[string]time.Time{
		prefix + "/private-keys/k1": k1At, prefix + "/private-keys/k2": k2At,
		prefix + "/active-key-parameter": k2At.Add(time.Hour), prefix + "/active-key-id": k2At.Add(time.Hour),
	}
	now := time.Date(2030, 3, 17, 12, 0, 0, 0, time.UTC)
	var loaded []keysource.Material
	src, err := keysource.New(withDates(t, fake, dates), keysource.Config{Prefix: prefix, TTL: time.Minute, MaxStale: time.Hour,
		Now: func() time.Time { return now }, Logger: slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil)),
		OnLoad: func(m *keysource.Material) { loaded = append(loaded, *m) }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	m, err := src.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !m.KeyModifiedAt.Equal(k1At) || len(loaded) != 1 || !loaded[0].KeyModifiedAt.Equal(k1At) || loaded[0].KeyName != "k1" {
		t.Fatalf("first load: %v, OnLoad %d times", m.KeyModifiedAt, len(loaded))
	}
	if age := m.KeyAge(now); age != now.Sub(k1At) {
		t.Errorf("age %s", age)
	}
	if _, err := src.Get(ctx); err != nil || len(loaded) != 1 {
		t.Fatalf("a Get within the TTL called OnLoad: %d %v", len(loaded), err)
	}
	// Rotation to k2: after the TTL the next Get reloads and reports k2's date.
	layout(fake, "k2", "K2BBBBBBBBBBBB", nil)
	now = now.Add(2 * time.Minute)
	if m, err = src.Get(ctx); err != nil || m.KeyName != "k2" || !m.KeyModifiedAt.Equal(k2At) {
		t.Fatalf("after rotation: %+v %v", m, err)
	}
	if len(loaded) != 2 || !loaded[1].KeyModifiedAt.Equal(k2At) || !loaded[1].LoadedAt.Equal(now) {
		t.Fatalf("OnLoad after rotation: %+v", loaded)
	}
	// A failed reload serves the old material without calling OnLoad.
	fake.FailNext("GetParametersByPath", "AccessDeniedException")
	now = now.Add(2 * time.Minute)
	if m, err := src.Get(ctx); err != nil || m.KeyName != "k2" || len(loaded) != 2 {
		t.Fatalf("stale: %v, OnLoad %d times", err, len(loaded))
	}
}

// Without a LastModifiedDate (ssmfake sends none) the age is unknown: zero.
func TestKeyModifiedAtUnknown(t *testing.T) {
	fake, client := ssmfake.New(t)
	layout(fake, "k1", "K1AAAAAAAAAAAA", map[string]string{"k1": rsaPEM(t)})
	src, _ := keysource.New(client, keysource.Config{Prefix: prefix, Logger: slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil))})
	m, err := src.Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !m.KeyModifiedAt.IsZero() || m.KeyAge(time.Now()) != 0 {
		t.Fatalf("%v %v", m.KeyModifiedAt, m.KeyAge(time.Now()))
	}
}

func TestKeyAgeIsNeverNegative(t *testing.T) {
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	m := &keysource.Material{KeyModifiedAt: at}
	if m.KeyAge(at.Add(-time.Minute)) != 0 || m.KeyAge(at.Add(36*time.Hour)) != 36*time.Hour {
		t.Fatal(m.KeyAge(at.Add(-time.Minute)), m.KeyAge(at.Add(36*time.Hour)))
	}
}
