// Package client is the Go client for Signet: it signs in (OAuth.Login, the OAuth
// authorization-code flow with PKCE against the Cognito hosted UI, through
// golang.org/x/oauth2), asks the API for signed URLs and presigned uploads, and moves
// the bytes directly to S3 and from CloudFront. cmd/signet is its command-line tool.
//
// Transfers: UploadFile sends a file in one PUT or, from 64 MiB, as a resumable
// multipart upload checksummed end to end with CRC64NVME; DownloadFile writes a file
// only once its size and stored checksum are verified, with parallel ranged GETs for
// large files and resumption of interrupted downloads. API calls and transfer
// requests are retried with backoff as Retry says. Errors match the sentinels
// (ErrUnauthenticated, ErrForbidden, ErrNotFound, ErrChecksumMismatch, ErrNetwork,
// ...) with errors.Is, and their messages are one line without URLs or signatures.
//
// Unless given an *http.Client, Client and OAuth build one whose transport bounds the
// connect (10 s), the TLS handshake (10 s) and the wait for response headers (30 s),
// and closes idle connections after 90 s; each attempt of a small JSON call is also
// bounded as a whole (30 s). Uploads and downloads have no overall limit, since a big file may take
// long while bytes flow: the caller's context ends them. See Timeouts.
package client

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// TokenSource yields a current Cognito ID token.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// StaticToken is a fixed token (automation, tests).
type StaticToken string

// Token returns the token.
func (s StaticToken) Token(context.Context) (string, error) { return string(s), nil }

// Client talks to one Signet API. It is safe for concurrent use once configured.
type Client struct {
	// BaseURL of the API: the stack output ApiUrl, https://<files domain>/api/.
	BaseURL string
	Tokens  TokenSource
	// HTTP is used for the API, S3 and CloudFront, and left as given. Default: one
	// built from Timeouts, made at first use and reused so connections are pooled.
	HTTP *http.Client
	// Timeouts shape the default HTTP client; Timeouts.Call bounds each attempt of an
	// API call in any case. Zero fields take the defaults.
	Timeouts Timeouts
	// Retry shapes the retries of API calls and transfers (see Retry for which are
	// retried). Zero fields take the defaults.
	Retry Retry

	defaultOnce sync.Once
	defaultHTTP *http.Client
}

// Sentinel errors, for errors.Is: an *APIError or *StorageError matches the one of its
// status, a *NetworkError matches ErrNetwork, and a download whose bytes do not match
// the stored size or checksum matches ErrChecksumMismatch. A cancelled context comes
// back as context.Canceled (or context.DeadlineExceeded), matching none of these.
var (
	ErrUnauthenticated = errors.New("signet: sign in first")
	ErrForbidden       = errors.New("signet: forbidden")
	ErrNotFound        = errors.New("signet: not found")
	ErrConflict        = errors.New("signet: conflict")
	ErrUnavailable     = errors.New("signet: service unavailable")
	ErrInvalid         = errors.New("signet: invalid request")
	// ErrNetwork: no answer could be had (connection refused or cut, timeout), after
	// the retries.
	ErrNetwork = errors.New("signet: network failure")
	// ErrChecksumMismatch: downloaded bytes differ from the stored size or checksum.
	ErrChecksumMismatch = errors.New("signet: checksum mismatch")
)

// APIError is an error answer from the API.
type APIError struct {
	Status  int
	Code    string
	Message string

	retryAfter time.Duration
}

func (e *APIError) Error() string {
	return fmt.Sprintf("signet: %d %s: %s", e.Status, e.Code, oneLine(e.Message))
}

// Is maps the status to the sentinel errors: 401 ErrUnauthenticated, 403
// ErrForbidden, 404 ErrNotFound, 409 and 412 ErrConflict, 429 and 503 ErrUnavailable,
// 400, 413 and 415 ErrInvalid.
func (e *APIError) Is(target error) bool { return statusIs(e.Status, target) }

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	c.defaultOnce.Do(func() { c.defaultHTTP = newHTTPClient(c.Timeouts) })
	return c.defaultHTTP
}

