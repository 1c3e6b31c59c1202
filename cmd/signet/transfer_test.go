package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// upload then download: the bytes arrive, the content type comes from the extension,
// a path ending in / takes the file's name; downloads go to the named file, into a
// folder, or to stdout, and do not replace a file unless --force.
func TestUploadDownload(t *testing.T) {
	isolate(t)
	w := newFileWorld(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(src, []byte("team notes"), 0o600); err != nil {
		t.Fatal(err)
	}
	signet(t, "upload", src, "reports/").ok(t)
	if b, _ := w.get("reports/notes.txt"); string(b) != "team notes" || !strings.HasPrefix(w.types["reports/notes.txt"], "text/plain") {
		t.Fatalf("uploaded %q as %q", b, w.types["reports/notes.txt"])
	}
	signet(t, "upload", "--content-type", "application/x-notes", src, "reports/n2", "-j", "2", "--quiet").ok(t)
	if w.types["reports/n2"] != "application/x-notes" {
		t.Errorf("content type %q", w.types["reports/n2"])
	}
	signet(t, "upload", filepath.Join(dir, "missing"), "x").failed(t, ExitError, "no such file")
	signet(t, "upload", dir, "x").failed(t, ExitError, "is a folder")

	out := t.TempDir()
	t.Chdir(out)
	signet(t, "download", "reports/notes.txt").ok(t)
	signet(t, "download", "reports/notes.txt").failed(t, ExitError, "notes.txt exists; give --force to replace it")
	signet(t, "download", "reports/notes.txt", "--force", "-j", "1").ok(t)
	sub := filepath.Join(out, "sub")
	_ = os.Mkdir(sub, 0o700)
	signet(t, "download", "reports/notes.txt", sub).ok(t)
	for _, p := range []string{filepath.Join(out, "notes.txt"), filepath.Join(sub, "notes.txt")} {
		if b, _ := os.ReadFile(p); string(b) != "team notes" {
			t.Errorf("%s: %q", p, b)
		}
	}
	if r := signet(t, "download", "reports/notes.txt", "-"); r.code != 0 || r.stdout != "team notes" {
		t.Errorf("to stdout: %+v", r)
	}
}

// Progress bars are drawn on stderr only when it is a terminal, and not with --quiet;
// stdout never carries them.
func TestProgress(t *testing.T) {
	isolate(t)
	w := newFileWorld(t)
	w.set("big.bin", make([]byte, 3<<20))
	dir := t.TempDir()
	run := func(tty bool, args ...string) result {
		return signetCtx(context.Background(), args, tty)
	}
	r := run(true, "download", "big.bin", filepath.Join(dir, "a"))
	if r.code != 0 || !strings.Contains(r.stderr, "download big.bin") || !strings.Contains(r.stderr, "100%") || !strings.Contains(r.stderr, "3.0 MiB") || r.stdout != "" {
		t.Errorf("on a terminal: %+v", r)
	}
	if r := run(true, "download", "big.bin", filepath.Join(dir, "b"), "--quiet"); r.code != 0 || r.stderr != "" {
		t.Errorf("--quiet: %+v", r)
	}
	if r := run(false, "download", "big.bin", filepath.Join(dir, "c")); r.code != 0 || r.stderr != "" {
		t.Errorf("piped: %+v", r)
	}
	if r := run(true, "upload", filepath.Join(dir, "a"), "up.bin"); r.code != 0 || !strings.Contains(r.stderr, "upload up.bin") || !strings.Contains(r.stderr, "100%") {
		t.Errorf("upload on a terminal: %+v", r)
	}
	if r := run(true, "upload", "-q", filepath.Join(dir, "a"), "up.bin"); r.code != 0 || r.stderr != "" {
		t.Errorf("upload --quiet: %+v", r)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"": 0, "5242880": 5 << 20, "64M": 64 << 20, "64MiB": 64 << 20, "64mb": 64 << 20, "1G": 1 << 30, "5GiB": 5 << 30, "8k": 8 << 10} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("%q: %d %v, want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"x", "-1M", "1.5G", "M", "99999999999T", "1Q"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}
