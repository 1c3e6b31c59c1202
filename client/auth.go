package client

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
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

// AuthURL is where the browser signs in; the challenge is S256 of the verifier.
func (o *OAuth) AuthURL(state, verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"response_type": {"code"}, "client_id": {o.ClientID}, "redirect_uri": {o.redirect()},
		"scope": {"openid email profile"}, "state": {state},
		"code_challenge_method": {"S256"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
	}
	return strings.TrimSuffix(o.Domain, "/") + "/oauth2/authorize?" + q.Encode()
}

// Login runs the authorization-code flow with PKCE: it listens on the redirect URL's
// loopback port, has open show the sign-in page (a browser, or the user copying the
// URL), checks the state, and exchanges the code.
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
	state, verifier := randomString(24), randomString(48)
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
			res.err = fmt.Errorf("signet: sign-in refused: %s", q.Get("error"))
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
		return o.token(ctx, url.Values{"grant_type": {"authorization_code"}, "code": {res.code},
			"redirect_uri": {o.redirect()}, "code_verifier": {verifier}})
	}
}

// Refresh trades a refresh token for a new ID token.
func (o *OAuth) Refresh(ctx context.Context, refreshToken string) (*Tokens, error) {
	t, err := o.token(ctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}})
	if err == nil && t.RefreshToken == "" {
		t.RefreshToken = refreshToken
	}
	return t, err
}

func (o *OAuth) token(ctx context.Context, form url.Values) (*Tokens, error) {
	ctx, cancel := o.Timeouts.callContext(ctx)
	defer cancel()
	form.Set("client_id", o.ClientID)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(o.Domain, "/")+"/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := o.client().Do(req)
	if err != nil {
		return nil, fmt.Errorf("signet: token endpoint: %w", err)
	}
	defer resp.Body.Close()
	var out struct {
		IDToken      string `json:"id_token"`
		RefreshToken string `json:"refresh_token"`
		ExpiresIn    int64  `json:"expires_in"`
		Error        string `json:"error"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out); err != nil {
		return nil, fmt.Errorf("signet: token endpoint answered %d", resp.StatusCode)
	}
	if resp.StatusCode != http.StatusOK || out.IDToken == "" {
		return nil, fmt.Errorf("signet: token endpoint: %d %s", resp.StatusCode, out.Error)
	}
	return &Tokens{IDToken: out.IDToken, RefreshToken: out.RefreshToken, ExpiresAt: time.Now().Add(time.Duration(out.ExpiresIn) * time.Second)}, nil
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
