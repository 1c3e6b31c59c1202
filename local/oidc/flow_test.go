package oidc_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/signet-cdk/signet/pretoken"
)

var uuidV4RE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// The relying parties are real libraries: go-oidc discovers the issuer and verifies
// the ID token's signature, iss, aud and exp; x/oauth2 builds the PKCE authorization
// URL, exchanges the code and refreshes. The login page is driven over HTTP, and the
// tokens carry the trigger's customer and the user's groups as Cognito's do.
func TestLibrariesSignInVerifyAndRefresh(t *testing.T) {
	e := newEnv(t, pretoken.Bindings{})
	username := e.addUser("Alice@Example.com", "acme", "acme-staff", "customer-admins")
	ctx := e.ctx()
	provider, err := gooidc.NewProvider(ctx, e.url)
	if err != nil {
		t.Fatal(err)
	}
	conf := oauth2.Config{ClientID: clientID, Endpoint: provider.Endpoint(), RedirectURL: callback,
		Scopes: []string{gooidc.ScopeOpenID, "email"}}
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("xyz-state", oauth2.S256ChallengeOption(verifier), gooidc.Nonce("n-0S6"))

	resp, body := submitLogin(t, e.http, authURL, "alice@example.com", password)
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || loc.Host != "127.0.0.1:8976" || loc.Path != "/callback" {
		t.Fatalf("login answered %d Location %q: %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	if loc.Query().Get("state") != "xyz-state" {
		t.Fatalf("state not returned: %v", loc.Query())
	}
	tok, err := conf.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if tok.TokenType != "Bearer" || tok.RefreshToken == "" || time.Until(tok.Expiry) < 59*time.Minute {
		t.Fatalf("token: type %q, refresh %t, expiry %v", tok.TokenType, tok.RefreshToken != "", tok.Expiry)
	}
	idClaims := checkIDToken(t, ctx, provider, tok, username)
	if idClaims["nonce"] != "n-0S6" {
		t.Errorf("nonce = %v", idClaims["nonce"])
	}
	checkAccessToken(t, e, tok.AccessToken, username)
	checkUserInfo(t, ctx, provider, tok, username)

	// Refresh: new ID and access tokens, shaped by the trigger again.
	e.clock.Advance(2 * time.Second)
	old := *tok
	old.Expiry = time.Now().Add(-time.Minute)
	fresh, err := conf.TokenSource(ctx, &old).Token()
	if err != nil {
		t.Fatal(err)
	}
	if fresh.AccessToken == tok.AccessToken || fresh.RefreshToken != tok.RefreshToken {
		t.Fatalf("refresh: new access token %t, refresh token kept %t", fresh.AccessToken != tok.AccessToken, fresh.RefreshToken == tok.RefreshToken)
	}
	refreshed := checkIDToken(t, ctx, provider, fresh, username)
	if refreshed["auth_time"] != idClaims["auth_time"] || refreshed["origin_jti"] != idClaims["origin_jti"] {
		t.Errorf("a refresh keeps auth_time and origin_jti: %v %v", refreshed, idClaims)
	}
}

// checkIDToken verifies tok's ID token as a relying party does and checks Cognito's
// claims.
func checkIDToken(t *testing.T, ctx context.Context, provider *gooidc.Provider, tok *oauth2.Token, username string) map[string]any {
	t.Helper()
	raw, _ := tok.Extra("id_token").(string)
	idTok, err := provider.Verifier(&gooidc.Config{ClientID: clientID}).Verify(ctx, raw)
	if err != nil {
		t.Fatalf("verify ID token: %v", err)
	}
	if err := idTok.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Errorf("at_hash: %v", err)
	}
	var c map[string]any
	if err := idTok.Claims(&c); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"sub": username, "cognito:username": username, "token_use": "id", "aud": clientID,
		"email": "Alice@Example.com", "email_verified": true, pretoken.CustomerClaim: "acme"}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("ID token %s = %#v, want %#v", k, c[k], v)
		}
	}
	if g := groupsClaim(t, c); !slices.Equal(g, []string{"acme-staff", "customer-admins"}) {
		t.Errorf("cognito:groups = %v", g)
	}
	if !uuidV4RE.MatchString(username) {
		t.Errorf("username %q is not a version 4 UUID", username)
	}
	return c
}

