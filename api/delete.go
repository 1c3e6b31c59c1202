package api

import (
	"context"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signet-cdk/signet/store"
)

// DeleteResponse says whether this request deleted the file.
type DeleteResponse struct {
	Path    string `json:"path"`
	Deleted bool   `json:"deleted"`
}

// deleteFile is DELETE /files?path=: "delete" decided by the rule of every action,
// the file marked deleted with its audit row (one statement), then the object
// deleted in S3 (and a multipart upload that was pending there aborted, left to the
// bucket's lifecycle rule if that fails). Idempotent:
// a missing or already deleted file the caller may delete is 200 "deleted": false;
// the object is deleted again whenever a row is recorded at the path, so a retry
// after S3 failed finishes the job.
func (h *Handler) deleteFile(ctx context.Context, p store.Principal, req events.APIGatewayProxyRequest) (any, error) {
	path, err := pathQuery(req, "path")
	if err != nil {
		return nil, err
	}
	del, err := h.Store.DeleteFile(ctx, p, path, store.AuditEntry{ExpiresAt: h.now(), RequestID: req.RequestContext.RequestID})
	if err != nil {
		return nil, err
	}
	if del.PendingUploadID != "" {
		h.abortQuietly(ctx, del.Decision.Key, del.PendingUploadID, "the file it was uploading was deleted")
	}
	if del.Recorded {
		if err := h.Uploads.Delete(ctx, del.Decision.Key); err != nil {
			return nil, err
		}
	}
	return &DeleteResponse{Path: path, Deleted: del.Deleted}, nil
}
