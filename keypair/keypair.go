// Package keypair is the logic of Signet's key-generation custom resource: it creates
// a CloudFront signing key pair inside AWS, keeps the private key in SSM Parameter
// Store as a SecureString under the parameter key, and hands CloudFormation only the
// public key. It knows nothing of CDK; lambda/keygen wires it to the Lambda runtime.
package keypair

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/signet-cdk/signet/signing"
)

// Algorithm names a key type CloudFront accepts for signed URLs and cookies.
type Algorithm string

const (
	// RSA2048 is CloudFront's original key type (PKCS#1 v1.5 over SHA-1); the seed's
	// choice and Signet's default.
	RSA2048 Algorithm = "RSA_2048"
	// ECDSAP256 is an ECDSA key on P-256 (signatures over SHA-256); about 30 times
	// cheaper to sign with than RSA-2048.
	ECDSAP256 Algorithm = "ECDSA_P256"
)

// ErrUnknownAlgorithm is returned for an algorithm other than RSA2048 and ECDSAP256.
var ErrUnknownAlgorithm = errors.New("unknown key algorithm")

// Generate makes a new key pair and returns the private key as a PKCS#8 PEM and the
// public key as a PKIX ("BEGIN PUBLIC KEY") PEM, the form CloudFront's PublicKey takes.
func Generate(alg Algorithm) (privatePEM, publicPEM []byte, err error) {
	var key any
	switch alg {
	case RSA2048:
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	case ECDSAP256:
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		return nil, nil, fmt.Errorf("%w: %q (want %q or %q)", ErrUnknownAlgorithm, alg, RSA2048, ECDSAP256)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("generate %s key: %w", alg, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("marshal private key: %w", err)
	}
	pub, err := publicPEMOf(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), pub, nil
}

// PublicPEMFromPrivate derives the public key PEM from a stored private key PEM
// (PKCS#8, PKCS#1 or SEC 1; parsed by the same code the signer uses), and reports the
// key's algorithm.
func PublicPEMFromPrivate(privatePEM []byte) ([]byte, Algorithm, error) {
	key, err := signing.ParsePrivateKey(privatePEM)
	if err != nil {
		return nil, "", fmt.Errorf("stored private key: %w", err)
	}
	pub, err := publicPEMOf(key)
	if err != nil {
		return nil, "", err
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() == 2048 {
			return pub, RSA2048, nil
		}
		return pub, Algorithm(fmt.Sprintf("RSA_%d", k.N.BitLen())), nil
	case *ecdsa.PrivateKey:
		return pub, ECDSAP256, nil
	}
	return pub, "", nil
}

func publicPEMOf(key any) ([]byte, error) {
	var pub any
	switch k := key.(type) {
	case *rsa.PrivateKey:
		pub = &k.PublicKey
	case *ecdsa.PrivateKey:
		pub = &k.PublicKey
	default:
		return nil, fmt.Errorf("%w: %T", ErrUnknownAlgorithm, key)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("marshal public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}
