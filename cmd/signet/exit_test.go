package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The API's refusals and the network's failures give the exit codes of `signet help
// exit-codes`, with one line on stderr.
func TestExitCodes(t *testing.T) {
	isolate(t)
	w := newFileWorld(t)
	for _, tc := range []struct {
		status int
		code   int
		line   string
	}{
		{401, ExitAuth, "signet: Unauthorized (401 stand_in); run `signet login`"},
		{403, ExitNotFound, "signet: Forbidden (403 stand_in)"},
		{404, ExitNotFound, "signet: Not Found (404 stand_in)"},
		{400, ExitError, "signet: Bad Request (400 stand_in)"},
		{500, ExitError, "signet: Internal Server Error (500 stand_in)"},
		{429, ExitUnavailable, "signet: Too Many Requests (429 stand_in)"},
		{502, ExitUnavailable, "signet: Bad Gateway (502 stand_in)"},
		{503, ExitUnavailable, "signet: Service Unavailable (503 stand_in)"},
		{504, ExitUnavailable, "signet: Gateway Timeout (504 stand_in)"},
	} {
		w.status = tc.status
		for _, args := range [][]string{{"ls"}, {"share", "a.txt"}, {"rm", "a.txt"}, {"download", "a.txt", filepath.Join(t.TempDir(), "a")}} {
			r := signet(t, args...)
			r.failed(t, tc.code, tc.line)
			if r.stderr != tc.line+"\n" {
				t.Errorf("%d %v: %q", tc.status, args, r.stderr)
			}
		}
	}
	w.status = 0

	// A sign-in that cannot be renewed: exit 3.
	t.Setenv("SIGNET_ID_TOKEN", "")
	signet(t, "ls").failed(t, ExitAuth, "signet: not signed in; run `signet login`")
	signet(t, "--profile", "prod", "ls").failed(t, ExitAuth, "signet: not signed in (profile prod); run `signet login --profile prod`")
	t.Setenv("SIGNET_ID_TOKEN", "tok")

	// Nothing listening: exit 5.
	w.Close()
	signet(t, "ls").failed(t, ExitUnavailable, "signet:")
	t.Setenv("SIGNET_API_URL", "https://127.0.0.1:1/api")
	signet(t, "share", "a.txt").failed(t, ExitUnavailable, "connection refused")
}

// A download whose bytes do not match the stored checksum exits 6 and leaves no file,
// partial or whole; so does an upload the storage finds does not match its checksum.
func TestChecksumMismatch(t *testing.T) {
	isolate(t)
	w := newFileWorld(t)
	w.set("reports/q1.pdf", []byte("the real bytes"))
	w.wrongSum = true
	dir := t.TempDir()
	target := filepath.Join(dir, "q1.pdf")
	signet(t, "download", "reports/q1.pdf", target).failed(t, ExitChecksum, "SHA-256")
	if left := entries(dir); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
	// To stdout the bytes are streamed as they come, and the exit code still says it.
	r := signet(t, "download", "reports/q1.pdf", "-")
	if r.code != ExitChecksum || r.stdout != "the real bytes" || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("to stdout: %+v", r)
	}
	// An upload the storage refuses as not matching its checksum.
	src := filepath.Join(t.TempDir(), "a.txt")
	_ = os.WriteFile(src, []byte("a"), 0o600)
	w.badDigest = true
	signet(t, "upload", src, "a.txt").failed(t, ExitChecksum, "BadDigest")
	// A refused download leaves nothing either.
	w.wrongSum = false
	signet(t, "download", "reports/other.pdf", target).failed(t, ExitNotFound, "no such file (404 not_found)")
	if left := entries(dir); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

// Ctrl-C (the context cancelled) exits 130 and leaves the download resumable: the next
// run fetches only the rest.
func TestInterruptedDownloadResumes(t *testing.T) {
	isolate(t)
	w := newFileWorld(t)
	content := make([]byte, 1<<20)
	_, _ = rand.Read(content)
	w.set("big.bin", content)
	w.stall, w.halfSent = make(chan struct{}), make(chan struct{})
	target := filepath.Join(t.TempDir(), "big.bin")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan result, 1)
	go func() { done <- signetCtx(ctx, []string{"download", "big.bin", target}, false) }()
	select {
	case <-w.halfSent:
	case <-time.After(10 * time.Second):
		t.Fatal("the download did not start")
	}
	time.Sleep(50 * time.Millisecond) // let the half reach the partial file
	cancel()
	r := <-done
	r.failed(t, ExitInterrupted, "signet: interrupted; run the same command again to resume the download")
	noFile(t, target)
	if len(entries(filepath.Dir(target))) == 0 {
		t.Fatal("nothing kept to resume")
	}
	w.mu.Lock()
	w.stall, w.ranges = nil, nil
	w.mu.Unlock()
	signet(t, "download", "big.bin", target).ok(t)
	if len(w.ranges) != 1 || !strings.HasPrefix(w.ranges[0], "bytes=") || w.ranges[0] == "bytes=0-" {
		t.Errorf("the second run asked for %q, not the rest", w.ranges)
	}
	if b, _ := os.ReadFile(target); !bytes.Equal(b, content) {
		t.Fatal("the resumed download differs")
	}
	if left := entries(filepath.Dir(target)); len(left) != 1 {
		t.Errorf("left behind: %v", left)
	}
}
