package rdsca

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/fips140"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testCA is a certificate authority made for a test.
type testCA struct {
	cert *x509.Certificate
	key  crypto.Signer
}

var serial atomic.Int64

// newCA makes a CA named name, signed by parent or, without one, by itself. A
// non-empty rawSubject replaces the name byte for byte (an impostor of a real CA).
func newCA(t *testing.T, name string, parent *testCA, rawSubject []byte) *testCA {
	t.Helper()
	tmpl := &x509.Certificate{Subject: pkix.Name{CommonName: name}, RawSubject: rawSubject, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	cert, key := issue(t, tmpl, parent)
	return &testCA{cert, key}
}

// leafTemplate is a server certificate for names, valid now.
func leafTemplate(names ...string) *x509.Certificate {
	return &x509.Certificate{Subject: pkix.Name{CommonName: "server"}, DNSNames: names,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
}

// issue signs tmpl (given a fresh key, a serial and, unless set, a validity around
// now) by parent, or by itself without one.
func issue(t *testing.T, tmpl *x509.Certificate, parent *testCA) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = big.NewInt(serial.Add(1))
	if tmpl.NotAfter.IsZero() {
		tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	}
	signerCert, signerKey := tmpl, crypto.Signer(key)
	if parent != nil {
		signerCert, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signerCert, key.Public(), signerKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

func pemOf(certs ...*x509.Certificate) []byte {
	var b bytes.Buffer
	for _, c := range certs {
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return b.Bytes()
}

// useBundle makes pemBytes the bundle for one test; it returns how often it is indexed.
func useBundle(t *testing.T, pemBytes []byte) *atomic.Int32 {
	var indexed atomic.Int32
	old := bySubject
	bySubject = sync.OnceValues(func() (map[string][]*authority, error) {
		indexed.Add(1)
		return index(pemBytes)
	})
	t.Cleanup(func() { bySubject = old })
	return &indexed
}

// handshake connects a TLS client with cfg, over loopback, to a server presenting
// chain (leaf first) and returns the client's error.
func handshake(t *testing.T, cfg *tls.Config, key crypto.Signer, chain ...*x509.Certificate) error {
	t.Helper()
	cert := tls.Certificate{PrivateKey: key}
	for _, c := range chain {
		cert.Certificate = append(cert.Certificate, c.Raw)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if conn, err := ln.Accept(); err == nil {
			conn.SetDeadline(time.Now().Add(5 * time.Second))
			tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{cert}}).Handshake()
			conn.Close()
		}
	}()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	err = tls.Client(conn, cfg).Handshake()
	conn.Close()
	<-done
	return err
}

// verify-full, exactly: for each server chain, TLSConfig decides what crypto/tls
// decides with the whole bundle as RootCAs, and refuses a wrong CA, a wrong name, an
// expired certificate and one not for server authentication.
func TestVerifyFullLikeCryptoTLS(t *testing.T) {
	const host = "db.cluster-test.eu-west-1.rds.amazonaws.com"
	rootA := newCA(t, "Test RDS Root A", nil, nil)
	interB := newCA(t, "Test RDS Intermediate B", rootA, nil) // in the bundle
	rootC := newCA(t, "Test RDS Root C", nil, nil)
	interI := newCA(t, "Test Intermediate I", rootC, nil) // not in the bundle
	outsider := newCA(t, "Outsider", nil, nil)
	impostor := newCA(t, "", nil, rootA.cert.RawSubject) // rootA's name, another key

	expired := leafTemplate(host)
	expired.NotBefore, expired.NotAfter = time.Now().Add(-2*time.Hour), time.Now().Add(-time.Hour)
	clientOnly := leafTemplate(host)
	clientOnly.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	ipLeaf := leafTemplate()
	ipLeaf.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
	// A server certificate that is itself in the bundle, from a CA that is not:
	// x509 trusts it as a root (CertPool.contains), found by its own subject.
	listedTmpl := leafTemplate(host)
	listedTmpl.IsCA, listedTmpl.BasicConstraintsValid = true, true
	listed, listedKey := issue(t, listedTmpl, outsider)
	bundlePEM := pemOf(rootA.cert, interB.cert, rootC.cert, listed)
	indexed := useBundle(t, bundlePEM)
	stockRoots := x509.NewCertPool()
	stockRoots.AppendCertsFromPEM(bundlePEM)

	for _, tc := range []struct {
		name   string
		host   string
		tmpl   *x509.Certificate
		issuer *testCA
		extra  []*x509.Certificate // sent after the leaf
		accept bool
	}{
		{name: "bundle root, right name", host: host, tmpl: leafTemplate(host), issuer: rootA, accept: true},
		{name: "bundle root, wrong name", host: "db.cluster-other.eu-west-1.rds.amazonaws.com", tmpl: leafTemplate(host), issuer: rootA},
		{name: "wildcard name", host: host, tmpl: leafTemplate("*.cluster-test.eu-west-1.rds.amazonaws.com"), issuer: rootA, accept: true},
		{name: "IP address", host: "127.0.0.1", tmpl: ipLeaf, issuer: rootA, accept: true},
		{name: "wrong CA", host: host, tmpl: leafTemplate(host), issuer: outsider},
		{name: "wrong CA sent along", host: host, tmpl: leafTemplate(host), issuer: outsider, extra: []*x509.Certificate{outsider.cert}},
		{name: "impostor of a bundle CA", host: host, tmpl: leafTemplate(host), issuer: impostor, extra: []*x509.Certificate{impostor.cert}},
		{name: "bundle intermediate, not sent", host: host, tmpl: leafTemplate(host), issuer: interB, accept: true},
		{name: "bundle intermediate, sent", host: host, tmpl: leafTemplate(host), issuer: interB, extra: []*x509.Certificate{interB.cert, rootA.cert}, accept: true},
		{name: "other intermediate, sent", host: host, tmpl: leafTemplate(host), issuer: interI, extra: []*x509.Certificate{interI.cert}, accept: true},
		{name: "other intermediate, not sent", host: host, tmpl: leafTemplate(host), issuer: interI},
		{name: "expired", host: host, tmpl: expired, issuer: rootA},
		{name: "client authentication only", host: host, tmpl: clientOnly, issuer: rootA},
		{name: "self-signed", host: host, tmpl: leafTemplate(host), issuer: nil},
		{name: "leaf is in the bundle", host: host, accept: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leaf, key := listed, listedKey
			if tc.tmpl != nil {
				leaf, key = issue(t, tc.tmpl, tc.issuer)
			}
			chain := append([]*x509.Certificate{leaf}, tc.extra...)
			stock := handshake(t, &tls.Config{RootCAs: stockRoots, ServerName: tc.host, MinVersion: tls.VersionTLS12}, key, chain...)
			cfg, err := TLSConfig(tc.host)
			if err != nil {
				t.Fatal(err)
			}
			ours := handshake(t, cfg, key, chain...)
			if (stock == nil) != tc.accept || (ours == nil) != tc.accept {
				t.Fatalf("want accepted %v; crypto/tls: %v; rdsca: %v", tc.accept, stock, ours)
			}
			var verr *tls.CertificateVerificationError
			if !tc.accept && !errors.As(ours, &verr) {
				t.Fatalf("want a *tls.CertificateVerificationError as crypto/tls gives, got %T %v", ours, ours)
			}
		})
	}
	if n := indexed.Load(); n != 1 {
		t.Fatalf("bundle indexed %d times, want once", n)
	}
}

// TLSConfig parses nothing; the first handshake indexes the bundle (see above).
func TestTLSConfigParsesNothing(t *testing.T) {
	indexed := useBundle(t, bundle)
	if _, err := TLSConfig("db.cluster-abc.eu-west-1.rds.amazonaws.com"); err != nil {
		t.Fatal(err)
	}
	if n := indexed.Load(); n != 0 {
		t.Fatalf("TLSConfig indexed the bundle %d times", n)
	}
}

// With the real bundle: a certificate from another CA is refused, and so is one from a
// CA that copies the name of an RDS CA byte for byte but holds another key.
func TestRealBundleRefusesOtherAuthorities(t *testing.T) {
	const host = "db.cluster-abc.eu-west-1.rds.amazonaws.com"
	block, _ := pem.Decode(bundle)
	real, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	impostor := newCA(t, "", nil, real.RawSubject)
	for name, issuer := range map[string]*testCA{"self-signed": nil, "impostor of " + real.Subject.CommonName: impostor} {
		leaf, key := issue(t, leafTemplate(host), issuer)
		cfg, err := TLSConfig(host)
		if err != nil {
			t.Fatal(err)
		}
		var unknown x509.UnknownAuthorityError
		if err := handshake(t, cfg, key, leaf); !errors.As(err, &unknown) {
			t.Errorf("%s: want x509.UnknownAuthorityError, got %v", name, err)
		}
	}
}

// The index reads each subject exactly as x509 parses it, for every certificate.
func TestIndexMatchesX509(t *testing.T) {
	idx, err := index(bundle)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for subject, as := range idx {
		for _, a := range as {
			c, err := a.parsed()
			if err != nil || string(c.RawSubject) != subject {
				t.Fatalf("indexed under %q, parsed %v %v", subject, c.Subject, err)
			}
			n++
		}
	}
	if want := bytes.Count(bundle, []byte("-----BEGIN CERTIFICATE-----")); n != want {
		t.Fatalf("indexed %d certificates, the bundle holds %d", n, want)
	}
}

// Each bundle certificate verifies against rootsFor's few authorities exactly as
// against the whole pool (same outcome, same chains).
func TestRootsForDecidesLikeTheWholeBundle(t *testing.T) {
	whole, err := Pool()
	if err != nil {
		t.Fatal(err)
	}
	idx, _ := index(bundle)
	for _, as := range idx {
		for _, a := range as {
			c, _ := a.parsed()
			few, err := rootsFor([]*x509.Certificate{c})
			if err != nil {
				t.Fatal(err)
			}
			opts := x509.VerifyOptions{KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
			opts.Roots = whole
			wantChains, wantErr := c.Verify(opts)
			opts.Roots = few
			gotChains, gotErr := c.Verify(opts)
			if (wantErr == nil) != (gotErr == nil) || len(wantChains) != len(gotChains) {
				t.Errorf("%s: whole bundle %d chains %v; rootsFor %d chains %v", c.Subject, len(wantChains), wantErr, len(gotChains), gotErr)
			}
		}
	}
}

func BenchmarkTLSConfig(b *testing.B) {
	for b.Loop() {
		TLSConfig("db.cluster-abc.eu-west-1.rds.amazonaws.com")
	}
}

// What TLSConfig cost at every cold start before: the whole bundle parsed.
func BenchmarkPool(b *testing.B) {
	for b.Loop() {
		Pool()
	}
}

// What the first handshake now pays once: the bundle indexed by subject.
func BenchmarkIndex(b *testing.B) {
	for b.Loop() {
		index(bundle)
	}
}

// In FIPS 140-3 mode crypto/tls keeps only chains of approved keys; so does verify.
func TestFIPSModeKeepsOnlyApprovedChains(t *testing.T) {
	const host = "db.cluster-test.eu-west-1.rds.amazonaws.com"
	root := newCA(t, "Test RDS Root", nil, nil)
	useBundle(t, pemOf(root.cert))
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := leafTemplate(host)
	tmpl.SerialNumber = big.NewInt(serial.Add(1))
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, root.cert, small.Public(), root.key)
	if err != nil {
		t.Fatal(err)
	}
	weak, _ := x509.ParseCertificate(der)
	strong, strongKey := issue(t, leafTemplate(host), root)
	cfg, _ := TLSConfig(host)
	t.Cleanup(func() { fipsMode = fips140.Enabled })
	fipsMode = func() bool { return false }
	if err := handshake(t, cfg, small, weak); err != nil {
		t.Fatalf("RSA-1024 leaf outside FIPS mode: %v", err)
	}
	fipsMode = func() bool { return true }
	var verr *tls.CertificateVerificationError
	if err := handshake(t, cfg, small, weak); !errors.As(err, &verr) {
		t.Fatalf("RSA-1024 leaf in FIPS mode: %v", err)
	}
	if err := handshake(t, cfg, strongKey, strong); err != nil {
		t.Fatalf("ECDSA P-256 chain in FIPS mode: %v", err)
	}
}
