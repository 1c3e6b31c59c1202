package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// docs/cli is the CLI reference, generated: it must be what `signet docs` writes now.
// After changing a command: go run ./cmd/signet docs docs/cli
func TestDocsUpToDate(t *testing.T) {
	isolate(t)
	fresh := t.TempDir()
	signet(t, "docs", fresh).ok(t)
	committed := filepath.Join("..", "..", "docs", "cli")
	names := func(dir string) []string {
		var out []string
		for _, p := range entries(dir) {
			out = append(out, filepath.Base(p))
		}
		slices.Sort(out)
		return out
	}
	want, got := names(fresh), names(committed)
	if !slices.Equal(want, got) {
		t.Fatalf("docs/cli is out of date (run `go run ./cmd/signet docs docs/cli`): it has %v, the commands make %v", got, want)
	}
	for _, name := range want {
		a, _ := os.ReadFile(filepath.Join(fresh, name))
		b, _ := os.ReadFile(filepath.Join(committed, name))
		if !bytes.Equal(a, b) {
			t.Errorf("docs/cli/%s is out of date: run `go run ./cmd/signet docs docs/cli`", name)
		}
	}
	if !slices.Contains(want, "signet_admin_users_invite.md") || !slices.Contains(want, "signet_exit-codes.md") || slices.Contains(want, "signet_docs.md") {
		t.Errorf("pages %v", want)
	}
}
