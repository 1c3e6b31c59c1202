package client

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/signet-cdk/signet/checksum"
)

// Defaults and limits of UploadOptions.
const (
	DefaultUploadThreshold = 64 << 20
	// MaxSinglePut is the largest file one PUT can carry (S3's limit); UploadFile
	// sends anything larger as a multipart upload whatever the threshold.
	MaxSinglePut = 5 << 30
	// maxPartsPerCall is how many part URLs one POST /uploads/multipart/parts returns.
	maxPartsPerCall = 100
)

// UploadOptions shape UploadFile. Zero fields take the defaults.
type UploadOptions struct {
	// ContentType of the file. Default application/octet-stream.
	ContentType string
	// Threshold: a file smaller than this goes up in one PUT (Upload); from this size
	// on, as a multipart upload. Default 64 MiB.
	Threshold int64
	// Concurrency is how many parts are hashed, and how many sent, at once. Default 4.
	Concurrency int
	// PartSize of a multipart upload; 0 lets the server choose (64 MiB, or more for a
	// file of more than 10,000 such parts). From 5 MiB to 5 GiB.
	PartSize int64
	// StateDir, when set, is the folder (created 0700 if missing) where a multipart
	// upload keeps its state while it runs (a 0600 file named after the local file's
	// path, size and modification time, the remote path and the API): after a crash, a
	// cancellation or a network failure, the next UploadFile of the same unchanged
	// file to the same path resumes it, sending only the parts the storage does not
	// hold. Without it an interrupted upload is aborted and cannot be resumed.
	StateDir string
	// Progress, when set, is called (never concurrently) as bytes are sent, with the
	// bytes the storage holds or is receiving and the file's size. done goes back when
	// a part that failed is sent again.
	Progress func(done, total int64)
}

func (o UploadOptions) withDefaults() UploadOptions {
	if o.ContentType == "" {
		o.ContentType = "application/octet-stream"
	}
	if o.Threshold <= 0 {
		o.Threshold = DefaultUploadThreshold
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	return o
}

// UploadFile sends the file at localPath to path: in one PUT below opts.Threshold
// (see Upload), else as a multipart upload.
//
// A multipart upload hashes each part (CRC64NVME) before asking for its presigned URL,
// since the URL binds the part's length and checksum; the URLs are asked for in
// batches of up to 100 parts, one batch ahead of the parts being sent, and the parts
// are sent opts.Concurrency at a time, each retried on its own. The whole file's
// CRC64NVME is combined from the parts' (no second pass over the file), and the
// storage checks it on completion. An upload that fails for good (a refusal, a part
// the storage rejects, the file changing meanwhile) is aborted; one that is
// cancelled or cut by the network is kept for resuming when opts.StateDir is set (see
// there) and aborted otherwise. On resume, a part the storage already holds is
// skipped only if its size and checksum equal the local part's.
func (c *Client) UploadFile(ctx context.Context, localPath, path string, opts UploadOptions) error {
	o := opts.withDefaults()
	f, err := os.Open(localPath)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("signet: %s is not a regular file", localPath)
	}
	size := fi.Size()
	p := newProgress(o.Progress, size)
	if size < o.Threshold && size <= MaxSinglePut {
		return c.uploadSingle(ctx, f, size, path, o.ContentType, p)
	}
	return c.uploadMultipart(ctx, f, fi, localPath, path, o, p)
}

// uploadState is what a multipart upload keeps in StateDir.
type uploadState struct {
	Version     int       `json:"version"`
	API         string    `json:"api"`
	LocalPath   string    `json:"localPath"`
	Size        int64     `json:"size"`
	ModTime     int64     `json:"modTime"` // Unix nanoseconds
	Path        string    `json:"path"`
	ContentType string    `json:"contentType"`
	UploadID    string    `json:"uploadId"`
	PartSize    int64     `json:"partSize"`
	PartCount   int       `json:"partCount"`
	CreatedAt   time.Time `json:"createdAt"`
}

// stateFile names the state of uploading the file (abs, size, mtime) to path.
func stateFile(dir, api, abs string, size, mtime int64, path string) string {
	h := sha256.Sum256([]byte(strings.Join([]string{api, abs, strconv.FormatInt(size, 10), strconv.FormatInt(mtime, 10), path}, "\x00")))
	return filepath.Join(dir, "upload-"+hex.EncodeToString(h[:16])+".json")
}

