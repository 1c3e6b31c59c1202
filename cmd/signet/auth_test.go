package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signet-cdk/signet/client"
)

// login: the browser comes back to the loopback callback with a code, the CLI trades
// it for tokens and caches them in the profile's cache, 0600.
func TestLogin(t *testing.T) {
	dir := isolate(t)
	w := newFileWorld(t)
	t.Setenv("SIGNET_ID_TOKEN", "")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	loginRedirect = "http://localhost:" + strings.TrimPrefix(l.Addr().String(), "127.0.0.1:") + "/callback"
	l.Close()
	t.Cleanup(func() { loginRedirect = "" })
	w.newToken = jwt(map[string]any{"email": "ana@example.com", "exp": time.Now().Add(time.Hour).Unix()})

	out, stdout := io.Pipe()
	var stderr bytes.Buffer
	code := make(chan int, 1)
	go func() {
		code <- execute(context.Background(), []string{"login", "--profile", "prod"}, streams{out: stdout, err: &stderr})
		stdout.Close()
	}()
	lines := bufio.NewScanner(out)
	var authURL *url.URL
	for authURL == nil && lines.Scan() {
		if strings.HasPrefix(lines.Text(), "https://") {
			authURL, _ = url.Parse(lines.Text())
		}
	}
	if authURL == nil || authURL.Path != "/oauth2/authorize" || authURL.Query().Get("code_challenge_method") != "S256" {
		t.Fatalf("sign-in address %v", authURL)
	}
	q := authURL.Query()
	resp, err := http.Get(q.Get("redirect_uri") + "?code=the-code&state=" + url.QueryEscape(q.Get("state")))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var rest strings.Builder
	for lines.Scan() {
		rest.WriteString(lines.Text() + "\n")
	}
	if c := <-code; c != 0 || rest.String() != "Signed in as ana@example.com (profile prod).\n" {
		t.Fatalf("login: exit %d, %q %s", c, rest.String(), stderr.String())
	}
	if len(w.refreshed) != 1 || w.refreshed[0].Get("code") != "the-code" || w.refreshed[0].Get("code_verifier") == "" {
		t.Errorf("token requests %v", w.refreshed)
	}
	cache := filepath.Join(dir, "signet", "tokens-prod.json")
	if tok, _ := loadTokens("prod"); fileMode(t, cache) != 0o600 || tok == nil || tok.IDToken != w.newToken || tok.RefreshToken != "refresh-2" {
		t.Errorf("cached %+v", tok)
	}
	noFile(t, filepath.Join(dir, "signet", "tokens-default.json"))
}

// logout revokes the refresh token at the issuer and deletes the cache (the old
// tokens.json too); with nothing cached it says so; when the issuer cannot revoke, the
// cache is deleted all the same and the exit code says what failed.
func TestLogout(t *testing.T) {
	dir := isolate(t)
	w := newFileWorld(t)
	cache, legacy := filepath.Join(dir, "signet", "tokens-default.json"), filepath.Join(dir, "signet", "tokens.json")
	if err := saveTokens("default", &client.Tokens{IDToken: "id", RefreshToken: "refresh-9", ExpiresAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	writeFile(t, legacy, `{"id_token":"old"}`)
	if r := signet(t, "logout"); r.code != 0 || r.stdout != "Signed out.\n" {
		t.Fatalf("logout: %+v", r)
	}
	if len(w.revoke) != 1 || w.revoke[0].Get("token") != "refresh-9" || w.revoke[0].Get("client_id") != "cli" {
		t.Errorf("revocations %v", w.revoke)
	}
	noFile(t, cache)
	noFile(t, legacy)
	if r := signet(t, "logout"); r.code != 0 || r.stdout != "Not signed in.\n" || len(w.revoke) != 1 {
		t.Errorf("logout again: %+v, %d revocations", r, len(w.revoke))
	}

	_ = saveTokens("prod", &client.Tokens{IDToken: "id", RefreshToken: "refresh-10", ExpiresAt: time.Now()})
	w.revokeStatus = http.StatusServiceUnavailable
	signet(t, "logout", "--profile", "prod").failed(t, ExitUnavailable,
		"signet: the tokens (profile prod) are deleted here, but the refresh token could not be revoked: ")
	noFile(t, filepath.Join(dir, "signet", "tokens-prod.json"))
}

// whoami reads the cached ID token's claims, without the network (no API is
// configured here at all).
func TestWhoami(t *testing.T) {
	isolate(t)
	signet(t, "whoami").failed(t, ExitAuth, "signet: not signed in; run `signet login`")
	exp := time.Now().Add(30 * time.Minute).Truncate(time.Second)
	id := jwt(map[string]any{"sub": "u-1", "email": "ana@example.com", "custom:customer_id": "acme", "cognito:groups": []string{"staff", "auditors"}, "exp": exp.Unix()})
	_ = saveTokens("default", &client.Tokens{IDToken: id, RefreshToken: "r", ExpiresAt: exp})
	r := signet(t, "whoami")
	r.ok(t)
	for _, want := range []string{"profile   default\n", "email     ana@example.com\n", "customer  acme\n", "roles     staff,auditors\n", "expires   " + exp.UTC().Format(time.RFC3339) + " (in "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("no %q in\n%s", want, r.stdout)
		}
	}
	r = signet(t, "whoami", "--json")
	r.ok(t)
	var got identity
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || got.Email != "ana@example.com" || got.Customer != "acme" ||
		strings.Join(got.Roles, ",") != "staff,auditors" || !got.ExpiresAt.Equal(exp) || got.Expired || !got.Renewable || got.Source != "cache" || got.Subject != "u-1" {
		t.Errorf("--json: %v %+v", err, got)
	}
	// Expired without a refresh token; and SIGNET_ID_TOKEN instead of the cache.
	t.Setenv("SIGNET_ID_TOKEN", jwt(map[string]any{"email": "ci@example.com", "exp": time.Now().Add(-time.Hour).Unix()}))
	r = signet(t, "whoami", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || got.Email != "ci@example.com" || !got.Expired || got.Source != "SIGNET_ID_TOKEN" || got.Roles == nil {
		t.Errorf("SIGNET_ID_TOKEN: %v %+v", err, got)
	}
	if r := signet(t, "whoami"); !strings.Contains(r.stdout, "(expired; run `signet login`)") {
		t.Errorf("expired: %s", r.stdout)
	}
	t.Setenv("SIGNET_ID_TOKEN", "not-a-jwt")
	signet(t, "whoami").failed(t, ExitError, "is not a JWT")
}
