package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signet-cdk/signet/checksum"
	"github.com/signet-cdk/signet/presign"
	"github.com/signet-cdk/signet/store"
)

// Multipart uploads, for files up to Config.MaxUploadBytes (5 TiB), checksummed end
// to end with CRC-64/NVME: every part URL signs its exact length and its checksum,
// and S3 assembles the object only if it has the declared size and whole-file
// checksum (FULL_OBJECT). Authorized as a write on the path and audited like a single
// upload (creation and completion, and an abort); the pending upload holds its path
// against other users for Config.MultipartLifetime.
//
// Database statements per request: create 2 (the decision, which yields the object
// key and refuses a held path before S3 is asked; then the pending row and its audit
// row, which need the upload id S3 returned); parts 1; list 1; complete 2 (the
// upload must be checked before S3 assembles it, and recorded after); abort 1.

// maxPartsPerRequest bounds the part URLs presigned by one request.
const maxPartsPerRequest = 100

// MultipartRequest starts a multipart upload.
type MultipartRequest struct {
	Path        string `json:"path"`
	Size        int64  `json:"size"`
	ContentType string `json:"contentType"`
	// ChecksumAlgorithm must be "CRC64NVME".
	ChecksumAlgorithm string `json:"checksumAlgorithm"`
	// PartSize, optional: 0 lets the server choose (presign.DefaultPartSize).
	PartSize int64 `json:"partSize,omitempty"`
}

// MultipartResponse is the started upload. ExpiresAt is when it stops holding its
// path against other users.
type MultipartResponse struct {
	UploadID  string    `json:"uploadId"`
	PartSize  int64     `json:"partSize"`
	PartCount int       `json:"partCount"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// PartsRequest asks for part URLs (at most 100).
type PartsRequest struct {
	Path     string        `json:"path"`
	UploadID string        `json:"uploadId"`
	Parts    []PartRequest `json:"parts"`
}

// PartRequest is one part to presign: its number and the base64 CRC-64/NVME of its
// bytes (big-endian).
type PartRequest struct {
	Number            int64  `json:"number"`
	ChecksumCRC64NVME string `json:"checksumCrc64nvme"`
}

// PartsResponse holds one URL per part asked for, in the order asked.
type PartsResponse struct {
	Parts []PartURL `json:"parts"`
}

// PartURL is a presigned UploadPart: PUT the part's bytes to URL with exactly
// Headers (Content-Length and x-amz-checksum-crc64nvme).
type PartURL struct {
	Number    int64             `json:"number"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers"`
	ExpiresAt time.Time         `json:"expiresAt"`
}

// UploadedParts lists the parts S3 holds, for resuming.
type UploadedParts struct {
	Parts []UploadedPart `json:"parts"`
}

// UploadedPart is a part S3 holds.
type UploadedPart struct {
	Number            int    `json:"number"`
	Size              int64  `json:"size"`
	ETag              string `json:"etag"`
	ChecksumCRC64NVME string `json:"checksumCrc64nvme,omitempty"`
}

// CompleteMultipartRequest assembles the upload: every part, with the ETag S3
// answered for it and its checksum, and the whole file's CRC-64/NVME.
type CompleteMultipartRequest struct {
	Path              string          `json:"path"`
	UploadID          string          `json:"uploadId"`
	ChecksumCRC64NVME string          `json:"checksumCrc64nvme"`
	Parts             []CompletedPart `json:"parts"`
}

// CompletedPart is an uploaded part.
type CompletedPart struct {
	Number            int64  `json:"number"`
	ETag              string `json:"etag"`
	ChecksumCRC64NVME string `json:"checksumCrc64nvme"`
}

// CompleteMultipartResponse is the available file.
type CompleteMultipartResponse struct {
	Path              string `json:"path"`
	Size              int64  `json:"size"`
	ChecksumCRC64NVME string `json:"checksumCrc64nvme"`
	Status            string `json:"status"`
}

