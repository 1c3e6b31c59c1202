package signing_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signet-cdk/signet/internal/nodejs"
	"github.com/signet-cdk/signet/signing"
)

// Fixed test keys, generated once per test run (never committed).
var (
	keysOnce sync.Once
	rsaPEM   []byte
	ecPEM    []byte
)

func testKeys(t testing.TB) (rsaKey, ecKey []byte) {
	keysOnce.Do(func() {
		rk, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		rsaPEM = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rk)})
		ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		der, _ := x509.MarshalPKCS8PrivateKey(ek)
		ecPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	})
	return rsaPEM, ecPEM
}

type jsCase struct {
	Kind            string `json:"kind"`
	URL             string `json:"url,omitempty"`
	KeyPairID       string `json:"keyPairId"`
	PrivateKey      string `json:"privateKey"`
	DateLessThan    int64  `json:"dateLessThan,omitempty"`
	DateGreaterThan int64  `json:"dateGreaterThan,omitempty"`
	IPAddress       string `json:"ipAddress,omitempty"`
	WildcardRes     string `json:"wildcardResource,omitempty"`
	Algorithm       string `json:"algorithm,omitempty"`
}

type jsResult struct {
	URL     string         `json:"url"`
	Cookies map[string]any `json:"cookies"`
	Error   string         `json:"error"`
}

func runJS(t *testing.T, cases []jsCase) []jsResult {
	t.Helper()
	var res []jsResult
	if err := nodejs.RunJSON(filepath.Join("testdata", "jssigner.js"), cases, &res); err != nil {
		t.Fatal(err)
	}
	return res
}

// The shared table: every case goes through the JavaScript signer and Signet.
type signCase struct {
	name     string
	url      string
	alg      string // "" RSA, "SHA256" ECDSA
	start    time.Time
	ip       string
	wildcard string // prefix for a wildcard resource
	cookies  bool
}

var (
	expires = time.Unix(1893456000, 0) // 2030-01-01
	start   = time.Unix(1893450000, 0)
)

var signCases = []signCase{
	{name: "canned", url: "https://d111111abcdef8.cloudfront.net/acme/reports/q1.pdf"},
	{name: "custom with start", url: "https://d111111abcdef8.cloudfront.net/acme/reports/q1.pdf", start: start},
	{name: "custom with ip", url: "https://d111111abcdef8.cloudfront.net/acme/reports/q1.pdf", ip: "203.0.113.0/24"},
	{name: "custom with single ip", url: "https://d111111abcdef8.cloudfront.net/acme/q1.pdf", ip: "198.51.100.7"},
	{name: "custom with start and ip", url: "https://d111111abcdef8.cloudfront.net/acme/q1.pdf", start: start, ip: "192.0.2.0/28"},
	{name: "wildcard", url: "https://d111111abcdef8.cloudfront.net/acme/reports/q1.pdf", wildcard: "acme/reports"},
	{name: "path with a space", url: "https://d111111abcdef8.cloudfront.net/acme/annual report 2025.pdf"},
	{name: "non-ascii path", url: "https://d111111abcdef8.cloudfront.net/acme/résumé/データ.txt"},
	{name: "reserved characters", url: "https://d111111abcdef8.cloudfront.net/acme/a+b=c&d;e,f(1)!'~@$.txt"},
	{name: "already encoded", url: "https://d111111abcdef8.cloudfront.net/acme/annual%20report.pdf"},
	{name: "cookies canned", url: "https://d111111abcdef8.cloudfront.net/acme/q1.pdf", cookies: true},
	{name: "cookies custom wildcard", url: "https://d111111abcdef8.cloudfront.net/acme/x", wildcard: "acme", cookies: true},
	{name: "cookies custom start ip", url: "https://d111111abcdef8.cloudfront.net/acme/q1.pdf", start: start, ip: "203.0.113.9/32", cookies: true},
	{name: "ecdsa canned", url: "https://d111111abcdef8.cloudfront.net/acme/q1.pdf", alg: "SHA256"},
	{name: "ecdsa custom", url: "https://d111111abcdef8.cloudfront.net/acme/a b.pdf", alg: "SHA256", start: start, ip: "203.0.113.0/24"},
	{name: "ecdsa wildcard cookies", url: "https://d111111abcdef8.cloudfront.net/acme/x", alg: "SHA256", wildcard: "acme", cookies: true},
}

