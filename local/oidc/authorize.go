package oidc

import (
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// allowedScopes are the app client's scopes (constructs/identity).
var allowedScopes = []string{"openid", "email", "profile"}

const (
	maxFormBytes = 64 << 10 // any form body
	maxParamLen  = 2048     // state, nonce, redirect_uri
)

// challengeRE is an S256 code challenge: base64url of a SHA-256 sum, unpadded.
var challengeRE = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// authorize validates an authorization request and shows the login page. A bad client
// or redirect URI gets an error page, never a redirect; other errors go back to the
// redirect URI as RFC 6749 says.
func (i *Issuer) authorize(w http.ResponseWriter, r *http.Request) {
	if !allow(w, r, http.MethodGet) {
		return
	}
	q := r.URL.Query()
	redirect, msg := i.checkClient(q)
	if msg != "" {
		i.errorPage(w, http.StatusBadRequest, msg)
		return
	}
	p, code, desc := checkRequest(q)
	if code != "" {
		state, _ := single(q, "state")
		http.Redirect(w, r, withQuery(redirect, "error", code, "error_description", desc, "state", state), http.StatusFound)
		return
	}
	p.redirect, p.redirectURI = redirect, q.Get("redirect_uri")
	id, ok := i.addPending(p)
	if !ok {
		i.errorPage(w, http.StatusServiceUnavailable, "Too many sign-ins are in progress; try again in a few minutes.")
		return
	}
	i.loginPage(w, http.StatusOK, id, "", "")
}

// checkClient returns the redirect URI, or why the request cannot be answered there.
func (i *Issuer) checkClient(q url.Values) (*url.URL, string) {
	client, ok := single(q, "client_id")
	if !ok || client != i.cfg.ClientID {
		return nil, "The client_id is missing or unknown."
	}
	raw, ok := single(q, "redirect_uri")
	u := loopbackURL(raw)
	if !ok || u == nil {
		return nil, "The redirect_uri must be a loopback URL: http://localhost:<port>/... or http://127.0.0.1:<port>/..."
	}
	return u, ""
}

// loopbackURL parses a public client's loopback redirect URI, or returns nil.
func loopbackURL(raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil || len(raw) > maxParamLen || u.Scheme != "http" || u.User != nil || u.Opaque != "" || strings.Contains(raw, "#") {
		return nil
	}
	if host := u.Hostname(); host != "localhost" && host != "127.0.0.1" {
		return nil
	}
	if port, err := strconv.Atoi(u.Port()); err != nil || port < 1 || port > 65535 {
		return nil
	}
	return u
}

// checkRequest reads the rest of the request, or returns an RFC 6749 error code and
// description.
func checkRequest(q url.Values) (*pending, string, string) {
	for name, values := range q {
		if len(values) > 1 {
			return nil, "invalid_request", name + " is repeated"
		}
	}
	p := &pending{state: q.Get("state"), challenge: q.Get("code_challenge"), nonce: q.Get("nonce")}
	scopes, ok := parseScopes(q.Get("scope"))
	switch rt := q.Get("response_type"); {
	case rt == "":
		return nil, "invalid_request", "response_type is required"
	case rt != "code":
		return nil, "unsupported_response_type", "response_type must be code"
	case q.Get("code_challenge_method") != "S256":
		return nil, "invalid_request", "code_challenge_method must be S256 (PKCE is required)"
	case !challengeRE.MatchString(p.challenge):
		return nil, "invalid_request", "code_challenge must be the base64url SHA-256 of the code verifier"
	case len(p.state) > maxParamLen || len(p.nonce) > maxParamLen:
		return nil, "invalid_request", "state or nonce is too long"
	case !ok:
		return nil, "invalid_scope", "scope must be among " + strings.Join(allowedScopes, " ")
	}
	p.scopes = scopes
	return p, "", ""
}

// parseScopes reads a scope parameter; none asked for means all the client has, as in
// Cognito.
func parseScopes(s string) ([]string, bool) {
	asked := strings.Fields(s)
	if len(asked) == 0 {
		return slices.Clone(allowedScopes), true
	}
	var scopes []string
	for _, sc := range asked {
		if !slices.Contains(allowedScopes, sc) {
			return nil, false
		}
		if !slices.Contains(scopes, sc) {
			scopes = append(scopes, sc)
		}
	}
	return scopes, true
}

// single returns the one value of a parameter; false if it is missing or repeated.
func single(q url.Values, name string) (string, bool) {
	v := q[name]
	if len(v) != 1 {
		return "", false
	}
	return v[0], true
}

// withQuery is u with the name-value pairs added to its query, empty values left out.
func withQuery(u *url.URL, pairs ...string) string {
	q := u.Query()
	for j := 0; j+1 < len(pairs); j += 2 {
		if pairs[j+1] != "" {
			q.Set(pairs[j], pairs[j+1])
		}
	}
	out := *u
	out.RawQuery = q.Encode()
	return out.String()
}

// login checks the login form of a pending request: on success it redirects to the
// client with a code; on failure it shows the form again, saying only that the
// username or password is wrong.
func (i *Issuer) login(w http.ResponseWriter, r *http.Request) {
	if !allow(w, r, http.MethodPost) {
		return
	}
	form, ok := readForm(w, r)
	if !ok {
		i.errorPage(w, http.StatusBadRequest, "The sign-in form could not be read.")
		return
	}
	id, email := form.Get("authorization"), form.Get("username")
	p := i.pendingAuth(id)
	if p == nil {
		i.errorPage(w, http.StatusBadRequest, "This sign-in page has expired. Return to your application and sign in again.")
		return
	}
	username, ok := i.authenticate(email, form.Get("password"))
	if !ok {
		i.loginPage(w, http.StatusOK, id, email, "Incorrect username or password.")
		return
	}
	code, p := i.issueCode(id, username)
	if p == nil {
		i.errorPage(w, http.StatusBadRequest, "This sign-in page has expired. Return to your application and sign in again.")
		return
	}
	http.Redirect(w, r, withQuery(p.redirect, "code", code, "state", p.state), http.StatusFound)
}

// readForm reads an application/x-www-form-urlencoded body of at most maxFormBytes.
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return nil, false
	}
	return r.PostForm, true
}

// authenticate checks an email and password, returning the username of an enabled
// user. A user who signs in with its temporary password is confirmed (no forced
// change here).
func (i *Issuer) authenticate(email, password string) (string, bool) {
	i.mu.Lock()
	var hash passwordHash
	u := i.findEmail(email)
	if u != nil && email != "" {
		hash = u.password
	}
	i.mu.Unlock()
	if !hash.matches(password) || len(password) > maxPasswordLen {
		return "", false
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.users[u.username] != u || !u.enabled {
		return "", false
	}
	if u.status == statusForceChange {
		u.status, u.modified = statusConfirmed, i.now()
	}
	return u.username, true
}