// AbortRequest cancels an upload.
type AbortRequest struct {
	Path     string `json:"path"`
	UploadID string `json:"uploadId"`
}

// partPlan is the part size and count for size bytes: partSize when given, else
// the default; 400 when the parts would break S3's rules.
func partPlan(size, partSize int64) (int64, int, error) {
	if partSize == 0 {
		partSize = presign.DefaultPartSize(size)
	} else if partSize < presign.MinPartSize || partSize > presign.MaxPartSize {
		return 0, 0, badRequest("partSize must be from %d (5 MiB) to %d (5 GiB) bytes, or 0 to let the server choose", presign.MinPartSize, presign.MaxPartSize)
	}
	n, err := presign.PartCount(size, partSize)
	if err != nil {
		return 0, 0, badRequest("partSize %d cuts %d bytes into more than %d parts; use larger parts", partSize, size, presign.MaxParts)
	}
	return partSize, n, nil
}

func (h *Handler) checkMultipart(in *MultipartRequest) error {
	cfg := h.cfg()
	if err := objectPath("path", in.Path, false); err != nil {
		return err
	}
	if err := contentType(in.ContentType); err != nil {
		return err
	}
	if in.Size < 1 || in.Size > cfg.MaxUploadBytes {
		return badRequest("size must be from 1 to %d bytes", cfg.MaxUploadBytes)
	}
	if in.ChecksumAlgorithm != "CRC64NVME" {
		return badRequest("checksumAlgorithm must be \"CRC64NVME\"")
	}
	return nil
}

// createMultipart validates everything, has the store authorize and check the path,
// creates the S3 upload, and only then has the store record the pending file with
// the upload id and the audit row. If the store refuses the path in the meantime,
// the S3 upload is aborted.
func (h *Handler) createMultipart(ctx context.Context, p store.Principal, req events.APIGatewayProxyRequest, in *MultipartRequest) (any, error) {
	if err := h.checkMultipart(in); err != nil {
		return nil, err
	}
	partSize, count, err := partPlan(in.Size, in.PartSize)
	if err != nil {
		return nil, err
	}
	cfg := h.cfg()
	intent := store.MultipartIntent{Path: in.Path, ContentType: in.ContentType, Size: in.Size, PartSize: partSize, HoldFor: cfg.MultipartLifetime}
	var key, created string
	m, err := h.Store.RecordMultipart(ctx, p, intent, func(d store.Decision) (store.MultipartStart, error) {
		id, err := h.Uploads.CreateMultipart(ctx, d.Key, in.ContentType)
		if err != nil {
			return store.MultipartStart{}, err
		}
		key, created = d.Key, id
		return store.MultipartStart{UploadID: id, Audit: store.AuditEntry{ExpiresAt: h.now().Add(cfg.MultipartLifetime),
			RequestID: req.RequestContext.RequestID, Event: "multipart.create"}}, nil
	})
	if err != nil {
		if created != "" {
			h.abortQuietly(ctx, key, created, "the upload it was created for was refused")
		}
		return nil, err
	}
	if m.Replaced != "" {
		h.abortQuietly(ctx, m.Decision.Key, m.Replaced, "a new upload replaced it")
	}
	return &MultipartResponse{UploadID: m.File.UploadID, PartSize: partSize, PartCount: count, ExpiresAt: m.File.HoldUntil}, nil
}

// abortQuietly aborts an S3 upload nothing refers to any more; a failure leaves it to
// the bucket's lifecycle rule and is only logged (without the upload id or key).
func (h *Handler) abortQuietly(ctx context.Context, key, uploadID, why string) {
	if err := h.Uploads.AbortMultipart(ctx, key, uploadID); err != nil && !errors.Is(err, presign.ErrNoSuchUpload) {
		h.logger().WarnContext(ctx, "could not abort an unused multipart upload; the bucket's lifecycle rule will", "why", why, "error", err.Error())
	}
}