// Same inputs through the AWS JavaScript signer and Signet: Policy byte-identical,
// RSA Signature byte-identical (PKCS#1 v1.5 is deterministic), every signature
// (ECDSA ones from both sides included) verified with the public key.
func TestAgainstJavaScriptSigner(t *testing.T) {
	rsaKey, ecKey := testKeys(t)
	signers := map[string]*signing.Signer{}
	for alg, key := range map[string][]byte{"": rsaKey, "SHA256": ecKey} {
		s, err := signing.NewSigner("K2JCJMDEHXQW5F", key)
		if err != nil {
			t.Fatal(err)
		}
		signers[alg] = s
	}
	var js []jsCase
	for _, c := range signCases {
		key := rsaKey
		if c.alg == "SHA256" {
			key = ecKey
		}
		jc := jsCase{Kind: "url", URL: c.url, KeyPairID: "K2JCJMDEHXQW5F", PrivateKey: string(key), Algorithm: c.alg,
			DateLessThan: expires.Unix(), IPAddress: c.ip}
		if c.cookies {
			jc.Kind = "cookies"
		}
		if !c.start.IsZero() {
			jc.DateGreaterThan = c.start.Unix()
		}
		if c.wildcard != "" {
			res, err := signing.WildcardResource("d111111abcdef8.cloudfront.net", c.wildcard)
			if err != nil {
				t.Fatal(err)
			}
			jc.WildcardRes = res
		}
		js = append(js, jc)
	}
	results := runJS(t, js)
	for i, c := range signCases {
		t.Run(c.name, func(t *testing.T) {
			s := signers[c.alg]
			want := results[i]
			if want.Error != "" {
				t.Fatalf("js signer: %s", want.Error)
			}
			opts := signing.URLOptions{Expires: expires, Start: c.start, SourceIP: c.ip}
			if c.wildcard != "" {
				opts.Resource, _ = signing.WildcardResource("d111111abcdef8.cloudfront.net", c.wildcard)
			}
			var got, exp map[string]string
			var doc []byte
			if c.cookies {
				u, _ := signing.EncodeURL(c.url)
				p := signing.Policy{Resource: u, Expires: expires, Start: c.start}
				if opts.Resource != "" {
					p.Resource = opts.Resource
				}
				if c.ip != "" {
					p.SourceIP, _ = signing.ParseSourceIP(c.ip)
				}
				cookies, err := s.SignedCookies(p, signing.CookieOptions{Domain: "d111111abcdef8.cloudfront.net"})
				if err != nil {
					t.Fatal(err)
				}
				got = map[string]string{}
				for _, ck := range cookies {
					got[ck.Name] = ck.Value
					if !ck.Secure || !ck.HttpOnly || ck.Domain != "d111111abcdef8.cloudfront.net" || ck.Path != "/" || !ck.Expires.Equal(expires) {
						t.Errorf("cookie attributes: %+v", ck)
					}
				}
				exp = map[string]string{}
				for k, v := range want.Cookies {
					if f, ok := v.(float64); ok {
						exp[k] = strconv.FormatFloat(f, 'f', -1, 64)
					} else {
						exp[k] = fmt.Sprint(v)
					}
				}
				doc = p.AppendJSON(nil)
				compareParams(t, "CloudFront-", got, exp, c.alg)
				verifyBoth(t, s, doc, got["CloudFront-Signature"], exp["CloudFront-Signature"], c.alg)
				return
			}
			signed, err := s.SignURL(c.url, opts)
			if err != nil {
				t.Fatal(err)
			}
			gotBase, gotQ := splitURL(t, signed)
			wantBase, wantQ := splitURL(t, want.URL)
			if gotBase != wantBase {
				t.Errorf("signed URL base\n got %s\nwant %s", gotBase, wantBase)
			}
			compareParams(t, "", gotQ, wantQ, c.alg)
			if p := gotQ["Policy"]; p != "" {
				doc, _ = signing.DecodeURLSafe(p)
			} else {
				doc = signing.Policy{Resource: gotBase, Expires: expires}.AppendJSON(nil)
			}
			verifyBoth(t, s, doc, gotQ["Signature"], wantQ["Signature"], c.alg)
		})
	}
}

func splitURL(t *testing.T, s string) (string, map[string]string) {
	t.Helper()
	base, q, _ := strings.Cut(s, "?")
	vals, err := url.ParseQuery(q)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for k, v := range vals {
		m[k] = v[0]
	}
	return base, m
}

// compareParams: the same parameter names, Policy/Expires/Key-Pair-Id/Hash-Algorithm
// byte-identical, and the Signature too for RSA.
func compareParams(t *testing.T, prefix string, got, want map[string]string, alg string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("parameters\n got %v\nwant %v", keysOf(got), keysOf(want))
	}
	for k, w := range want {
		if k == prefix+"Signature" && alg == "SHA256" {
			continue // ECDSA signatures are randomized; both are verified instead
		}
		if got[k] != w {
			t.Errorf("%s\n got %q\nwant %q", k, got[k], w)
		}
	}
}

func verifyBoth(t *testing.T, s *signing.Signer, doc []byte, ours, theirs, alg string) {
	t.Helper()
	if err := signing.Verify(s.Public(), doc, ours); err != nil {
		t.Errorf("Signet's signature does not verify: %v", err)
	}
	if err := signing.Verify(s.Public(), doc, theirs); err != nil {
		t.Errorf("the JavaScript signature does not verify over Signet's policy bytes: %v", err)
	}
}

func keysOf(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// The one deliberate difference from the JavaScript signer: it leaves "*" literal,
// which CloudFront would read as a wildcard; Signet encodes it.
func TestAsteriskIsEncodedUnlikeJavaScript(t *testing.T) {
	rsaKey, _ := testKeys(t)
	const raw = "https://d111111abcdef8.cloudfront.net/acme/report*.pdf"
	res := runJS(t, []jsCase{{Kind: "url", URL: raw, KeyPairID: "K1", PrivateKey: string(rsaKey), DateLessThan: expires.Unix()}})
	if !strings.HasPrefix(res[0].URL, "https://d111111abcdef8.cloudfront.net/acme/report*.pdf?") {
		t.Fatalf("the JavaScript signer changed: %s", res[0].URL)
	}
	got, err := signing.EncodeURL(raw)
	if err != nil || got != "https://d111111abcdef8.cloudfront.net/acme/report%2A.pdf" {
		t.Fatalf("EncodeURL = %q, %v", got, err)
	}
}