// apiCall is one API call.
type apiCall struct {
	method, path string
	query        url.Values
	in, out      any
	// idempotent: repeating it after it may have reached the server is harmless.
	idempotent bool
	// header, when set, receives the answer's headers.
	header http.Header
	// uncertain is set when an attempt before the last may have been carried out (an
	// answer lost to the network, or a 5xx): a "not found" on the retry may then mean
	// that the first attempt did the work.
	uncertain bool
}

// idempotentPOST are the POST routes that only presign or settle and may be repeated.
var idempotentPOST = map[string]bool{
	"/downloads": true, "/uploads": true, "/uploads/complete": true,
	"/uploads/multipart/parts": true, "/uploads/multipart/complete": true, "/uploads/multipart/abort": true,
}

func idempotent(method, path string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return true
	}
	return method == http.MethodPost && idempotentPOST[path]
}

// call sends a JSON request to the API and decodes the JSON answer into out, retrying
// as Retry says.
func (c *Client) call(ctx context.Context, method, path string, query url.Values, in, out any) error {
	return c.do(ctx, &apiCall{method: method, path: path, query: query, in: in, out: out, idempotent: idempotent(method, path)})
}

func (c *Client) do(ctx context.Context, r *apiCall) error {
	var body []byte
	if r.in != nil {
		var err error
		if body, err = json.Marshal(r.in); err != nil {
			return err
		}
	}
	u := strings.TrimSuffix(c.BaseURL, "/") + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	return c.retry(ctx, r.idempotent, func(attempt int) error {
		err := c.attempt(ctx, r, u, body)
		var ae *APIError
		var ne *NetworkError
		if errors.As(err, &ae) && ae.Status >= 500 || errors.As(err, &ne) && !notSent(ne.Err) {
			r.uncertain = true
		}
		return err
	})
}

// attempt is one try of an API call, bounded by Timeouts.Call.
func (c *Client) attempt(ctx context.Context, r *apiCall, u string, body []byte) error {
	ctx, cancel := c.Timeouts.callContext(ctx)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Tokens != nil {
		tok, err := c.Tokens.Token(ctx)
		if err != nil {
			return fmt.Errorf("signet: token: %w", err)
		}
		req.Header.Set("Authorization", tok)
	}
	op := r.method + " " + r.path
	resp, err := c.http().Do(req)
	if err != nil {
		return netError(op, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return netError(op, err)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error   struct{ Code, Message string } `json:"error"`
			Message string                         `json:"message"` // API Gateway's own answers
		}
		_ = json.Unmarshal(b, &e)
		if e.Error.Code == "" {
			e.Error.Code, e.Error.Message = "http_error", http.StatusText(resp.StatusCode)
			if e.Message != "" {
				e.Error.Message = e.Message
			}
		}
		return &APIError{Status: resp.StatusCode, Code: e.Error.Code, Message: e.Error.Message, retryAfter: retryAfter(resp.Header)}
	}
	if r.header != nil {
		maps.Copy(r.header, resp.Header)
	}
	if r.out != nil {
		if err := json.Unmarshal(b, r.out); err != nil {
			return fmt.Errorf("signet: %s: answer is not the expected JSON: %w", op, err)
		}
	}
	return nil
}

// ShareOptions shape a signed URL (ShareURL).
type ShareOptions struct {
	// Lifetime of the URL; 0 takes the API's default.
	Lifetime time.Duration
	// StartsAt, when set, is when the URL starts to work.
	StartsAt time.Time
	// IPRestriction: "sourceIp" (the caller's address) or an IPv4 address/CIDR.
	IPRestriction string
	// Via: "cloudfront" (the default: a signed CloudFront URL) or "s3" (an S3
	// presigned GET, where the deployment allows it).
	Via string
}

