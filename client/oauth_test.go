package client_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signet-cdk/signet/client"
)

// cognito is a stand-in of Cognito's OAuth 2.0 endpoints for a public app client
// (no secret): authorize (PKCE S256 required), token (authorization_code with the
// verifier, refresh_token) and revoke, answering as Cognito does.
type cognito struct {
	*httptest.Server
	mu        sync.Mutex
	challenge string
	verifier  string
	revoked   []string
	tokenAuth []string // Authorization headers sent to the token endpoint
}

func newCognito(t *testing.T) *cognito {
	c := &cognito{}
	c.Server = httptest.NewServer(http.HandlerFunc(c.serve))
	t.Cleanup(c.Close)
	return c
}

func (c *cognito) serve(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	oauthError := func(code, desc string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":%q,"error_description":%q}`, code, desc)
	}
	switch r.URL.Path {
	case "/oauth2/authorize":
		q := r.URL.Query()
		if q.Get("response_type") != "code" || q.Get("client_id") != "app" || q.Get("code_challenge_method") != "S256" ||
			q.Get("scope") != "openid email profile" || q.Get("code_challenge") == "" {
			http.Error(w, "bad authorize request "+q.Encode(), http.StatusBadRequest)
			return
		}
		c.challenge = q.Get("code_challenge")
		http.Redirect(w, r, q.Get("redirect_uri")+"?code=code-1&state="+q.Get("state"), http.StatusFound)
	case "/oauth2/token":
		if r.Method != http.MethodPost || r.ParseForm() != nil || r.PostForm.Get("client_id") != "app" {
			oauthError("invalid_client", "client_id missing")
			return
		}
		c.tokenAuth = append(c.tokenAuth, r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		switch f := r.PostForm; f.Get("grant_type") {
		case "authorization_code":
			c.verifier = f.Get("code_verifier")
			sum := sha256.Sum256([]byte(c.verifier))
			if f.Get("code") != "code-1" || base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge {
				oauthError("invalid_grant", "PKCE verification failed")
				return
			}
			_, _ = io.WriteString(w, `{"access_token":"access-1","id_token":"id-1","refresh_token":"refresh-1","token_type":"Bearer","expires_in":900}`)
		case "refresh_token":
			if f.Get("refresh_token") != "refresh-1" {
				oauthError("invalid_grant", "Refresh Token has been revoked")
				return
			}
			// Cognito sends no new refresh token on refresh.
			_, _ = io.WriteString(w, `{"access_token":"access-2","id_token":"id-2","token_type":"Bearer","expires_in":900}`)
		default:
			oauthError("unsupported_grant_type", "")
		}
	case "/oauth2/revoke":
		if r.Method != http.MethodPost || r.ParseForm() != nil || r.PostForm.Get("client_id") != "app" || r.PostForm.Get("token") == "" {
			oauthError("invalid_request", "token and client_id required")
			return
		}
		if r.PostForm.Get("token") == "not-a-refresh-token" {
			oauthError("unsupported_token_type", "only refresh tokens can be revoked")
			return
		}
		c.revoked = append(c.revoked, r.PostForm.Get("token"))
	default:
		http.NotFound(w, r)
	}
}

// Sign-in through x/oauth2: PKCE S256 with a verifier the token endpoint checks, the
// client id in the form (a public client), the ID token (not the access token) kept;
// refresh keeps the refresh token Cognito does not resend; a revoked refresh token is
// ErrUnauthenticated; Revoke posts token and client_id to /oauth2/revoke.
func TestOAuthWithXOAuth2(t *testing.T) {
	idp := newCognito(t)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	o := &client.OAuth{Domain: idp.URL + "/", ClientID: "app", RedirectURL: fmt.Sprintf("http://localhost:%d/callback", port)}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tok, err := o.Login(ctx, func(u string) error {
		go func() {
			if resp, err := http.Get(u); err == nil {
				resp.Body.Close()
			}
		}()
		return nil
	})
	if err != nil || tok.IDToken != "id-1" || tok.RefreshToken != "refresh-1" || time.Until(tok.ExpiresAt) < 14*time.Minute {
		t.Fatalf("login: %+v %v", tok, err)
	}
	if n := len(idp.verifier); n < 43 || n > 128 {
		t.Errorf("PKCE verifier of %d characters", n)
	}

	refreshed, err := o.Refresh(ctx, "refresh-1")
	if err != nil || refreshed.IDToken != "id-2" || refreshed.RefreshToken != "refresh-1" {
		t.Fatalf("refresh: %+v %v", refreshed, err)
	}
	src := &client.RefreshingTokens{OAuth: o, Tokens: &client.Tokens{IDToken: "id-1", RefreshToken: "refresh-1", ExpiresAt: time.Now()}}
	if id, err := src.Token(ctx); err != nil || id != "id-2" {
		t.Fatalf("refreshing source: %q %v", id, err)
	}
	for _, auth := range idp.tokenAuth {
		if auth != "" {
			t.Errorf("a public client sent Authorization %q", auth)
		}
	}

	_, err = o.Refresh(ctx, "revoked")
	var te *client.TokenError
	if !errors.Is(err, client.ErrUnauthenticated) || !errors.As(err, &te) || te.Code != "invalid_grant" ||
		strings.Contains(err.Error(), "http") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("revoked refresh token: %v", err)
	}

	if err := o.Revoke(ctx, "refresh-1"); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	if len(idp.revoked) != 1 || idp.revoked[0] != "refresh-1" {
		t.Fatalf("revoked %v", idp.revoked)
	}
	if err := o.Revoke(ctx, "not-a-refresh-token"); !errors.As(err, &te) || te.Code != "unsupported_token_type" {
		t.Fatalf("refused revocation: %v", err)
	}
}