// uploadID checks an upload id as S3 issues them: printable ASCII without spaces, at
// most 1024 bytes.
func uploadID(id string) error {
	if id == "" || len(id) > store.MaxUploadIDBytes {
		return badRequest("uploadId is required, at most %d bytes", store.MaxUploadIDBytes)
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= 0x20 || id[i] > 0x7e {
			return badRequest("uploadId must be printable ASCII without spaces")
		}
	}
	return nil
}

// crc64nvme checks a base64 CRC-64/NVME (12 characters, padded, 8 bytes).
func crc64nvme(field, s string) error {
	if _, err := checksum.ParseCRC64NVMEBase64(s); err != nil {
		return badRequest("%s must be the base64 of the 8-byte big-endian CRC64NVME (12 characters)", field)
	}
	return nil
}

// partNumbers checks part numbers: each 1..10,000, none twice.
func partNumbers(numbers []int64) error {
	seen := make(map[int64]bool, len(numbers))
	for _, n := range numbers {
		if n < 1 || n > presign.MaxParts {
			return badRequest("part numbers must be from 1 to %d", presign.MaxParts)
		}
		if seen[n] {
			return badRequest("part %d is given more than once", n)
		}
		seen[n] = true
	}
	return nil
}

// pendingUpload is the caller's pending multipart upload uploadID at path (one
// statement), or the answer saying why there is none.
func (h *Handler) pendingUpload(ctx context.Context, p store.Principal, path, id string) (store.Decision, store.File, error) {
	d, f, err := h.Store.MultipartUpload(ctx, p, path, id)
	if err != nil {
		return d, f, multipartRefusal(err)
	}
	switch f.Status {
	case "pending":
		return d, f, nil
	case "available":
		return d, f, &apiError{http.StatusConflict, codeConflict, "this upload is complete"}
	}
	return d, f, errNoUpload
}

var errNoUpload = &apiError{http.StatusNotFound, codeNotFound, "no multipart upload with this uploadId is pending at this path"}

// multipartRefusal words the store's refusals of an upload id for the client.
func multipartRefusal(err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return errNoUpload
	case errors.Is(err, store.ErrConflict):
		return &apiError{http.StatusConflict, codeConflict, "another upload is pending at this path, or this upload is another user's"}
	}
	return err
}

// presignParts presigns up to 100 part URLs of the caller's pending upload, each
// with its exact length (partSize, the last part the remainder) and checksum signed.
// One statement; presigning calls nothing.
func (h *Handler) presignParts(ctx context.Context, p store.Principal, in *PartsRequest) (any, error) {
	if err := objectPath("path", in.Path, false); err != nil {
		return nil, err
	}
	if err := uploadID(in.UploadID); err != nil {
		return nil, err
	}
	if len(in.Parts) < 1 || len(in.Parts) > maxPartsPerRequest {
		return nil, badRequest("parts must list from 1 to %d parts", maxPartsPerRequest)
	}
	numbers := make([]int64, len(in.Parts))
	for i, part := range in.Parts {
		if err := crc64nvme("checksumCrc64nvme", part.ChecksumCRC64NVME); err != nil {
			return nil, err
		}
		numbers[i] = part.Number
	}
	if err := partNumbers(numbers); err != nil {
		return nil, err
	}
	d, f, err := h.pendingUpload(ctx, p, in.Path, in.UploadID)
	if err != nil {
		return nil, err
	}
	count, err := presign.PartCount(f.Size, f.PartSize)
	if err != nil {
		return nil, fmt.Errorf("the recorded upload cannot be cut in parts: %w", err) // the store checked it: a bug
	}
	if last := slices.Max(numbers); last > int64(count) {
		return nil, badRequest("part %d is beyond the upload's %d parts", last, count)
	}
	out := &PartsResponse{Parts: make([]PartURL, 0, len(in.Parts))}
	for _, part := range in.Parts {
		r, err := h.Uploads.PresignPart(ctx, presign.PartRequest{Key: d.Key, UploadID: in.UploadID, Number: int(part.Number),
			ContentLength: presign.PartLength(f.Size, f.PartSize, int(part.Number)), ChecksumCRC64NVME: part.ChecksumCRC64NVME, Lifetime: h.cfg().PartLifetime})
		if err != nil {
			return nil, err
		}
		out.Parts = append(out.Parts, PartURL{Number: part.Number, URL: r.URL, Headers: partHeaders(r.Header), ExpiresAt: r.Expires})
	}
	return out, nil
}

