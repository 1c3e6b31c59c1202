package signing_test

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	cfsign "github.com/aws/aws-sdk-go-v2/feature/cloudfront/sign"

	"github.com/signet-cdk/signet/signing"
)

func TestCanonicalPath(t *testing.T) {
	for _, ok := range []string{"a", "reports/2025/q1.pdf", "A-b_c.d!'()", "x/y/z", strings.Repeat("a", 1024)} {
		if err := signing.CanonicalPath(ok); err != nil {
			t.Errorf("%q rejected: %v", ok, err)
		}
	}
	for _, bad := range []string{
		"", "/a", "a/", "a//b", "./a", "a/./b", "a/../b", "..", ".", `a\b`, "a%2e%2e/b", "a b", "a\x00b",
		"a\nb", "é", "a*b", "a?b", "a#b", "a~b", "a:b", "a+b", strings.Repeat("a", 1025), "a/\u202e/b",
	} {
		if err := signing.CanonicalPath(bad); !errors.Is(err, signing.ErrBadPath) {
			t.Errorf("%q accepted (%v)", bad, err)
		}
	}
}

func TestJoinPathStaysInPrefix(t *testing.T) {
	if got, err := signing.JoinPath("customers/acme", "q1.pdf"); err != nil || got != "customers/acme/q1.pdf" {
		t.Fatalf("%q %v", got, err)
	}
	for _, p := range []string{"../globex/q1.pdf", "/etc/passwd", "a//b", ""} {
		if _, err := signing.JoinPath("customers/acme", p); err == nil {
			t.Errorf("%q joined", p)
		}
	}
}

