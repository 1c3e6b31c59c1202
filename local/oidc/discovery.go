package oidc

import "net/http"

// discoveryDoc is the OpenID Provider metadata (OpenID Connect Discovery 1.0).
type discoveryDoc struct {
	Issuer                string   `json:"issuer"`
	AuthorizationEndpoint string   `json:"authorization_endpoint"`
	TokenEndpoint         string   `json:"token_endpoint"`
	UserinfoEndpoint      string   `json:"userinfo_endpoint"`
	RevocationEndpoint    string   `json:"revocation_endpoint"`
	JWKSURI               string   `json:"jwks_uri"`
	ResponseTypes         []string `json:"response_types_supported"`
	GrantTypes            []string `json:"grant_types_supported"`
	CodeChallengeMethods  []string `json:"code_challenge_methods_supported"`
	SigningAlgs           []string `json:"id_token_signing_alg_values_supported"`
	SubjectTypes          []string `json:"subject_types_supported"`
	Scopes                []string `json:"scopes_supported"`
	TokenAuthMethods      []string `json:"token_endpoint_auth_methods_supported"`
}

func (i *Issuer) discoveryDocument() discoveryDoc {
	base := i.cfg.Issuer
	return discoveryDoc{
		Issuer:                base,
		AuthorizationEndpoint: base + "/oauth2/authorize",
		TokenEndpoint:         base + "/oauth2/token",
		UserinfoEndpoint:      base + "/oauth2/userInfo",
		RevocationEndpoint:    base + "/oauth2/revoke",
		JWKSURI:               base + "/.well-known/jwks.json",
		ResponseTypes:         []string{"code"},
		GrantTypes:            []string{"authorization_code", "refresh_token"},
		CodeChallengeMethods:  []string{"S256"},
		SigningAlgs:           []string{"RS256"},
		SubjectTypes:          []string{"public"},
		Scopes:                allowedScopes,
		TokenAuthMethods:      []string{"none"},
	}
}

func (i *Issuer) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	serveStatic(w, r, i.discovery)
}

func (i *Issuer) serveJWKS(w http.ResponseWriter, r *http.Request) {
	serveStatic(w, r, i.jwks)
}

// serveStatic answers GET and HEAD with a fixed JSON document.
func serveStatic(w http.ResponseWriter, r *http.Request, doc []byte) {
	if !allow(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	if r.Method == http.MethodGet {
		_, _ = w.Write(doc)
	}
}
