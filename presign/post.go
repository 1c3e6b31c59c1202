package presign

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// PostRequest describes a browser form upload.
type PostRequest struct {
	Key         string
	ContentType string
	// MinSize and MaxSize bound the file (content-length-range, both inclusive).
	// MinSize == MaxSize admits exactly that size; the zero values admit only an
	// empty file.
	MinSize, MaxSize int64
	// ChecksumSHA256, if set, is the base64 SHA-256 of the file: the form carries
	// x-amz-checksum-algorithm SHA256 and x-amz-checksum-sha256, the policy demands
	// both exactly, and S3 refuses a file that does not match.
	ChecksumSHA256 string
	Lifetime       time.Duration
}

// PostForm is what a browser posts: every field, then the file as "file", to URL.
type PostForm struct {
	URL     string
	Fields  map[string]string
	Expires time.Time
}

// Post presigns a POST policy that admits exactly Key, exactly ContentType (no
// prefix match), a size in [MinSize, MaxSize], with ChecksumSHA256 only that
// checksum and, with Config.KMSKeyID, only SSE-KMS with that key.
func (p *Presigner) Post(ctx context.Context, r PostRequest) (*PostForm, error) {
	if err := checkPost(r); err != nil {
		return nil, err
	}
	life, err := p.lifetime(ctx, r.Lifetime)
	if err != nil {
		return nil, err
	}
	fields, conditions := p.postPolicy(r)
	// The SDK adds {"key": Key} (the exact key) and the bucket and credential fields.
	out, err := p.presign.PresignPostObject(ctx, &s3.PutObjectInput{Bucket: aws.String(p.cfg.Bucket), Key: aws.String(r.Key)},
		func(o *s3.PresignPostOptions) {
			o.Expires = life
			o.Conditions = conditions
		})
	if err != nil {
		return nil, fmt.Errorf("presign post: %w", redacted{err})
	}
	for k, v := range out.Values {
		fields[k] = v
	}
	return &PostForm{URL: out.URL, Fields: fields, Expires: p.cfg.Now().Add(life)}, nil
}

func checkPost(r PostRequest) error {
	if err := checkKey(r.Key); err != nil {
		return err
	}
	if err := checkContentType(r.ContentType); err != nil {
		return err
	}
	if r.MinSize < 0 || r.MinSize > r.MaxSize || r.MaxSize > MaxPutSize {
		return fmt.Errorf("%w: size range [%d, %d]", ErrBadRequest, r.MinSize, r.MaxSize)
	}
	if r.ChecksumSHA256 != "" {
		return checkChecksum(r.ChecksumSHA256)
	}
	return nil
}

// postPolicy returns the form fields Post sets and the policy conditions, each field
// matched exactly (an exact-match condition, never starts-with).
func (p *Presigner) postPolicy(r PostRequest) (map[string]string, []any) {
	fields := map[string]string{"Content-Type": r.ContentType}
	if r.ChecksumSHA256 != "" {
		fields["x-amz-checksum-algorithm"] = "SHA256"
		fields["x-amz-checksum-sha256"] = r.ChecksumSHA256
	}
	if p.cfg.KMSKeyID != "" {
		fields["x-amz-server-side-encryption"] = "aws:kms"
		fields["x-amz-server-side-encryption-aws-kms-key-id"] = p.cfg.KMSKeyID
	}
	conditions := []any{[]any{"content-length-range", r.MinSize, r.MaxSize}}
	for _, k := range sortedKeys(fields) {
		conditions = append(conditions, map[string]string{k: fields[k]})
	}
	return fields, conditions
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