// ShareURL asks for a signed URL for the file at path, and returns it with its expiry.
func (c *Client) ShareURL(ctx context.Context, path string, o ShareOptions) (string, time.Time, error) {
	a, err := c.downloadAnswer(ctx, path, o)
	if err != nil {
		return "", time.Time{}, err
	}
	return a.URL, a.ExpiresAt, nil
}

// DownloadURL asks for a signed CloudFront URL for path; only o's Lifetime, StartsAt,
// IPRestriction and Via count.
//
// Deprecated: use ShareURL.
func (c *Client) DownloadURL(ctx context.Context, path string, o DownloadOptions) (string, time.Time, error) {
	return c.ShareURL(ctx, path, ShareOptions{Lifetime: o.Lifetime, StartsAt: o.StartsAt, IPRestriction: o.IPRestriction, Via: o.Via})
}

// download is the API's answer for one file.
type download struct {
	URL               string    `json:"url"`
	ExpiresAt         time.Time `json:"expiresAt"`
	Size              *int64    `json:"size"`
	ChecksumSHA256    string    `json:"checksumSha256"`
	ChecksumCRC64NVME string    `json:"checksumCrc64nvme"`
}

// sameFile says whether two answers describe the same stored bytes.
func (d *download) sameFile(o *download) bool {
	return (d.Size == nil) == (o.Size == nil) && (d.Size == nil || *d.Size == *o.Size) &&
		d.ChecksumSHA256 == o.ChecksumSHA256 && d.ChecksumCRC64NVME == o.ChecksumCRC64NVME
}

func (c *Client) downloadAnswer(ctx context.Context, path string, o ShareOptions) (*download, error) {
	in := map[string]any{"path": path}
	if o.Lifetime > 0 {
		in["lifetimeSeconds"] = int64(o.Lifetime / time.Second)
	}
	if !o.StartsAt.IsZero() {
		in["startsAt"] = o.StartsAt.UTC().Format(time.RFC3339)
	}
	if o.IPRestriction != "" {
		in["ipRestriction"] = o.IPRestriction
	}
	if o.Via != "" {
		in["via"] = o.Via
	}
	var out download
	if err := c.call(ctx, http.MethodPost, "/downloads", nil, in, &out); err != nil {
		return nil, err
	}
	if out.URL == "" {
		return nil, fmt.Errorf("signet: POST /downloads: the answer has no URL")
	}
	return &out, nil
}

// FolderCookies asks for signed cookies covering every file under folder (allowed only
// when the caller may read all of it). Send them with requests for
// https://<distribution>/<key> under the folder; Resource says which. Each cookie
// carries the attributes (Path, Secure, HttpOnly, SameSite, expiry) of the API's
// Set-Cookie header for it, when the API sent one.
func (c *Client) FolderCookies(ctx context.Context, folder string, lifetime time.Duration) (cookies []*http.Cookie, resource string, err error) {
	in := map[string]any{"path": folder, "scope": "folder", "delivery": "cookies"}
	if lifetime > 0 {
		in["lifetimeSeconds"] = int64(lifetime / time.Second)
	}
	var out struct {
		Cookies   map[string]string `json:"cookies"`
		Resource  string            `json:"resource"`
		ExpiresAt time.Time         `json:"expiresAt"`
	}
	r := &apiCall{method: http.MethodPost, path: "/downloads", in: in, out: &out, idempotent: true, header: http.Header{}}
	if err := c.do(ctx, r); err != nil {
		return nil, "", err
	}
	set := map[string]*http.Cookie{}
	for _, line := range r.header.Values("Set-Cookie") {
		if ck, err := http.ParseSetCookie(line); err == nil {
			set[ck.Name] = ck
		}
	}
	names := slices.Sorted(maps.Keys(out.Cookies))
	for _, name := range names {
		v := out.Cookies[name]
		if ck, ok := set[name]; ok && ck.Value == v {
			cookies = append(cookies, ck)
			continue
		}
		cookies = append(cookies, &http.Cookie{Name: name, Value: v, Expires: out.ExpiresAt, Secure: true, HttpOnly: true})
	}
	return cookies, out.Resource, nil
}

