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
	// url is share's old name.
	if err := run(context.Background(), []string{"url", "reports/q1.pdf", "--ttl", "10m"}, &out); err != nil || !strings.HasPrefix(out.String(), "https://d.example/") {
		t.Fatalf("url: %q %v", out.String(), err)
	}
	t.Setenv("SIGNET_ID_TOKEN", "wrong")
	if err := run(context.Background(), []string{"ls"}, &out); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("bad token: %v", err)
	}
	t.Setenv("SIGNET_API_URL", "")
	if err := run(context.Background(), []string{"ls"}, &out); err == nil || !strings.Contains(err.Error(), "SIGNET_API_URL") {
		t.Errorf("missing config: %v", err)
	}
}

// Help works anywhere, with no configuration file and no environment: it exits 0 and
// prints on stdout.
func TestHelpWithoutConfiguration(t *testing.T) {
	isolate(t)
	verbs := []string{"configure", "login", "logout", "whoami", "ls", "upload", "download", "share", "rm", "admin", "completion"}
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {}} {
		r := signet(t, args...)
		r.ok(t)
		for _, v := range verbs {
			if !strings.Contains(r.stdout, "\n  "+v+" ") {
				t.Errorf("%q: no %s in\n%s", args, v, r.stdout)
			}
		}
		if !strings.Contains(r.stdout, "exit-codes") {
			t.Errorf("%q: no exit-codes topic", args)
		}
	}
	for _, args := range [][]string{
		{"share", "--help"}, {"help", "share"}, {"upload", "a", "b", "--help"}, {"download", "-h"},
		{"admin", "users", "invite", "--help"}, {"admin", "--help"}, {"admin"}, {"configure", "--help"},
		{"completion", "--help"}, {"--profile", "nowhere", "ls", "--help"}, {"logout", "--help"}, {"whoami", "-h"},
	} {
		r := signet(t, args...)
		r.ok(t)
		if !strings.Contains(r.stdout, "Usage:") {
			t.Errorf("%q: %s", args, r.stdout)
		}
	}
	r := signet(t, "help", "exit-codes")
	r.ok(t)
	for _, line := range []string{"\n  0 ", "\n  1 ", "\n  2 ", "\n  3 ", "\n  4 ", "\n  5 ", "\n  6 ", "\n  130 "} {
		if !strings.Contains(r.stdout, line) {
			t.Errorf("exit-codes: no %q in\n%s", line, r.stdout)
		}
	}
}

