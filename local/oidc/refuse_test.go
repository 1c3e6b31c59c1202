package oidc_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/signet-cdk/signet/pretoken"
)

// Each refusal answers what RFC 6749 and Cognito answer, and a refused code or token
// is never turned into tokens.
func TestTokenRefusals(t *testing.T) {
	e := newEnv(t, pretoken.Bindings{})
	admin := func(op func(context.Context, *string) error, email string) {
		t.Helper()
		if err := op(context.Background(), aws.String(email)); err != nil {
			t.Fatal(err)
		}
	}
	disable := func(ctx context.Context, u *string) error {
		_, err := e.iss.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: aws.String(poolID), Username: u})
		return err
	}
	signOut := func(ctx context.Context, u *string) error {
		_, err := e.iss.AdminUserGlobalSignOut(ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: aws.String(poolID), Username: u})
		return err
	}
	cases := []struct {
		name   string
		run    func(email string) (int, map[string]any)
		status int
		error  string
	}{
		{"wrong PKCE verifier", func(email string) (int, map[string]any) {
			code, verifier := e.code(email)
			other, _ := pkce()
			if s, _ := e.exchange(code, other); s != http.StatusBadRequest {
				t.Errorf("wrong verifier answered %d", s)
			}
			return e.exchange(code, verifier) // the failed attempt used the code up
		}, 400, "invalid_grant"},
		{"code reused", func(email string) (int, map[string]any) {
			code, verifier := e.code(email)
			if s, _ := e.exchange(code, verifier); s != http.StatusOK {
				t.Errorf("first exchange answered %d", s)
			}
			return e.exchange(code, verifier)
		}, 400, "invalid_grant"},
		{"code expired", func(email string) (int, map[string]any) {
			code, verifier := e.code(email)
			e.clock.Advance(5*time.Minute + time.Second)
			return e.exchange(code, verifier)
		}, 400, "invalid_grant"},
		{"wrong redirect_uri at token", func(email string) (int, map[string]any) {
			code, verifier := e.code(email)
			return e.post("/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {clientID},
				"code": {code}, "redirect_uri": {"http://127.0.0.1:8977/callback"}, "code_verifier": {verifier}})
		}, 400, "invalid_grant"},
		{"wrong client_id", func(email string) (int, map[string]any) {
			code, verifier := e.code(email)
			s, out := e.post("/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {"other"},
				"code": {code}, "redirect_uri": {callback}, "code_verifier": {verifier}})
			if ok, _ := e.exchange(code, verifier); ok != http.StatusOK {
				t.Errorf("the code did not survive a request from the wrong client: %d", ok)
			}
			return s, out
		}, 400, "invalid_client"},
		{"a client secret for the public client", func(email string) (int, map[string]any) {
			code, verifier := e.code(email)
			return e.post("/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {clientID},
				"client_secret": {"s"}, "code": {code}, "redirect_uri": {callback}, "code_verifier": {verifier}})
		}, 400, "invalid_client"},
		{"disabled user's refresh", func(email string) (int, map[string]any) {
			rt := e.tokens(email)["refresh_token"].(string)
			admin(disable, email)
			return e.refresh(rt)
		}, 400, "invalid_grant"},
		{"disabled user's code", func(email string) (int, map[string]any) {
			code, verifier := e.code(email)
			admin(disable, email)
			return e.exchange(code, verifier)
		}, 400, "invalid_grant"},
		{"revoked refresh token", func(email string) (int, map[string]any) {
			out := e.tokens(email)
			rt := out["refresh_token"].(string)
			if s, body := e.post("/oauth2/revoke", url.Values{"token": {rt}, "client_id": {clientID}}); s != http.StatusOK {
				t.Errorf("revoke answered %d %v", s, body)
			}
			if s := e.userInfoStatus(out["access_token"].(string)); s != http.StatusUnauthorized {
				t.Errorf("userInfo with a revoked sign-in's access token answered %d", s)
			}
			return e.refresh(rt)
		}, 400, "invalid_grant"},
		{"globally signed-out user's refresh", func(email string) (int, map[string]any) {
			rt := e.tokens(email)["refresh_token"].(string)
			admin(signOut, email)
			return e.refresh(rt)
		}, 400, "invalid_grant"},
		{"refresh token after its lifetime", func(email string) (int, map[string]any) {
			rt := e.tokens(email)["refresh_token"].(string)
			e.clock.Advance(30*24*time.Hour + time.Second)
			return e.refresh(rt)
		}, 400, "invalid_grant"},
		{"unknown grant type", func(string) (int, map[string]any) {
			return e.post("/oauth2/token", url.Values{"grant_type": {"password"}, "client_id": {clientID}})
		}, 400, "unsupported_grant_type"},
		{"a repeated parameter", func(email string) (int, map[string]any) {
			code, verifier := e.code(email)
			return e.post("/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {clientID},
				"code": {code, code}, "redirect_uri": {callback}, "code_verifier": {verifier}})
		}, 400, "invalid_request"},
		{"an access token at the revocation endpoint", func(email string) (int, map[string]any) {
			at := e.tokens(email)["access_token"].(string)
			return e.post("/oauth2/revoke", url.Values{"token": {at}, "client_id": {clientID}})
		}, 400, "unsupported_token_type"},
	}
	for n, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			email := "refused" + string(rune('a'+n)) + "@example.com"
			e.addUser(email, "acme")
			status, out := c.run(email)
			if status != c.status || out["error"] != c.error || out["id_token"] != nil || out["access_token"] != nil {
				t.Fatalf("answered %d %v, want %d error %q", status, out, c.status, c.error)
			}
		})
	}
}

