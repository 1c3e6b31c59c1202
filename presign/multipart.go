package presign

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/signet-cdk/signet/checksum"
)

// Multipart uploads, checksummed end to end with CRC-64/NVME:
//
//   - CreateMultipart starts the upload with ChecksumAlgorithm CRC64NVME and
//     ChecksumType FULL_OBJECT (an S3 call with the signer's role);
//   - PresignPart presigns UploadPart for one part with its exact Content-Length and
//     its x-amz-checksum-crc64nvme signed, so S3 takes only those bytes for that part
//     number of that upload (no S3 call);
//   - ListParts lists what arrived (every page), for resuming;
//   - CompleteMultipart assembles the parts with ChecksumType FULL_OBJECT, the
//     whole object's CRC-64/NVME and its size (x-amz-mp-object-size): S3 refuses
//     the completion unless the object it builds has exactly that checksum and size;
//   - AbortMultipart frees the parts.
//
// S3's refusals of what the client sent (a wrong checksum or size, a part that is
// missing, too small or has another ETag) wrap ErrRejected; an upload S3 no longer
// knows (aborted, completed, expired) is ErrNoSuchUpload.

// Errors of the multipart calls, matched with errors.Is.
var (
	// ErrNoSuchUpload: S3 knows no upload with that id for that key.
	ErrNoSuchUpload = errors.New("presign: no such multipart upload")
	// ErrRejected: S3 refused the completion because what arrived is not what was
	// declared (checksum, size, parts).
	ErrRejected = errors.New("presign: storage refused the parts or checksum")
)

// DefaultPartSize is the part size for size bytes when the client names none: 64 MiB,
// or the smallest whole number of MiB that keeps the upload within MaxParts.
func DefaultPartSize(size int64) int64 {
	const mib = 1 << 20
	perPart := (size + MaxParts - 1) / MaxParts
	return max(64*mib, (perPart+mib-1)/mib*mib)
}

// PartCount is how many parts of partSize a file of size needs.
func PartCount(size, partSize int64) (int, error) {
	if partSize < MinPartSize || partSize > MaxPartSize {
		return 0, fmt.Errorf("%w: part size %d (from %d to %d)", ErrBadRequest, partSize, int64(MinPartSize), int64(MaxPartSize))
	}
	if size <= 0 || size > MaxObjectSize {
		return 0, fmt.Errorf("%w: size %d (from 1 to %d)", ErrBadRequest, size, int64(MaxObjectSize))
	}
	n := (size + partSize - 1) / partSize
	if n > MaxParts {
		return 0, fmt.Errorf("%w: %d parts (at most %d); use larger parts", ErrBadRequest, n, MaxParts)
	}
	return int(n), nil
}

// PartLength is the length of part number (1-based) of a size-byte file cut in
// parts of partSize: partSize, the last part the remainder; 0 for a number outside
// the file.
func PartLength(size, partSize int64, number int) int64 {
	if partSize <= 0 || number < 1 {
		return 0
	}
	start := int64(number-1) * partSize
	if start >= size || start/partSize != int64(number-1) {
		return 0
	}
	return min(partSize, size-start)
}

// checkUploadID refuses an upload id S3 could not have issued: empty, over 1024
// bytes, or anything but printable ASCII without spaces.
func checkUploadID(id string) error {
	if id == "" || len(id) > 1024 {
		return fmt.Errorf("%w: upload id of %d bytes", ErrBadRequest, len(id))
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= 0x20 || id[i] > 0x7e {
			return fmt.Errorf("%w: upload id holds a byte that is not printable ASCII", ErrBadRequest)
		}
	}
	return nil
}

func checkCRC(field, sum string) error {
	if _, err := checksum.ParseCRC64NVMEBase64(sum); err != nil {
		return fmt.Errorf("%w: %s %q is not the base64 of an 8-byte CRC64NVME", ErrBadRequest, field, clip(sum))
	}
	return nil
}

// CreateMultipart starts a multipart upload of key (an S3 call with the signer's
// credentials): CRC64NVME, FULL_OBJECT, the content type and, with
// Config.KMSKeyID, SSE-KMS with that key. It returns the upload id.
func (p *Presigner) CreateMultipart(ctx context.Context, key, contentType string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	if err := checkContentType(contentType); err != nil {
		return "", err
	}
	in := &s3.CreateMultipartUploadInput{
		Bucket: aws.String(p.cfg.Bucket), Key: aws.String(key), ContentType: aws.String(contentType),
		ChecksumAlgorithm: s3types.ChecksumAlgorithmCrc64nvme, ChecksumType: s3types.ChecksumTypeFullObject,
	}
	if p.cfg.KMSKeyID != "" {
		in.ServerSideEncryption = s3types.ServerSideEncryptionAwsKms
		in.SSEKMSKeyId = aws.String(p.cfg.KMSKeyID)
	}
	out, err := p.client.CreateMultipartUpload(ctx, in)
	if err != nil {
		return "", s3Error("create multipart upload", err)
	}
	id := aws.ToString(out.UploadId)
	if err := checkUploadID(id); err != nil {
		return "", fmt.Errorf("create multipart upload: storage answered an unusable upload id: %w", err)
	}
	return id, nil
}

