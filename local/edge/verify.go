package edge

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/signet-cdk/signet/signing"
)

// Why a request was refused. Verify and Authorize wrap one of these in a *Refusal;
// test with errors.Is.
var (
	ErrMethodNotAllowed = errors.New("edge: method not allowed on files")
	ErrMissingSignature = errors.New("edge: missing signed URL parameter or cookie")
	ErrUnknownKey       = errors.New("edge: unknown key pair id")
	ErrBadSignature     = errors.New("edge: signature does not verify")
	ErrExpired          = errors.New("edge: expired")
	ErrNotYetValid      = errors.New("edge: not yet valid")
	ErrIPNotAllowed     = errors.New("edge: viewer ip not allowed")
	ErrResourceMismatch = errors.New("edge: resource does not match the url")
	ErrMalformed        = errors.New("edge: malformed signed URL parameter, cookie or policy")
)

// Refusal is a refused request: Reason is one of the Err sentinels, Message what
// the viewer is told (CloudFront's text where it has one), Detail what only the
// operator sees.
type Refusal struct {
	Reason  error
	Message string
	Detail  string
}

func (e *Refusal) Error() string {
	if e.Detail == "" {
		return e.Reason.Error()
	}
	return e.Reason.Error() + ": " + e.Detail
}

func (e *Refusal) Unwrap() error { return e.Reason }

// The messages CloudFront's documentation gives; the others are ours.
const (
	msgAccessDenied = "Access denied"
	msgMissingKey   = "Missing Key-Pair-Id query parameter or cookie value"
	msgUnknownKey   = "Unknown Key"
	msgBadSignature = "Invalid signature"
	msgExpired      = "Request has expired"
	msgMethod       = "This distribution is not configured to allow the HTTP request method that was used for this request. The distribution supports only cachable requests."
)

func refuse(reason error, message, detail string) *Refusal {
	return &Refusal{Reason: reason, Message: message, Detail: detail}
}

func malformed(detail string) *Refusal { return refuse(ErrMalformed, msgAccessDenied, detail) }

// Grant is what a verified request was allowed by.
type Grant struct {
	KeyPairID string
	// HashAlgorithm is "SHA1" or "SHA256".
	HashAlgorithm string
	// Document is the policy document the signature covers, byte for byte.
	Document []byte
	// Canned is true for an Expires (canned policy) signature.
	Canned   bool
	Resource string
	Expires  time.Time
	// Start and SourceIP are zero when the policy has no such condition.
	Start    time.Time
	SourceIP netip.Prefix
	// FromCookies is true when the signed cookies, not the query, carried it.
	FromCookies bool
}

// Verify reports whether r may read the file it asks for: nil, or a *Refusal whose
// Reason is one of the Err sentinels. It does not touch S3.
func (e *Edge) Verify(r *http.Request) error {
	_, err := e.Authorize(r)
	return err
}

// Authorize is Verify that also returns what allowed the request.
func (e *Edge) Authorize(r *http.Request) (*Grant, error) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return nil, refuse(ErrMethodNotAllowed, msgMethod, r.Method)
	}
	sp, rest, err := signedParams(r)
	if err != nil {
		return nil, err
	}
	target := "https://" + e.cfg.Domain + requestPath(r)
	if rest != "" {
		target += "?" + rest
	}
	g, err := e.checkSignature(sp, target)
	if err != nil {
		return nil, err
	}
	if err := e.checkConditions(g, target, r); err != nil {
		return nil, err
	}
	return g, nil
}

