package presign

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Multipart is a started multipart upload with a presigned URL per part.
type Multipart struct {
	Key      string
	UploadID string
	// Parts[i] uploads part number i+1.
	Parts   []*Request
	Expires time.Time
}

// PartCount is how many parts of partSize a file of size needs.
func PartCount(size, partSize int64) (int, error) {
	if partSize < MinPartSize || partSize > MaxPartSize {
		return 0, fmt.Errorf("%w: part size %d (from %d to %d)", ErrBadRequest, partSize, int64(MinPartSize), int64(MaxPartSize))
	}
	if size <= 0 {
		return 0, fmt.Errorf("%w: size %d", ErrBadRequest, size)
	}
	n := (size + partSize - 1) / partSize
	if n > MaxParts {
		return 0, fmt.Errorf("%w: %d parts (at most %d); use larger parts", ErrBadRequest, n, MaxParts)
	}
	return int(n), nil
}

// StartMultipart creates the upload (an S3 call with the signer's credentials) and
// presigns one UploadPart URL per part.
func (p *Presigner) StartMultipart(ctx context.Context, key, contentType string, size, partSize int64, lifetime time.Duration) (*Multipart, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if err := checkContentType(contentType); err != nil {
		return nil, err
	}
	n, err := PartCount(size, partSize)
	if err != nil {
		return nil, err
	}
	life, err := p.lifetime(ctx, lifetime)
	if err != nil {
		return nil, err
	}
	in := &s3.CreateMultipartUploadInput{Bucket: aws.String(p.cfg.Bucket), Key: aws.String(key), ContentType: aws.String(contentType)}
	if p.cfg.KMSKeyID != "" {
		in.ServerSideEncryption = s3types.ServerSideEncryptionAwsKms
		in.SSEKMSKeyId = aws.String(p.cfg.KMSKeyID)
	}
	created, err := p.client.CreateMultipartUpload(ctx, in)
	if err != nil {
		return nil, s3Error("create multipart upload", err)
	}
	m := &Multipart{Key: key, UploadID: aws.ToString(created.UploadId), Expires: p.cfg.Now().Add(life)}
	for i := 1; i <= n; i++ {
		out, err := p.presign.PresignUploadPart(ctx, &s3.UploadPartInput{
			Bucket: aws.String(p.cfg.Bucket), Key: aws.String(key), UploadId: created.UploadId, PartNumber: aws.Int32(int32(i)),
		}, s3.WithPresignExpires(life))
		if err != nil {
			_ = p.Abort(ctx, key, m.UploadID)
			return nil, fmt.Errorf("presign part %d: %w", i, redacted{err})
		}
		m.Parts = append(m.Parts, toRequest(out.Method, out.URL, out.SignedHeader, m.Expires))
	}
	return m, nil
}

// CompletedPart is a part the client uploaded: its number and the ETag S3 returned.
type CompletedPart struct {
	Number int32
	ETag   string
}

// CompleteMultipart assembles the parts (an S3 call).
func (p *Presigner) CompleteMultipart(ctx context.Context, key, uploadID string, parts []CompletedPart) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if uploadID == "" || len(parts) == 0 || len(parts) > MaxParts {
		return fmt.Errorf("%w: upload id %q with %d parts", ErrBadRequest, uploadID, len(parts))
	}
	sorted := append([]CompletedPart(nil), parts...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Number < sorted[j].Number })
	var done []s3types.CompletedPart
	for i, cp := range sorted {
		if cp.Number != int32(i+1) || cp.ETag == "" {
			return fmt.Errorf("%w: parts must be numbered 1..%d with ETags", ErrBadRequest, len(parts))
		}
		done = append(done, s3types.CompletedPart{PartNumber: aws.Int32(cp.Number), ETag: aws.String(cp.ETag)})
	}
	_, err := p.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(p.cfg.Bucket), Key: aws.String(key), UploadId: aws.String(uploadID),
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: done},
	})
	if err != nil {
		return s3Error("complete multipart upload", err)
	}
	return nil
}

// Abort cancels an upload and frees its parts.
func (p *Presigner) Abort(ctx context.Context, key, uploadID string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	_, err := p.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(p.cfg.Bucket), Key: aws.String(key), UploadId: aws.String(uploadID)})
	if err != nil {
		return s3Error("abort multipart upload", err)
	}
	return nil
}