// PartRequest is one part to presign.
type PartRequest struct {
	Key      string
	UploadID string
	// Number is the part number, 1 to MaxParts.
	Number int
	// ContentLength is the part's exact length, 1 to MaxPartSize.
	ContentLength int64
	// ChecksumCRC64NVME is the base64 CRC-64/NVME of the part's bytes
	// (checksum.CRC64NVMEBase64).
	ChecksumCRC64NVME string
	Lifetime          time.Duration
}

// partSignedHeaders must be in every part URL's X-Amz-SignedHeaders: without them
// the URL would take another length or other bytes for the part.
var partSignedHeaders = []string{"content-length", "x-amz-checksum-crc64nvme"}

// PresignPart presigns UploadPart for one part (no S3 call): Content-Length and
// x-amz-checksum-crc64nvme are signed, so S3 accepts exactly those bytes as that
// part of that upload. If the SDK ever leaves either header out of the signature,
// PresignPart fails rather than hand out a weaker URL.
func (p *Presigner) PresignPart(ctx context.Context, r PartRequest) (*Request, error) {
	if err := checkPart(r); err != nil {
		return nil, err
	}
	life, err := p.lifetime(ctx, r.Lifetime)
	if err != nil {
		return nil, err
	}
	out, err := p.presign.PresignUploadPart(ctx, &s3.UploadPartInput{
		Bucket: aws.String(p.cfg.Bucket), Key: aws.String(r.Key), UploadId: aws.String(r.UploadID), PartNumber: aws.Int32(int32(r.Number)),
		ContentLength: aws.Int64(r.ContentLength), ChecksumCRC64NVME: aws.String(r.ChecksumCRC64NVME),
	}, s3.WithPresignExpires(life))
	if err != nil {
		return nil, fmt.Errorf("presign part %d: %w", r.Number, redacted{err})
	}
	u, err := url.Parse(out.URL)
	if err != nil {
		return nil, fmt.Errorf("presign part %d: %w", r.Number, redacted{err})
	}
	signed := strings.Split(u.Query().Get("X-Amz-SignedHeaders"), ";")
	for _, h := range partSignedHeaders {
		if !slices.Contains(signed, h) {
			return nil, fmt.Errorf("presign part %d: the SDK left %s out of the signature", r.Number, h)
		}
	}
	req := toRequest(out.Method, out.URL, out.SignedHeader, p.cfg.Now().Add(life))
	req.Header.Set("Content-Length", strconv.FormatInt(r.ContentLength, 10))
	return req, nil
}

func checkPart(r PartRequest) error {
	if err := checkKey(r.Key); err != nil {
		return err
	}
	if err := checkUploadID(r.UploadID); err != nil {
		return err
	}
	if r.Number < 1 || r.Number > MaxParts {
		return fmt.Errorf("%w: part number %d (from 1 to %d)", ErrBadRequest, r.Number, MaxParts)
	}
	if r.ContentLength < 1 || r.ContentLength > MaxPartSize {
		return fmt.Errorf("%w: part length %d (from 1 to %d)", ErrBadRequest, r.ContentLength, int64(MaxPartSize))
	}
	return checkCRC("part checksum", r.ChecksumCRC64NVME)
}

// listPartsPageSize asks S3 for pages of this many parts (0: S3's default, 1,000);
// tests make it small to walk several pages.
var listPartsPageSize int32

// Part is a part S3 holds.
type Part struct {
	Number            int
	Size              int64
	ETag              string
	ChecksumCRC64NVME string
}

// ListParts lists the parts of the upload that arrived, every page, in part order
// (S3 calls with the signer's credentials). ErrNoSuchUpload when S3 knows no such
// upload.
func (p *Presigner) ListParts(ctx context.Context, key, uploadID string) ([]Part, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if err := checkUploadID(uploadID); err != nil {
		return nil, err
	}
	var out []Part
	in := &s3.ListPartsInput{Bucket: aws.String(p.cfg.Bucket), Key: aws.String(key), UploadId: aws.String(uploadID)}
	if listPartsPageSize > 0 {
		in.MaxParts = aws.Int32(listPartsPageSize)
	}
	pages := s3.NewListPartsPaginator(p.client, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, multipartError("list parts", err)
		}
		for _, part := range page.Parts {
			out = append(out, Part{Number: int(aws.ToInt32(part.PartNumber)), Size: aws.ToInt64(part.Size), ETag: aws.ToString(part.ETag),
				ChecksumCRC64NVME: aws.ToString(part.ChecksumCRC64NVME)})
		}
	}
	return out, nil
}

// CompletedPart is a part the client uploaded: its number, the ETag S3 returned and
// its CRC-64/NVME.
type CompletedPart struct {
	Number            int
	ETag              string
	ChecksumCRC64NVME string
}

