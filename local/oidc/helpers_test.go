package oidc_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/signet-cdk/signet/local/oidc"
	"github.com/signet-cdk/signet/pretoken"
)

const (
	clientID   = "local-signet-client"
	poolID     = "local_Signet1"
	password   = "Correct-Horse-9-battery"
	callback   = "http://127.0.0.1:8976/callback"
	testState  = "state-1234"
	testScopes = "openid email profile" // what Signet's client asks for
)

// clock is a settable Config.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// invitation is one Config.Invitations call.
type invitation struct{ email, password string }

// env is an Issuer served over real TLS at <server>/auth.
type env struct {
	t       testing.TB
	iss     *oidc.Issuer
	srv     *httptest.Server
	url     string       // the issuer URL
	http    *http.Client // trusts the server, never follows redirects
	clock   *clock
	mu      sync.Mutex
	invites []invitation
}

// newEnv starts an issuer; bindings may be the zero value.
func newEnv(t testing.TB, bindings pretoken.Bindings) *env {
	t.Helper()
	e := &env{t: t, clock: &clock{t: time.Now()}}
	srv := httptest.NewUnstartedServer(nil)
	e.url = "https://" + srv.Listener.Addr().String() + "/auth"
	iss, err := oidc.New(oidc.Config{
		Issuer: e.url, ClientID: clientID, UserPoolID: poolID, Bindings: bindings, Now: e.clock.Now,
		Invitations: func(email, temp string) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.invites = append(e.invites, invitation{email, temp})
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = iss
	srv.StartTLS()
	t.Cleanup(srv.Close)
	e.iss, e.srv = iss, srv
	e.http = srv.Client()
	e.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return e
}

// ctx carries the server's TLS client for go-oidc and x/oauth2.
func (e *env) ctx() context.Context {
	ctx := gooidc.ClientContext(context.Background(), e.srv.Client())
	return context.WithValue(ctx, oauth2.HTTPClient, e.srv.Client())
}

func (e *env) invitations() []invitation {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]invitation(nil), e.invites...)
}

func (e *env) addUser(email, customer string, groups ...string) string {
	e.t.Helper()
	username, err := e.iss.AddUser(email, password, customer, groups...)
	if err != nil {
		e.t.Fatal(err)
	}
	return username
}

// pkce is a verifier and its S256 challenge.
func pkce() (verifier, challenge string) {
	verifier = oauth2.GenerateVerifier()
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// authParams is a valid authorization request for challenge.
func authParams(challenge string) url.Values {
	return url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {callback},
		"scope": {testScopes}, "state": {testState}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}
}

func (e *env) get(rawURL string) (*http.Response, string) {
	e.t.Helper()
	resp, err := e.http.Get(rawURL)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, readBody(e.t, resp)
}