// Every mistake in the command line is exit 2 and one line, before any configuration
// is read or request is made.
func TestUsageErrors(t *testing.T) {
	isolate(t)
	w := newFileWorld(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `signet: unknown command "frobnicate" (see 'signet --help')`},
		{[]string{"lss"}, `signet: unknown command "lss"; did you mean "ls"?`},
		{[]string{"upload", "only-one"}, "signet upload: accepts 2 arg(s), received 1 (usage: signet upload <file> <path> [flags])"},
		{[]string{"download"}, "signet download: accepts between 1 and 2 arg(s), received 0"},
		{[]string{"ls", "a", "b"}, "signet ls: accepts at most 1 arg(s), received 2"},
		{[]string{"rm"}, "signet rm: accepts 1 arg(s), received 0"},
		{[]string{"whoami", "x"}, `signet whoami: unknown command "x" for "signet whoami"`},
		{[]string{"share", "a", "-folder"}, "signet share: flags take two dashes: --folder, not -folder"},
		{[]string{"share", "a", "-ip", "sourceIp"}, "signet share: flags take two dashes: --ip, not -ip"},
		{[]string{"share", "a", "--ttl", "soon"}, `signet share: invalid argument "soon" for "--ttl" flag`},
		{[]string{"share", "a", "--ttl", "-1m"}, "signet share: --ttl must be positive"},
		{[]string{"share", "a", "--starts-at", "tomorrow"}, "signet share: --starts-at must be an RFC 3339 time"},
		{[]string{"share", "a", "--via", "ftp"}, "signet share: --via must be cloudfront or s3"},
		{[]string{"share", "a", "--folder", "--ip", "1.2.3.4", "--starts-at", "2030-01-01T00:00:00Z"}, "signet share: --starts-at, --ip: only for a file's URL"},
		{[]string{"upload", "a", "b", "-j", "0"}, "signet upload: -j must be from 1 to 64"},
		{[]string{"upload", "a", "b", "--part-size", "1MiB"}, "signet upload: --part-size must be from 5MiB to 5GiB"},
		{[]string{"upload", "a", "b", "--part-size", "lots"}, "signet upload: --part-size must be from 5MiB to 5GiB"},
		{[]string{"download", "reports/", "x"}, `signet download: "reports/" is a folder`},
		{[]string{"ls", "--bogus"}, "signet ls: unknown flag: --bogus (usage: signet ls [folder] [flags])"},
		{[]string{"help", "frobnicate"}, `signet help: no help topic "frobnicate" (see 'signet --help')`},
		{[]string{"admin", "customers", "create", "Acme", "x", "y"}, "signet: customer id must be"},
		{[]string{"--profile", "../etc", "ls"}, `signet: profile name "../etc" must be`},
		{[]string{"completion", "tcsh"}, `signet completion: unknown command "tcsh"`},
		// Remote paths the API would refuse, refused before any request.
		{[]string{"rm", "bad\xffpath"}, `signet rm: path "bad\xffpath" character 'ÿ' at byte 3 is not allowed`},
		{[]string{"share", "x\x01y"}, `signet share: path "x\x01y" character`},
		{[]string{"download", "../etc/passwd", "x"}, `signet download: path "../etc/passwd" must not contain a ".." segment`},
		{[]string{"upload", "main.go", "a//b"}, `signet upload: path "a//b" must not contain "//"`},
		{[]string{"ls", "/abs"}, `signet ls: path "/abs" must not start or end with "/"`},
		{[]string{"share", "a b", "--folder"}, `signet share: path "a b" character ' '`},
		{[]string{"rm", strings.Repeat("a", 1025)}, "is 1025 bytes, at most 1024 are allowed"},
	} {
		signet(t, tc.args...).failed(t, ExitUsage, tc.want)
	}
	if len(w.calls) != 0 {
		t.Errorf("requests were made: %v", w.calls)
	}
}

// Flags go anywhere: before the arguments, after them, between them.
func TestFlagsAnywhere(t *testing.T) {
	isolate(t)
	w := newFileWorld(t)
	w.set("reports/q1.pdf", []byte("q1"))
	for _, args := range [][]string{
		{"share", "reports/q1.pdf", "--ttl", "10m", "--ip", "sourceIp", "--json"},
		{"share", "--ttl=10m", "--json", "reports/q1.pdf", "--ip=sourceIp"},
		{"--profile", "default", "share", "--json", "reports/q1.pdf", "--ttl", "10m", "--ip", "sourceIp"},
		{"share", "reports/q1.pdf", "--ip", "sourceIp", "--json", "--ttl", "10m", "--profile", "default"},
	} {
		r := signet(t, args...)
		r.ok(t)
		body := w.lastBody()
		if body["lifetimeSeconds"] != float64(600) || body["ipRestriction"] != "sourceIp" || body["path"] != "reports/q1.pdf" || !strings.HasPrefix(r.stdout, "{") {
			t.Errorf("%q: sent %v, printed %s", args, body, r.stdout)
		}
	}
}

// Shell completion scripts come from cobra.
func TestCompletion(t *testing.T) {
	isolate(t)
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		r := signet(t, "completion", shell)
		r.ok(t)
		if !strings.Contains(r.stdout, "signet") || len(r.stdout) < 1000 {
			t.Errorf("%s: %.200s", shell, r.stdout)
		}
	}
	if r := signet(t, "__complete", "admin", "cu"); r.code != 0 || !strings.Contains(r.stdout, "customers") {
		t.Errorf("completing admin cu: %+v", r)
	}
}
