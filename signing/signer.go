package signing

import (
	"cmp"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ErrBadKey is returned for a private key Signet cannot sign with.
var ErrBadKey = errors.New("signing: bad private key")

// Algorithm is how a Signer signs.
type Algorithm string

const (
	// RSASHA1 is RSA PKCS#1 v1.5 over SHA-1, CloudFront's default.
	RSASHA1 Algorithm = "RSA-SHA1"
	// ECDSASHA256 is ECDSA P-256 over SHA-256, sent with Hash-Algorithm=SHA256.
	ECDSASHA256 Algorithm = "ECDSA-SHA256"
)

// Signer signs CloudFront policies with one key pair. Safe for concurrent use.
type Signer struct {
	keyPairID string
	alg       Algorithm
	rsaKey    *rsa.PrivateKey
	ecKey     *ecdsa.PrivateKey
	cache     *sigCache
	now       func() time.Time
}

// Option configures a Signer.
type Option func(*Signer)

// WithCache keeps up to n recent signatures (see the package doc). n <= 0 disables it.
func WithCache(n int) Option {
	return func(s *Signer) {
		if n > 0 {
			s.cache = newSigCache(n)
		}
	}
}

// WithClock sets the clock used to drop expired cache entries (tests).
func WithClock(now func() time.Time) Option { return func(s *Signer) { s.now = now } }

// ParsePrivateKey reads an RSA (2048 bits or more) or ECDSA P-256 private key from PEM
// in PKCS#1, SEC 1 or PKCS#8 form.
func ParsePrivateKey(pemBytes []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, fmt.Errorf("%w: not PEM", ErrBadKey)
	}
	var key any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("%w: PEM block %q", ErrBadKey, block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < 2048 {
			return nil, fmt.Errorf("%w: RSA key of %d bits (CloudFront needs 2048)", ErrBadKey, k.N.BitLen())
		}
		k.Precompute()
		return k, nil
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("%w: ECDSA curve %s (CloudFront needs P-256)", ErrBadKey, k.Curve.Params().Name)
		}
		return k, nil
	}
	return nil, fmt.Errorf("%w: %T keys are not supported", ErrBadKey, key)
}

// NewSigner parses privateKeyPEM once. keyPairID is the CloudFront public key id.
func NewSigner(keyPairID string, privateKeyPEM []byte, opts ...Option) (*Signer, error) {
	key, err := ParsePrivateKey(privateKeyPEM)
	if err != nil {
		return nil, err
	}
	return NewSignerFromKey(keyPairID, key, opts...)
}

// NewSignerFromKey wraps an already parsed *rsa.PrivateKey or *ecdsa.PrivateKey.
func NewSignerFromKey(keyPairID string, key crypto.Signer, opts ...Option) (*Signer, error) {
	if keyPairID == "" || strings.ContainsFunc(keyPairID, func(r rune) bool {
		return !('A' <= r && r <= 'Z' || '0' <= r && r <= '9' || 'a' <= r && r <= 'z')
	}) {
		return nil, fmt.Errorf("%w: key pair id %q must be alphanumeric", ErrBadKey, keyPairID)
	}
	s := &Signer{keyPairID: keyPairID, now: time.Now}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		s.alg, s.rsaKey = RSASHA1, k
	case *ecdsa.PrivateKey:
		s.alg, s.ecKey = ECDSASHA256, k
	default:
		return nil, fmt.Errorf("%w: %T keys are not supported", ErrBadKey, key)
	}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// KeyPairID is the CloudFront public key id.
func (s *Signer) KeyPairID() string { return s.keyPairID }

// Algorithm is how this signer signs.
func (s *Signer) Algorithm() Algorithm { return s.alg }

// Public is the public half of the key, for verification.
func (s *Signer) Public() crypto.PublicKey {
	if s.rsaKey != nil {
		return &s.rsaKey.PublicKey
	}
	return &s.ecKey.PublicKey
}