func checkAccessToken(t *testing.T, e *env, raw, username string) {
	t.Helper()
	c := e.verifyAccess(raw)
	want := map[string]any{"sub": username, "username": username, "token_use": "access", "client_id": clientID,
		"scope": "openid email", "iss": e.url, pretoken.CustomerClaim: "acme"}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("access token %s = %#v, want %#v", k, c[k], v)
		}
	}
	if _, ok := c["aud"]; ok {
		t.Error("access token has aud; Cognito's has none")
	}
	if g := groupsClaim(t, c); !slices.Equal(g, []string{"acme-staff", "customer-admins"}) {
		t.Errorf("access cognito:groups = %v", g)
	}
}

func checkUserInfo(t *testing.T, ctx context.Context, provider *gooidc.Provider, tok *oauth2.Token, username string) {
	t.Helper()
	info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	_ = info.Claims(&c)
	if info.Subject != username || info.Email != "Alice@Example.com" || !info.EmailVerified || c["username"] != username {
		t.Errorf("userInfo = %+v %v", info, c)
	}
}

// The login page is the only thing in the flow that knows the request: its form
// carries an opaque id, never the redirect URI or state, and what the user typed is
// escaped when shown again.
func TestLoginFormCarriesOnlyThePendingID(t *testing.T) {
	e := newEnv(t, pretoken.Bindings{})
	_, challenge := pkce()
	resp, page := e.get(e.url + "/oauth2/authorize?" + authParams(challenge).Encode())
	if resp.StatusCode != http.StatusOK || strings.Contains(page, testState) || strings.Contains(page, "8976") || strings.Contains(page, challenge) {
		t.Fatalf("login page %d carries request parameters:\n%s", resp.StatusCode, page)
	}
	for _, h := range []string{"Content-Security-Policy", "X-Frame-Options", "Cache-Control"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("login page without %s", h)
		}
	}
	resp, again := postForm(t, e.http, e.url+"/oauth2/authorize", page, `"><script>alert(1)</script>`, "x")
	if resp.StatusCode != http.StatusOK || strings.Contains(again, "<script>") || !strings.Contains(again, "&lt;script&gt;") {
		t.Fatalf("the typed username is not escaped:\n%s", again)
	}
	forged := strings.Replace(page, `name="authorization" value="`, `name="authorization" value="forged`, 1)
	resp, _ = postForm(t, e.http, e.url+"/oauth2/authorize", forged, "a@example.com", password)
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
		t.Fatalf("a forged pending id answered %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// The discovery document names every endpoint under the issuer, and its key set has
// the one RS256 key the tokens name.
func TestDiscoveryAndKeys(t *testing.T) {
	e := newEnv(t, pretoken.Bindings{})
	provider, err := gooidc.NewProvider(e.ctx(), e.url)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := provider.Claims(&doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"issuer": "", "authorization_endpoint": "/oauth2/authorize", "token_endpoint": "/oauth2/token",
		"jwks_uri": "/.well-known/jwks.json", "userinfo_endpoint": "/oauth2/userInfo", "revocation_endpoint": "/oauth2/revoke"}
	for k, suffix := range want {
		if doc[k] != e.url+suffix {
			t.Errorf("%s = %v", k, doc[k])
		}
	}
	lists := map[string]string{"response_types_supported": "code", "code_challenge_methods_supported": "S256",
		"id_token_signing_alg_values_supported": "RS256", "subject_types_supported": "public"}
	for k, v := range lists {
		if l, _ := doc[k].([]any); len(l) != 1 || l[0] != v {
			t.Errorf("%s = %v, want [%s]", k, doc[k], v)
		}
	}
	resp, body := e.get(e.url + "/.well-known/jwks.json")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"alg":"RS256"`) || !strings.Contains(body, `"kid":`) || strings.Contains(body, `"d":`) {
		t.Fatalf("jwks: %d %s", resp.StatusCode, body)
	}
}

// Paths outside the issuer and wrong methods are refused without panics.
func TestRoutingAndMethods(t *testing.T) {
	e := newEnv(t, pretoken.Bindings{})
	cases := []struct {
		method, path string
		want         int
	}{
		{"GET", "/oauth2/token", http.StatusMethodNotAllowed},
		{"POST", "/.well-known/jwks.json", http.StatusMethodNotAllowed},
		{"DELETE", "/oauth2/authorize", http.StatusMethodNotAllowed},
		{"GET", "/login", http.StatusMethodNotAllowed},
		{"GET", "/oauth2/nothing", http.StatusNotFound},
		{"GET", "x/.well-known/jwks.json", http.StatusNotFound},
		{"GET", "/oauth2/userInfo", http.StatusUnauthorized},
	}
	for _, c := range cases {
		req, _ := http.NewRequest(c.method, e.url+c.path, nil)
		resp, err := e.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s %s = %d, want %d", c.method, c.path, resp.StatusCode, c.want)
		}
	}
}
