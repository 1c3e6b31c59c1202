package edge_test

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/signet-cdk/signet/local/edge"
	"github.com/signet-cdk/signet/signing"
)

// httptestRequest is the server-side request a viewer's fullURL arrives as.
func httptestRequest(t testing.TB, method, fullURL string) *http.Request {
	t.Helper()
	rest, ok := strings.CutPrefix(fullURL, "https://")
	i := strings.IndexByte(rest, '/')
	if !ok || i < 0 {
		t.Fatalf("not an https URL with a path: %q", fullURL)
	}
	return httptest.NewRequest(method, rest[i:], nil)
}

// dropParam removes the query parameter name from rawURL.
func dropParam(rawURL, name string) string {
	base, q, _ := strings.Cut(rawURL, "?")
	var keep []string
	for p := range strings.SplitSeq(q, "&") {
		if n, _, _ := strings.Cut(p, "="); n != name {
			keep = append(keep, p)
		}
	}
	return base + "?" + strings.Join(keep, "&")
}

// setParam replaces the value of the query parameter name in rawURL.
func setParam(rawURL, name, value string) string {
	return dropParam(rawURL, name) + "&" + name + "=" + value
}

func param(rawURL, name string) string {
	_, q, _ := strings.Cut(rawURL, "?")
	for p := range strings.SplitSeq(q, "&") {
		if n, v, _ := strings.Cut(p, "="); n == name {
			return v
		}
	}
	return ""
}

func isRefusal(err error, reason error) bool {
	var ref *edge.Refusal
	return errors.Is(err, reason) && errors.As(err, &ref) && ref.Message != ""
}

func cloudFrontBase64(doc []byte) string {
	return strings.NewReplacer("+", "-", "=", "_", "/", "~").Replace(base64.StdEncoding.EncodeToString(doc))
}

// customURL signs doc as it stands (any JSON) and returns a URL for path carrying it.
func customURL(t testing.TB, c *cdn, s *signing.Signer, path, doc string) string {
	t.Helper()
	sig, err := s.SignPolicy([]byte(doc), expires)
	if err != nil {
		t.Fatal(err)
	}
	u := c.url(t, path) + "?Policy=" + cloudFrontBase64([]byte(doc)) + "&Signature=" + sig + "&Key-Pair-Id=" + s.KeyPairID()
	if s.Algorithm() == signing.ECDSASHA256 {
		u += "&Hash-Algorithm=SHA256"
	}
	return u
}

func without(cookies []*http.Cookie, name string) []*http.Cookie {
	var out []*http.Cookie
	for _, c := range cookies {
		if c.Name != name {
			out = append(out, c)
		}
	}
	return out
}

// A refusal case builds its request against a fresh edge whose clock and viewer
// address it may set.
type refusal struct {
	name    string
	at      time.Time // the edge's clock; zero: now
	viewer  string    // the viewer's IP; empty: the connection's
	request func(t *testing.T, c *cdn) (method, url string, cookies []*http.Cookie)
	want    error
	message string // the body's Message, when CloudFront documents it
}

const fileA = "customers/acme/shared/a.txt"

