package rdsca_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/signet-cdk/signet/store/rdsca"
)

// Every certificate in the bundle parses, is a CA, and is Amazon RDS's, or one of the
// four Amazon Trust Services roots RDS Proxy's ACM certificates chain to.
func TestBundleHoldsOnlyRDSCertificateAuthorities(t *testing.T) {
	rest := rdsca.PEM()
	n := 0
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		amazonRoot := strings.HasPrefix(c.Subject.String(), "CN=Amazon Root CA ") && c.Subject.String() == c.Issuer.String()
		if !c.IsCA || !(strings.Contains(c.Subject.String(), "Amazon RDS") || amazonRoot) {
			t.Errorf("unexpected certificate %s (CA %v)", c.Subject, c.IsCA)
		}
		n++
	}
	if n < 100 {
		t.Fatalf("%d certificates", n)
	}
	if pool, err := rdsca.Pool(); err != nil || pool == nil {
		t.Fatalf("Pool: %v", err)
	}
}

// TLSConfig replaces crypto/tls's check by its own (verify_test.go proves it refuses
// what crypto/tls would): never a config that skips verification with nothing in its
// place, and never one without a name to check.
func TestTLSConfigShape(t *testing.T) {
	host := "db.cluster-abc.eu-west-1.rds.amazonaws.com"
	cfg, err := rdsca.TLSConfig(host)
	if err != nil || cfg.ServerName != host || cfg.VerifyConnection == nil || cfg.MinVersion < tls.VersionTLS12 {
		t.Fatalf("%+v %v", cfg, err)
	}
	if cfg.InsecureSkipVerify && cfg.VerifyConnection == nil {
		t.Fatal("verification skipped with nothing in its place")
	}
	if cfg, err := rdsca.TLSConfig(""); err == nil {
		t.Fatalf("no host name accepted: %+v", cfg)
	}
}