// CompleteRequest assembles a multipart upload.
type CompleteRequest struct {
	Key      string
	UploadID string
	// Size is the object's declared size: S3 refuses the completion if the parts add
	// up to another (x-amz-mp-object-size).
	Size int64
	// ChecksumCRC64NVME is the base64 CRC-64/NVME of the whole object: S3 refuses
	// the completion if the object's differs.
	ChecksumCRC64NVME string
	// Parts, each number once, in any order (sent in order).
	Parts []CompletedPart
}

// CompleteMultipart assembles the parts (an S3 call): ChecksumType FULL_OBJECT with
// the whole object's CRC-64/NVME and its size, both verified by S3. It returns the
// CRC-64/NVME S3 recorded. ErrRejected when S3 refuses what arrived, ErrNoSuchUpload
// when it no longer knows the upload.
func (p *Presigner) CompleteMultipart(ctx context.Context, r CompleteRequest) (string, error) {
	if err := checkKey(r.Key); err != nil {
		return "", err
	}
	if err := checkUploadID(r.UploadID); err != nil {
		return "", err
	}
	if err := checkCRC("checksum", r.ChecksumCRC64NVME); err != nil {
		return "", err
	}
	if r.Size < 1 || r.Size > MaxObjectSize || len(r.Parts) == 0 || len(r.Parts) > MaxParts {
		return "", fmt.Errorf("%w: size %d with %d parts", ErrBadRequest, r.Size, len(r.Parts))
	}
	sorted := slices.Clone(r.Parts)
	slices.SortFunc(sorted, func(a, b CompletedPart) int { return a.Number - b.Number })
	done := make([]s3types.CompletedPart, 0, len(sorted))
	for i, cp := range sorted {
		if cp.Number < 1 || cp.Number > MaxParts || i > 0 && cp.Number == sorted[i-1].Number || cp.ETag == "" {
			return "", fmt.Errorf("%w: parts must be numbered 1..%d, each once, with ETags", ErrBadRequest, MaxParts)
		}
		part := s3types.CompletedPart{PartNumber: aws.Int32(int32(cp.Number)), ETag: aws.String(cp.ETag)}
		if cp.ChecksumCRC64NVME != "" {
			if err := checkCRC("part checksum", cp.ChecksumCRC64NVME); err != nil {
				return "", err
			}
			part.ChecksumCRC64NVME = aws.String(cp.ChecksumCRC64NVME)
		}
		done = append(done, part)
	}
	out, err := p.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(p.cfg.Bucket), Key: aws.String(r.Key), UploadId: aws.String(r.UploadID),
		ChecksumType: s3types.ChecksumTypeFullObject, ChecksumCRC64NVME: aws.String(r.ChecksumCRC64NVME),
		MpuObjectSize:   aws.Int64(r.Size),
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: done},
	})
	if err != nil {
		return "", multipartError("complete multipart upload", err)
	}
	// S3 verified the checksum it was given. An answer naming another one means the
	// upload was not made the way Signet makes them; no checksum in the answer is
	// taken as the one S3 verified.
	got := aws.ToString(out.ChecksumCRC64NVME)
	if got != "" && got != r.ChecksumCRC64NVME {
		return "", fmt.Errorf("%w: complete multipart upload: storage recorded CRC64NVME %q (type %q), not the declared one", ErrRejected, clip(got), out.ChecksumType)
	}
	return r.ChecksumCRC64NVME, nil
}

// AbortMultipart cancels an upload and frees its parts (an S3 call).
// ErrNoSuchUpload when S3 no longer knows it (aborted before, or completed).
func (p *Presigner) AbortMultipart(ctx context.Context, key, uploadID string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := checkUploadID(uploadID); err != nil {
		return err
	}
	_, err := p.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(p.cfg.Bucket), Key: aws.String(key), UploadId: aws.String(uploadID)})
	if err != nil {
		return multipartError("abort multipart upload", err)
	}
	return nil
}

// rejectedCodes are S3's answers to a completion whose parts, size or checksum are
// not what was declared.
var rejectedCodes = map[string]bool{
	"BadDigest": true, "InvalidDigest": true, "InvalidPart": true, "InvalidPartOrder": true, "EntityTooSmall": true,
	"InvalidRequest": true, "InvalidArgument": true, "ChecksumMismatch": true, "XAmzContentChecksumMismatch": true,
}

// multipartError is s3Error with S3's refusals named: NoSuchUpload is
// ErrNoSuchUpload, a refusal of the parts, size or checksum ErrRejected.
func multipartError(op string, err error) error {
	var api smithy.APIError
	if errors.As(err, &api) && !unavailable(err) {
		switch code := api.ErrorCode(); {
		case code == "NoSuchUpload":
			return fmt.Errorf("%w: %s: %w", ErrNoSuchUpload, op, redacted{err})
		case rejectedCodes[code]:
			return fmt.Errorf("%w: %s: %w", ErrRejected, op, redacted{err})
		}
	}
	return s3Error(op, err)
}