// SignPolicy returns the URL-safe base64 signature of policy document doc, which
// expires at expires (for the cache).
func (s *Signer) SignPolicy(doc []byte, expires time.Time) (string, error) {
	if s.cache != nil {
		if sig, ok := s.cache.get(string(doc), s.now()); ok {
			return sig, nil
		}
	}
	var raw []byte
	var err error
	if s.rsaKey != nil {
		h := sha1.Sum(doc)
		raw, err = rsa.SignPKCS1v15(nil, s.rsaKey, crypto.SHA1, h[:])
	} else {
		h := sha256.Sum256(doc)
		raw, err = ecdsa.SignASN1(rand.Reader, s.ecKey, h[:])
	}
	if err != nil {
		return "", fmt.Errorf("signing: sign policy: %w", err)
	}
	sig := urlSafe(base64.StdEncoding.EncodeToString(raw))
	if s.cache != nil {
		s.cache.put(string(doc), sig, expires)
	}
	return sig, nil
}

// URLOptions says what a signed URL grants beyond the URL itself.
type URLOptions struct {
	// Expires is required.
	Expires time.Time
	// Start, when set, makes the URL invalid before it (custom policy).
	Start time.Time
	// SourceIP, when set, restricts viewers to an IPv4 address or CIDR (custom policy).
	SourceIP string
	// Resource, when set, is the policy's resource instead of the URL: a wildcard from
	// WildcardResource that covers the URL (custom policy). One signature then serves
	// every file under the prefix.
	Resource string
}

// SignURL signs rawURL (encoded first, see EncodeURL) and returns the URL to hand
// out: canned policy when opts has only Expires, custom otherwise.
func (s *Signer) SignURL(rawURL string, opts URLOptions) (string, error) {
	u, err := EncodeURL(rawURL)
	if err != nil {
		return "", err
	}
	p, err := s.policyFor(u, opts)
	if err != nil {
		return "", err
	}
	if opts.Resource != "" && !covers(p.Resource, u) {
		return "", fmt.Errorf("%w: resource %q does not cover %q", ErrBadPolicy, p.Resource, u)
	}
	doc := p.AppendJSON(make([]byte, 0, 128+len(p.Resource)))
	sig, err := s.SignPolicy(doc, p.Expires)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(len(u) + len(sig) + 2*len(doc) + 64)
	b.WriteString(u)
	if p.Canned() {
		b.WriteString("?Expires=")
		b.WriteString(strconv.FormatInt(p.Expires.Unix(), 10))
	} else {
		b.WriteString("?Policy=")
		b.WriteString(urlSafe(base64.StdEncoding.EncodeToString(doc)))
	}
	b.WriteString("&Signature=")
	b.WriteString(sig)
	b.WriteString("&Key-Pair-Id=")
	b.WriteString(s.keyPairID)
	if s.alg == ECDSASHA256 {
		b.WriteString("&Hash-Algorithm=SHA256")
	}
	return b.String(), nil
}

func (s *Signer) policyFor(u string, opts URLOptions) (Policy, error) {
	p := Policy{Resource: u, Expires: opts.Expires, Start: opts.Start}
	if opts.Resource != "" {
		p.Resource = opts.Resource
	}
	if opts.SourceIP != "" {
		ip, err := ParseSourceIP(opts.SourceIP)
		if err != nil {
			return p, err
		}
		p.SourceIP = ip
	}
	return p, p.Validate()
}

// covers reports whether resource (exact or "…/*") matches the encoded URL u.
func covers(resource, u string) bool {
	if prefix, ok := strings.CutSuffix(resource, "*"); ok {
		return strings.HasPrefix(u, prefix)
	}
	return resource == u
}