func loadUploadState(name string, want *uploadState) *uploadState {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil
	}
	var s uploadState
	if json.Unmarshal(b, &s) != nil || s.Version != 1 || s.API != want.API || s.LocalPath != want.LocalPath ||
		s.Size != want.Size || s.ModTime != want.ModTime || s.Path != want.Path || s.UploadID == "" || s.PartSize <= 0 ||
		s.PartCount != int((s.Size+s.PartSize-1)/s.PartSize) {
		return nil
	}
	return &s
}

// partInfo is one part of the local file.
type partInfo struct {
	number   int
	off, len int64
	crc      uint64
	etag     string
}

func (pi *partInfo) checksum() string { return checksum.CRC64NVMEBase64(pi.crc) }

// listedPart is a part the storage holds (GET /uploads/multipart/parts).
type listedPart struct {
	Number            int    `json:"number"`
	Size              int64  `json:"size"`
	ETag              string `json:"etag"`
	ChecksumCRC64NVME string `json:"checksumCrc64nvme"`
}

// partURL is a presigned UploadPart.
type partURL struct {
	Number    int               `json:"number"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers"`
	ExpiresAt time.Time         `json:"expiresAt"`
}

func (c *Client) uploadMultipart(ctx context.Context, f *os.File, fi os.FileInfo, localPath, path string, o UploadOptions, p *progress) (err error) {
	abs, err := filepath.Abs(localPath)
	if err != nil {
		return err
	}
	size := fi.Size()
	want := &uploadState{Version: 1, API: strings.TrimSuffix(c.BaseURL, "/"), LocalPath: abs, Size: size,
		ModTime: fi.ModTime().UnixNano(), Path: path, ContentType: o.ContentType}
	var st *uploadState
	var stName string
	var listed map[int]listedPart
	if o.StateDir != "" {
		if err := os.MkdirAll(o.StateDir, 0o700); err != nil {
			return err
		}
		stName = stateFile(o.StateDir, want.API, abs, size, want.ModTime, path)
		c.abortStale(ctx, o.StateDir, want, stName)
		if st = loadUploadState(stName, want); st != nil {
			listed, err = c.listParts(ctx, path, st.UploadID)
			switch {
			case errors.Is(err, ErrNotFound) || errors.Is(err, ErrInvalid) || errors.Is(err, ErrConflict):
				// The upload is gone (completed, aborted or expired): start again.
				_ = os.Remove(stName)
				st, listed = nil, nil
			case err != nil:
				return err
			}
		}
	}
	if st == nil {
		if st, err = c.createMultipart(ctx, want, o.PartSize); err != nil {
			return err
		}
		if stName != "" {
			if err := writeJSONFile(stName, st); err != nil {
				c.abortUpload(ctx, path, st.UploadID)
				return err
			}
		}
	}
	defer func() {
		if err == nil {
			if stName != "" {
				_ = os.Remove(stName)
			}
			return
		}
		if stName != "" && resumable(ctx, err) {
			return // kept for the next UploadFile
		}
		c.abortUpload(ctx, path, st.UploadID)
		if stName != "" {
			_ = os.Remove(stName)
		}
	}()
	parts, err := c.sendParts(ctx, f, st, listed, o.Concurrency, p)
	if err != nil {
		return err
	}
	// The parts were hashed, then sent: if the file changed meanwhile the object could
	// mix two versions of it.
	if now, err := os.Stat(localPath); err != nil || now.Size() != size || now.ModTime().UnixNano() != want.ModTime {
		return fmt.Errorf("signet: %s changed during the upload", localPath)
	}
	return c.completeMultipart(ctx, st, parts)
}

// createMultipart starts the upload (POST /uploads/multipart).
func (c *Client) createMultipart(ctx context.Context, want *uploadState, partSize int64) (*uploadState, error) {
	in := map[string]any{"path": want.Path, "size": want.Size, "contentType": want.ContentType, "checksumAlgorithm": "CRC64NVME"}
	if partSize > 0 {
		in["partSize"] = partSize
	}
	var out struct {
		UploadID  string `json:"uploadId"`
		PartSize  int64  `json:"partSize"`
		PartCount int    `json:"partCount"`
	}
	if err := c.call(ctx, http.MethodPost, "/uploads/multipart", nil, in, &out); err != nil {
		return nil, err
	}
	if out.UploadID == "" || out.PartSize <= 0 || int64(out.PartCount) != (want.Size+out.PartSize-1)/out.PartSize {
		if out.UploadID != "" {
			c.abortUpload(ctx, want.Path, out.UploadID)
		}
		return nil, fmt.Errorf("signet: POST /uploads/multipart: the answer's parts (%d of %d bytes) do not cover %d bytes", out.PartCount, out.PartSize, want.Size)
	}
	st := *want
	st.UploadID, st.PartSize, st.PartCount, st.CreatedAt = out.UploadID, out.PartSize, out.PartCount, time.Now().UTC()
	return &st, nil
}