func refusals(t *testing.T) []refusal {
	rs, es := signers(t)
	get := func(u string, cookies []*http.Cookie) (string, string, []*http.Cookie) {
		return http.MethodGet, u, cookies
	}
	signURL := func(t *testing.T, c *cdn, s *signing.Signer, key string, o signing.URLOptions) string {
		if o.Expires.IsZero() {
			o.Expires = expires
		}
		u, err := s.SignURL("https://"+c.domain+"/"+key, o)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	canned := func(t *testing.T, c *cdn) string { return signURL(t, c, rs, fileA, signing.URLOptions{}) }
	cookies := func(t *testing.T, c *cdn, s *signing.Signer, p signing.Policy) []*http.Cookie {
		jar, err := s.SignedCookies(p, signing.CookieOptions{Domain: c.domain})
		if err != nil {
			t.Fatal(err)
		}
		return jar
	}
	cannedCookies := func(t *testing.T, c *cdn) []*http.Cookie {
		return cookies(t, c, rs, signing.Policy{Resource: c.url(t, fileA), Expires: expires})
	}
	folderCookies := func(t *testing.T, c *cdn) []*http.Cookie {
		folder, err := signing.WildcardResource(c.domain, "customers/acme/shared")
		if err != nil {
			t.Fatal(err)
		}
		return cookies(t, c, rs, signing.Policy{Resource: folder, Expires: expires})
	}
	exp := strconv.FormatInt(expires.Unix(), 10)
	return []refusal{
		{name: "no signature", want: edge.ErrMissingSignature, message: "Missing Key-Pair-Id query parameter or cookie value",
			request: func(t *testing.T, c *cdn) (string, string, []*http.Cookie) { return get(c.url(t, fileA), nil) }},
		{name: "cookies without the signature", want: edge.ErrMissingSignature,
			request: func(t *testing.T, c *cdn) (string, string, []*http.Cookie) {
				return get(c.url(t, fileA), without(cannedCookies(t, c), "CloudFront-Signature"))
			}},
		{name: "cookies without the key pair id", want: edge.ErrMissingSignature, message: "Missing Key-Pair-Id query parameter or cookie value",
			request: func(t *testing.T, c *cdn) (string, string, []*http.Cookie) {
				return get(c.url(t, fileA), without(cannedCookies(t, c), "CloudFront-Key-Pair-Id"))
			}},
		{name: "cookies without the policy", want: edge.ErrMissingSignature,
			request: func(t *testing.T, c *cdn) (string, string, []*http.Cookie) {
				return get(c.url(t, fileA), without(folderCookies(t, c), "CloudFront-Policy"))
			}},
		{name: "a partial query wins over valid cookies", want: edge.ErrMissingSignature,
			request: func(t *testing.T, c *cdn) (string, string, []*http.Cookie) {
				return get(c.url(t, fileA)+"?Key-Pair-Id="+rsaID, cannedCookies(t, c))
			}},
		{name: "unknown key pair id", want: edge.ErrUnknownKey, message: "Unknown Key",
			request: func(t *testing.T, c *cdn) (string, string, []*http.Cookie) {
				rk, _ := keys()
				other, err := signing.NewSignerFromKey("KUNKNOWN1", rk)
				if err != nil {
					t.Fatal(err)
				}
				return get(signURL(t, c, other, fileA, signing.URLOptions{}), nil)
			}},
		{name: "tampered signature", want: edge.ErrBadSignature, message: "Invalid signature",
			request: func(t *testing.T, c *cdn) (string, string, []*http.Cookie) {
				u := canned(t, c)
				sig := []byte(param(u, "Signature"))
				sig[10] = map[bool]byte{true: 'A', false: 'B'}[sig[10] != 'A']
				return get(setParam(u, "Signature", string(sig)), nil)
			}},
		{name: "tampered policy", want: edge.ErrBadSignature,
			request: func(t *testing.T, c *cdn) (string, string, []*http.Cookie) {
				u := signURL(t, c, rs, fileA, signing.URLOptions{Start: now.Add(-time.Minute)})
				doc, err := signing.DecodeURLSafe(param(u, "Policy"))
				if err != nil {
					t.Fatal(err)
				}
				forged := strings.Replace(string(doc), "shared/a.txt", "private/a", 1)
				return get(strings.Replace(setParam(u, "Policy", cloudFrontBase64([]byte(forged))), "shared/a.txt", "private/a", 1), nil)
			}},
		{name: "tampered path, canned", want: edge.ErrBadSignature,
			request: func(t *testing.T, c *cdn) (string, string, []*http.Cookie) {
				return get(strings.Replace(canned(t, c), "shared/a.txt", "private/a", 1), nil)
			}},
		{name: "tampered path, custom", want: edge.ErrResourceMismatch, message: "Access denied",
			request: func(t *testing.T, c *cdn) (string, string, []*http.Cookie) {
				u := signURL(t, c, es, fileA, signing.URLOptions{Start: now.Add(-time.Minute)})
				return get(strings.Replace(u, "shared/a.txt", "private/a", 1), nil)
			}},
		{name: "ecdsa signature without its Hash-Algorithm", want: edge.ErrBadSignature,
			request: func(t *testing.T, c *cdn) (string, string, []*http.Cookie) {
				return get(dropParam(signURL(t, c, es, fileA, signing.URLOptions{}), "Hash-Algorithm"), nil)
			}},
		{name: "expired url", at: expires, want: edge.ErrExpired, message: "Request has expired",
			request: func(t *testing.T, c *cdn) (string, string, []*http.Cookie) { return get(canned(t, c), nil) }},
		{name: "expired cookies", at: expires.Add(time.Hour), want: edge.ErrExpired, message: "Request has expired",
			request: func(t *testing.T, c *cdn) (string, string, []*http.Cookie) {
				return get(c.url(t, fileA), folderCookies(t, c))
			}},
		{name: "not yet valid", want: edge.ErrNotYetValid,
			request: func(t *testing.T, c *cdn) (string, string, []*http.Cookie) {
				return get(signURL(t, c, rs, fileA, signing.URLOptions{Start: now.Add(time.Second)}), nil)
			}},
		{name: "viewer outside the ip range", viewer: "198.51.100.7", want: edge.ErrIPNotAllowed,
			request: func(t *testing.T, c *cdn) (string, string, []*http.Cookie) {
				return get(signURL(t, c, rs, fileA, signing.URLOptions{SourceIP: "203.0.113.0/24"}), nil)
			}},
		{name: "ipv6 viewer never matches", viewer: "2001:db8::1", want: edge.ErrIPNotAllowed,
			request: func(t *testing.T, c *cdn) (string, string, []*http.Cookie) {
				return get(signURL(t, c, es, fileA, signing.URLOptions{SourceIP: "0.0.0.0/0"}), nil)
			}},
		{name: "folder wildcard on a sibling with the same prefix", want: edge.ErrResourceMismatch,
			request: func(t *testing.T, c *cdn) (string, string, []*http.Cookie) {
				return get(c.url(t, "customers/acme/sharedX/a"), folderCookies(t, c))
			}},
		{name: "folder wildcard on another folder", want: edge.ErrResourceMismatch,
			request: func(t *testing.T, c *cdn) (string, string, []*http.Cookie) {
				return get(c.url(t, "customers/acme/private/a"), folderCookies(t, c))
			}},
		{name: "POST to a file", want: edge.ErrMethodNotAllowed,
			request: func(t *testing.T, c *cdn) (string, string, []*http.Cookie) { return http.MethodPost, canned(t, c), nil }},
		{name: "malformed Expires", want: edge.ErrMalformed,
			request: func(t *testing.T, c *cdn) (string, string, []*http.Cookie) {
				return get(setParam(canned(t, c), "Expires", "19e8"), nil)
			}},
		{name: "Expires with a sign", want: edge.ErrMalformed,
			request: func(t *testing.T, c *cdn) (string, string, []*http.Cookie) {
				return get(setParam(canned(t, c), "Expires", "%2B"+exp), nil)
			}},
		{name: "bad base64 policy", want: edge.ErrMalformed,
			request: func(t *testing.T, c *cdn) (string, string, []*http.Cookie) {
				return get(setParam(signURL(t, c, rs, fileA, signing.URLOptions{Start: now}), "Policy", "eyJTdGF0ZW!!!"), nil)
			}},
		{name: "two statements", want: edge.ErrMalformed,
			request: func(t *testing.T, c *cdn) (string, string, []*http.Cookie) {
				st := `{"Resource":"` + c.url(t, fileA) + `","Condition":{"DateLessThan":{"AWS:EpochTime":` + exp + `}}}`
				return get(customURL(t, c, rs, fileA, `{"Statement":[`+st+`,`+st+`]}`), nil)
			}},
		{name: "unknown condition", want: edge.ErrMalformed,
			request: func(t *testing.T, c *cdn) (string, string, []*http.Cookie) {
				return get(customURL(t, c, es, fileA, `{"Statement":[{"Resource":"`+c.url(t, fileA)+
					`","Condition":{"DateLessThan":{"AWS:EpochTime":`+exp+`},"StringLike":{"aws:Referer":"*"}}}]}`), nil)
			}},
		{name: "condition key in another case", want: edge.ErrMalformed,
			request: func(t *testing.T, c *cdn) (string, string, []*http.Cookie) {
				return get(customURL(t, c, rs, fileA, `{"Statement":[{"Resource":"`+c.url(t, fileA)+
					`","Condition":{"dateLessThan":{"AWS:EpochTime":`+exp+`}}}]}`), nil)
			}},
		{name: "epoch time as a string", want: edge.ErrMalformed,
			request: func(t *testing.T, c *cdn) (string, string, []*http.Cookie) {
				return get(customURL(t, c, rs, fileA, `{"Statement":[{"Resource":"`+c.url(t, fileA)+
					`","Condition":{"DateLessThan":{"AWS:EpochTime":"`+exp+`"}}}]}`), nil)
			}},
		{name: "ipv6 source ip", want: edge.ErrMalformed,
			request: func(t *testing.T, c *cdn) (string, string, []*http.Cookie) {
				return get(customURL(t, c, rs, fileA, `{"Statement":[{"Resource":"`+c.url(t, fileA)+
					`","Condition":{"DateLessThan":{"AWS:EpochTime":`+exp+`},"IpAddress":{"AWS:SourceIp":"::/0"}}}]}`), nil)
			}},
		{name: "no Resource", want: edge.ErrMalformed,
			request: func(t *testing.T, c *cdn) (string, string, []*http.Cookie) {
				return get(customURL(t, c, rs, fileA, `{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":`+exp+`}}}]}`), nil)
			}},
		{name: "unknown Hash-Algorithm", want: edge.ErrMalformed,
			request: func(t *testing.T, c *cdn) (string, string, []*http.Cookie) {
				return get(canned(t, c)+"&Hash-Algorithm=MD5", nil)
			}},
		{name: "both Expires and Policy", want: edge.ErrMalformed,
			request: func(t *testing.T, c *cdn) (string, string, []*http.Cookie) {
				return get(signURL(t, c, rs, fileA, signing.URLOptions{Start: now})+"&Expires="+exp, nil)
			}},
		{name: "repeated Signature", want: edge.ErrMalformed,
			request: func(t *testing.T, c *cdn) (string, string, []*http.Cookie) {
				u := canned(t, c)
				return get(u+"&Signature="+param(u, "Signature"), nil)
			}},
	}
}

// Every way a request can fail CloudFront's checks, each told apart by its sentinel
// (Verify) and answered 403 with CloudFront's XML body (ServeHTTP, over TLS).
func TestRefusals(t *testing.T) {
	for _, tc := range refusals(t) {
		t.Run(tc.name, func(t *testing.T) {
			c := newCDN(t, func(cfg *edge.Config) {
				if !tc.at.IsZero() {
					cfg.Now = func() time.Time { return tc.at }
				}
				if tc.viewer != "" {
					cfg.ViewerIP = func(*http.Request) netip.Addr { return netip.MustParseAddr(tc.viewer) }
				}
			})
			method, u, cookies := tc.request(t, c)
			req := httptestRequest(t, method, u)
			for _, ck := range cookies {
				req.AddCookie(ck)
			}
			err := c.Verify(req)
			if !isRefusal(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
			var ref *edge.Refusal
			errors.As(err, &ref)
			if tc.message != "" && ref.Message != tc.message {
				t.Errorf("message %q, want %q", ref.Message, tc.message)
			}
			r := c.do(t, method, u, cookies, nil)
			wantXMLError(t, r, http.StatusForbidden, "AccessDenied", ref.Message)
			if r.header.Get("Strict-Transport-Security") == "" {
				t.Error("the response headers policy is missing from the refusal")
			}
		})
	}
}

// DateLessThan is exclusive and DateGreaterThan inclusive, to the second.
func TestTimeBoundaries(t *testing.T) {
	rs, _ := signers(t)
	start := now.Add(-time.Minute)
	for _, tc := range []struct {
		at   time.Time
		want error
	}{
		{start.Add(-time.Second), edge.ErrNotYetValid},
		{start, nil},
		{expires.Add(-time.Second), nil},
		{expires.Add(-time.Millisecond), nil},
		{expires, edge.ErrExpired},
	} {
		c := newCDN(t, func(cfg *edge.Config) { cfg.Now = func() time.Time { return tc.at } })
		u, err := rs.SignURL(c.url(t, fileA), signing.URLOptions{Expires: expires, Start: start})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Verify(httptestRequest(t, http.MethodGet, u)); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Errorf("at %v: %v, want %v", tc.at.Sub(now), err, tc.want)
		}
	}
}

// The CloudFront wildcards: * any run (empty too), ? exactly one byte, the whole URL.
func TestWildcardResource(t *testing.T) {
	rs, _ := signers(t)
	c := newCDN(t, nil)
	base := "https://" + c.domain + "/"
	for _, tc := range []struct {
		resource string
		ok       bool
	}{
		{base + "customers/acme/shared/*", true},
		{base + "customers/acme/shared/?.txt", true},
		{base + "customers/acme/shared/??.txt", false},
		{base + "customers/*/shared/a.txt", true},
		{base + "customers/acme/shared/a.txt*", true},
		{"https://*/customers/acme/shared/a.txt", true},
		{"*", true},
		{base + "customers/acme/shared", false},
		{base + "customers/acme/shared/", false},
		{"http://" + c.domain + "/customers/acme/shared/*", false},
		{base + "Customers/acme/shared/*", false},
	} {
		doc := `{"Statement":[{"Resource":"` + tc.resource + `","Condition":{"DateLessThan":{"AWS:EpochTime":` + strconv.FormatInt(expires.Unix(), 10) + `}}}]}`
		err := c.Verify(httptestRequest(t, http.MethodGet, customURL(t, c, rs, fileA, doc)))
		if tc.ok != (err == nil) || (err != nil && !errors.Is(err, edge.ErrResourceMismatch)) {
			t.Errorf("%s: %v", tc.resource, err)
		}
	}
}