// partHeaders is a part URL's signed headers as the client sends them, one value per
// name, named as the API documents them: "Content-Length", and S3's own headers in
// lowercase ("x-amz-checksum-crc64nvme").
func partHeaders(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for k, v := range h {
		if lower := strings.ToLower(k); strings.HasPrefix(lower, "x-amz-") {
			k = lower
		}
		out[k] = strings.Join(v, ",")
	}
	return out
}

// listParts lists what S3 holds of the caller's pending upload (every page), for
// resuming. One statement.
func (h *Handler) listParts(ctx context.Context, p store.Principal, req events.APIGatewayProxyRequest) (any, error) {
	path, err := pathQuery(req, "path", "uploadId")
	if err != nil {
		return nil, err
	}
	id, err := query(req, "uploadId")
	if err != nil {
		return nil, err
	}
	if err := uploadID(id); err != nil {
		return nil, err
	}
	d, _, err := h.pendingUpload(ctx, p, path, id)
	if err != nil {
		return nil, err
	}
	parts, err := h.Uploads.ListParts(ctx, d.Key, id)
	if err != nil {
		return nil, err
	}
	out := &UploadedParts{Parts: make([]UploadedPart, 0, len(parts))}
	for _, part := range parts {
		out.Parts = append(out.Parts, UploadedPart{Number: part.Number, Size: part.Size, ETag: part.ETag, ChecksumCRC64NVME: part.ChecksumCRC64NVME})
	}
	return out, nil
}

// maxETagBytes bounds an ETag (S3's are 34 characters with their quotes).
const maxETagBytes = 200

func checkComplete(in *CompleteMultipartRequest) error {
	if err := objectPath("path", in.Path, false); err != nil {
		return err
	}
	if err := uploadID(in.UploadID); err != nil {
		return err
	}
	if err := crc64nvme("checksumCrc64nvme", in.ChecksumCRC64NVME); err != nil {
		return err
	}
	if len(in.Parts) < 1 || len(in.Parts) > presign.MaxParts {
		return badRequest("parts must list every part, from 1 to %d", presign.MaxParts)
	}
	numbers := make([]int64, len(in.Parts))
	for i, part := range in.Parts {
		if part.ETag == "" || len(part.ETag) > maxETagBytes {
			return badRequest("each part needs the etag storage answered for it (at most %d bytes)", maxETagBytes)
		}
		for j := 0; j < len(part.ETag); j++ {
			if part.ETag[j] < 0x20 || part.ETag[j] > 0x7e {
				return badRequest("etag must be printable ASCII")
			}
		}
		if err := crc64nvme("parts' checksumCrc64nvme", part.ChecksumCRC64NVME); err != nil {
			return err
		}
		numbers[i] = part.Number
	}
	return partNumbers(numbers)
}

