package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/signet-cdk/signet/client"
)

// loginTimeout bounds the wait for the browser.
const loginTimeout = 5 * time.Minute

func (a *app) loginCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "login",
		Short: "Sign in with the browser (PKCE) and cache the tokens",
		Long: `Login prints the address of the sign-in page, waits for the browser to come back to
http://localhost:8976/callback, and caches the tokens for the profile (0600). The ID
token is renewed with the refresh token when it is due, until 'signet logout'.`,
		Args: cobra.NoArgs,
		RunE: a.login,
	}
}

func (a *app) login(c *cobra.Command, _ []string) error {
	p, oauth, err := a.signIn()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.Context(), loginTimeout)
	defer cancel()
	tok, err := oauth.Login(ctx, func(u string) error {
		_, err := fmt.Fprintln(a.out, "Open this address to sign in:\n"+u)
		return err
	})
	if errors.Is(err, context.DeadlineExceeded) && c.Context().Err() == nil {
		return fmt.Errorf("signet: the sign-in was not completed within %v", loginTimeout)
	} else if err != nil {
		return err
	}
	if err := saveTokens(p.name, tok); err != nil {
		return fmt.Errorf("signet: save the tokens: %v", err)
	}
	who, _ := decodeClaims(tok.IDToken)
	fmt.Fprintf(a.out, "Signed in as %s%s.\n", clean(who.Email), p.label())
	return nil
}

func (a *app) logoutCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "logout",
		Short: "Revoke the refresh token and delete the cached tokens",
		Long: `Logout revokes the profile's refresh token at the issuer (so it renews nothing any
more, here or wherever it was copied) and deletes the profile's token cache. The cache
is deleted even when the issuer cannot be reached; the error then says so.`,
		Args: cobra.NoArgs,
		RunE: a.logout,
	}
}

func (a *app) logout(c *cobra.Command, _ []string) error {
	p, err := a.load()
	if err != nil {
		return err
	}
	tok, err := loadTokens(p.name)
	if err != nil {
		return err
	}
	revoked := a.revoke(c.Context(), tok)
	if err := removeTokens(p.name); err != nil {
		return err
	}
	switch {
	case tok == nil:
		fmt.Fprintf(a.out, "Not signed in%s.\n", p.label())
	case revoked != nil:
		return fmt.Errorf("signet: the tokens%s are deleted here, but the refresh token could not be revoked: %w", p.label(), revoked)
	default:
		fmt.Fprintf(a.out, "Signed out%s.\n", p.label())
	}
	return nil
}

// revoke revokes the refresh token of tok at the issuer, if there is one.
func (a *app) revoke(ctx context.Context, tok *client.Tokens) error {
	if tok == nil || tok.RefreshToken == "" {
		return nil
	}
	_, oauth, err := a.signIn()
	if err != nil {
		return err
	}
	return oauth.Revoke(ctx, tok.RefreshToken)
}

func (a *app) whoamiCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "whoami",
		Short: "Show who the cached sign-in is (no network)",
		Long: `Whoami reads the profile's cached ID token (or $SIGNET_ID_TOKEN) and shows its email,
customer, roles and expiry, without asking anyone: the API checks the token, this only
shows it. An expired token with a refresh token is renewed at the next command.
Exit code 3 when there is no sign-in.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return a.whoami(asJSON) },
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

// identity is what whoami prints.
type identity struct {
	Profile   string    `json:"profile"`
	Email     string    `json:"email"`
	Customer  string    `json:"customer"`
	Roles     []string  `json:"roles"`
	Subject   string    `json:"subject"`
	ExpiresAt time.Time `json:"expiresAt"`
	Expired   bool      `json:"expired"`
	Renewable bool      `json:"renewable"` // a refresh token is cached
	Source    string    `json:"source"`    // "cache" or "SIGNET_ID_TOKEN"
}

func (a *app) whoami(asJSON bool) error {
	p, err := a.load()
	if err != nil {
		return err
	}
	id := identity{Profile: p.name, Source: "SIGNET_ID_TOKEN"}
	jwt := os.Getenv("SIGNET_ID_TOKEN")
	if jwt == "" {
		tok, err := loadTokens(p.name)
		if err != nil {
			return err
		}
		if tok == nil {
			return &authError{"signet: not signed in" + p.label()}
		}
		jwt, id.Source, id.Renewable = tok.IDToken, "cache", tok.RefreshToken != ""
	}
	cl, err := decodeClaims(jwt)
	if err != nil {
		return err
	}
	id.Email, id.Customer, id.Roles, id.Subject, id.ExpiresAt = cl.Email, cl.Customer, cl.Groups, cl.Subject, cl.expiry()
	id.Expired = !id.ExpiresAt.IsZero() && !time.Now().Before(id.ExpiresAt)
	if id.Roles == nil {
		id.Roles = []string{}
	}
	if asJSON {
		return printJSON(a.out, id)
	}
	return id.print(a.out)
}

func (id identity) print(w io.Writer) error {
	tw := newTable(w)
	for _, kv := range [][2]string{{"profile", id.Profile}, {"email", id.Email}, {"customer", dash(id.Customer)},
		{"roles", dash(strings.Join(id.Roles, ","))}, {"expires", id.expiry()}} {
		row(tw, kv[0], kv[1])
	}
	return tw.Flush()
}

// expiry is when the token expires, and what then.
func (id identity) expiry() string {
	switch {
	case id.ExpiresAt.IsZero():
		return "-"
	case !id.Expired:
		return fmt.Sprintf("%s (in %s)", stamp(id.ExpiresAt), time.Until(id.ExpiresAt).Round(time.Second))
	case id.Renewable:
		return stamp(id.ExpiresAt) + " (expired; renewed at the next command)"
	}
	return stamp(id.ExpiresAt) + " (expired; run `signet login`)"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