func readBody(t testing.TB, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var (
	actionRE = regexp.MustCompile(`<form method="post" action="([^"]+)">`)
	hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
)

// submitLogin fills in the login page at pageURL (read with the given client) and
// posts it, returning the answer without following any redirect.
func submitLogin(t testing.TB, c *http.Client, pageURL, email, pw string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(pageURL)
	if err != nil {
		t.Fatal(err)
	}
	page := readBody(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login page: %d %s", resp.StatusCode, page)
	}
	return postForm(t, c, pageURL, page, email, pw)
}

// postForm posts the login form found in page, resolved against pageURL.
func postForm(t testing.TB, c *http.Client, pageURL, page, email, pw string) (*http.Response, string) {
	t.Helper()
	action, fields := actionRE.FindStringSubmatch(page), hiddenRE.FindAllStringSubmatch(page, -1)
	if action == nil || len(fields) != 1 {
		t.Fatalf("no login form with one hidden field in:\n%s", page)
	}
	base, _ := url.Parse(pageURL)
	target, err := base.Parse(html.UnescapeString(action[1]))
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{fields[0][1]: {html.UnescapeString(fields[0][2])}, "username": {email}, "password": {pw}}
	resp, err := c.PostForm(target.String(), form)
	if err != nil {
		t.Fatal(err)
	}
	return resp, readBody(t, resp)
}

// login signs email in through the login page and returns the redirect's query.
func (e *env) login(params url.Values, email, pw string) url.Values {
	e.t.Helper()
	resp, body := submitLogin(e.t, e.http, e.url+"/oauth2/authorize?"+params.Encode(), email, pw)
	if resp.StatusCode != http.StatusFound {
		e.t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		e.t.Fatal(err)
	}
	return loc.Query()
}

// code signs email in and returns an authorization code and its verifier.
func (e *env) code(email string) (code, verifier string) {
	e.t.Helper()
	verifier, challenge := pkce()
	q := e.login(authParams(challenge), email, password)
	if q.Get("code") == "" || q.Get("state") != testState {
		e.t.Fatalf("redirect without code or state: %v", q)
	}
	return q.Get("code"), verifier
}

// post sends a form to an endpoint and decodes a JSON answer (nil if none).
func (e *env) post(path string, form url.Values) (int, map[string]any) {
	e.t.Helper()
	resp, err := e.http.PostForm(e.url+path, form)
	if err != nil {
		e.t.Fatal(err)
	}
	body := readBody(e.t, resp)
	var out map[string]any
	if strings.TrimSpace(body) != "" {
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			e.t.Fatalf("%s answered %d, not JSON: %q", path, resp.StatusCode, body)
		}
	}
	return resp.StatusCode, out
}

// exchange redeems a code with the token endpoint.
func (e *env) exchange(code, verifier string) (int, map[string]any) {
	e.t.Helper()
	return e.post("/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {clientID},
		"code": {code}, "redirect_uri": {callback}, "code_verifier": {verifier}})
}

// tokens signs email in and returns the token response.
func (e *env) tokens(email string) map[string]any {
	e.t.Helper()
	status, out := e.exchange(e.code(email))
	if status != http.StatusOK {
		e.t.Fatalf("exchange: %d %v", status, out)
	}
	return out
}

func (e *env) refresh(token string) (int, map[string]any) {
	e.t.Helper()
	return e.post("/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "client_id": {clientID}, "refresh_token": {token}})
}

// verifyID checks an ID token with go-oidc (signature, iss, aud, exp) and returns its
// claims.
func (e *env) verifyID(raw string) map[string]any {
	e.t.Helper()
	return e.verify(raw, &gooidc.Config{ClientID: clientID, Now: e.clock.Now})
}

// verifyAccess checks an access token's signature, iss and exp (it has no aud).
func (e *env) verifyAccess(raw string) map[string]any {
	e.t.Helper()
	return e.verify(raw, &gooidc.Config{SkipClientIDCheck: true, Now: e.clock.Now})
}

func (e *env) verify(raw string, cfg *gooidc.Config) map[string]any {
	e.t.Helper()
	provider, err := gooidc.NewProvider(e.ctx(), e.url)
	if err != nil {
		e.t.Fatal(err)
	}
	tok, err := provider.Verifier(cfg).Verify(e.ctx(), raw)
	if err != nil {
		e.t.Fatalf("verify: %v", err)
	}
	var claims map[string]any
	if err := tok.Claims(&claims); err != nil {
		e.t.Fatal(err)
	}
	return claims
}

// groupsClaim reads cognito:groups; nil when absent.
func groupsClaim(t *testing.T, claims map[string]any) []string {
	t.Helper()
	raw, ok := claims["cognito:groups"]
	if !ok {
		return nil
	}
	list, ok := raw.([]any)
	if !ok {
		t.Fatalf("cognito:groups is %T, not a JSON array", raw)
	}
	out := make([]string, len(list))
	for i, g := range list {
		out[i] = g.(string)
	}
	return out
}

func mustBindings(t testing.TB, doc string) pretoken.Bindings {
	t.Helper()
	b, err := pretoken.ParseBindings([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
