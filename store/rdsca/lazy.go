package rdsca

import (
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"sync"
)

// authority is one certificate of the bundle, parsed the first time a chain needs it.
type authority struct {
	der  []byte
	once sync.Once
	cert *x509.Certificate
	err  error
}

func (a *authority) parsed() (*x509.Certificate, error) {
	a.once.Do(func() { a.cert, a.err = x509.ParseCertificate(a.der) })
	return a.cert, a.err
}

// bySubject is the bundle indexed by raw subject name, built on the first handshake.
var bySubject = sync.OnceValues(func() (map[string][]*authority, error) { return index(bundle) })

// index reads each certificate's subject name only, which is a small part of what
// x509.ParseCertificate does. Like x509.CertPool.AppendCertsFromPEM it takes
// CERTIFICATE blocks without headers and skips what does not parse.
func index(pemBytes []byte) (map[string][]*authority, error) {
	idx := map[string][]*authority{}
	for rest := pemBytes; ; {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			break
		}
		if block.Type != "CERTIFICATE" || len(block.Headers) != 0 {
			continue
		}
		if subject, err := rawSubject(block.Bytes); err == nil {
			idx[string(subject)] = append(idx[string(subject)], &authority{der: block.Bytes})
		}
	}
	if len(idx) == 0 {
		return nil, errors.New("rdsca: no certificates in the embedded bundle")
	}
	return idx, nil
}

// certificateHead is a certificate (RFC 5280, 4.1) up to the subject of its
// TBSCertificate; encoding/asn1 lets a struct stop before the end of a SEQUENCE.
type certificateHead struct {
	TBS struct {
		Version   int `asn1:"optional,explicit,default:0,tag:0"`
		Serial    asn1.RawValue
		Signature asn1.RawValue
		Issuer    asn1.RawValue
		Validity  asn1.RawValue
		Subject   asn1.RawValue
	}
}

// rawSubject is the DER of the certificate's subject name, byte for byte what
// x509.Certificate.RawSubject holds once parsed (a test checks every one).
func rawSubject(der []byte) ([]byte, error) {
	var head certificateHead
	if _, err := asn1.Unmarshal(der, &head); err != nil {
		return nil, err
	}
	return head.TBS.Subject.FullBytes, nil
}

// rootsFor is a pool of the RDS CAs x509 may consult when verifying certs: chain
// building looks roots up only by the issuer name of a certificate in the chain
// (CertPool.findPotentialParents), and a leaf that is itself a root is found by its
// own subject (CertPool.contains). A pool of those authorities gives the same
// answer as the whole bundle, at the cost of parsing one or two certificates.
// The pool is never nil, so x509 never falls back to the system's roots.
func rootsFor(certs []*x509.Certificate) (*x509.CertPool, error) {
	idx, err := bySubject()
	if err != nil {
		return nil, err
	}
	names := []string{string(certs[0].RawSubject)}
	for _, c := range certs {
		names = append(names, string(c.RawIssuer))
	}
	pool := x509.NewCertPool()
	for _, name := range names {
		for _, a := range idx[name] {
			// Skipped when it does not parse, as AppendCertsFromPEM would skip it.
			if cert, err := a.parsed(); err == nil {
				pool.AddCert(cert) // AddCert ignores a certificate already added
			}
		}
	}
	return pool, nil
}
