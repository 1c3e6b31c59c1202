// Package presign makes the S3 presigned requests Signet hands to clients, so bytes
// go straight between the client and S3: PUT (Content-Length, Content-Type and
// x-amz-checksum-sha256 signed, so S3 refuses any other body), POST (a policy with
// content-length-range, the exact key, the content type and SSE-KMS fields), GET, and
// multipart uploads (create and complete as API calls, one presigned URL per part).
//
// Lifetimes are bounded: at most Config.MaxLifetime (default 1 hour, never more than
// the 7 days SigV4 allows), and never past the expiry of the credentials that sign
// (a Lambda role's session credentials expire; a URL signed with them dies with
// them, so Signet says so up front by shortening it).
//
// It knows nothing of CDK or of Signet's API; keys must be canonical object paths
// (signing.CanonicalPath).
package presign

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/signet-cdk/signet/signing"
)

// MaxSigV4Lifetime is the longest lifetime SigV4 query signing allows.
const MaxSigV4Lifetime = 7 * 24 * time.Hour

// MaxPartSize and MinPartSize are S3's multipart limits; MaxParts its part count.
const (
	MinPartSize = 5 << 20
	MaxPartSize = 5 << 30
	MaxParts    = 10000
	// MaxPutSize is the largest single PUT S3 accepts.
	MaxPutSize = 5 << 30
)

// Errors callers map with errors.Is.
var (
	ErrBadRequest  = errors.New("presign: bad request")
	ErrCredentials = errors.New("presign: signing credentials unusable")
)

// Config configures a Presigner.
type Config struct {
	// Bucket is the files bucket. Required.
	Bucket string
	// KMSKeyID, when set, is signed into uploads as SSE-KMS with this key (the bucket
	// default encrypts with it anyway; signing it makes S3 refuse any other key).
	KMSKeyID string
	// MaxLifetime caps every URL. Default: 1 hour; at most 7 days.
	MaxLifetime time.Duration
	// Now is the clock. Default: time.Now.
	Now func() time.Time
}

// Presigner makes presigned requests for one bucket. Safe for concurrent use.
type Presigner struct {
	client  *s3.Client
	presign *s3.PresignClient
	cfg     Config
}

// New wraps an S3 client built once (in main) for the Lambda's lifetime.
func New(client *s3.Client, cfg Config) (*Presigner, error) {
	if cfg.Bucket == "" {
		return nil, fmt.Errorf("%w: bucket is required", ErrBadRequest)
	}
	if cfg.MaxLifetime == 0 {
		cfg.MaxLifetime = time.Hour
	}
	if cfg.MaxLifetime < 0 || cfg.MaxLifetime > MaxSigV4Lifetime {
		return nil, fmt.Errorf("%w: max lifetime %s must be between 1s and 7 days", ErrBadRequest, cfg.MaxLifetime)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Presigner{client: client, presign: s3.NewPresignClient(client), cfg: cfg}, nil
}

// Request is a presigned request: send Method to URL with exactly Header.
type Request struct {
	Method  string
	URL     string
	Header  http.Header
	Expires time.Time
}

// lifetime bounds want by MaxLifetime and the credentials' expiry.
func (p *Presigner) lifetime(ctx context.Context, want time.Duration) (time.Duration, error) {
	if want <= 0 || want > p.cfg.MaxLifetime {
		want = p.cfg.MaxLifetime
	}
	creds, err := p.client.Options().Credentials.Retrieve(ctx)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrCredentials, err)
	}
	if creds.CanExpire {
		left := creds.Expires.Sub(p.cfg.Now()) - 30*time.Second // margin for clock skew
		if left < time.Second {
			return 0, fmt.Errorf("%w: they expire at %s", ErrCredentials, creds.Expires.UTC().Format(time.RFC3339))
		}
		if want > left {
			want = left.Truncate(time.Second)
		}
	}
	return want, nil
}

// PutRequest describes one upload.
type PutRequest struct {
	Key           string
	ContentType   string
	ContentLength int64
	// ChecksumSHA256 is the base64 SHA-256 of the body. Required: S3 rejects a body
	// that does not match, so the URL can upload only that file.
	ChecksumSHA256 string
	Lifetime       time.Duration
}

