package api

import (
	"context"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signet-cdk/signet/signing"
	"github.com/signet-cdk/signet/store"
)

// FileList is a page of files.
type FileList struct {
	Files      []FileInfo `json:"files"`
	NextCursor string     `json:"nextCursor,omitempty"`
}

// FileInfo is one listed file.
type FileInfo struct {
	Path           string `json:"path"`
	ContentType    string `json:"contentType"`
	Size           int64  `json:"size"`
	ChecksumSHA256 string `json:"checksumSha256"`
	// ChecksumCRC64NVME is the base64 CRC-64/NVME S3 verified, for a file uploaded
	// in parts.
	ChecksumCRC64NVME string    `json:"checksumCrc64nvme,omitempty"`
	UpdatedAt         time.Time `json:"updatedAt"`
}

// listQuery is a validated GET /files query.
type listQuery struct {
	folder, cursor string
	limit          int
}

func parseListQuery(req events.APIGatewayProxyRequest) (listQuery, error) {
	q := listQuery{limit: 100}
	if err := checkQueryNames(req, "folder", "cursor", "limit"); err != nil {
		return q, err
	}
	var err error
	if q.folder, err = query(req, "folder"); err != nil {
		return q, err
	}
	if q.folder != "" {
		if err := objectPath("folder", q.folder, true); err != nil {
			return q, err
		}
	}
	if q.cursor, err = query(req, "cursor"); err != nil {
		return q, err
	}
	if q.cursor != "" && signing.CanonicalPath(q.cursor) != nil {
		return q, badRequest("cursor is not one this API returned")
	}
	s, err := query(req, "limit")
	if err != nil {
		return q, err
	}
	if s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 || strconv.Itoa(n) != s {
			return q, badRequest("limit must be a whole number from 1 to 1000")
		}
		q.limit = n
	}
	return q, nil
}

func (h *Handler) list(ctx context.Context, p store.Principal, req events.APIGatewayProxyRequest) (any, error) {
	q, err := parseListQuery(req)
	if err != nil {
		return nil, err
	}
	files, next, err := h.Store.ListReadable(ctx, p, q.folder, q.cursor, q.limit)
	if err != nil {
		return nil, err
	}
	out := &FileList{Files: []FileInfo{}, NextCursor: next}
	for _, f := range files {
		out.Files = append(out.Files, FileInfo{Path: f.Path, ContentType: f.ContentType, Size: f.Size, ChecksumSHA256: f.ChecksumSHA256,
			ChecksumCRC64NVME: f.ChecksumCRC64NVME, UpdatedAt: f.UpdatedAt})
	}
	return out, nil
}