// CookieOptions are the attributes of signed cookies.
type CookieOptions struct {
	// Domain the cookies are sent to, e.g. ".example.com" for every host under it.
	// Default: none, a host-only cookie: the browser sends it back only to the host
	// that set it, never to a sibling or parent domain (RFC 6265 section 5.3).
	Domain string
	// Path the cookies are sent for. Default: "/".
	Path string
	// SameSite. Default: http.SameSiteLaxMode, so a link to a file in a mail or a chat
	// opens it (a top-level GET carries the cookies) while other sites cannot make a
	// viewer's browser send them with subresource requests or form posts.
	SameSite http.SameSite
	// Insecure drops the Secure attribute. Default false: cookies only over HTTPS.
	Insecure bool
	// ScriptReadable drops HttpOnly. Default false: scripts cannot read them.
	ScriptReadable bool
	// Now is when the cookies are set; Max-Age counts from it to the policy's expiry.
	// Default: time.Now().
	Now time.Time
}

// SignedCookies returns CloudFront's signed cookies for p: canned form
// (CloudFront-Expires) when p is canned, custom form (CloudFront-Policy) otherwise,
// with CloudFront-Signature, CloudFront-Key-Pair-Id and, for ECDSA,
// CloudFront-Hash-Algorithm. The cookies expire with the policy: Max-Age is the
// whole seconds left until p.Expires (Expires is set too, for old clients).
func (s *Signer) SignedCookies(p Policy, opts CookieOptions) ([]*http.Cookie, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	doc := p.AppendJSON(nil)
	sig, err := s.SignPolicy(doc, p.Expires)
	if err != nil {
		return nil, err
	}
	path := cmp.Or(opts.Path, "/")
	same := cmp.Or(opts.SameSite, http.SameSiteLaxMode)
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	maxAge := int(p.Expires.Sub(now) / time.Second)
	if maxAge <= 0 {
		return nil, fmt.Errorf("%w: the policy expires before the cookies are set", ErrBadPolicy)
	}
	mk := func(name, value string) *http.Cookie {
		return &http.Cookie{Name: name, Value: value, Domain: opts.Domain, Path: path, Expires: p.Expires.UTC(), MaxAge: maxAge,
			Secure: !opts.Insecure, HttpOnly: !opts.ScriptReadable, SameSite: same}
	}
	var out []*http.Cookie
	if p.Canned() {
		out = append(out, mk("CloudFront-Expires", strconv.FormatInt(p.Expires.Unix(), 10)))
	} else {
		out = append(out, mk("CloudFront-Policy", urlSafe(base64.StdEncoding.EncodeToString(doc))))
	}
	out = append(out, mk("CloudFront-Signature", sig), mk("CloudFront-Key-Pair-Id", s.keyPairID))
	if s.alg == ECDSASHA256 {
		out = append(out, mk("CloudFront-Hash-Algorithm", "SHA256"))
	}
	return out, nil
}

// urlSafe maps base64's + = / to CloudFront's - _ ~.
func urlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '+':
			return '-'
		case '=':
			return '_'
		case '/':
			return '~'
		}
		return r
	}, s)
}

// DecodeURLSafe reverses CloudFront's base64 alphabet (for verifiers and tests).
func DecodeURLSafe(s string) ([]byte, error) {
	return base64.StdEncoding.DecodeString(strings.NewReplacer("-", "+", "_", "=", "~", "/").Replace(s))
}

// Verify checks a URL-safe signature over doc with the public key pub, as CloudFront
// does.
func Verify(pub crypto.PublicKey, doc []byte, signature string) error {
	raw, err := DecodeURLSafe(signature)
	if err != nil {
		return fmt.Errorf("signing: signature encoding: %w", err)
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		h := sha1.Sum(doc)
		return rsa.VerifyPKCS1v15(k, crypto.SHA1, h[:], raw)
	case *ecdsa.PublicKey:
		h := sha256.Sum256(doc)
		if !ecdsa.VerifyASN1(k, h[:], raw) {
			return errors.New("signing: ecdsa signature does not verify")
		}
		return nil
	}
	return fmt.Errorf("signing: %T public keys are not supported", pub)
}
