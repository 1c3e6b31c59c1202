package oidc

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// accessToken is what userInfo reads from an access token.
type accessToken struct {
	Issuer   string `json:"iss"`
	TokenUse string `json:"token_use"`
	ClientID string `json:"client_id"`
	Username string `json:"username"`
	Origin   string `json:"origin_jti"`
	Scope    string `json:"scope"`
	Expiry   int64  `json:"exp"`
}

// userInfo answers the user's readable attributes for a live access token with the
// openid scope, as Cognito's userInfo endpoint does (attributes as strings).
func (i *Issuer) userInfo(w http.ResponseWriter, r *http.Request) {
	if !allow(w, r, http.MethodGet, http.MethodPost) {
		return
	}
	scheme, raw, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	t, ok := i.verifyAccess(raw)
	if !strings.EqualFold(scheme, "Bearer") || !ok {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token"})
		return
	}
	granted := strings.Fields(t.Scope)
	if !slices.Contains(granted, "openid") {
		w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope"`)
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "insufficient_scope"})
		return
	}
	p, ok := i.profileOf(t.Username)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token"})
		return
	}
	out := attributeClaims(p.attrs, granted, false)
	maps.Copy(out, map[string]any{"sub": p.attrs["sub"], "username": p.username})
	writeJSON(w, http.StatusOK, out)
}

// verifyAccess checks an access token this issuer signed: signature, issuer, use,
// client, expiry, and that its sign-in was not revoked.
func (i *Issuer) verifyAccess(raw string) (accessToken, bool) {
	var t accessToken
	payload, ok := i.verified(raw)
	if !ok || json.Unmarshal(payload, &t) != nil {
		return t, false
	}
	ok = t.Issuer == i.cfg.Issuer && t.TokenUse == "access" && t.ClientID == i.cfg.ClientID &&
		i.now().Unix() < t.Expiry && !i.isRevoked(t.Origin)
	return t, ok
}

// verified returns the payload of a compact JWS that this issuer's key signed.
func (i *Issuer) verified(raw string) ([]byte, bool) {
	if raw == "" || len(raw) > maxFormBytes {
		return nil, false
	}
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, false
	}
	payload, err := jws.Verify(&i.key.PublicKey)
	return payload, err == nil
}

// isOwnJWT reports whether raw is a token this issuer signed (an ID or access token).
func (i *Issuer) isOwnJWT(raw string) bool {
	_, ok := i.verified(raw)
	return ok
}
