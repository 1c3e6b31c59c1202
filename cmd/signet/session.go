package main

import (
	"fmt"
	"net/http"
	"os"

	"github.com/signet-cdk/signet/client"
)

// Test hooks: retry, when set, shapes the client's retries; loginRedirect, when set,
// is the sign-in callback instead of http://localhost:8976/callback.
var (
	retry         client.Retry
	loginRedirect string
)

// connect is the API client of the chosen profile.
func (a *app) connect() (*client.Client, error) {
	c, _, err := a.session()
	return c, err
}

// session is the API client of the chosen profile, with its cached tokens (refreshed
// when due and saved again) or $SIGNET_ID_TOKEN, and the profile.
func (a *app) session() (*client.Client, profile, error) {
	p, err := a.load()
	if err != nil {
		return nil, p, err
	}
	if p.APIURL == "" {
		return nil, p, fmt.Errorf("signet: no API URL%s: run `signet configure%s --outputs outputs.json` (it writes %s) or set SIGNET_API_URL", p.label(), p.flag(), p.path)
	}
	hc, err := p.httpClient()
	if err != nil {
		return nil, p, err
	}
	c := &client.Client{BaseURL: p.APIURL, HTTP: hc, Retry: retry}
	if t := os.Getenv("SIGNET_ID_TOKEN"); t != "" {
		c.Tokens = client.StaticToken(t)
		return c, p, nil
	}
	tok, err := loadTokens(p.name)
	if err != nil {
		return nil, p, err
	}
	c.Tokens = sessionTokens{&client.RefreshingTokens{OAuth: p.oauth(hc), Tokens: tok, Save: func(t *client.Tokens) error { return saveTokens(p.name, t) }}, p}
	return c, p, nil
}

// oauth is the profile's sign-in endpoint.
func (p profile) oauth(hc *http.Client) *client.OAuth {
	return &client.OAuth{Domain: p.AuthDomain, ClientID: p.ClientID, HTTP: hc, RedirectURL: loginRedirect}
}

// signIn is the chosen profile and its sign-in endpoint, which it must name.
func (a *app) signIn() (profile, *client.OAuth, error) {
	p, err := a.load()
	if err != nil {
		return p, nil, err
	}
	if p.AuthDomain == "" || p.ClientID == "" {
		return p, nil, fmt.Errorf("signet: no sign-in domain and client id%s: run `signet configure%s --outputs outputs.json` (or set SIGNET_AUTH_DOMAIN and SIGNET_CLIENT_ID)", p.label(), p.flag())
	}
	hc, err := p.httpClient()
	if err != nil {
		return p, nil, err
	}
	return p, p.oauth(hc), nil
}
