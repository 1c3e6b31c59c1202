package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/signet-cdk/signet/client"
)

// The token cache of a profile is os.UserConfigDir()/signet/tokens-<profile>.json,
// mode 0600: the ID token, its expiry and the refresh token `signet login` got. The
// profile "default" also reads tokens.json, the cache of the CLI before profiles.

// tokenPath is the profile's token cache.
func tokenPath(profile string) (string, error) {
	dir, err := signetDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "tokens-"+profile+".json"), nil
}

// tokenPaths are the caches the profile reads, first the one it writes.
func tokenPaths(profile string) ([]string, error) {
	p, err := tokenPath(profile)
	if err != nil {
		return nil, err
	}
	if profile != defaultProfile {
		return []string{p}, nil
	}
	return []string{p, filepath.Join(filepath.Dir(p), "tokens.json")}, nil
}

// loadTokens reads the profile's cached tokens; nil when there are none.
func loadTokens(profile string) (*client.Tokens, error) {
	paths, err := tokenPaths(profile)
	if err != nil {
		return nil, err
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("signet: read the token cache: %v", err)
		}
		var t client.Tokens
		if json.Unmarshal(b, &t) != nil || t.IDToken == "" {
			return nil, nil // damaged: as if signed out
		}
		return &t, nil
	}
	return nil, nil
}

// saveTokens writes the profile's token cache, 0600.
func saveTokens(profile string, t *client.Tokens) error {
	p, err := tokenPath(profile)
	if err != nil {
		return err
	}
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return writePrivate(p, b)
}

// removeTokens deletes the profile's token caches.
func removeTokens(profile string) error {
	paths, err := tokenPaths(profile)
	if err != nil {
		return err
	}
	for _, p := range paths {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("signet: remove the token cache: %v", err)
		}
	}
	return nil
}

// sessionTokens are the cached tokens, refreshed when due and saved again. A sign-in
// that is missing or cannot be renewed is an authError.
type sessionTokens struct {
	*client.RefreshingTokens
	profile profile
}

func (s sessionTokens) Token(ctx context.Context) (string, error) {
	tok, err := s.RefreshingTokens.Token(ctx)
	switch {
	case err == nil, ctx.Err() != nil, unavailable(err):
		return tok, err
	case s.Current() == nil:
		return "", &authError{fmt.Sprintf("signet: not signed in%s", s.profile.label())}
	}
	return "", &authError{fmt.Sprintf("signet: the sign-in%s has expired and could not be renewed (%s)", s.profile.label(), strings.TrimPrefix(err.Error(), "signet: "))}
}

// authError is a sign-in that is needed; it matches client.ErrUnauthenticated.
type authError struct{ line string }

func (e *authError) Error() string        { return e.line }
func (e *authError) Is(target error) bool { return target == client.ErrUnauthenticated }

// claims are what whoami shows of an ID token.
type claims struct {
	Subject   string   `json:"sub"`
	Email     string   `json:"email"`
	Customer  string   `json:"custom:customer_id"` // pretoken.CustomerClaim
	Groups    []string `json:"cognito:groups"`
	ExpiresAt int64    `json:"exp"`
	Issuer    string   `json:"iss"`
}

// decodeClaims reads the claims of a JWT without verifying it: the API verifies it,
// this only shows what the cache holds.
func decodeClaims(jwt string) (claims, error) {
	var c claims
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return c, errors.New("signet: the cached ID token is not a JWT; run `signet login` again")
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil || json.Unmarshal(b, &c) != nil {
		return c, errors.New("signet: the cached ID token cannot be read; run `signet login` again")
	}
	return c, nil
}

func (c claims) expiry() time.Time {
	if c.ExpiresAt == 0 {
		return time.Time{}
	}
	return time.Unix(c.ExpiresAt, 0).UTC()
}
