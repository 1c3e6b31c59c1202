package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
)

// JWKSPath is where a Cognito user pool publishes its keys, below its issuer URL.
const JWKSPath = "/.well-known/jwks.json"

// Leeway is the clock skew allowed for a token's iat and nbf (go-oidc's, for nbf).
const Leeway = 5 * time.Minute

// keyFetchTimeout bounds one request's wait for the key set.
const keyFetchTimeout = 10 * time.Second

// javaDate is how API Gateway's REST authorizer renders exp and iat: Java's
// Date.toString in UTC ("Fri Jul 29 18:52:53 UTC 2016").
const javaDate = "Mon Jan 02 15:04:05 MST 2006"

// authorizer is the Cognito user pools authorizer: ID tokens only (a method with
// no OAuth scopes), RS256 signatures by a key of the issuer's key set.
type authorizer struct {
	issuer    string
	clientIDs []string
	verifier  *oidc.IDTokenVerifier
	now       func() time.Time
}

func newAuthorizer(cfg Config) (*authorizer, error) {
	u, err := url.Parse(cfg.Issuer)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(cfg.Issuer, "/") {
		return nil, fmt.Errorf("gateway: Config.Issuer %q is not an https issuer URL without a trailing / (the user pool's iss)", cfg.Issuer)
	}
	if len(cfg.ClientIDs) == 0 || slices.Contains(cfg.ClientIDs, "") {
		return nil, errors.New("gateway: Config.ClientIDs: name the app clients whose ID tokens the authorizer accepts")
	}
	v := oidc.NewVerifier(cfg.Issuer, newKeySet(cfg.Issuer+JWKSPath, cfg.HTTPClient), &oidc.Config{
		// The audience is checked against every client id below.
		SkipClientIDCheck:    true,
		SupportedSigningAlgs: []string{oidc.RS256},
		Now:                  cfg.Now,
	})
	return &authorizer{issuer: cfg.Issuer, clientIDs: cfg.ClientIDs, verifier: v, now: cfg.Now}, nil
}

// authorize checks the Authorization header's values and returns the claims as
// API Gateway passes them, or why it refuses (errExpired for an expired token).
func (a *authorizer) authorize(ctx context.Context, values []string) (map[string]any, error) {
	if len(values) == 0 || values[0] == "" {
		return nil, errors.New("no Authorization header")
	}
	if len(values) > 1 {
		return nil, errors.New("the Authorization header is given more than once")
	}
	raw, err := bearer(values[0])
	if err != nil {
		return nil, err
	}
	if !compactJWS(raw) {
		return nil, errors.New("the token is not a JWS in compact serialization")
	}
	// Compact serialization only (go-oidc's parser also takes JWS JSON), one RS256
	// signature with a key id: Cognito's tokens, and the key is looked up by kid.
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, fmt.Errorf("not an RS256 JWT: %w", err)
	}
	if len(jws.Signatures) != 1 || jws.Signatures[0].Header.KeyID == "" {
		return nil, errors.New("the token has no key id (kid)")
	}
	ctx, cancel := context.WithTimeout(ctx, keyFetchTimeout)
	defer cancel()
	tok, err := a.verifier.Verify(ctx, raw)
	if err != nil {
		var exp *oidc.TokenExpiredError
		if errors.As(err, &exp) && exp.Expiry.Unix() > 0 {
			return nil, fmt.Errorf("%w: %v", errExpired, err)
		}
		return nil, err
	}
	if len(tok.Audience) != 1 || !slices.Contains(a.clientIDs, tok.Audience[0]) {
		return nil, fmt.Errorf("audience %q is not one of the app clients", tok.Audience)
	}
	var claims map[string]json.RawMessage
	if err := tok.Claims(&claims); err != nil {
		return nil, err
	}
	var use string
	if json.Unmarshal(claims["token_use"], &use) != nil || use != "id" {
		return nil, fmt.Errorf("token_use is %s, not id (a method without OAuth scopes takes ID tokens)", claims["token_use"])
	}
	if tok.IssuedAt.IsZero() || tok.IssuedAt.After(a.now().Add(Leeway)) {
		return nil, fmt.Errorf("iat %s is missing or in the future", tok.IssuedAt)
	}
	return claimStrings(claims), nil
}

// bearer is the token in an Authorization value: the value itself, or what follows
// "Bearer " (the scheme in any letter case, one space). Anything else is refused.
func bearer(v string) (string, error) {
	scheme, rest, found := strings.Cut(v, " ")
	if !found {
		return v, nil
	}
	if !strings.EqualFold(scheme, "Bearer") {
		return "", errors.New(`the Authorization header is neither a token nor "Bearer <token>"`)
	}
	return rest, nil
}

// compactJWS reports whether s has only the characters of a JWS in compact
// serialization (base64url parts and dots): no whitespace for a lenient parser to
// strip.
func compactJWS(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return strings.Count(s, ".") == 2
}

// claimStrings renders claims as API Gateway's REST authorizer passes them to the
// integration: every value a string. Strings as they are; numbers and booleans as
// their JSON text ("1469814773", "true"), except exp and iat, which are dates as
// Java prints them ("Fri Jul 29 18:52:53 UTC 2016"); a list as its elements joined
// with "," ("admins,staff"; one element: itself); an object as its JSON; null
// claims are left out.
func claimStrings(claims map[string]json.RawMessage) map[string]any {
	out := make(map[string]any, len(claims))
	for k, raw := range claims {
		v, ok := claimString(raw)
		if !ok {
			continue
		}
		if k == "exp" || k == "iat" {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				v = time.Unix(n, 0).UTC().Format(javaDate)
			}
		}
		out[k] = v
	}
	return out
}

func claimString(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", false
	}
	switch raw[0] {
	case '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err == nil
	case '[':
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return "", false
		}
		parts := make([]string, 0, len(items))
		for _, it := range items {
			if s, ok := claimString(it); ok {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, ","), true
	case '{':
		var buf bytes.Buffer
		if json.Compact(&buf, raw) != nil {
			return "", false
		}
		return buf.String(), true
	}
	return string(raw), true // a number, true or false, as written
}
