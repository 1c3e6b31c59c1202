package oidc

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/signet-cdk/signet/pretoken"
)

// Config configures an Issuer.
type Config struct {
	// Issuer is the base URL the issuer is served at, such as
	// "https://127.0.0.1:8443/auth": the tokens' iss, and the prefix of every endpoint.
	// http or https, no trailing slash, query or fragment.
	Issuer string
	// ClientID is the one public app client (no secret).
	ClientID string
	// UserPoolID is the Cognito-shaped pool id the admin operations answer for, such
	// as "local_Signet1".
	UserPoolID string
	// Bindings is the pre-token-generation trigger. The zero value places native users
	// only, as the deployed trigger without identity providers does.
	Bindings pretoken.Bindings
	// Invitations is called when AdminCreateUser invites a user by email, with the
	// temporary password: the local stand-in for Cognito's invitation email. Nil drops
	// them. It is called without any lock held, so it may call the Issuer.
	Invitations func(email, temporaryPassword string)
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// IDTokenLifetime is the lifetime of ID and access tokens. Default 1h (Cognito's).
	IDTokenLifetime time.Duration
	// RefreshTokenLifetime is the lifetime of refresh tokens. Default 30 days
	// (Cognito's).
	RefreshTokenLifetime time.Duration
}

// Issuer is the local user pool and its OIDC endpoints. It is safe for concurrent use.
type Issuer struct {
	cfg       Config
	prefix    string // the Issuer URL's path: every endpoint is under it
	key       *rsa.PrivateKey
	signer    jose.Signer
	jwks      []byte
	discovery []byte
	routes    map[string]http.HandlerFunc

	mu      sync.Mutex // guards everything below
	users   map[string]*user
	groups  map[string]*group
	pending map[string]*pending
	codes   map[string]*authCode
	refresh map[string]*session
	revoked map[string]time.Time // origin_jti → when its last access token expires
}

const (
	defaultTokenLifetime   = time.Hour
	defaultRefreshLifetime = 30 * 24 * time.Hour
)

var poolIDRE = regexp.MustCompile(`^[\w-]+_[0-9a-zA-Z]+$`)

// New checks cfg, fills in its defaults and generates the signing key.
func New(cfg Config) (*Issuer, error) {
	prefix, err := cfg.check()
	if err != nil {
		return nil, err
	}
	i := &Issuer{
		cfg: cfg, prefix: prefix,
		users: map[string]*user{}, groups: map[string]*group{}, pending: map[string]*pending{},
		codes: map[string]*authCode{}, refresh: map[string]*session{}, revoked: map[string]time.Time{},
	}
	if err := i.newKey(); err != nil {
		return nil, err
	}
	i.discovery, err = json.Marshal(i.discoveryDocument())
	if err != nil {
		return nil, err
	}
	i.routes = i.endpoints()
	return i, nil
}

// check validates cfg, sets its defaults and returns the issuer URL's path.
func (cfg *Config) check() (string, error) {
	u, err := url.Parse(cfg.Issuer)
	switch {
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil:
		return "", fmt.Errorf("oidc: Issuer %q must be an absolute http or https URL", cfg.Issuer)
	case u.RawQuery != "" || strings.Contains(cfg.Issuer, "#") || strings.HasSuffix(cfg.Issuer, "/"):
		return "", fmt.Errorf("oidc: Issuer %q must have no query, fragment or trailing slash", cfg.Issuer)
	case cfg.ClientID == "" || strings.ContainsFunc(cfg.ClientID, isNotPrintableASCII):
		return "", errors.New("oidc: ClientID must be printable ASCII without spaces")
	case !poolIDRE.MatchString(cfg.UserPoolID):
		return "", fmt.Errorf("oidc: UserPoolID %q must be shaped as a Cognito pool id, <region>_<id>", cfg.UserPoolID)
	case cfg.IDTokenLifetime < 0 || cfg.RefreshTokenLifetime < 0:
		return "", errors.New("oidc: token lifetimes must not be negative")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.IDTokenLifetime == 0 {
		cfg.IDTokenLifetime = defaultTokenLifetime
	}
	if cfg.RefreshTokenLifetime == 0 {
		cfg.RefreshTokenLifetime = defaultRefreshLifetime
	}
	return u.EscapedPath(), nil
}

func isNotPrintableASCII(r rune) bool { return r <= ' ' || r > '~' }

// newKey generates the RSA signing key, its signer and the key set.
func (i *Issuer) newKey() error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return fmt.Errorf("oidc: generate signing key: %w", err)
	}
	pub := jose.JSONWebKey{Key: &key.PublicKey, Algorithm: string(jose.RS256), Use: "sig"}
	thumb, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return fmt.Errorf("oidc: key id: %w", err)
	}
	pub.KeyID = base64.RawURLEncoding.EncodeToString(thumb)
	i.signer, err = jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256,
		Key: jose.JSONWebKey{Key: key, KeyID: pub.KeyID}}, nil)
	if err != nil {
		return fmt.Errorf("oidc: signer: %w", err)
	}
	i.key = key
	i.jwks, err = json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{pub}})
	return err
}

// endpoints are the handlers by path below the issuer URL.
func (i *Issuer) endpoints() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"/.well-known/openid-configuration": i.serveDiscovery,
		"/.well-known/jwks.json":            i.serveJWKS,
		"/oauth2/authorize":                 i.authorize,
		"/login":                            i.login,
		"/oauth2/token":                     i.token,
		"/oauth2/revoke":                    i.revoke,
		"/oauth2/userInfo":                  i.userInfo,
	}
}

// ServeHTTP serves every endpoint under the Issuer URL's path; anything else is 404.
func (i *Issuer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), i.prefix)
	handler := i.routes[rest]
	if !ok || handler == nil {
		http.NotFound(w, r)
		return
	}
	handler(w, r)
}

func (i *Issuer) now() time.Time { return i.cfg.Now() }

// allow answers 405 unless r's method is one of methods.
func allow(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	return false
}

// randomToken is n random bytes, base64url-encoded.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// newUUID is a random version 4 UUID, as Cognito's sub.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
