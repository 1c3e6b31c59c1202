package oidc_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/signet-cdk/signet/client"
	"github.com/signet-cdk/signet/pretoken"
)

// Signet's own CLI flow: client.OAuth listens on its loopback redirect, the open
// function completes the login page over HTTP as a browser would and follows the
// redirect to that listener, and the CLI exchanges the code, then refreshes.
func TestSignetClientLogin(t *testing.T) {
	e := newEnv(t, pretoken.Bindings{})
	username := e.addUser("dana@example.com", "initech", "initech-staff")
	o := &client.OAuth{Domain: e.url, ClientID: clientID, HTTP: e.srv.Client(),
		RedirectURL: fmt.Sprintf("http://localhost:%d/callback", freePort(t))}
	browser := &http.Client{Transport: e.srv.Client().Transport, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	open := func(authURL string) error {
		resp, body := submitLogin(t, browser, authURL, "dana@example.com", password)
		if resp.StatusCode != http.StatusFound {
			return fmt.Errorf("login: %d %s", resp.StatusCode, body)
		}
		back, err := browser.Get(resp.Header.Get("Location")) // to the CLI's listener
		if err != nil {
			return err
		}
		return back.Body.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tokens, err := o.Login(ctx, open)
	if err != nil {
		t.Fatal(err)
	}
	checkCLIToken(t, e, tokens, username)
	refreshed, err := o.Refresh(ctx, tokens.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if refreshed.IDToken == tokens.IDToken || refreshed.RefreshToken != tokens.RefreshToken {
		t.Fatal("refresh did not answer a new ID token for the same refresh token")
	}
	checkCLIToken(t, e, refreshed, username)
}

func checkCLIToken(t *testing.T, e *env, tokens *client.Tokens, username string) {
	t.Helper()
	if tokens.RefreshToken == "" || time.Until(tokens.ExpiresAt) < 59*time.Minute {
		t.Fatalf("tokens: refresh %t, expiry %v", tokens.RefreshToken != "", tokens.ExpiresAt)
	}
	c := e.verifyID(tokens.IDToken)
	if c["sub"] != username || c[pretoken.CustomerClaim] != "initech" || !slices.Equal(groupsClaim(t, c), []string{"initech-staff"}) {
		t.Fatalf("ID token claims: %v", c)
	}
}

// freePort is a loopback port nothing listens on (for a moment).
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