// Download streams the file at path into w through the signed URL and returns the
// bytes written. A connection cut mid-way is resumed with a Range request (the bytes
// already written are not sent again); when the API gives the stored size and
// checksum, the bytes are checked against them, and a mismatch is reported (matching
// ErrChecksumMismatch) once the bytes have been written. To write a file, DownloadFile
// is safer: it renames the file into place only once checked.
func (c *Client) Download(ctx context.Context, path string, w io.Writer) (int64, error) {
	a, err := c.downloadAnswer(ctx, path, ShareOptions{})
	if err != nil {
		return 0, err
	}
	src := &source{c: c, path: path, ans: a}
	v := newVerifier(a)
	var written int64
	err = src.stream(ctx, io.MultiWriter(w, v), &written, nil, nil)
	if err != nil {
		return written, err
	}
	return written, v.check(path, written)
}

// Upload sends the file at localPath to path in one PUT (up to 5 GiB): it hashes the
// file, asks for a presigned PUT bound to its size, type and SHA-256, sends the bytes
// to S3, and reports completion. UploadFile chooses between this and a multipart
// upload by size.
func (c *Client) Upload(ctx context.Context, localPath, path, contentType string) error {
	f, err := os.Open(localPath)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	return c.uploadSingle(ctx, f, st.Size(), path, contentType, nil)
}

// uploadSingle is Upload of the size bytes of f.
func (c *Client) uploadSingle(ctx context.Context, f *os.File, size int64, path, contentType string, progress *progress) error {
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, size)); err != nil {
		return err
	}
	sum := base64.StdEncoding.EncodeToString(h.Sum(nil))
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	type presigned struct {
		Method    string            `json:"method"`
		URL       string            `json:"url"`
		Headers   map[string]string `json:"headers"`
		ExpiresAt time.Time         `json:"expiresAt"`
	}
	var out *presigned
	ask := func() error {
		out = &presigned{}
		return c.call(ctx, http.MethodPost, "/uploads", nil, map[string]any{
			"path": path, "contentType": contentType, "size": size, "checksumSha256": sum,
		}, out)
	}
	if err := ask(); err != nil {
		return err
	}
	err := c.retry(ctx, true, func(attempt int) error {
		if attempt > 1 && expiring(out.ExpiresAt) {
			if err := ask(); err != nil {
				return err
			}
		}
		return c.put(ctx, "upload to storage", out.Method, out.URL, out.Headers, f, 0, size, progress, nil)
	})
	if err != nil {
		return err
	}
	r := &apiCall{method: http.MethodPost, path: "/uploads/complete", in: map[string]any{"path": path}, idempotent: true}
	err = c.do(ctx, r)
	if r.uncertain && errors.Is(err, ErrNotFound) && c.isAvailable(ctx, path, size, "") {
		return nil // an earlier attempt completed it and its answer was lost
	}
	return err
}

// expiring says whether a presigned URL expiring at t is too close to its end to be
// sent again.
func expiring(t time.Time) bool { return !t.IsZero() && time.Until(t) < 30*time.Second }

