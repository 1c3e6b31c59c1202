package oidc

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"time"
)

const (
	sourceHostedAuth = "TokenGeneration_HostedAuth"
	sourceRefresh    = "TokenGeneration_RefreshTokens"
)

// verifierRE is an RFC 7636 code verifier.
var verifierRE = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// oauthError is an RFC 6749 error answer.
type oauthError struct {
	status int
	code   string
	header bool // the client authenticated with the Authorization header
}

func (e *oauthError) Error() string { return e.code }

func badRequest(code string) *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: code}
}

var errInvalidGrant = badRequest("invalid_grant")

// tokenResponse is the token endpoint's answer.
type tokenResponse struct {
	IDToken      string `json:"id_token,omitempty"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	ExpiresIn    int64  `json:"expires_in"`
	TokenType    string `json:"token_type"`
}

// token is the token endpoint: the authorization_code and refresh_token grants.
func (i *Issuer) token(w http.ResponseWriter, r *http.Request) {
	if !allow(w, r, http.MethodPost) {
		return
	}
	form, err := i.clientForm(w, r)
	if err != nil {
		writeOAuthError(w, err)
		return
	}
	var resp *tokenResponse
	switch form.Get("grant_type") {
	case "authorization_code":
		resp, err = i.codeGrant(r.Context(), form)
	case "refresh_token":
		resp, err = i.refreshGrant(r.Context(), form)
	case "":
		err = badRequest("invalid_request")
	default:
		err = badRequest("unsupported_grant_type")
	}
	if err != nil {
		writeOAuthError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// clientForm reads a token or revocation request: a form body with no parameter
// repeated, from the app client, identified by client_id or by HTTP Basic with an
// empty secret (it is a public client).
func (i *Issuer) clientForm(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, badRequest("invalid_request")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFormBytes))
	if err != nil {
		return nil, &oauthError{status: http.StatusRequestEntityTooLarge, code: "invalid_request"}
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, badRequest("invalid_request")
	}
	for _, v := range form {
		if len(v) != 1 {
			return nil, badRequest("invalid_request")
		}
	}
	return form, i.checkClientAuth(r, form)
}

// checkClientAuth identifies the client; any secret is wrong, the client has none.
func (i *Issuer) checkClientAuth(r *http.Request, form url.Values) error {
	id, secret, basic := r.BasicAuth()
	if basic {
		id, _ = url.QueryUnescape(id) // RFC 6749 2.3.1 form-encodes both
		secret, _ = url.QueryUnescape(secret)
		if form.Has("client_id") && form.Get("client_id") != id {
			return &oauthError{status: http.StatusUnauthorized, code: "invalid_client", header: true}
		}
	} else {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	if id != i.cfg.ClientID || secret != "" {
		if basic {
			return &oauthError{status: http.StatusUnauthorized, code: "invalid_client", header: true}
		}
		return badRequest("invalid_client")
	}
	return nil
}

// codeGrant redeems an authorization code: single use, unexpired, for the redirect
// URI it was issued to, with the PKCE verifier of its challenge.
func (i *Issuer) codeGrant(ctx context.Context, form url.Values) (*tokenResponse, error) {
	code, redirect, verifier := form.Get("code"), form.Get("redirect_uri"), form.Get("code_verifier")
	if code == "" || redirect == "" || verifier == "" {
		return nil, badRequest("invalid_request")
	}
	c := i.takeCode(code)
	if c == nil || c.redirect != redirect || !pkceMatches(verifier, c.challenge) {
		return nil, errInvalidGrant
	}
	g := grant{username: c.username, scopes: c.scopes, nonce: c.nonce, authTime: c.authTime,
		origin: newUUID(), source: sourceHostedAuth}
	resp, err := i.mint(ctx, g)
	if err != nil {
		return nil, err
	}
	resp.RefreshToken = i.newSession(g)
	return resp, nil
}

// pkceMatches checks verifier against an S256 challenge.
func pkceMatches(verifier, challenge string) bool {
	if !verifierRE.MatchString(verifier) {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	want := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(want), []byte(challenge)) == 1
}

// refreshGrant answers new ID and access tokens for a live refresh token of an
// enabled user, shaped by the trigger again; no new refresh token.
func (i *Issuer) refreshGrant(ctx context.Context, form url.Values) (*tokenResponse, error) {
	token := form.Get("refresh_token")
	if token == "" {
		return nil, badRequest("invalid_request")
	}
	s, ok := i.sessionFor(token)
	if !ok {
		return nil, errInvalidGrant
	}
	return i.mint(ctx, grant{username: s.username, scopes: s.scopes, authTime: s.authTime,
		origin: s.origin, source: sourceRefresh})
}

// revoke is Cognito's revocation endpoint: it revokes a refresh token (and the access
// tokens issued from it). An unknown token is not an error (RFC 7009); an access or ID
// token is unsupported_token_type.
func (i *Issuer) revoke(w http.ResponseWriter, r *http.Request) {
	if !allow(w, r, http.MethodPost) {
		return
	}
	form, err := i.clientForm(w, r)
	if err == nil && form.Get("token") == "" {
		err = badRequest("invalid_request")
	}
	if err == nil && !i.revokeToken(form.Get("token")) && i.isOwnJWT(form.Get("token")) {
		err = badRequest("unsupported_token_type")
	}
	if err != nil {
		writeOAuthError(w, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}

func writeOAuthError(w http.ResponseWriter, err error) {
	var e *oauthError
	if !errors.As(err, &e) {
		e = errInvalidGrant
	}
	if e.header {
		w.Header().Set("WWW-Authenticate", `Basic realm="token"`)
	}
	writeJSON(w, e.status, map[string]string{"error": e.code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":"server_error"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json;charset=UTF-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// expiresIn is a lifetime in whole seconds.
func expiresIn(d time.Duration) int64 { return int64(d / time.Second) }
