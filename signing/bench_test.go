package signing_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"

	cfsign "github.com/aws/aws-sdk-go-v2/feature/cloudfront/sign"

	"github.com/signet-cdk/signet/signing"
)

// The benchmarks behind `make bench`: every one signs a fresh policy for the same
// kind of URL, one signature per op, so ns/op converts to signatures per second.

const benchURL = "https://d111111abcdef8.cloudfront.net/customers/acme/reports/q1.pdf"

func benchRSAKey(b testing.TB) *rsa.PrivateKey {
	r, _ := testKeys(b)
	block, _ := pem.Decode(r)
	k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		b.Fatal(err)
	}
	return k
}

// BenchmarkRawRSA is the physical limit: crypto/rsa PKCS#1 v1.5 over SHA-1 of a canned
// policy, nothing else.
func BenchmarkRawRSA(b *testing.B) {
	k := benchRSAKey(b)
	doc := signing.Policy{Resource: benchURL, Expires: expires}.AppendJSON(nil)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h := sha1.Sum(doc)
		if _, err := rsa.SignPKCS1v15(nil, k, crypto.SHA1, h[:]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSDKSigner is aws-sdk-go-v2's feature/cloudfront/sign canned URL.
func BenchmarkSDKSigner(b *testing.B) {
	s := cfsign.NewURLSigner("K2JCJMDEHXQW5F", benchRSAKey(b))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Sign(benchURL, expires.Add(time.Duration(i)*time.Second)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignetRSACanned(b *testing.B) {
	s := rsaSigner(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.SignURL(benchURL, signing.URLOptions{Expires: expires.Add(time.Duration(i) * time.Second)}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignetRSACustom(b *testing.B) {
	s := rsaSigner(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.SignURL(benchURL, signing.URLOptions{Expires: expires.Add(time.Duration(i) * time.Second), Start: start, SourceIP: "203.0.113.0/24"}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignetECDSA(b *testing.B) {
	_, e := testKeys(b)
	s, err := signing.NewSigner("K2JCJMDEHXQW5F", e)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.SignURL(benchURL, signing.URLOptions{Expires: expires.Add(time.Duration(i) * time.Second)}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignetRSACached: the same resource within one expiry window (expiry
// rounded to a minute), as a busy client asking again would.
func BenchmarkSignetRSACached(b *testing.B) {
	s := rsaSigner(b, signing.WithCache(1024))
	exp := signing.RoundUp(time.Now().Add(10*time.Minute), time.Minute)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.SignURL(benchURL, signing.URLOptions{Expires: exp}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPairedRatios times raw crypto/rsa and Signet's signers alternately in one
// loop, so both see the same machine at the same moment; the reported ratios (Signet
// signatures per second over raw RSA signatures per second) are what `make bench`
// checks the targets against. Separate benchmarks drift apart on a shared machine.
func BenchmarkPairedRatios(b *testing.B) {
	k := benchRSAKey(b)
	rsaS := rsaSigner(b)
	_, e := testKeys(b)
	ecS, err := signing.NewSigner("K2JCJMDEHXQW5F", e)
	if err != nil {
		b.Fatal(err)
	}
	var raw, canned, custom, ec time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		exp := expires.Add(time.Duration(i) * time.Second)
		doc := signing.Policy{Resource: benchURL, Expires: exp}.AppendJSON(nil)
		t0 := time.Now()
		h := sha1.Sum(doc)
		if _, err := rsa.SignPKCS1v15(nil, k, crypto.SHA1, h[:]); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := rsaS.SignURL(benchURL, signing.URLOptions{Expires: exp}); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		if _, err := rsaS.SignURL(benchURL, signing.URLOptions{Expires: exp, Start: start, SourceIP: "203.0.113.0/24"}); err != nil {
			b.Fatal(err)
		}
		t3 := time.Now()
		for j := 0; j < 10; j++ { // ECDSA is ~30x faster: ten signatures per round
			if _, err := ecS.SignURL(benchURL, signing.URLOptions{Expires: exp.Add(time.Duration(j) * time.Millisecond)}); err != nil {
				b.Fatal(err)
			}
		}
		t4 := time.Now()
		raw, canned, custom, ec = raw+t1.Sub(t0), canned+t2.Sub(t1), custom+t3.Sub(t2), ec+t4.Sub(t3)/10
	}
	b.ReportMetric(float64(raw)/float64(canned), "canned-x")
	b.ReportMetric(float64(raw)/float64(custom), "custom-x")
	b.ReportMetric(float64(raw)/float64(ec), "ecdsa-x")
}
