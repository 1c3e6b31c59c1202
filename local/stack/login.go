package stack

import (
	"context"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/signet-cdk/signet/client"
)

var (
	formRE  = regexp.MustCompile(`(?is)<form[^>]*action="([^"]*)"`)
	inputRE = regexp.MustCompile(`(?is)<input[^>]*>`)
	attrRE  = regexp.MustCompile(`(?is)(name|value|type)="([^"]*)"`)
)

// CompleteLogin does what a person does in the browser: it opens authURL (the
// issuer's /oauth2/authorize address a client printed), fills in the login form with
// email and password and submits it, and returns where the issuer redirects the
// browser: the client's loopback callback with the code. Tests and benchmarks use it.
func (s *Stack) CompleteLogin(ctx context.Context, authURL, email, password string) (string, error) {
	browser := *s.HTTPClient
	browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	page, action, err := loginPage(ctx, &browser, authURL)
	if err != nil {
		return "", err
	}
	form := fillForm(page, email, password)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, action, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := browser.Do(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, "http://localhost:") && !strings.HasPrefix(loc, "http://127.0.0.1:") {
		return "", fmt.Errorf("stack: sign-in as %s refused (%d)", email, resp.StatusCode)
	}
	return loc, nil
}

// loginPage fetches the page and resolves its form's action.
func loginPage(ctx context.Context, browser *http.Client, authURL string) ([]byte, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
	if err != nil {
		return nil, "", err
	}
	resp, err := browser.Do(req)
	if err != nil {
		return nil, "", err
	}
	page, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	m := formRE.FindSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil {
		return nil, "", fmt.Errorf("stack: no login form at the sign-in address (%d)", resp.StatusCode)
	}
	action, err := url.Parse(html.UnescapeString(string(m[1])))
	if err != nil {
		return nil, "", err
	}
	base, _ := url.Parse(authURL)
	return page, base.ResolveReference(action).String(), nil
}

// fillForm keeps the form's hidden fields and sets the user name and password.
func fillForm(page []byte, email, password string) url.Values {
	form := url.Values{}
	for _, in := range inputRE.FindAll(page, -1) {
		attrs := map[string]string{}
		for _, a := range attrRE.FindAllSubmatch(in, -1) {
			attrs[strings.ToLower(string(a[1]))] = html.UnescapeString(string(a[2]))
		}
		switch name := attrs["name"]; {
		case name == "":
		case attrs["type"] == "password":
			form.Set(name, password)
		case strings.Contains(name, "user") || strings.Contains(name, "email"):
			form.Set(name, email)
		default:
			form.Set(name, attrs["value"])
		}
	}
	return form
}

// SignIn signs in as email with the public client's authorization-code flow (PKCE)
// and returns the tokens, for automation that needs an ID token.
func (s *Stack) SignIn(ctx context.Context, email, password string) (*client.Tokens, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	oauth := &client.OAuth{Domain: s.AuthURL, ClientID: ClientID, HTTP: s.HTTPClient, RedirectURL: fmt.Sprintf("http://localhost:%d/callback", port)}
	return oauth.Login(ctx, func(authURL string) error {
		callback, err := s.CompleteLogin(ctx, authURL, email, password)
		if err != nil {
			return err
		}
		go func() {
			if resp, err := http.Get(callback); err == nil {
				resp.Body.Close()
			}
		}()
		return nil
	})
}
