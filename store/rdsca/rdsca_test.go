package rdsca_test

import (
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/signet-cdk/signet/store/rdsca"
)

// Every certificate in the bundle parses, is a CA, and is Amazon RDS's.
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
		if !c.IsCA || !strings.Contains(c.Subject.String(), "Amazon RDS") {
			t.Errorf("unexpected certificate %s (CA %v)", c.Subject, c.IsCA)
		}
		n++
	}
	if n < 100 {
		t.Fatalf("%d certificates", n)
	}
	cfg, err := rdsca.TLSConfig("db.cluster-abc.eu-west-1.rds.amazonaws.com")
	if err != nil || cfg.ServerName == "" || cfg.InsecureSkipVerify || cfg.RootCAs == nil {
		t.Fatalf("%+v %v", cfg, err)
	}
}
