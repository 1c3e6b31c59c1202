package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signet-cdk/signet/presign"
	"github.com/signet-cdk/signet/store"
)

// UploadRequest asks for a presigned upload.
type UploadRequest struct {
	Path        string `json:"path"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
	// ChecksumSHA256 is the base64 SHA-256 of the file; S3 refuses any other body.
	ChecksumSHA256 string `json:"checksumSha256"`
	// Method: "put" (default) or "post" (browser form).
	Method string `json:"method,omitempty"`
}

// UploadResponse is what the client sends to S3.
type UploadResponse struct {
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers,omitempty"`
	Fields    map[string]string `json:"fields,omitempty"`
	ExpiresAt time.Time         `json:"expiresAt"`
}

func (h *Handler) checkUpload(in *UploadRequest) error {
	cfg := h.cfg()
	if err := objectPath("path", in.Path, false); err != nil {
		return err
	}
	if err := contentType(in.ContentType); err != nil {
		return err
	}
	if in.Size < 0 || in.Size > cfg.MaxUploadSize {
		return badRequest("size must be from 0 to %d bytes", cfg.MaxUploadSize)
	}
	if err := checksumSHA256(in.ChecksumSHA256); err != nil {
		return err
	}
	if in.Method != "" && in.Method != "put" && in.Method != "post" {
		return badRequest("method must be \"put\" or \"post\"")
	}
	return nil
}

// upload validates everything, then lets the store authorize, presigns (no side
// effects), and only then has the store record the pending file and the audit row
// together: a refused request changes nothing.
func (h *Handler) upload(ctx context.Context, p store.Principal, req events.APIGatewayProxyRequest, in *UploadRequest) (any, error) {
	if err := h.checkUpload(in); err != nil {
		return nil, err
	}
	cfg := h.cfg()
	intent := store.FileIntent{Path: in.Path, ContentType: in.ContentType, Size: in.Size, ChecksumSHA256: in.ChecksumSHA256, HoldFor: cfg.UploadLifetime}
	var out *UploadResponse
	_, _, err := h.Store.RecordUpload(ctx, p, intent, func(d store.Decision) (store.AuditEntry, error) {
		var err error
		out, err = h.presignUpload(ctx, d.Key, in, cfg.UploadLifetime)
		if err != nil {
			return store.AuditEntry{}, err
		}
		return store.AuditEntry{ExpiresAt: out.ExpiresAt, RequestID: req.RequestContext.RequestID}, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// presignUpload binds exactly what was declared: size, content type and checksum.
func (h *Handler) presignUpload(ctx context.Context, key string, in *UploadRequest, life time.Duration) (*UploadResponse, error) {
	if in.Method == "post" {
		f, err := h.Uploads.Post(ctx, presign.PostRequest{Key: key, ContentType: in.ContentType, MinSize: in.Size, MaxSize: in.Size,
			ChecksumSHA256: in.ChecksumSHA256, Lifetime: life})
		if err != nil {
			return nil, err
		}
		return &UploadResponse{Method: http.MethodPost, URL: f.URL, Fields: f.Fields, ExpiresAt: f.Expires}, nil
	}
	r, err := h.Uploads.Put(ctx, presign.PutRequest{Key: key, ContentType: in.ContentType, ContentLength: in.Size, ChecksumSHA256: in.ChecksumSHA256, Lifetime: life})
	if err != nil {
		return nil, err
	}
	hdr := map[string]string{}
	for k, v := range r.Header {
		hdr[k] = strings.Join(v, ",")
	}
	return &UploadResponse{Method: r.Method, URL: r.URL, Headers: hdr, ExpiresAt: r.Expires}, nil
}

// CompleteRequest reports a finished upload.
type CompleteRequest struct {
	Path string `json:"path"`
}

// complete makes a pending upload available once the object in S3 is what was
// declared (size, and the SHA-256 when S3 reports one).
func (h *Handler) complete(ctx context.Context, p store.Principal, in *CompleteRequest) (any, error) {
	if err := objectPath("path", in.Path, false); err != nil {
		return nil, err
	}
	d, f, err := h.Store.PendingUpload(ctx, p, in.Path)
	if errors.Is(err, store.ErrNotFound) {
		return nil, &apiError{http.StatusNotFound, codeNotFound, "no upload is pending at this path"}
	}
	if err != nil {
		return nil, err
	}
	if f.PartSize > 0 {
		return nil, &apiError{http.StatusConflict, codeNotUploaded, "a multipart upload is pending at this path; complete it with POST /uploads/multipart/complete"}
	}
	obj, err := h.Uploads.Head(ctx, d.Key)
	if errors.Is(err, presign.ErrNotFound) {
		return nil, &apiError{http.StatusConflict, codeNotUploaded, "the object has not arrived in storage yet"}
	}
	if err != nil {
		return nil, err
	}
	if obj.Size != f.Size || (obj.ChecksumSHA256 != "" && obj.ChecksumSHA256 != f.ChecksumSHA256) {
		return nil, &apiError{http.StatusConflict, codeNotUploaded, "the stored object does not match the declared size and checksum; upload it again"}
	}
	if err := h.Store.MarkAvailable(ctx, p, in.Path); err != nil {
		return nil, err
	}
	h.countCustomer(ctx, MetricUploadsCompleted, p)
	return map[string]string{"path": in.Path, "status": "available"}, nil
}
