// Package stack runs the whole of Signet on one machine, with the same code paths as
// the cloud and real protocol-speaking parts where the cloud has managed services:
//
//   - PostgreSQL: a cluster of its own (as the tests start one) migrated with the real
//     migrations and roles, or an existing database (DATABASE_URL);
//   - S3: versitygw, which verifies SigV4, with the files bucket;
//   - sign-in: package local/oidc, a Cognito-shaped OpenID Connect issuer whose tokens
//     the real pre-token-generation trigger shapes;
//   - API: the real signer and admin handlers behind package local/gateway, which
//     verifies tokens as API Gateway's Cognito authorizer does and builds the same
//     events; the admin API's directory is the issuer's user store;
//   - edge: package local/edge, which serves /api/* to the gateway with the secret
//     origin header (refused without it, as the regional web ACL does) and every other
//     path only with a valid CloudFront signed URL or cookies, fetching from S3 with
//     SigV4 as Origin Access Control does.
//
// Everything listens on loopback over TLS with a certificate from a CA the stack makes
// (ca.pem). Start seeds a platform admin and two customers with a user and rules each,
// and writes outputs.json (the shape of `cdk deploy --outputs-file`) and ca.pem for
// `signet configure --local`.
package stack

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/signet-cdk/signet/internal/s3test"
	"github.com/signet-cdk/signet/keysource"
	"github.com/signet-cdk/signet/local/localdir"
	"github.com/signet-cdk/signet/local/oidc"
	"github.com/signet-cdk/signet/signing"
)

// Bucket is the local files bucket.
const Bucket = "signet-files"

// ClientID and UserPoolID are the local app client and pool, shaped like Cognito's.
const (
	ClientID   = "signetlocalclient"
	UserPoolID = "local_Signet1"
)

// KeyPairID is the local CloudFront public key id.
const KeyPairID = "K0LOCALSIGNET1"

// originHeader is the header the edge adds to API requests.
const originHeader = "x-signet-origin-verify"

// Options configure Start. The zero value is a throwaway stack on the default ports.
type Options struct {
	// Dir keeps the state (database, objects, CA, signing key, seeded passwords) across
	// runs. Default: a temporary folder removed by Close.
	Dir string
	// DatabaseURL is an existing PostgreSQL database to use instead of a cluster of the
	// stack's own (it is migrated, and the application roles get local passwords).
	DatabaseURL string
	// EdgeAddr and AuthAddr are the listen addresses of the files-and-API host and of
	// sign-in. Default: 127.0.0.1:8443 and 127.0.0.1:8444 ("127.0.0.1:0" picks a port).
	EdgeAddr, AuthAddr string
	// OutputsDir receives outputs.json and ca.pem for `signet configure --local`.
	// Default: localdir.Default(). Close removes them.
	OutputsDir string
	// Invitations receives the temporary password of each user the admin API invites
	// (Cognito would mail it). Default: logged.
	Invitations func(email, temporaryPassword string)
	// Logger for the servers. Default: discard.
	Logger *slog.Logger
	// EdgeNow is the edge's clock, for tests of expired links. Default: time.Now.
	EdgeNow func() time.Time
}

// Stack is a running local Signet.
type Stack struct {
	// EdgeURL serves the files and, under /api/, the API (APIURL).
	EdgeURL, APIURL string
	// AuthURL is the sign-in domain (the issuer).
	AuthURL string
	// CAFile is the PEM of the CA the servers' certificate comes from.
	CAFile string
	// Users are the seeded accounts (passwords included).
	Users []User
	// HTTPClient trusts the stack's CA.
	HTTPClient *http.Client
	// Issuer is the sign-in server (its user store is the admin API's directory).
	Issuer *oidc.Issuer
	// S3 is the files bucket's server.
	S3 *s3test.Server
	// SignedDomain is the host signed URLs and cookies name (host:port).
	SignedDomain string

	dir, outputsDir string
	temporary       bool
	originSecret    string
	closers         []func()
}

