package signing

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ErrBadURL is returned for a URL Signet will not sign.
var ErrBadURL = errors.New("signing: bad url")

// EncodeURL returns rawURL in the percent-encoded form CloudFront sees: scheme
// https, host as given (lower-cased), each path segment decoded once and re-encoded
// with encodeURIComponent's set. It refuses queries, fragments, user info and
// non-https schemes.
func EncodeURL(rawURL string) (string, error) {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok || scheme != "https" {
		return "", fmt.Errorf("%w: %q: must start with https://", ErrBadURL, rawURL)
	}
	host, path, _ := strings.Cut(rest, "/")
	if host == "" || strings.ContainsAny(host, "@ \\?#*") {
		return "", fmt.Errorf("%w: %q: bad host", ErrBadURL, rawURL)
	}
	if strings.ContainsAny(path, "?#") {
		return "", fmt.Errorf("%w: %q: query strings and fragments are not signed", ErrBadURL, rawURL)
	}
	var b strings.Builder
	b.Grow(len(rawURL) + 16)
	b.WriteString("https://")
	b.WriteString(strings.ToLower(host))
	b.WriteByte('/')
	for i, seg := range strings.Split(path, "/") {
		if i > 0 {
			b.WriteByte('/')
		}
		if dec, err := url.PathUnescape(seg); err == nil {
			seg = dec
		}
		encodeComponent(&b, seg)
	}
	return b.String(), nil
}

// encodeComponent writes s as encodeURIComponent would (for valid UTF-8).
func encodeComponent(b *strings.Builder, s string) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreservedComponent(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
}

func unreservedComponent(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '-', '_', '.', '!', '~', '\'', '(', ')':
		// encodeURIComponent also leaves '*' literal; Signet encodes it, because a
		// literal '*' in a policy Resource is a CloudFront wildcard.
		return true
	}
	return false
}
