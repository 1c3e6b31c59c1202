// Package keysource loads what the signer needs from SSM Parameter Store, the way the
// signingkeys construct lays it out under one prefix:
//
//	<prefix>/distribution-domain     the CloudFront domain
//	<prefix>/active-key-id           the CloudFront public key id
//	<prefix>/active-key-parameter    the SecureString holding the active private key
//	<prefix>/private-keys/<name>     the private keys (SecureString)
//
// One GetParametersByPath call (with decryption, paginated) reads them all at cold
// start; the private key is parsed once into a signing.Signer. After TTL the next Get
// reloads, so a rotation (a new active key) needs no redeploy of the signer. If a
// reload fails, the last good material keeps serving until MaxStale, so an SSM blip
// never turns into an outage; after that Get returns the error.
//
// Material.KeyModifiedAt is the active private-key parameter's LastModifiedDate (which
// GetParametersByPath returns with each parameter), so the key's age can be reported
// (Config.OnLoad) and alarmed on.
package keysource

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/signet-cdk/signet/signing"
)

// ErrUnavailable wraps any failure to produce signing material.
var ErrUnavailable = errors.New("keysource: signing material unavailable")

// SSM is the part of the SSM client the source uses.
type SSM interface {
	GetParametersByPath(context.Context, *ssm.GetParametersByPathInput, ...func(*ssm.Options)) (*ssm.GetParametersByPathOutput, error)
}

// Material is what a request signs with.
type Material struct {
	Signer *signing.Signer
	// Domain is the CloudFront domain signed URLs point at.
	Domain string
	// KeyName is the active key's name (the last segment of its parameter).
	KeyName string
	// KeyModifiedAt is when the active private-key parameter was last written (its
	// LastModifiedDate): the key's age. Zero when SSM did not say.
	KeyModifiedAt time.Time
	// LoadedAt is when this material was read from SSM.
	LoadedAt time.Time
}

// KeyAge is how old the active key was at now; 0 when KeyModifiedAt is unknown or
// after now (clock skew).
func (m *Material) KeyAge(now time.Time) time.Duration {
	if m.KeyModifiedAt.IsZero() || now.Before(m.KeyModifiedAt) {
		return 0
	}
	return now.Sub(m.KeyModifiedAt)
}

// Source caches Material. Safe for concurrent use.
type Source struct {
	ssm      SSM
	prefix   string
	ttl      time.Duration
	maxStale time.Duration
	opts     []signing.Option
	log      *slog.Logger
	now      func() time.Time
	onLoad   func(*Material)

	mu      sync.Mutex
	current *Material
}

// Config configures a Source.
type Config struct {
	// Prefix is the parameter path, e.g. "/signet/0a1b2c3d4e". Required.
	Prefix string
	// TTL between reloads. Default: 5 minutes.
	TTL time.Duration
	// MaxStale is how long old material serves while reloads fail. Default: 1 hour.
	MaxStale time.Duration
	// SignerOptions apply to every Signer built (for example signing.WithCache).
	SignerOptions []signing.Option
	Logger        *slog.Logger
	Now           func() time.Time
	// OnLoad, when set, is called with each material loaded from SSM (the first Get,
	// and each reload after TTL that succeeds; not when stale material is served), to
	// report the key's age for example. It runs under the Source's lock, before Get
	// returns: keep it quick, and do not call Get from it.
	OnLoad func(*Material)
}

// New returns a Source; nothing is loaded until the first Get.
func New(client SSM, cfg Config) (*Source, error) {
	if !strings.HasPrefix(cfg.Prefix, "/") || strings.HasSuffix(cfg.Prefix, "/") {
		return nil, fmt.Errorf("keysource: prefix %q must start with \"/\" and not end with one", cfg.Prefix)
	}
	s := &Source{ssm: client, prefix: cfg.Prefix, ttl: cfg.TTL, maxStale: cfg.MaxStale, opts: cfg.SignerOptions, log: cfg.Logger, now: cfg.Now,
		onLoad: cfg.OnLoad}
	if s.ttl <= 0 {
		s.ttl = 5 * time.Minute
	}
	if s.maxStale <= 0 {
		s.maxStale = time.Hour
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// Get returns current material, loading it when missing or older than TTL.
func (s *Source) Get(ctx context.Context) (*Material, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.current != nil && now.Sub(s.current.LoadedAt) < s.ttl {
		return s.current, nil
	}
	m, err := s.load(ctx, now)
	if err != nil {
		if s.current != nil && now.Sub(s.current.LoadedAt) < s.maxStale {
			s.log.Warn("reload of signing material failed; serving the previous key", "error", err, "keyName", s.current.KeyName)
			return s.current, nil
		}
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	if s.current == nil || s.current.Signer.KeyPairID() != m.Signer.KeyPairID() {
		s.log.Info("signing key loaded", "keyPairId", m.Signer.KeyPairID(), "keyName", m.KeyName, "algorithm", string(m.Signer.Algorithm()))
	}
	s.current = m
	if s.onLoad != nil {
		s.onLoad(m)
	}
	return m, nil
}

func (s *Source) load(ctx context.Context, now time.Time) (*Material, error) {
	values := map[string]string{}
	modified := map[string]time.Time{}
	var token *string
	for {
		out, err := s.ssm.GetParametersByPath(ctx, &ssm.GetParametersByPathInput{
			Path: aws.String(s.prefix), Recursive: aws.Bool(true), WithDecryption: aws.Bool(true), NextToken: token,
		})
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", s.prefix, err)
		}
		for _, p := range out.Parameters {
			values[aws.ToString(p.Name)] = aws.ToString(p.Value)
			modified[aws.ToString(p.Name)] = aws.ToTime(p.LastModifiedDate)
		}
		if out.NextToken == nil || *out.NextToken == "" {
			break
		}
		token = out.NextToken
	}
	get := func(name string) (string, error) {
		v, ok := values[s.prefix+"/"+name]
		if !ok || v == "" {
			return "", fmt.Errorf("parameter %s/%s missing", s.prefix, name)
		}
		return v, nil
	}
	domain, err := get("distribution-domain")
	if err != nil {
		return nil, err
	}
	keyID, err := get("active-key-id")
	if err != nil {
		return nil, err
	}
	keyParam, err := get("active-key-parameter")
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(keyParam, s.prefix+"/private-keys/") {
		return nil, fmt.Errorf("active key parameter %s is outside %s/private-keys/", keyParam, s.prefix)
	}
	pemText, ok := values[keyParam]
	if !ok {
		return nil, fmt.Errorf("active key parameter %s missing", keyParam)
	}
	signer, err := signing.NewSigner(keyID, []byte(pemText), s.opts...)
	if err != nil {
		// The error names the key problem, never the key.
		return nil, fmt.Errorf("active key %s: %w", keyParam, err)
	}
	return &Material{Signer: signer, Domain: domain, KeyName: keyParam[strings.LastIndex(keyParam, "/")+1:], KeyModifiedAt: modified[keyParam],
		LoadedAt: now}, nil
}