// completeMultipart has S3 assemble the caller's pending upload, which S3 does only
// if the parts add up to the declared size and the object's CRC-64/NVME is the one
// given, then records the file as available with that checksum, audited. A repeated
// completion of a completed upload answers the same again. Two statements: the
// upload is checked before S3 assembles it, and recorded after.
func (h *Handler) completeMultipart(ctx context.Context, p store.Principal, req events.APIGatewayProxyRequest, in *CompleteMultipartRequest) (any, error) {
	if err := checkComplete(in); err != nil {
		return nil, err
	}
	d, f, err := h.Store.MultipartUpload(ctx, p, in.Path, in.UploadID)
	if err != nil {
		return nil, multipartRefusal(err)
	}
	done := &CompleteMultipartResponse{Path: in.Path, Size: f.Size, ChecksumCRC64NVME: in.ChecksumCRC64NVME, Status: "available"}
	switch f.Status {
	case "available": // a retry of a completion that succeeded
		if f.ChecksumCRC64NVME != in.ChecksumCRC64NVME {
			return nil, &apiError{http.StatusConflict, codeConflict, "this upload is complete, with another checksum"}
		}
		return done, nil
	case "deleted":
		return nil, errNoUpload
	}
	count, err := presign.PartCount(f.Size, f.PartSize)
	if err != nil {
		return nil, fmt.Errorf("the recorded upload cannot be cut in parts: %w", err)
	}
	if len(in.Parts) != count {
		return nil, badRequest("parts must list all %d parts of the upload, numbered 1 to %d", count, count)
	}
	for _, part := range in.Parts {
		if part.Number > int64(count) {
			return nil, badRequest("part %d is beyond the upload's %d parts", part.Number, count)
		}
	}
	parts := make([]presign.CompletedPart, len(in.Parts))
	for i, part := range in.Parts {
		parts[i] = presign.CompletedPart{Number: int(part.Number), ETag: part.ETag, ChecksumCRC64NVME: part.ChecksumCRC64NVME}
	}
	_, err = h.Uploads.CompleteMultipart(ctx, presign.CompleteRequest{Key: d.Key, UploadID: in.UploadID, Size: f.Size,
		ChecksumCRC64NVME: in.ChecksumCRC64NVME, Parts: parts})
	if errors.Is(err, presign.ErrNoSuchUpload) {
		// S3 may have completed it already (a retry after the record failed): the
		// object is there with the declared size and checksum, or the upload is gone.
		obj, herr := h.Uploads.Head(ctx, d.Key)
		if herr != nil || obj.Size != f.Size || obj.ChecksumCRC64NVME != in.ChecksumCRC64NVME {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	if _, err := h.Store.CompleteMultipart(ctx, p, in.Path, in.UploadID, in.ChecksumCRC64NVME, store.AuditEntry{ExpiresAt: h.now(),
		RequestID: req.RequestContext.RequestID, Event: "multipart.complete"}); err != nil {
		return nil, multipartRefusal(err)
	}
	h.countCustomer(ctx, MetricUploadsCompleted, p) // not for a repeated completion, answered above
	return done, nil
}

// abortMultipart frees the path (one statement, audited) and then the S3 upload. A
// repeated abort aborts again in S3, which is harmless, so a retry after S3 failed
// finishes the job.
func (h *Handler) abortMultipart(ctx context.Context, p store.Principal, req events.APIGatewayProxyRequest, in *AbortRequest) (any, error) {
	if err := objectPath("path", in.Path, false); err != nil {
		return nil, err
	}
	if err := uploadID(in.UploadID); err != nil {
		return nil, err
	}
	d, _, err := h.Store.AbortMultipart(ctx, p, in.Path, in.UploadID, store.AuditEntry{ExpiresAt: h.now(), RequestID: req.RequestContext.RequestID, Event: "multipart.abort"})
	if errors.Is(err, store.ErrConflict) {
		return nil, &apiError{http.StatusConflict, codeConflict, "another upload is pending at this path, this upload is another user's, or it is complete"}
	}
	if err != nil {
		return nil, multipartRefusal(err)
	}
	if err := h.Uploads.AbortMultipart(ctx, d.Key, in.UploadID); err != nil && !errors.Is(err, presign.ErrNoSuchUpload) {
		return nil, err
	}
	return map[string]bool{"aborted": true}, nil
}
