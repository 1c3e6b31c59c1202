package signing

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// ErrBadPolicy is returned for a policy Signet will not sign.
var ErrBadPolicy = errors.New("signing: bad policy")

// Policy is what a signature grants.
type Policy struct {
	// Resource is the encoded URL (see EncodeURL), or a wildcard made by
	// WildcardResource.
	Resource string
	// Expires is required: CloudFront's DateLessThan.
	Expires time.Time
	// Start, when set, is DateGreaterThan: the signature is not valid before it.
	Start time.Time
	// SourceIP, when valid, restricts viewers to this IPv4 prefix.
	SourceIP netip.Prefix
}

// Canned reports whether p fits a canned policy: exact resource, expiry only.
func (p Policy) Canned() bool {
	return p.Start.IsZero() && !p.SourceIP.IsValid() && !strings.Contains(p.Resource, "*")
}

// Validate checks p.
func (p Policy) Validate() error {
	if p.Resource == "" {
		return fmt.Errorf("%w: resource is required", ErrBadPolicy)
	}
	if err := checkResource(p.Resource); err != nil {
		return err
	}
	if p.Expires.IsZero() || p.Expires.Unix() <= 0 {
		return fmt.Errorf("%w: expiry is required", ErrBadPolicy)
	}
	if !p.Start.IsZero() && !p.Start.Before(p.Expires) {
		return fmt.Errorf("%w: start %s is not before expiry %s", ErrBadPolicy, p.Start.UTC().Format(time.RFC3339), p.Expires.UTC().Format(time.RFC3339))
	}
	if p.SourceIP.IsValid() && !p.SourceIP.Addr().Is4() {
		return fmt.Errorf("%w: source ip %s: only IPv4 prefixes are supported", ErrBadPolicy, p.SourceIP)
	}
	return nil
}

// checkResource accepts an encoded https URL, optionally ending in "/*", with no other
// wildcard and nothing that could widen it.
func checkResource(r string) error {
	if !strings.HasPrefix(r, "https://") {
		return fmt.Errorf("%w: resource %q must start with https://", ErrBadPolicy, r)
	}
	rest := r[len("https://"):]
	host, path, ok := strings.Cut(rest, "/")
	if !ok || host == "" || path == "" {
		return fmt.Errorf("%w: resource %q needs a host and a path", ErrBadPolicy, r)
	}
	body := path
	if strings.HasSuffix(path, "/*") {
		body = strings.TrimSuffix(path, "*")
	}
	for i := 0; i < len(host); i++ {
		if !hostByte(host[i]) {
			return fmt.Errorf("%w: resource %q: bad host", ErrBadPolicy, r)
		}
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c == '*' || c == '?' || c == '"' || c == '\\' || c < 0x21 || c > 0x7e {
			return fmt.Errorf("%w: resource %q: %q is not allowed there (wildcards only as a final \"/*\")", ErrBadPolicy, r, string(c))
		}
	}
	if strings.Contains(body, "//") {
		return fmt.Errorf("%w: resource %q: empty path segment", ErrBadPolicy, r)
	}
	return nil
}

func hostByte(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == ':'
}

// WildcardResource is the resource that covers everything under prefix on domain:
// "https://<domain>/<encoded prefix>/*". The prefix must be canonical (see
// CanonicalPath); the trailing "/" before "*" is what keeps "a/*" from matching "ab/".
func WildcardResource(domain, prefix string) (string, error) {
	prefix = strings.TrimSuffix(prefix, "/")
	if err := CanonicalPath(prefix); err != nil {
		return "", err
	}
	u, err := EncodeURL("https://" + domain + "/" + prefix)
	if err != nil {
		return "", err
	}
	return u + "/*", nil
}

// Within reports whether resource (exact or wildcard) lies inside prefixURL, an
// encoded "https://domain/prefix/" ending in "/".
func Within(resource, prefixURL string) bool {
	return strings.HasSuffix(prefixURL, "/") && strings.HasPrefix(resource, prefixURL) && len(resource) > len(prefixURL) && checkResource(resource) == nil
}

// AppendJSON appends p's policy document, byte for byte what CloudFront's docs and
// the AWS JavaScript signer produce:
// {"Statement":[{"Resource":"…","Condition":{"DateLessThan":{"AWS:EpochTime":N}[,"DateGreaterThan":{…}][,"IpAddress":{"AWS:SourceIp":"a.b.c.d/n"}]}}]}
// The resource has passed checkResource, so it holds no byte JSON would escape.
func (p Policy) AppendJSON(b []byte) []byte {
	b = append(b, `{"Statement":[{"Resource":"`...)
	b = append(b, p.Resource...)
	b = append(b, `","Condition":{"DateLessThan":{"AWS:EpochTime":`...)
	b = strconv.AppendInt(b, p.Expires.Unix(), 10)
	b = append(b, '}')
	if !p.Start.IsZero() {
		b = append(b, `,"DateGreaterThan":{"AWS:EpochTime":`...)
		b = strconv.AppendInt(b, p.Start.Unix(), 10)
		b = append(b, '}')
	}
	if p.SourceIP.IsValid() {
		b = append(b, `,"IpAddress":{"AWS:SourceIp":"`...)
		b = p.SourceIP.AppendTo(b)
		b = append(b, `"}`...)
	}
	return append(b, "}}]}"...)
}

// JSON is the policy document as a string, after validation.
func (p Policy) JSON() (string, error) {
	if err := p.Validate(); err != nil {
		return "", err
	}
	return string(p.AppendJSON(nil)), nil
}

// ParseSourceIP accepts "a.b.c.d" (meaning /32) or "a.b.c.d/n" and returns the
// masked prefix; anything else, IPv6 included, is an error.
func ParseSourceIP(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is4() {
			return netip.Prefix{}, fmt.Errorf("%w: source ip %q is not an IPv4 address or CIDR", ErrBadPolicy, s)
		}
		return netip.PrefixFrom(a, 32), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, fmt.Errorf("%w: source ip %q is not an IPv4 address or CIDR", ErrBadPolicy, s)
	}
	if p.Masked() != p {
		return netip.Prefix{}, fmt.Errorf("%w: source ip %q has host bits set (did you mean %s?)", ErrBadPolicy, s, p.Masked())
	}
	return p, nil
}

// RoundUp returns t rounded up to a multiple of window: expiry times on a grid let
// repeated requests share a cached signature.
func RoundUp(t time.Time, window time.Duration) time.Time {
	if window <= 0 {
		return t
	}
	r := t.Truncate(window)
	if r.Before(t) {
		r = r.Add(window)
	}
	return r
}
