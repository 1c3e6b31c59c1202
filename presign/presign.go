// Package presign makes the S3 presigned requests Signet hands to clients, so bytes
// go straight between the client and S3: PUT (Content-Length, Content-Type,
// x-amz-checksum-sha256 and, with a KMS key, the SSE-KMS headers signed for every
// size including 0, so S3 refuses any other body), POST (a policy with an exact
// content-length-range, the exact key, the exact content type, optionally the
// SHA-256 checksum, and the SSE-KMS fields), GET, and multipart uploads checksummed
// with CRC-64/NVME (create, list, complete and abort as API calls, one presigned URL
// per part with its length and checksum signed; see multipart.go). Head reports what
// arrived; ScanStatus reads the malware scan result GuardDuty tagged an object with
// (scan.go); Delete removes an object.
//
// Calls that reach S3 (Head, Exists, ScanStatus, Delete, the multipart calls) last no longer than ctx
// allows, the SDK's retries included; when S3 cannot be reached, times out, fails
// (5xx) or throttles, their error wraps ErrUnavailable. No error message carries a
// URL's query (where a signature, credential or token would be) or credentials.
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
	"strings"
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
	// MaxObjectSize is the largest object S3 stores (a multipart upload).
	MaxObjectSize = 5 << 40
)

// Errors callers map with errors.Is.
var (
	ErrBadRequest  = errors.New("presign: bad request")
	ErrCredentials = errors.New("presign: signing credentials unusable")
	// ErrUnavailable: S3 could not be reached, timed out, failed (5xx) or throttled.
	ErrUnavailable = errors.New("presign: storage unavailable")
	// ErrNotFound: no object has the key.
	ErrNotFound = errors.New("presign: object not found")
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
		return 0, fmt.Errorf("%w: %w", ErrCredentials, redacted{err})
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

// Put presigns a PUT whose Content-Length, Content-Type, x-amz-checksum-sha256 and,
// with Config.KMSKeyID, SSE-KMS headers are signed, whatever the size (0 included).
func (p *Presigner) Put(ctx context.Context, r PutRequest) (*Request, error) {
	if err := checkPut(r); err != nil {
		return nil, err
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
	opts := []func(*s3.PresignOptions){s3.WithPresignExpires(life), keepContentType}
	if r.ContentLength == 0 {
		opts = append(opts, func(o *s3.PresignOptions) { o.Presigner = emptyBodySigner{} })
	}
	out, err := p.presign.PresignPutObject(ctx, in, opts...)
	if err != nil {
		return nil, fmt.Errorf("presign put: %w", redacted{err})
	}
	return toRequest(out.Method, out.URL, out.SignedHeader, p.cfg.Now().Add(life)), nil
}

func checkPut(r PutRequest) error {
	if err := checkKey(r.Key); err != nil {
		return err
	}
	if err := checkContentType(r.ContentType); err != nil {
		return err
	}
	if r.ContentLength < 0 || r.ContentLength > MaxPutSize {
		return fmt.Errorf("%w: content length %d (at most %d in one PUT; use multipart)", ErrBadRequest, r.ContentLength, int64(MaxPutSize))
	}
	return checkChecksum(r.ChecksumSHA256)
}

func checkChecksum(sum string) error {
	if b, err := base64.StdEncoding.DecodeString(sum); err != nil || len(b) != 32 {
		return fmt.Errorf("%w: checksum %q is not a base64 SHA-256", ErrBadRequest, clip(sum))
	}
	return nil
}

// clip shortens caller input echoed in an error message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// Lifetime is how long a URL asked to live want would live if signed now: want
// bounded by MaxLifetime and the signing credentials' expiry (0 or less: MaxLifetime).
// It fails, like every presign, when the credentials are unusable; callers that
// record an expiry before signing (the audit) ask here first.
func (p *Presigner) Lifetime(ctx context.Context, want time.Duration) (time.Duration, error) {
	return p.lifetime(ctx, want)
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
		return nil, fmt.Errorf("presign get: %w", redacted{err})
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

// ObjectInfo is what S3 reports of a stored object.
type ObjectInfo struct {
	Size        int64
	ContentType string
	// ChecksumSHA256 is the base64 SHA-256 of the whole object if S3 stores one (an
	// upload sent x-amz-checksum-sha256), else "". A multipart upload's composite
	// checksum (a hash of part hashes, "...-N") is not one and is left out.
	ChecksumSHA256 string
	// ChecksumCRC64NVME is the base64 CRC-64/NVME of the whole object when S3
	// reports one as a full-object checksum, else "".
	ChecksumCRC64NVME string
}

// Head reports the object at key (HeadObject with the signer's role, checksum mode
// enabled); ErrNotFound if there is none.
func (p *Presigner) Head(ctx context.Context, key string) (ObjectInfo, error) {
	if err := checkKey(key); err != nil {
		return ObjectInfo{}, err
	}
	out, err := p.client.HeadObject(ctx, &s3.HeadObjectInput{
		Bucket: aws.String(p.cfg.Bucket), Key: aws.String(key), ChecksumMode: s3types.ChecksumModeEnabled,
	})
	var nf *s3types.NotFound
	if errors.As(err, &nf) {
		return ObjectInfo{}, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	if err != nil {
		return ObjectInfo{}, s3Error("head object", err)
	}
	info := ObjectInfo{Size: aws.ToInt64(out.ContentLength), ContentType: aws.ToString(out.ContentType), ChecksumSHA256: aws.ToString(out.ChecksumSHA256),
		ChecksumCRC64NVME: aws.ToString(out.ChecksumCRC64NVME)}
	if out.ChecksumType == s3types.ChecksumTypeComposite || strings.Contains(info.ChecksumSHA256, "-") {
		info.ChecksumSHA256 = ""
	}
	if out.ChecksumType == s3types.ChecksumTypeComposite || strings.Contains(info.ChecksumCRC64NVME, "-") {
		info.ChecksumCRC64NVME = ""
	}
	return info, nil
}

// Delete removes the object at key (DeleteObject with the signer's role; in a
// versioned bucket this adds a delete marker and the versions stay until the
// lifecycle expires them). Deleting a key that holds nothing succeeds.
func (p *Presigner) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if _, err := p.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(p.cfg.Bucket), Key: aws.String(key)}); err != nil {
		return s3Error("delete object", err)
	}
	return nil
}

// Exists reports whether key is in the bucket (Head).
func (p *Presigner) Exists(ctx context.Context, key string) (bool, error) {
	_, err := p.Head(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}
