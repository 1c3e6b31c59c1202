package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signet-cdk/signet/client"
)

// twoProfiles writes a configuration with the profiles default (API a) and prod (API
// b), and returns its path. The environment no longer names an API.
func twoProfiles(t *testing.T, dir string, a, b *fileWorld) string {
	t.Helper()
	for _, env := range []string{"SIGNET_API_URL", "SIGNET_AUTH_DOMAIN", "SIGNET_CLIENT_ID", "SIGNET_ID_TOKEN"} {
		t.Setenv(env, "")
	}
	f := configFile{DefaultProfile: "default", Profiles: map[string]config{
		"default": {APIURL: a.URL + "/api", AuthDomain: a.URL, ClientID: "cli"},
		"prod":    {APIURL: b.URL + "/api", AuthDomain: b.URL, ClientID: "cli"},
	}}
	path := filepath.Join(dir, "signet", "config.json")
	if err := writeConfigFile(path, f); err != nil {
		t.Fatal(err)
	}
	return path
}

// --profile, else SIGNET_PROFILE, else the file's default chooses the profile; each
// has its own token cache, 0600.
func TestProfileSelection(t *testing.T) {
	dir := isolate(t)
	a, b := newFileWorld(t), newFileWorld(t)
	httpClient = a.Client() // both are httptest TLS servers with the same certificate
	twoProfiles(t, dir, a, b)
	in := func(w *fileWorld) func(string, *client.Tokens) {
		return func(name string, tok *client.Tokens) {
			if err := saveTokens(name, tok); err != nil {
				t.Fatal(err)
			}
			w.tokens[tok.IDToken] = true
		}
	}
	in(a)("default", &client.Tokens{IDToken: "id-default", ExpiresAt: time.Now().Add(time.Hour)})
	in(b)("prod", &client.Tokens{IDToken: "id-prod", ExpiresAt: time.Now().Add(time.Hour)})
	for _, tc := range []struct {
		env  string
		args []string
		want *fileWorld
	}{
		{"", []string{"ls"}, a},
		{"", []string{"--profile", "prod", "ls"}, b},
		{"", []string{"ls", "--profile", "prod"}, b},
		{"prod", []string{"ls"}, b},
		{"prod", []string{"ls", "--profile", "default"}, a}, // the flag wins
	} {
		t.Setenv("SIGNET_PROFILE", tc.env)
		na, nb := len(a.calls), len(b.calls)
		signet(t, tc.args...).ok(t)
		if got := map[bool]*fileWorld{true: a, false: b}[len(a.calls) > na]; got != tc.want || len(a.calls)+len(b.calls) != na+nb+1 {
			t.Errorf("SIGNET_PROFILE=%q %q went to the wrong API", tc.env, tc.args)
		}
	}
	t.Setenv("SIGNET_PROFILE", "")
	for _, p := range []string{"tokens-default.json", "tokens-prod.json"} {
		if m := fileMode(t, filepath.Join(dir, "signet", p)); m != 0o600 {
			t.Errorf("%s: mode %v", p, m)
		}
	}
	signet(t, "--profile", "staging", "ls").failed(t, ExitUsage, `signet: no profile "staging" in `+filepath.Join(dir, "signet", "config.json")+
		" (profiles: default, prod); create it with `signet configure --profile staging ...`")

	// An expired token is renewed with the refresh token, and saved in its profile's
	// cache only, 0600.
	in(b)("prod", &client.Tokens{IDToken: "old", RefreshToken: "refresh-1", ExpiresAt: time.Now().Add(-time.Hour)})
	b.newToken = "id-prod-2"
	signet(t, "--profile", "prod", "ls").ok(t)
	tok, _ := loadTokens("prod")
	if len(b.refreshed) != 1 || b.refreshed[0].Get("refresh_token") != "refresh-1" || tok.IDToken != "id-prod-2" ||
		fileMode(t, filepath.Join(dir, "signet", "tokens-prod.json")) != 0o600 {
		t.Errorf("refresh: %v, cached %+v", b.refreshed, tok)
	}
	if tok, _ := loadTokens("default"); tok.IDToken != "id-default" {
		t.Errorf("the default profile's cache changed: %+v", tok)
	}
	// A refresh token the issuer refuses: sign in again, exit 3.
	in(b)("prod", &client.Tokens{IDToken: "old", RefreshToken: "refresh-1", ExpiresAt: time.Now().Add(-time.Hour)})
	b.newToken = ""
	signet(t, "--profile", "prod", "ls").failed(t, ExitAuth,
		"signet: the sign-in (profile prod) has expired and could not be renewed (token endpoint: 400 invalid_grant); run `signet login --profile prod`")
}

// The configuration of before profiles ({"apiUrl": ...}) and its tokens.json are the
// profile "default"; configure keeps it when it adds a profile.
func TestOldConfigurationIsDefault(t *testing.T) {
	dir := isolate(t)
	a := newFileWorld(t)
	path := filepath.Join(dir, "signet", "config.json")
	old, _ := json.Marshal(config{APIURL: a.URL + "/api", AuthDomain: a.URL, ClientID: "cli", Stack: "Signet"})
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, string(old))
	writeFile(t, filepath.Join(dir, "signet", "tokens.json"), `{"id_token":"id-old","expires_at":"2999-01-01T00:00:00Z"}`)
	a.tokens["id-old"] = true
	for _, env := range []string{"SIGNET_API_URL", "SIGNET_ID_TOKEN"} {
		t.Setenv(env, "")
	}
	signet(t, "ls").ok(t)
	signet(t, "--profile", "default", "ls").ok(t)

	r := signet(t, "configure", "--profile", "prod", "--api-url", "https://prod.example.com/api", "--auth-domain", "https://login.example.com", "--client-id", "p1")
	r.ok(t)
	if !strings.Contains(r.stdout, "profile prod") {
		t.Errorf("configure said %q", r.stdout)
	}
	f := readFile(t, path)
	if f.DefaultProfile != "default" || f.Profiles["default"].APIURL != a.URL+"/api" || f.Profiles["default"].Stack != "Signet" ||
		f.Profiles["prod"].APIURL != "https://prod.example.com/api" {
		t.Errorf("after configure --profile prod: %+v", f)
	}
	signet(t, "ls").ok(t) // still the default profile, and its old token cache
	// --default makes the profile written the default.
	t.Setenv("SIGNET_PROFILE", "staging")
	signet(t, "configure", "--default", "--api-url", "https://staging.example.com/api", "--auth-domain", "https://login.example.com", "--client-id", "s1").ok(t)
	if f := readFile(t, path); f.DefaultProfile != "staging" || len(f.Profiles) != 3 {
		t.Errorf("after configure --default: %+v", f)
	}
}
