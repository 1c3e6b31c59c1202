package presign

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// PostRequest describes a browser form upload.
type PostRequest struct {
	Key         string
	ContentType string
	// MinSize and MaxSize bound the file (content-length-range). MaxSize is required.
	MinSize, MaxSize int64
	Lifetime         time.Duration
}

// PostForm is what a browser posts: every field, then the file as "file", to URL.
type PostForm struct {
	URL     string
	Fields  map[string]string
	Expires time.Time
}

// Post presigns a POST policy that admits exactly Key, exactly ContentType, a size in
// [MinSize, MaxSize] and, with Config.KMSKeyID, only SSE-KMS with that key.
func (p *Presigner) Post(ctx context.Context, r PostRequest) (*PostForm, error) {
	if err := checkKey(r.Key); err != nil {
		return nil, err
	}
	if err := checkContentType(r.ContentType); err != nil {
		return nil, err
	}
	if r.MaxSize <= 0 || r.MinSize < 0 || r.MinSize > r.MaxSize || r.MaxSize > MaxPutSize {
		return nil, fmt.Errorf("%w: size range [%d, %d]", ErrBadRequest, r.MinSize, r.MaxSize)
	}
	life, err := p.lifetime(ctx, r.Lifetime)
	if err != nil {
		return nil, err
	}
	fields := map[string]string{"Content-Type": r.ContentType}
	conditions := []any{
		[]any{"content-length-range", r.MinSize, r.MaxSize},
		map[string]string{"Content-Type": r.ContentType},
	}
	if p.cfg.KMSKeyID != "" {
		fields["x-amz-server-side-encryption"] = "aws:kms"
		fields["x-amz-server-side-encryption-aws-kms-key-id"] = p.cfg.KMSKeyID
		conditions = append(conditions,
			map[string]string{"x-amz-server-side-encryption": "aws:kms"},
			map[string]string{"x-amz-server-side-encryption-aws-kms-key-id": p.cfg.KMSKeyID})
	}
	// The SDK adds {"key": Key} (the exact key) and the bucket and credential fields.
	out, err := p.presign.PresignPostObject(ctx, &s3.PutObjectInput{Bucket: aws.String(p.cfg.Bucket), Key: aws.String(r.Key)},
		func(o *s3.PresignPostOptions) {
			o.Expires = life
			o.Conditions = conditions
		})
	if err != nil {
		return nil, fmt.Errorf("presign post: %w", err)
	}
	for k, v := range out.Values {
		fields[k] = v
	}
	return &PostForm{URL: out.URL, Fields: fields, Expires: p.cfg.Now().Add(life)}, nil
}