func (e *env) userInfoStatus(accessToken string) int {
	req, _ := http.NewRequest(http.MethodGet, e.url+"/oauth2/userInfo", nil)
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := e.http.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// A wrong password, an unknown email and a disabled user all see the same page with
// the same message, and no redirect.
func TestLoginRefusals(t *testing.T) {
	e := newEnv(t, pretoken.Bindings{})
	e.addUser("erin@example.com", "acme")
	e.addUser("frank@example.com", "acme")
	if _, err := e.iss.AdminDisableUser(context.Background(), &cip.AdminDisableUserInput{
		UserPoolId: aws.String(poolID), Username: aws.String("frank@example.com")}); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, email, password string }{
		{"bad password", "erin@example.com", "Wrong-Password-1"},
		{"unknown email", "nobody@example.com", password},
		{"disabled user", "frank@example.com", password},
		{"empty form", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, challenge := pkce()
			resp, page := submitLogin(t, e.http, e.url+"/oauth2/authorize?"+authParams(challenge).Encode(), c.email, c.password)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" || !strings.Contains(page, "Incorrect username or password.") {
				t.Fatalf("answered %d Location %q:\n%s", resp.StatusCode, resp.Header.Get("Location"), page)
			}
		})
	}
}

// A bad client or redirect URI gets an error page and never a redirect; other bad
// requests go back to the client with an RFC 6749 error and no code.
func TestAuthorizeRefusals(t *testing.T) {
	e := newEnv(t, pretoken.Bindings{})
	_, challenge := pkce()
	with := func(name, value string) url.Values {
		p := authParams(challenge)
		if value == "" {
			p.Del(name)
		} else {
			p.Set(name, value)
		}
		return p
	}
	pages := map[string]url.Values{
		"redirect not loopback":      with("redirect_uri", "https://evil.example/callback"),
		"redirect on another host":   with("redirect_uri", "http://example.com:8976/callback"),
		"redirect without a port":    with("redirect_uri", "http://localhost/callback"),
		"redirect with a fragment":   with("redirect_uri", "http://localhost:8976/callback#x"),
		"redirect with credentials":  with("redirect_uri", "http://u:p@localhost:8976/callback"),
		"redirect over https":        with("redirect_uri", "https://localhost:8976/callback"),
		"missing redirect":           with("redirect_uri", ""),
		"wrong client_id":            with("client_id", "other"),
		"missing client_id":          with("client_id", ""),
		"repeated redirect_uri":      func() url.Values { p := authParams(challenge); p.Add("redirect_uri", callback); return p }(),
		"redirect to loopback ::1":   with("redirect_uri", "http://[::1]:8976/callback"),
		"redirect with bad port":     with("redirect_uri", "http://localhost:0/callback"),
		"redirect with a javascript": with("redirect_uri", "javascript:alert(1)//localhost:1"),
	}
	for name, p := range pages {
		resp, _ := e.get(e.url + "/oauth2/authorize?" + p.Encode())
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
			t.Errorf("%s: answered %d Location %q, want an error page", name, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	redirects := map[string]struct {
		params url.Values
		error  string
	}{
		"missing code_challenge":   {with("code_challenge", ""), "invalid_request"},
		"plain PKCE":               {with("code_challenge_method", "plain"), "invalid_request"},
		"missing PKCE method":      {with("code_challenge_method", ""), "invalid_request"},
		"short code_challenge":     {with("code_challenge", "abc"), "invalid_request"},
		"response_type token":      {with("response_type", "token"), "unsupported_response_type"},
		"missing response_type":    {with("response_type", ""), "invalid_request"},
		"unknown scope":            {with("scope", "openid admin"), "invalid_scope"},
		"repeated state":           {func() url.Values { p := authParams(challenge); p.Add("state", "2"); return p }(), "invalid_request"},
		"oversized state":          {with("state", strings.Repeat("s", 3000)), "invalid_request"},
		"aws.cognito.signin scope": {with("scope", "openid aws.cognito.signin.user.admin"), "invalid_scope"},
	}
	for name, c := range redirects {
		resp, _ := e.get(e.url + "/oauth2/authorize?" + c.params.Encode())
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || loc == nil || loc.Host != "127.0.0.1:8976" ||
			loc.Query().Get("error") != c.error || loc.Query().Has("code") {
			t.Errorf("%s: answered %d Location %q, want a redirect with error %s", name, resp.StatusCode, resp.Header.Get("Location"), c.error)
		}
	}
}

// The token endpoint wants a form body of bounded size, from the public client.
func TestTokenEndpointBody(t *testing.T) {
	e := newEnv(t, pretoken.Bindings{})
	post := func(contentType, body string) int {
		resp, err := e.http.Post(e.url+"/oauth2/token", contentType, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	form := "grant_type=refresh_token&client_id=" + clientID + "&refresh_token=x"
	if s := post("application/json", `{"grant_type":"refresh_token"}`); s != http.StatusBadRequest {
		t.Errorf("JSON body answered %d", s)
	}
	if s := post("", form); s != http.StatusBadRequest {
		t.Errorf("no content type answered %d", s)
	}
	if s := post("application/x-www-form-urlencoded; charset=utf-8", form); s != http.StatusBadRequest {
		t.Errorf("a form with an unknown refresh token answered %d, want 400 invalid_grant", s)
	}
	if s := post("application/x-www-form-urlencoded", form+"&pad="+strings.Repeat("a", 1<<20)); s != http.StatusRequestEntityTooLarge {
		t.Errorf("a 1 MiB body answered %d", s)
	}
	req, _ := http.NewRequest(http.MethodPost, e.url+"/oauth2/token", strings.NewReader("grant_type=refresh_token&refresh_token=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, "a-secret")
	resp, err := e.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("HTTP Basic with a secret for the public client answered %d", resp.StatusCode)
	}
}