// put sends length bytes of f from off to a presigned URL and returns the answer's
// headers through hdr (when set). Transport failures are *NetworkError, error
// answers *StorageError.
func (c *Client) put(ctx context.Context, op, method, u string, headers map[string]string, f io.ReaderAt, off, length int64, p *progress, hdr *http.Header) error {
	if method == "" {
		method = http.MethodPut
	}
	body := &countingReader{r: io.NewSectionReader(f, off, length), p: p}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return fmt.Errorf("signet: %s: bad presigned request", op)
	}
	for k, v := range headers {
		if strings.EqualFold(k, "Content-Length") || strings.EqualFold(k, "Host") {
			continue
		}
		req.Header.Set(k, v)
	}
	req.ContentLength = length
	if length == 0 {
		req.Body = http.NoBody
	}
	resp, err := c.http().Do(req)
	sent := body.stop()
	if err != nil {
		p.add(-sent)
		return netError(op, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		p.add(-sent)
		return storageError(op, resp)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if hdr != nil {
		*hdr = resp.Header
	}
	return nil
}

// PostForm is a presigned browser-form upload, for callers that post multipart forms.
type PostForm struct {
	URL    string            `json:"url"`
	Fields map[string]string `json:"fields"`
}

// UploadForm asks for a presigned POST for a file of exactly size bytes.
func (c *Client) UploadForm(ctx context.Context, path, contentType string, size int64, checksum string) (*PostForm, error) {
	var out PostForm
	err := c.call(ctx, http.MethodPost, "/uploads", nil, map[string]any{
		"path": path, "contentType": contentType, "size": size, "checksumSha256": checksum, "method": "post",
	}, &out)
	return &out, err
}

// PostFile sends r as the file of a presigned form (what a browser would do).
func (c *Client) PostFile(ctx context.Context, form *PostForm, r io.Reader) error {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range form.Fields {
		_ = w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile("file", "upload")
	if _, err := io.Copy(fw, r); err != nil {
		return err
	}
	_ = w.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, form.URL, &buf)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := c.http().Do(req)
	if err != nil {
		return netError("form upload", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return storageError("form upload", resp)
	}
	return nil
}

// File is a listed file.
type File struct {
	Path        string    `json:"path"`
	ContentType string    `json:"contentType"`
	Size        int64     `json:"size"`
	UpdatedAt   time.Time `json:"updatedAt"`
	// ChecksumCRC64NVME is the base64 full-object CRC64NVME of a multipart upload.
	ChecksumCRC64NVME string `json:"checksumCrc64nvme,omitempty"`
}

// List returns every readable file under folder ("" for all), following cursors.
func (c *Client) List(ctx context.Context, folder string) ([]File, error) {
	var all []File
	cursor := ""
	for {
		q := url.Values{}
		if folder != "" {
			q.Set("folder", folder)
		}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		q.Set("limit", strconv.Itoa(500))
		var page struct {
			Files      []File `json:"files"`
			NextCursor string `json:"nextCursor"`
		}
		if err := c.call(ctx, http.MethodGet, "/files", q, nil, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Files...)
		if page.NextCursor == "" {
			return all, nil
		}
		cursor = page.NextCursor
	}
}

// Delete deletes the file at path (role action "delete"). deleted is false when there
// was no such file to delete. The call is retried like any idempotent one; if an
// attempt's answer was lost, deleted may be false although this call deleted it.
func (c *Client) Delete(ctx context.Context, path string) (deleted bool, err error) {
	var out struct {
		Deleted bool `json:"deleted"`
	}
	err = c.call(ctx, http.MethodDelete, "/files", url.Values{"path": {path}}, nil, &out)
	return out.Deleted, err
}

// isAvailable says whether path is listed with size (and crc, if given): used to
// settle a completion whose first answer was lost.
func (c *Client) isAvailable(ctx context.Context, path string, size int64, crc string) bool {
	folder := ""
	if i := strings.LastIndex(path, "/"); i > 0 {
		folder = path[:i]
	}
	files, err := c.List(ctx, folder)
	if err != nil {
		return false
	}
	for _, f := range files {
		if f.Path == path {
			return f.Size == size && (crc == "" || f.ChecksumCRC64NVME == "" || f.ChecksumCRC64NVME == crc)
		}
	}
	return false
}

// s3Code pulls the <Code> out of an S3 XML error.
func s3Code(b []byte) string {
	s := string(b)
	i, j := strings.Index(s, "<Code>"), strings.Index(s, "</Code>")
	if i >= 0 && j > i {
		return s[i+6 : j]
	}
	return ""
}