// listParts returns the parts the storage holds, by number.
func (c *Client) listParts(ctx context.Context, path, uploadID string) (map[int]listedPart, error) {
	var out struct {
		Parts []listedPart `json:"parts"`
	}
	if err := c.call(ctx, http.MethodGet, "/uploads/multipart/parts", url.Values{"path": {path}, "uploadId": {uploadID}}, nil, &out); err != nil {
		return nil, err
	}
	m := make(map[int]listedPart, len(out.Parts))
	for _, lp := range out.Parts {
		m[lp.Number] = lp
	}
	return m, nil
}

// partURLs asks for the presigned URLs of parts (at most 100).
func (c *Client) partURLs(ctx context.Context, path, uploadID string, parts []*partInfo) (map[int]*partURL, error) {
	type want struct {
		Number   int    `json:"number"`
		Checksum string `json:"checksumCrc64nvme"`
	}
	in := struct {
		Path     string `json:"path"`
		UploadID string `json:"uploadId"`
		Parts    []want `json:"parts"`
	}{Path: path, UploadID: uploadID}
	for _, pi := range parts {
		in.Parts = append(in.Parts, want{pi.number, pi.checksum()})
	}
	var out struct {
		Parts []*partURL `json:"parts"`
	}
	if err := c.call(ctx, http.MethodPost, "/uploads/multipart/parts", nil, in, &out); err != nil {
		return nil, err
	}
	m := make(map[int]*partURL, len(out.Parts))
	for _, u := range out.Parts {
		m[u.Number] = u
	}
	for _, pi := range parts {
		if m[pi.number] == nil || m[pi.number].URL == "" {
			return nil, fmt.Errorf("signet: POST /uploads/multipart/parts: no URL for part %d", pi.number)
		}
	}
	return m, nil
}