// Start brings the stack up; Close stops all of it.
func Start(ctx context.Context, opts Options) (_ *Stack, err error) {
	s := &Stack{}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	if err := s.prepareDir(opts); err != nil {
		return nil, err
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	lt, err := loadOrCreateTLS(s.dir)
	if err != nil {
		return nil, err
	}
	s.CAFile = filepath.Join(s.dir, "ca.pem")
	s.HTTPClient = httpClient(lt.pool)
	edgeLn, authLn, err := s.listen(opts)
	if err != nil {
		return nil, err
	}
	db, err := openDatabase(ctx, s.dir, opts.DatabaseURL)
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, db.close)
	if s.S3, err = s3test.StartIn(filepath.Join(s.dir, "s3"), Bucket); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, s.S3.Stop)
	signer, err := loadOrCreateSigner(filepath.Join(s.dir, "signing-key.pem"))
	if err != nil {
		return nil, err
	}
	invitations := opts.Invitations
	if invitations == nil {
		invitations = func(email, pw string) { logger.Info("invitation", "email", email, "temporaryPassword", pw) }
	}
	if s.Issuer, err = oidc.New(oidc.Config{Issuer: s.AuthURL, ClientID: ClientID, UserPoolID: UserPoolID, Invitations: invitations}); err != nil {
		return nil, err
	}
	api, err := s.apiHandler(db, signer, logger)
	if err != nil {
		return nil, err
	}
	edgeHandler, err := s.edgeHandler(signer, api, opts.EdgeNow)
	if err != nil {
		return nil, err
	}
	s.serve(edgeLn, edgeHandler, lt)
	s.serve(authLn, s.Issuer, lt)
	if s.Users, err = seed(ctx, s.dir, db, s.Issuer); err != nil {
		return nil, err
	}
	return s, s.writeOutputs(lt)
}

// prepareDir makes the state folder (or a temporary one) and the outputs folder.
func (s *Stack) prepareDir(opts Options) error {
	s.dir = opts.Dir
	if s.dir == "" {
		d, err := os.MkdirTemp("", "signet-local-state-")
		if err != nil {
			return err
		}
		s.dir, s.temporary = d, true
	} else if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return err
	}
	// Traversable (not listable) by others: PostgreSQL runs as its own user when the
	// stack runs as root, and its data folder is inside.
	if err := os.Chmod(s.dir, 0o711); err != nil {
		return err
	}
	s.outputsDir = opts.OutputsDir
	if s.outputsDir == "" {
		s.outputsDir = localdir.Default()
	}
	return os.MkdirAll(s.outputsDir, 0o700)
}

func (s *Stack) listen(opts Options) (edge, auth net.Listener, err error) {
	if edge, err = net.Listen("tcp", cmp.Or(opts.EdgeAddr, "127.0.0.1:8443")); err != nil {
		return nil, nil, fmt.Errorf("stack: the edge's address: %w", err)
	}
	if auth, err = net.Listen("tcp", cmp.Or(opts.AuthAddr, "127.0.0.1:8444")); err != nil {
		edge.Close()
		return nil, nil, fmt.Errorf("stack: the sign-in address: %w", err)
	}
	s.SignedDomain = edge.Addr().String()
	s.EdgeURL = "https://" + s.SignedDomain
	s.APIURL = s.EdgeURL + "/api/"
	s.AuthURL = "https://" + auth.Addr().String()
	return edge, auth, nil
}

// serve runs h on l over TLS until Close.
func (s *Stack) serve(l net.Listener, h http.Handler, lt *localTLS) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{lt.cert}, MinVersion: tls.VersionTLS12}}
	go func() { _ = srv.ServeTLS(l, "", "") }()
	s.closers = append(s.closers, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
}

// writeOutputs writes outputs.json and ca.pem for `signet configure --local`.
func (s *Stack) writeOutputs(lt *localTLS) error {
	out := map[string]map[string]string{localdir.StackName: {
		"ApiUrl": s.APIURL, "AuthDomain": s.AuthURL, "UserPoolClientId": ClientID,
		"UserPoolId": UserPoolID, "DistributionDomain": s.SignedDomain,
	}}
	b, _ := json.MarshalIndent(out, "", "  ")
	outputs, ca := filepath.Join(s.outputsDir, localdir.OutputsFile), filepath.Join(s.outputsDir, localdir.CAFile)
	if err := os.WriteFile(outputs, b, 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(ca, lt.caPEM, 0o600); err != nil {
		return err
	}
	s.closers = append(s.closers, func() { _ = os.Remove(outputs); _ = os.Remove(ca) })
	return nil
}

// Close stops every server and process, in reverse order, and removes a temporary
// state folder.
func (s *Stack) Close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
	s.closers = nil
	if s.temporary && s.dir != "" {
		_ = os.RemoveAll(s.dir)
	}
}

// loadOrCreateSigner is the local CloudFront key pair (RSA 2048), kept in file.
func loadOrCreateSigner(file string) (*signing.Signer, error) {
	if b, err := os.ReadFile(file); err == nil {
		return signing.NewSigner(KeyPairID, b)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	b := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(file, b, 0o600); err != nil {
		return nil, err
	}
	return signing.NewSigner(KeyPairID, b)
}

// staticKeys serves one signing key, as keysource does from SSM in the cloud.
type staticKeys struct{ m *keysource.Material }

func (k staticKeys) Get(context.Context) (*keysource.Material, error) { return k.m, nil }

func httpClient(pool *x509.CertPool) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: t, Timeout: 30 * time.Second}
}