func TestPolicyValidation(t *testing.T) {
	exp := time.Unix(2000000000, 0)
	cases := []struct {
		name string
		p    signing.Policy
		ok   bool
	}{
		{"exact", signing.Policy{Resource: "https://d.example/a/b.pdf", Expires: exp}, true},
		{"wildcard at end", signing.Policy{Resource: "https://d.example/a/*", Expires: exp}, true},
		{"no resource", signing.Policy{Expires: exp}, false},
		{"no expiry", signing.Policy{Resource: "https://d.example/a"}, false},
		{"http", signing.Policy{Resource: "http://d.example/a", Expires: exp}, false},
		{"wildcard mid path", signing.Policy{Resource: "https://d.example/a*/b", Expires: exp}, false},
		{"wildcard without slash", signing.Policy{Resource: "https://d.example/a*", Expires: exp}, false},
		{"whole domain", signing.Policy{Resource: "https://d.example/*", Expires: exp}, false},
		{"question mark", signing.Policy{Resource: "https://d.example/a?b", Expires: exp}, false},
		{"wildcard host", signing.Policy{Resource: "https://*.example/a", Expires: exp}, false},
		{"quote injection", signing.Policy{Resource: `https://d.example/a","Resource":"https://d.example/*`, Expires: exp}, false},
		{"start after expiry", signing.Policy{Resource: "https://d.example/a", Expires: exp, Start: exp.Add(time.Second)}, false},
	}
	for _, c := range cases {
		err := c.p.Validate()
		if (err == nil) != c.ok {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

func TestParseSourceIP(t *testing.T) {
	for in, want := range map[string]string{"203.0.113.7": "203.0.113.7/32", "203.0.113.0/24": "203.0.113.0/24", "0.0.0.0/0": "0.0.0.0/0"} {
		p, err := signing.ParseSourceIP(in)
		if err != nil || p.String() != want {
			t.Errorf("%s: %v %v", in, p, err)
		}
	}
	for _, bad := range []string{"", "2001:db8::/32", "::1", "203.0.113.7/24", "256.0.0.1", "1.2.3", "1.2.3.4/33", "1.2.3.4/"} {
		if _, err := signing.ParseSourceIP(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestWildcardNeverReachesPastPrefix(t *testing.T) {
	w, err := signing.WildcardResource("d.example", "customers/acme")
	if err != nil || w != "https://d.example/customers/acme/*" {
		t.Fatalf("%q %v", w, err)
	}
	if !signing.Within(w, "https://d.example/customers/acme/") || signing.Within(w, "https://d.example/customers/acme2/") {
		t.Error("Within misjudges")
	}
	for _, bad := range []string{"", "customers/../x", "customers/*", "/customers"} {
		if _, err := signing.WildcardResource("d.example", bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	s := rsaSigner(t)
	// A wildcard that does not cover the URL is refused.
	if _, err := s.SignURL("https://d.example/customers/globex/q1.pdf", signing.URLOptions{Expires: expires, Resource: w}); err == nil {
		t.Error("signed a URL outside its wildcard")
	}
}

func rsaSigner(t testing.TB, opts ...signing.Option) *signing.Signer {
	r, _ := testKeys(t)
	s, err := signing.NewSigner("K2JCJMDEHXQW5F", r, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestKeysParseInEveryPEMForm(t *testing.T) {
	r, e := testKeys(t)
	if _, err := signing.NewSigner("K1", r); err != nil {
		t.Error(err)
	}
	if s, err := signing.NewSigner("K1", e); err != nil || s.Algorithm() != signing.ECDSASHA256 {
		t.Error(err)
	}
	for _, bad := range [][]byte{nil, []byte("not pem"), []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")} {
		if _, err := signing.NewSigner("K1", bad); !errors.Is(err, signing.ErrBadKey) {
			t.Errorf("accepted %q", bad)
		}
	}
	if _, err := signing.NewSigner("K1-bad", r); !errors.Is(err, signing.ErrBadKey) {
		t.Error("accepted a bad key pair id")
	}
}

// aws-sdk-go-v2's feature/cloudfront/sign and Signet give byte-identical canned URLs
// for RSA, with and without the cache.
func TestSDKAgreesOnCannedURLs(t *testing.T) {
	key := benchRSAKey(t)
	sdk := cfsign.NewURLSigner("K2JCJMDEHXQW5F", key)
	for _, raw := range []string{"https://d.example/acme/q1.pdf", "https://d.example/acme/a b/é.pdf", "https://d.example/x"} {
		u, _ := signing.EncodeURL(raw)
		want, err := sdk.Sign(u, expires)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []*signing.Signer{rsaSigner(t), rsaSigner(t, signing.WithCache(8))} {
			got, err := s.SignURL(raw, signing.URLOptions{Expires: expires})
			if err != nil || got != want {
				t.Fatalf("\n got %s\nwant %s\n%v", got, want, err)
			}
		}
	}
}

func TestCacheServesIdenticalSignaturesAndExpires(t *testing.T) {
	now := time.Unix(1893455000, 0)
	s := rsaSigner(t, signing.WithCache(4), signing.WithClock(func() time.Time { return now }))
	plain := rsaSigner(t)
	opts := signing.URLOptions{Expires: expires, SourceIP: "203.0.113.0/24"}
	first, _ := s.SignURL("https://d.example/acme/q1.pdf", opts)
	second, _ := s.SignURL("https://d.example/acme/q1.pdf", opts)
	fresh, _ := plain.SignURL("https://d.example/acme/q1.pdf", opts)
	if first != second || first != fresh {
		t.Fatal("cache changed the answer")
	}
	// Another resource, IP or expiry never shares an entry.
	other, _ := s.SignURL("https://d.example/acme/q2.pdf", opts)
	if other == first {
		t.Fatal("different resource, same URL")
	}
	// Past expiry the entry is not used (the signature is recomputed: same bytes).
	now = expires.Add(time.Second)
	again, _ := s.SignURL("https://d.example/acme/q1.pdf", opts)
	if again != fresh {
		t.Fatal("recomputed signature differs")
	}
	// Many goroutines, many resources, small cache: no race, every answer correct.
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				u := "https://d.example/acme/f" + string(rune('a'+(g+i)%6)) + ".pdf"
				got, err := s.SignURL(u, signing.URLOptions{Expires: expires})
				want, _ := plain.SignURL(u, signing.URLOptions{Expires: expires})
				if err != nil || got != want {
					t.Errorf("concurrent: %v", err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

func TestRoundUp(t *testing.T) {
	base := time.Unix(1000, 0)
	if got := signing.RoundUp(base.Add(time.Second), time.Minute); !got.Equal(time.Unix(1020, 0)) {
		t.Errorf("%v", got.Unix())
	}
	if got := signing.RoundUp(time.Unix(1020, 0), time.Minute); got.Unix() != 1020 {
		t.Errorf("%v", got.Unix())
	}
}

func TestCookieAttributes(t *testing.T) {
	s := rsaSigner(t)
	cs, err := s.SignedCookies(signing.Policy{Resource: "https://d.example/acme/*", Expires: expires},
		signing.CookieOptions{Domain: ".example.com", Path: "/acme/", SameSite: http.SameSiteStrictMode})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, c := range cs {
		names[c.Name] = true
		if c.Domain != ".example.com" || c.Path != "/acme/" || c.SameSite != http.SameSiteStrictMode || !c.Secure || !c.HttpOnly {
			t.Errorf("%+v", c)
		}
		if err := c.Valid(); err != nil {
			t.Errorf("%s: %v", c.Name, err)
		}
	}
	if !names["CloudFront-Policy"] || names["CloudFront-Expires"] || len(cs) != 3 {
		t.Errorf("cookies %v", names)
	}
	// The defaults: host-only, Lax, Max-Age up to the policy's expiry.
	now := expires.Add(-90 * time.Second)
	cs, err = s.SignedCookies(signing.Policy{Resource: "https://d.example/a", Expires: expires}, signing.CookieOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		line := c.String()
		if c.Domain != "" || strings.Contains(line, "Domain=") || c.MaxAge != 90 || !strings.Contains(line, "Max-Age=90") ||
			!strings.Contains(line, "SameSite=Lax") || !strings.Contains(line, "Path=/;") {
			t.Errorf("default attributes: %s", line)
		}
	}
	if _, err := s.SignedCookies(signing.Policy{Resource: "https://d.example/a", Expires: expires}, signing.CookieOptions{Now: expires}); err == nil {
		t.Error("cookies set at their expiry")
	}
}