func checkKey(key string) error {
	if err := signing.CanonicalPath(key); err != nil {
		return fmt.Errorf("%w: key: %v", ErrBadRequest, err)
	}
	return nil
}

func checkContentType(ct string) error {
	if ct == "" || len(ct) > 255 {
		return fmt.Errorf("%w: content type %q", ErrBadRequest, ct)
	}
	for i := 0; i < len(ct); i++ {
		if ct[i] < 0x20 || ct[i] > 0x7e {
			return fmt.Errorf("%w: content type %q", ErrBadRequest, ct)
		}
	}
	return nil
}

// Put presigns a PUT whose Content-Length, Content-Type and x-amz-checksum-sha256 are
// signed.
func (p *Presigner) Put(ctx context.Context, r PutRequest) (*Request, error) {
	if err := checkKey(r.Key); err != nil {
		return nil, err
	}
	if err := checkContentType(r.ContentType); err != nil {
		return nil, err
	}
	if r.ContentLength < 0 || r.ContentLength > MaxPutSize {
		return nil, fmt.Errorf("%w: content length %d (at most %d in one PUT; use multipart)", ErrBadRequest, r.ContentLength, int64(MaxPutSize))
	}
	if sum, err := base64.StdEncoding.DecodeString(r.ChecksumSHA256); err != nil || len(sum) != 32 {
		return nil, fmt.Errorf("%w: checksum %q is not a base64 SHA-256", ErrBadRequest, r.ChecksumSHA256)
	}
	life, err := p.lifetime(ctx, r.Lifetime)
	if err != nil {
		return nil, err
	}
	in := &s3.PutObjectInput{
		Bucket:         aws.String(p.cfg.Bucket),
		Key:            aws.String(r.Key),
		ContentType:    aws.String(r.ContentType),
		ContentLength:  aws.Int64(r.ContentLength),
		ChecksumSHA256: aws.String(r.ChecksumSHA256),
	}
	if p.cfg.KMSKeyID != "" {
		in.ServerSideEncryption = s3types.ServerSideEncryptionAwsKms
		in.SSEKMSKeyId = aws.String(p.cfg.KMSKeyID)
	}
	out, err := p.presign.PresignPutObject(ctx, in, s3.WithPresignExpires(life))
	if err != nil {
		return nil, fmt.Errorf("presign put: %w", err)
	}
	return toRequest(out.Method, out.URL, out.SignedHeader, p.cfg.Now().Add(life)), nil
}

// Get presigns a GET of key (S3 directly; downloads normally go through CloudFront).
func (p *Presigner) Get(ctx context.Context, key string, lifetime time.Duration) (*Request, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	life, err := p.lifetime(ctx, lifetime)
	if err != nil {
		return nil, err
	}
	out, err := p.presign.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(p.cfg.Bucket), Key: aws.String(key)}, s3.WithPresignExpires(life))
	if err != nil {
		return nil, fmt.Errorf("presign get: %w", err)
	}
	return toRequest(out.Method, out.URL, out.SignedHeader, p.cfg.Now().Add(life)), nil
}

func toRequest(method, url string, h http.Header, exp time.Time) *Request {
	hdr := http.Header{}
	for k, v := range h {
		if http.CanonicalHeaderKey(k) == "Host" {
			continue // the HTTP client sets Host from the URL
		}
		hdr[http.CanonicalHeaderKey(k)] = v
	}
	return &Request{Method: method, URL: url, Header: hdr, Expires: exp}
}

// Exists reports whether key is in the bucket (HeadObject with the signer's role).
func (p *Presigner) Exists(ctx context.Context, key string) (bool, error) {
	if err := checkKey(key); err != nil {
		return false, err
	}
	_, err := p.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(p.cfg.Bucket), Key: aws.String(key)})
	if err == nil {
		return true, nil
	}
	var nf *s3types.NotFound
	if errors.As(err, &nf) {
		return false, nil
	}
	return false, fmt.Errorf("head object: %w", err)
}
