package client

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// OAuth is the Cognito hosted UI of a Signet user pool.
type OAuth struct {
	// Domain is https://<prefix>.auth.<region>.amazoncognito.com (or a custom domain).
	Domain   string
	ClientID string
	// RedirectURL must be a callback URL of the app client. Default:
	// http://localhost:8976/callback (the identity construct's default).
	RedirectURL string
	// HTTP calls the token endpoint, and is left as given. Default: one built from
	// Timeouts at first use (see Client.HTTP).
	HTTP *http.Client
	// Timeouts shape the default HTTP client; Timeouts.Call bounds each token request
	// in any case. Zero fields take the defaults.
	Timeouts Timeouts

	defaultOnce sync.Once
	defaultHTTP *http.Client
}

// Tokens are what sign-in returns.
type Tokens struct {
	IDToken      string    `json:"id_token"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	ExpiresAt    time.Time `json:"expires_at"`
}

func (o *OAuth) redirect() string {
	if o.RedirectURL != "" {
		return o.RedirectURL
	}
	return "http://localhost:8976/callback"
}

func (o *OAuth) client() *http.Client {
	if o.HTTP != nil {
		return o.HTTP
	}
	o.defaultOnce.Do(func() { o.defaultHTTP = newHTTPClient(o.Timeouts) })
	return o.defaultHTTP
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// config is the OAuth 2.0 client of the Cognito domain.
func (o *OAuth) config() *oauth2.Config {
	d := strings.TrimSuffix(o.Domain, "/")
	return &oauth2.Config{
		ClientID:    o.ClientID,
		Endpoint:    oauth2.Endpoint{AuthURL: d + "/oauth2/authorize", TokenURL: d + "/oauth2/token", AuthStyle: oauth2.AuthStyleInParams},
		RedirectURL: o.redirect(),
		Scopes:      []string{"openid", "email", "profile"},
	}
}

// tokenContext bounds one token request and has x/oauth2 send it with o's client.
func (o *OAuth) tokenContext(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := o.Timeouts.callContext(ctx)
	return context.WithValue(ctx, oauth2.HTTPClient, o.client()), cancel
}

// AuthURL is where the browser signs in; the challenge is S256 of the verifier
// (oauth2.GenerateVerifier makes one).
func (o *OAuth) AuthURL(state, verifier string) string {
	return o.config().AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))
}

// Login runs the authorization-code flow with PKCE: it listens on the redirect URL's
// loopback port, has open show the sign-in page (a browser, or the user copying the
// URL), checks the state, and exchanges the code with the verifier.
func (o *OAuth) Login(ctx context.Context, open func(url string) error) (*Tokens, error) {
	ru, err := url.Parse(o.redirect())
	if err != nil || ru.Hostname() != "localhost" {
		return nil, fmt.Errorf("signet: redirect URL %q must be http://localhost:<port>/...", o.redirect())
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+ru.Port())
	if err != nil {
		return nil, fmt.Errorf("signet: listen for the sign-in redirect: %w", err)
	}
	defer l.Close()
	state, verifier := randomString(24), oauth2.GenerateVerifier()
	type result struct {
		code string
		err  error
	}
	done := make(chan result, 1)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != ru.Path {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		res := result{code: q.Get("code")}
		switch {
		case q.Get("state") != state:
			res.err = errors.New("signet: sign-in state mismatch")
		case q.Get("error") != "":
			res.err = fmt.Errorf("signet: sign-in refused: %s", oneLine(q.Get("error")))
		case res.code == "":
			res.err = errors.New("signet: sign-in returned no code")
		}
		if res.err != nil {
			http.Error(w, "Sign-in failed; return to the terminal.", http.StatusBadRequest)
		} else {
			_, _ = io.WriteString(w, "Signed in to Signet; you can close this tab.")
		}
		select {
		case done <- res:
		default:
		}
	})}
	go func() { _ = srv.Serve(l) }()
	defer srv.Close()
	if err := open(o.AuthURL(state, verifier)); err != nil {
		return nil, err
	}
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case res := <-done:
		if res.err != nil {
			return nil, res.err
		}
		tctx, cancel := o.tokenContext(ctx)
		defer cancel()
		tok, err := o.config().Exchange(tctx, res.code, oauth2.VerifierOption(verifier))
		return tokens(tok, err, "")
	}
}

// Refresh trades a refresh token for a new ID token (x/oauth2's refreshing token
// source). A refresh token Cognito no longer honours (expired, revoked) gives an
// error matching ErrUnauthenticated.
func (o *OAuth) Refresh(ctx context.Context, refreshToken string) (*Tokens, error) {
	tctx, cancel := o.tokenContext(ctx)
	defer cancel()
	tok, err := o.config().TokenSource(tctx, &oauth2.Token{RefreshToken: refreshToken}).Token()
	return tokens(tok, err, refreshToken)
}

// tokens turns x/oauth2's answer into Tokens: the ID token is the API's credential.
func tokens(tok *oauth2.Token, err error, refreshToken string) (*Tokens, error) {
	if err != nil {
		return nil, tokenError(err)
	}
	id, _ := tok.Extra("id_token").(string)
	if id == "" {
		return nil, errors.New("signet: token endpoint: the answer has no ID token")
	}
	t := &Tokens{IDToken: id, RefreshToken: tok.RefreshToken, ExpiresAt: tok.Expiry}
	if t.RefreshToken == "" {
		t.RefreshToken = refreshToken
	}
	if t.ExpiresAt.IsZero() {
		t.ExpiresAt = time.Now()
	}
	return t, nil
}

// TokenError is an error answer of the token or revocation endpoint. invalid_grant
// (a code or refresh token no longer valid) matches ErrUnauthenticated.
type TokenError struct {
	Status      int
	Code        string // the OAuth error code, e.g. invalid_grant
	Description string
}

func (e *TokenError) Error() string {
	s := fmt.Sprintf("signet: token endpoint: %d", e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Description != "" {
		s += ": " + oneLine(e.Description)
	}
	return s
}

// Is matches ErrUnauthenticated for invalid_grant, and the status's sentinel
// otherwise.
func (e *TokenError) Is(target error) bool {
	if e.Code == "invalid_grant" {
		return target == ErrUnauthenticated
	}
	return statusIs(e.Status, target)
}

// tokenError makes x/oauth2's errors one line without the endpoint's URL.
func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		te := &TokenError{Code: re.ErrorCode, Description: re.ErrorDescription}
		if re.Response != nil {
			te.Status = re.Response.StatusCode
		}
		return te
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return netError("token endpoint", err)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("signet: token endpoint: %s", oneLine(strings.TrimPrefix(err.Error(), "oauth2: ")))
}

// Revoke revokes a refresh token (and the tokens issued from it) at Cognito's
// revocation endpoint, for signing out. Revoking a token that is already invalid
// succeeds, as RFC 7009 says.
func (o *OAuth) Revoke(ctx context.Context, refreshToken string) error {
	ctx, cancel := o.Timeouts.callContext(ctx)
	defer cancel()
	form := url.Values{"token": {refreshToken}, "client_id": {o.ClientID}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(o.Domain, "/")+"/oauth2/revoke", strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("signet: revoke: bad domain %q", o.Domain)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := o.client().Do(req)
	if err != nil {
		return netError("revoke", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(b, &e)
	return &TokenError{Status: resp.StatusCode, Code: e.Error, Description: e.Description}
}

// RefreshingTokens is a TokenSource that refreshes a minute before expiry. It is safe
// for concurrent use: one refresh runs at a time, and callers arriving meanwhile wait
// for its result instead of refreshing again.
type RefreshingTokens struct {
	OAuth *OAuth
	// Tokens are the tokens to start from. Token replaces them when it refreshes, so
	// once Token may be running read them with Current instead.
	Tokens *Tokens
	// Save, when set, is called with refreshed tokens (to cache them).
	Save func(*Tokens) error

	mu       sync.Mutex   // guards Tokens and inflight
	inflight *tokenFlight // the refresh under way, if any
}

// tokenFlight is one refresh; done is closed once tok and err are set.
type tokenFlight struct {
	done chan struct{}
	tok  *Tokens
	err  error
}

// Token returns a valid ID token, refreshing it when it is due.
func (r *RefreshingTokens) Token(ctx context.Context) (string, error) {
	id, f, err := r.valid(ctx)
	if f == nil {
		return id, err
	}
	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case <-f.done:
	}
	if f.err != nil {
		return "", f.err
	}
	return f.tok.IDToken, nil
}

// Current returns the tokens now held (nil if none): the latest refreshed ones once
// Token has refreshed.
func (r *RefreshingTokens) Current() *Tokens {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.Tokens
}

// valid returns the ID token if it is not due, else the refresh to wait for, starting
// one unless one is under way.
func (r *RefreshingTokens) valid(ctx context.Context) (string, *tokenFlight, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.Tokens
	switch {
	case t == nil:
		return "", nil, ErrUnauthenticated
	case time.Until(t.ExpiresAt) > time.Minute:
		return t.IDToken, nil, nil
	case r.inflight != nil:
		return "", r.inflight, nil
	case t.RefreshToken == "" || r.OAuth == nil:
		return "", nil, ErrUnauthenticated
	}
	r.inflight = &tokenFlight{done: make(chan struct{})}
	// Detached from ctx so that the caller giving up does not fail the others waiting;
	// OAuth's Timeouts.Call still bounds it.
	go r.refresh(context.WithoutCancel(ctx), r.inflight, t.RefreshToken)
	return "", r.inflight, nil
}

// refresh runs flight f: it trades the refresh token, saves and installs the result,
// then wakes the waiters.
func (r *RefreshingTokens) refresh(ctx context.Context, f *tokenFlight, refreshToken string) {
	defer close(f.done)
	f.tok, f.err = r.OAuth.Refresh(ctx, refreshToken)
	if f.err == nil && r.Save != nil {
		// Saved before it is installed, so saves never run concurrently or out of order.
		if err := r.Save(f.tok); err != nil {
			f.err = fmt.Errorf("signet: save refreshed tokens: %w", err)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if f.tok != nil {
		// Installed even if saving failed: the tokens are valid for this process.
		r.Tokens = f.tok
	}
	r.inflight = nil
}