// sendParts hashes every part, skips those the storage holds with the same size and
// checksum, and sends the others; it returns the parts with their ETags.
func (c *Client) sendParts(ctx context.Context, f *os.File, st *uploadState, listed map[int]listedPart, conc int, p *progress) ([]*partInfo, error) {
	parts := make([]*partInfo, st.PartCount)
	for i := range parts {
		off := int64(i) * st.PartSize
		parts[i] = &partInfo{number: i + 1, off: off, len: min(st.PartSize, st.Size-off)}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Hashing runs one batch ahead of sending.
	type batch struct {
		parts []*partInfo
		err   error
	}
	hashed := make(chan batch, 1)
	go func() {
		defer close(hashed)
		for start := 0; start < len(parts); start += maxPartsPerCall {
			b := parts[start:min(start+maxPartsPerCall, len(parts))]
			g, gctx := newGroup(ctx, conc)
			for _, pi := range b {
				if !g.Go(gctx, func() error { return hashPart(gctx, f, pi) }) {
					break
				}
			}
			err := g.Wait()
			if err == nil && ctx.Err() != nil {
				err = ctx.Err()
			}
			select {
			case hashed <- batch{b, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	for b := range hashed {
		if b.err != nil {
			return nil, ctxOr(ctx, b.err)
		}
		var need []*partInfo
		for _, pi := range b.parts {
			if lp, ok := listed[pi.number]; ok && lp.Size == pi.len && lp.ETag != "" && lp.ChecksumCRC64NVME == pi.checksum() {
				pi.etag = lp.ETag
				p.add(pi.len)
				continue
			}
			need = append(need, pi)
		}
		if len(need) == 0 {
			continue
		}
		urls, err := c.partURLs(ctx, st.Path, st.UploadID, need)
		if err != nil {
			return nil, err
		}
		g, gctx := newGroup(ctx, conc)
		for _, pi := range need {
			if !g.Go(gctx, func() error { return c.sendPart(gctx, f, st, pi, urls[pi.number], p) }) {
				break
			}
		}
		if err := g.Wait(); err != nil || ctx.Err() != nil {
			return nil, ctxOr(ctx, err)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return parts, nil
}

// hashPart computes the part's CRC64NVME, stopping promptly when ctx ends.
func hashPart(ctx context.Context, f io.ReaderAt, pi *partInfo) error {
	h := checksum.NewCRC64NVME()
	buf := make([]byte, 1<<20)
	r := io.NewSectionReader(f, pi.off, pi.len)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := r.Read(buf)
		h.Write(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	pi.crc = h.Sum64()
	return nil
}

// sendPart PUTs one part, retrying it, with a fresh URL when its URL is about to
// expire.
func (c *Client) sendPart(ctx context.Context, f *os.File, st *uploadState, pi *partInfo, u *partURL, p *progress) error {
	op := fmt.Sprintf("upload part %d", pi.number)
	return c.retry(ctx, true, func(attempt int) error {
		if attempt > 1 && expiring(u.ExpiresAt) {
			fresh, err := c.partURLs(ctx, st.Path, st.UploadID, []*partInfo{pi})
			if err != nil {
				return err
			}
			u = fresh[pi.number]
		}
		var hdr http.Header
		if err := c.put(ctx, op, http.MethodPut, u.URL, u.Headers, f, pi.off, pi.len, p, &hdr); err != nil {
			return err
		}
		if got := hdr.Get("x-amz-checksum-crc64nvme"); got != "" && got != pi.checksum() {
			return fmt.Errorf("signet: %s: the storage computed CRC64NVME %s, not %s", op, got, pi.checksum())
		}
		if pi.etag = hdr.Get("ETag"); pi.etag == "" {
			return fmt.Errorf("signet: %s: the storage's answer has no ETag", op)
		}
		return nil
	})
}

// completeMultipart assembles the parts (POST /uploads/multipart/complete) with the
// whole file's CRC64NVME, combined from the parts'.
func (c *Client) completeMultipart(ctx context.Context, st *uploadState, parts []*partInfo) error {
	type done struct {
		Number   int    `json:"number"`
		ETag     string `json:"etag"`
		Checksum string `json:"checksumCrc64nvme"`
	}
	full := parts[0].crc
	for _, pi := range parts[1:] {
		full = checksum.Combine(full, pi.crc, pi.len)
	}
	sum := checksum.CRC64NVMEBase64(full)
	in := struct {
		Path     string `json:"path"`
		UploadID string `json:"uploadId"`
		Checksum string `json:"checksumCrc64nvme"`
		Parts    []done `json:"parts"`
	}{Path: st.Path, UploadID: st.UploadID, Checksum: sum}
	for _, pi := range parts {
		in.Parts = append(in.Parts, done{pi.number, pi.etag, pi.checksum()})
	}
	var out struct {
		Size     int64  `json:"size"`
		Checksum string `json:"checksumCrc64nvme"`
	}
	r := &apiCall{method: http.MethodPost, path: "/uploads/multipart/complete", in: in, out: &out, idempotent: true}
	err := c.do(ctx, r)
	if err != nil {
		if r.uncertain && (errors.Is(err, ErrNotFound) || errors.Is(err, ErrConflict) || errors.Is(err, ErrInvalid)) && c.isAvailable(ctx, st.Path, st.Size, sum) {
			return nil // an earlier attempt completed it and its answer was lost
		}
		return err
	}
	if out.Checksum != "" && out.Checksum != sum || out.Size != 0 && out.Size != st.Size {
		return &mismatchError{fmt.Sprintf("signet: complete %s: the storage holds %d bytes with CRC64NVME %s, not %d with %s", st.Path, out.Size, out.Checksum, st.Size, sum)}
	}
	return nil
}

// abortUpload aborts the upload, best effort, even once ctx has ended.
func (c *Client) abortUpload(ctx context.Context, path, uploadID string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	_ = c.call(ctx, http.MethodPost, "/uploads/multipart/abort", nil, map[string]string{"path": path, "uploadId": uploadID}, nil)
}

// abortStale aborts, best effort, the uploads of earlier versions of the same local
// file to the same path (their state files have another size or modification time),
// and removes their state.
func (c *Client) abortStale(ctx context.Context, dir string, want *uploadState, keep string) {
	names, _ := filepath.Glob(filepath.Join(dir, "upload-*.json"))
	for _, name := range names {
		if name == keep {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		var s uploadState
		if json.Unmarshal(b, &s) != nil || s.API != want.API || s.LocalPath != want.LocalPath || s.Path != want.Path {
			continue
		}
		if s.UploadID != "" {
			c.abortUpload(ctx, s.Path, s.UploadID)
		}
		_ = os.Remove(name)
	}
}