// checkSignature finds the key, rebuilds or decodes the policy document and verifies
// the signature over it; for a custom policy it then parses the document.
func (e *Edge) checkSignature(sp *params, url string) (*Grant, error) {
	pub, ok := e.cfg.TrustedKeys[sp.keyPairID]
	if !ok {
		return nil, refuse(ErrUnknownKey, msgUnknownKey, "key pair id "+strconv.Quote(sp.keyPairID))
	}
	g := &Grant{KeyPairID: sp.keyPairID, HashAlgorithm: sp.hashAlgorithm, FromCookies: sp.fromCookies}
	if sp.hashAlgorithm == "" {
		g.HashAlgorithm = "SHA1" // CloudFront's default, for signatures made before SHA-256
	}
	if err := g.document(sp, url); err != nil {
		return nil, err
	}
	if err := verifySignature(pub, g.HashAlgorithm, g.Document, sp.signature); err != nil {
		return nil, err
	}
	if !g.Canned {
		if err := g.parseCustom(); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// document sets g.Document: for a canned policy exactly the bytes the signer built
// from the URL and Expires, for a custom policy the decoded Policy value.
func (g *Grant) document(sp *params, url string) error {
	if sp.policy == "" {
		n, err := epochDigits(sp.expires)
		if err != nil {
			return malformed("Expires " + strconv.Quote(sp.expires) + ": " + err.Error())
		}
		g.Canned, g.Resource, g.Expires = true, url, time.Unix(n, 0)
		g.Document = signing.Policy{Resource: url, Expires: g.Expires}.AppendJSON(nil)
		return nil
	}
	doc, err := signing.DecodeURLSafe(sp.policy)
	if err != nil {
		return malformed("Policy is not CloudFront base64: " + err.Error())
	}
	g.Document = doc
	return nil
}

// verifySignature checks sig (URL-safe base64) over doc. The hash comes from
// Hash-Algorithm and the scheme from the key, as CloudFront combines them; the
// signing package's Verify ties the hash to the key type, so it is not used here.
func verifySignature(pub crypto.PublicKey, hashAlg string, doc []byte, sig string) error {
	raw, err := signing.DecodeURLSafe(sig)
	if err != nil {
		return refuse(ErrBadSignature, msgBadSignature, "Signature is not CloudFront base64")
	}
	h, digest := crypto.SHA1, sha1.Sum(doc)
	sum := digest[:]
	if hashAlg == "SHA256" {
		d := sha256.Sum256(doc)
		h, sum = crypto.SHA256, d[:]
	}
	ok := false
	switch k := pub.(type) {
	case *rsa.PublicKey:
		ok = rsa.VerifyPKCS1v15(k, h, sum, raw) == nil
	case *ecdsa.PublicKey:
		ok = ecdsa.VerifyASN1(k, sum, raw)
	}
	if !ok {
		return refuse(ErrBadSignature, msgBadSignature, "the signature does not verify with the key over the policy")
	}
	return nil
}

// checkConditions applies the policy to this request, now.
func (e *Edge) checkConditions(g *Grant, url string, r *http.Request) error {
	now := e.cfg.Now()
	if now.Unix() >= g.Expires.Unix() {
		return refuse(ErrExpired, msgExpired, "DateLessThan "+g.Expires.UTC().Format(time.RFC3339))
	}
	if !g.Start.IsZero() && now.Unix() < g.Start.Unix() {
		return refuse(ErrNotYetValid, msgAccessDenied, "DateGreaterThan "+g.Start.UTC().Format(time.RFC3339))
	}
	if !g.Canned && !wildcardMatch(g.Resource, url) {
		return refuse(ErrResourceMismatch, msgAccessDenied, "resource "+strconv.Quote(g.Resource)+" does not match "+strconv.Quote(url))
	}
	if g.SourceIP.IsValid() {
		ip := e.cfg.ViewerIP(r).Unmap()
		if !ip.Is4() || !g.SourceIP.Contains(ip) {
			return refuse(ErrIPNotAllowed, msgAccessDenied, "viewer "+ip.String()+" is not in "+g.SourceIP.String())
		}
	}
	return nil
}

// wildcardMatch matches s against pattern as a whole: '*' is any run of bytes,
// empty included, '?' exactly one byte. Greedy with backtracking to the last '*':
// linear in practice, at worst len(pattern)*len(s).
func wildcardMatch(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case star >= 0:
			mark++
			p, i = star+1, mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// epochDigits parses a Unix time written as plain decimal digits, the only form
// signers write: no sign, no leading zero, no fraction, at most 12 digits.
func epochDigits(s string) (int64, error) {
	if s == "" || len(s) > 12 || (len(s) > 1 && s[0] == '0') {
		return 0, errors.New("not an epoch time in seconds")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errors.New("not an epoch time in seconds")
		}
	}
	return strconv.ParseInt(s, 10, 64)
}

// params are the signing values of one request, from the query or the cookies.
type params struct {
	expires, policy, signature, keyPairID, hashAlgorithm string
	fromCookies                                          bool
}

// The signing parameter names, in the query and (with "CloudFront-") as cookies.
var paramNames = []string{"Expires", "Policy", "Signature", "Key-Pair-Id", "Hash-Algorithm"}

// signedParams takes the signing values from the query when any is there, else from
// the cookies, and returns the rest of the raw query, as the resource sees it.
func signedParams(r *http.Request) (*params, string, error) {
	values, rest, err := splitQuery(r.URL.RawQuery)
	if err != nil {
		return nil, "", err
	}
	sp := &params{}
	if len(values) == 0 {
		sp.fromCookies = true
		for _, name := range paramNames {
			if c, err := r.Cookie("CloudFront-" + name); err == nil {
				values[name] = c.Value
			}
		}
	}
	sp.expires, sp.policy, sp.signature = values["Expires"], values["Policy"], values["Signature"]
	sp.keyPairID, sp.hashAlgorithm = values["Key-Pair-Id"], values["Hash-Algorithm"]
	return sp, rest, sp.check()
}

// check refuses incomplete or contradictory sets, the key pair id first as
// CloudFront reports it first.
func (sp *params) check() error {
	where := "query parameter"
	if sp.fromCookies {
		where = "cookie"
	}
	switch {
	case sp.keyPairID == "":
		return refuse(ErrMissingSignature, msgMissingKey, "no Key-Pair-Id "+where)
	case sp.signature == "":
		return refuse(ErrMissingSignature, "Missing Signature query parameter or cookie value", "no Signature "+where)
	case sp.expires == "" && sp.policy == "":
		return refuse(ErrMissingSignature, "Missing Expires or Policy query parameter or cookie value", "no Expires or Policy "+where)
	case sp.expires != "" && sp.policy != "":
		return malformed("both Expires and Policy")
	case sp.hashAlgorithm != "" && sp.hashAlgorithm != "SHA1" && sp.hashAlgorithm != "SHA256":
		return malformed("Hash-Algorithm " + strconv.Quote(sp.hashAlgorithm))
	}
	return nil
}

// splitQuery separates the signing parameters from the rest of a raw query, keeping
// the rest byte for byte and in order. Names are compared as sent; a repeated
// signing parameter is refused rather than guessed at.
func splitQuery(raw string) (map[string]string, string, error) {
	values := map[string]string{}
	var rest []string
	for part := range strings.SplitSeq(raw, "&") {
		name, value, _ := strings.Cut(part, "=")
		if !slices.Contains(paramNames, name) {
			if part != "" {
				rest = append(rest, part)
			}
			continue
		}
		if _, dup := values[name]; dup {
			return nil, "", malformed("repeated " + name)
		}
		v, err := url.PathUnescape(value) // not QueryUnescape: a '+' stays a '+'

		if err != nil {
			return nil, "", malformed(name + ": bad percent-encoding")
		}
		values[name] = v
	}
	return values, strings.Join(rest, "&"), nil
}
