package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCommands(t *testing.T) {
	isolate(t)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "tok" {
			w.WriteHeader(401)
			_, _ = io.WriteString(w, `{"error":{"code":"unauthenticated","message":"sign in first"}}`)
			return
		}
		switch r.URL.Path {
		case "/files":
			_, _ = io.WriteString(w, `{"files":[{"path":"reports/q1.pdf","contentType":"application/pdf","size":42,"updatedAt":"2030-01-01T00:00:00Z"}]}`)
		case "/downloads":
			_, _ = io.WriteString(w, `{"url":"https://d.example/customers/acme/reports/q1.pdf?Expires=1&Signature=s&Key-Pair-Id=K","expiresAt":"2030-01-01T00:05:00Z","resource":"x","keyPairId":"K"}`)
		}
	}))
	defer api.Close()
	t.Setenv("SIGNET_API_URL", api.URL)
	t.Setenv("SIGNET_ID_TOKEN", "tok")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"ls", "reports"}, &out); err != nil || !strings.Contains(out.String(), "42  2030-01-01T00:00:00Z  reports/q1.pdf") {
		t.Fatalf("ls: %q %v", out.String(), err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"url", "reports/q1.pdf", "-ttl", "10m"}, &out); err != nil || !strings.HasPrefix(out.String(), "https://d.example/") {
		t.Fatalf("url: %q %v", out.String(), err)
	}
	t.Setenv("SIGNET_ID_TOKEN", "wrong")
	if err := run(context.Background(), []string{"ls"}, &out); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("bad token: %v", err)
	}
	for _, args := range [][]string{{}, {"upload", "only-one"}, {"frobnicate"}} {
		if err := run(context.Background(), args, &out); err == nil || !strings.Contains(err.Error(), "usage") {
			t.Errorf("%v: %v", args, err)
		}
	}
	t.Setenv("SIGNET_API_URL", "")
	if err := run(context.Background(), []string{"ls"}, &out); err == nil || !strings.Contains(err.Error(), "SIGNET_API_URL") {
		t.Errorf("missing config: %v", err)
	}
}
