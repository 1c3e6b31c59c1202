package oidc

import (
	"maps"
	"net/url"
	"time"
)

const (
	// pendingLifetime bounds how long a login page can be submitted.
	pendingLifetime = 10 * time.Minute
	// codeLifetime is an authorization code's life (Cognito's: 5 minutes).
	codeLifetime = 5 * time.Minute
	// maxEntries bounds each in-memory table; expired entries are dropped first.
	maxEntries = 10_000
)

// pending is an authorization request waiting for the login form: the form carries
// only its id, so nothing the browser posts can change where the code goes.
type pending struct {
	redirect                *url.URL
	redirectURI             string // as the client sent it: the token request must repeat it exactly
	state, challenge, nonce string
	scopes                  []string
	expires                 time.Time
}

// authCode is an authorization code, bound to the request it answers.
type authCode struct {
	username, redirect, challenge, nonce string
	scopes                               []string
	authTime, expires                    time.Time
}

// session is what a refresh token stands for: one sign-in (origin) of one user.
type session struct {
	username, origin  string
	scopes            []string
	authTime, expires time.Time
}

// room makes space in a table for one more entry, dropping expired ones; false when
// the table is still full.
func room[T any](m map[string]T, expired func(T) bool) bool {
	if len(m) < maxEntries {
		return true
	}
	maps.DeleteFunc(m, func(_ string, v T) bool { return expired(v) })
	return len(m) < maxEntries
}

// addPending stores p and returns its id; false when too many are pending.
func (i *Issuer) addPending(p *pending) (string, bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	now := i.now()
	if !room(i.pending, func(p *pending) bool { return !now.Before(p.expires) }) {
		return "", false
	}
	id := randomToken(32)
	p.expires = now.Add(pendingLifetime)
	i.pending[id] = p
	return id, true
}

// pendingAuth returns a copy of the pending request id, or nil if none is live.
func (i *Issuer) pendingAuth(id string) *pending {
	i.mu.Lock()
	defer i.mu.Unlock()
	p := i.pending[id]
	if p == nil || !i.now().Before(p.expires) {
		return nil
	}
	c := *p
	return &c
}

// issueCode ends the pending request id with a code for username; nil if the request
// is gone (submitted twice, or expired).
func (i *Issuer) issueCode(id, username string) (string, *pending) {
	i.mu.Lock()
	defer i.mu.Unlock()
	p := i.pending[id]
	delete(i.pending, id)
	now := i.now()
	if p == nil || !now.Before(p.expires) || !room(i.codes, func(c *authCode) bool { return !now.Before(c.expires) }) {
		return "", nil
	}
	code := randomToken(32)
	i.codes[code] = &authCode{username: username, redirect: p.redirectURI, challenge: p.challenge,
		nonce: p.nonce, scopes: p.scopes, authTime: now, expires: now.Add(codeLifetime)}
	return code, p
}

// takeCode redeems code: it is gone afterwards whatever the outcome. Nil if it is
// unknown, used or expired.
func (i *Issuer) takeCode(code string) *authCode {
	i.mu.Lock()
	defer i.mu.Unlock()
	c := i.codes[code]
	delete(i.codes, code)
	if c == nil || !i.now().Before(c.expires) {
		return nil
	}
	return c
}

// newSession stores a refresh token for g's sign-in.
func (i *Issuer) newSession(g grant) string {
	i.mu.Lock()
	defer i.mu.Unlock()
	now := i.now()
	room(i.refresh, func(s *session) bool { return !now.Before(s.expires) })
	token := randomToken(48)
	i.refresh[token] = &session{username: g.username, origin: g.origin, scopes: g.scopes,
		authTime: g.authTime, expires: now.Add(i.cfg.RefreshTokenLifetime)}
	return token
}

// sessionFor returns the live session of a refresh token.
func (i *Issuer) sessionFor(token string) (session, bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	s := i.refresh[token]
	if s == nil || !i.now().Before(s.expires) {
		return session{}, false
	}
	return *s, true
}

// revokeToken revokes a refresh token and the access tokens issued from it,
// reporting whether it was one.
func (i *Issuer) revokeToken(token string) bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	s := i.refresh[token]
	if s == nil {
		return false
	}
	delete(i.refresh, token)
	i.revokeOrigin(s.origin)
	return true
}

// endSessions revokes every refresh token of a user and drops its unredeemed codes;
// the caller holds mu.
func (i *Issuer) endSessions(username string) {
	for token, s := range i.refresh {
		if s.username == username {
			delete(i.refresh, token)
			i.revokeOrigin(s.origin)
		}
	}
	maps.DeleteFunc(i.codes, func(_ string, c *authCode) bool { return c.username == username })
}

// revokeOrigin marks the access tokens of a sign-in revoked until the last of them
// has expired; the caller holds mu.
func (i *Issuer) revokeOrigin(origin string) {
	now := i.now()
	room(i.revoked, func(until time.Time) bool { return !now.Before(until) })
	i.revoked[origin] = now.Add(i.cfg.IDTokenLifetime)
}

func (i *Issuer) isRevoked(origin string) bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	_, ok := i.revoked[origin]
	return ok
}
