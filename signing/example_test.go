package signing_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/signet-cdk/signet/signing"
)

// examplePEM makes a throwaway key; in Signet the key comes from SSM.
func examplePEM() []byte {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// A canned-policy URL: the file, until an expiry.
func ExampleSigner_SignURL() {
	signer, err := signing.NewSigner("K2JCJMDEHXQW5F", examplePEM())
	if err != nil {
		fmt.Println(err)
		return
	}
	expires := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	signed, err := signer.SignURL("https://d111111abcdef8.cloudfront.net/acme/annual report.pdf", signing.URLOptions{Expires: expires})
	if err != nil {
		fmt.Println(err)
		return
	}
	u, _ := url.Parse(signed)
	q := u.Query()
	fmt.Println(u.EscapedPath())
	fmt.Println(q.Get("Expires"), q.Get("Key-Pair-Id"), q.Get("Hash-Algorithm"), q.Get("Signature") != "")
	// Output:
	// /acme/annual%20report.pdf
	// 1893456000 K2JCJMDEHXQW5F SHA256 true
}

// A custom policy: not before a start time, only from one network.
func ExampleSigner_SignURL_custom() {
	signer, _ := signing.NewSigner("K2JCJMDEHXQW5F", examplePEM())
	signed, err := signer.SignURL("https://d111111abcdef8.cloudfront.net/acme/q1.pdf", signing.URLOptions{
		Start:    time.Date(2029, 12, 31, 0, 0, 0, 0, time.UTC),
		Expires:  time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
		SourceIP: "203.0.113.0/24",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	u, _ := url.Parse(signed)
	doc, _ := signing.DecodeURLSafe(u.Query().Get("Policy"))
	fmt.Println(string(doc))
	// Output:
	// {"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/acme/q1.pdf","Condition":{"DateLessThan":{"AWS:EpochTime":1893456000},"DateGreaterThan":{"AWS:EpochTime":1893369600},"IpAddress":{"AWS:SourceIp":"203.0.113.0/24"}}}]}
}

// Signed cookies for everything under a customer's prefix.
func ExampleSigner_SignedCookies() {
	signer, _ := signing.NewSigner("K2JCJMDEHXQW5F", examplePEM())
	resource, _ := signing.WildcardResource("files.example.com", "customers/acme")
	cookies, err := signer.SignedCookies(
		signing.Policy{Resource: resource, Expires: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)},
		signing.CookieOptions{Domain: "files.example.com", Path: "/customers/acme/"},
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range cookies {
		fmt.Println(c.Name, c.Secure, c.HttpOnly, c.Path)
	}
	// Output:
	// CloudFront-Policy true true /customers/acme/
	// CloudFront-Signature true true /customers/acme/
	// CloudFront-Key-Pair-Id true true /customers/acme/
	// CloudFront-Hash-Algorithm true true /customers/acme/
}

// Object paths are checked, never cleaned up.
func ExampleCanonicalPath() {
	for _, p := range []string{"reports/q1.pdf", "../other/q1.pdf", "a//b"} {
		err := signing.CanonicalPath(p)
		var pe *signing.PathError
		if errors.As(err, &pe) {
			fmt.Println(p, "refused:", pe.Reason)
		} else {
			fmt.Println(p, "ok")
		}
	}
	// Output:
	// reports/q1.pdf ok
	// ../other/q1.pdf refused: must not contain a ".." segment
	// a//b refused: must not contain "//"
}
