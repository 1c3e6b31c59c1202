// Package client is the Go client for Signet: it signs in (package-level Login, the
// OAuth authorization-code flow with PKCE against the Cognito hosted UI), asks the API
// for signed URLs and presigned uploads, and moves the bytes directly to S3 and from
// CloudFront. cmd/signet is its command-line tool.
//
// Unless given an *http.Client, Client and OAuth build one whose transport bounds the
// connect (10 s), the TLS handshake (10 s) and the wait for response headers (30 s),
// and closes idle connections after 90 s; each small JSON call is also bounded as a
// whole (30 s). Uploads and downloads have no overall limit, since a big file may take
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
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
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

// Client talks to one Signet API.
type Client struct {
	// BaseURL of the API: the stack output ApiUrl, https://<files domain>/api/.
	BaseURL string
	Tokens  TokenSource
	// HTTP is used for the API, S3 and CloudFront, and left as given. Default: one
	// built from Timeouts, made at first use and reused so connections are pooled.
	HTTP *http.Client
	// Timeouts shape the default HTTP client; Timeouts.Call bounds each API call in
	// any case. Zero fields take the defaults.
	Timeouts Timeouts

	defaultOnce sync.Once
	defaultHTTP *http.Client
}

// Sentinel errors an *APIError matches with errors.Is.
var (
	ErrUnauthenticated = errors.New("signet: sign in first")
	ErrForbidden       = errors.New("signet: forbidden")
	ErrNotFound        = errors.New("signet: not found")
	ErrConflict        = errors.New("signet: conflict")
	ErrUnavailable     = errors.New("signet: service unavailable")
	ErrInvalid         = errors.New("signet: invalid request")
)

// APIError is an error answer from the API.
type APIError struct {
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("signet: %d %s: %s", e.Status, e.Code, e.Message)
}

// Is maps the status to the sentinel errors.
func (e *APIError) Is(target error) bool {
	switch e.Status {
	case http.StatusUnauthorized:
		return target == ErrUnauthenticated
	case http.StatusForbidden:
		return target == ErrForbidden
	case http.StatusNotFound:
		return target == ErrNotFound
	case http.StatusConflict:
		return target == ErrConflict
	case http.StatusServiceUnavailable:
		return target == ErrUnavailable
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
		return target == ErrInvalid
	}
	return false
}

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	c.defaultOnce.Do(func() { c.defaultHTTP = newHTTPClient(c.Timeouts) })
	return c.defaultHTTP
}

// call sends a JSON request to the API and decodes the JSON answer into out.
func (c *Client) call(ctx context.Context, method, path string, query url.Values, in, out any) error {
	ctx, cancel := c.Timeouts.callContext(ctx)
	defer cancel()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	u := strings.TrimSuffix(c.BaseURL, "/") + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Tokens != nil {
		tok, err := c.Tokens.Token(ctx)
		if err != nil {
			return fmt.Errorf("signet: token: %w", err)
		}
		req.Header.Set("Authorization", tok)
	}
	resp, err := c.http().Do(req)
	if err != nil {
		return fmt.Errorf("signet: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
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
		return &APIError{Status: resp.StatusCode, Code: e.Error.Code, Message: e.Error.Message}
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("signet: %s %s: answer is not the expected JSON: %w", method, path, err)
		}
	}
	return nil
}

// DownloadOptions shape a signed URL.
type DownloadOptions struct {
	Lifetime time.Duration
	StartsAt time.Time
	// IPRestriction: "sourceIp" or an IPv4 address/CIDR.
	IPRestriction string
}

// DownloadURL asks for a signed CloudFront URL for path.
func (c *Client) DownloadURL(ctx context.Context, path string, o DownloadOptions) (string, time.Time, error) {
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
	var out struct {
		URL       string    `json:"url"`
		ExpiresAt time.Time `json:"expiresAt"`
	}
	if err := c.call(ctx, http.MethodPost, "/downloads", nil, in, &out); err != nil {
		return "", time.Time{}, err
	}
	return out.URL, out.ExpiresAt, nil
}

// FolderCookies asks for signed cookies covering every file under folder (allowed only
// when the caller may read all of it). Send them with requests for
// https://<distribution>/<key> under the folder; Resource says which.
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
	if err := c.call(ctx, http.MethodPost, "/downloads", nil, in, &out); err != nil {
		return nil, "", err
	}
	for name, v := range out.Cookies {
		cookies = append(cookies, &http.Cookie{Name: name, Value: v, Expires: out.ExpiresAt, Secure: true, HttpOnly: true})
	}
	return cookies, out.Resource, nil
}

// Download streams path into w through CloudFront and returns the bytes written.
func (c *Client) Download(ctx context.Context, path string, w io.Writer) (int64, error) {
	u, _, err := c.DownloadURL(ctx, path, DownloadOptions{})
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.http().Do(req)
	if err != nil {
		return 0, fmt.Errorf("signet: download: %w", redact(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("signet: download: CloudFront answered %d", resp.StatusCode)
	}
	return io.Copy(w, resp.Body)
}

// Upload sends the file at localPath to path: it hashes the file, asks for a
// presigned PUT bound to its size, type and SHA-256, sends the bytes to S3, and
// reports completion.
func (c *Client) Upload(ctx context.Context, localPath, path, contentType string) error {
	f, err := os.Open(localPath)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	size, err := io.Copy(h, f)
	if err != nil {
		return err
	}
	sum := base64.StdEncoding.EncodeToString(h.Sum(nil))
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	var out struct {
		Method  string            `json:"method"`
		URL     string            `json:"url"`
		Headers map[string]string `json:"headers"`
	}
	if err := c.call(ctx, http.MethodPost, "/uploads", nil, map[string]any{
		"path": path, "contentType": contentType, "size": size, "checksumSha256": sum,
	}, &out); err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, out.Method, out.URL, f)
	if err != nil {
		return err
	}
	for k, v := range out.Headers {
		if strings.EqualFold(k, "Content-Length") {
			continue
		}
		req.Header.Set(k, v)
	}
	req.ContentLength = size
	resp, err := c.http().Do(req)
	if err != nil {
		return fmt.Errorf("signet: upload to storage: %w", redact(err))
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("signet: upload to storage: %d %s", resp.StatusCode, s3Code(b))
	}
	return c.call(ctx, http.MethodPost, "/uploads/complete", nil, map[string]any{"path": path}, nil)
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
		return fmt.Errorf("signet: form upload: %w", redact(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("signet: form upload: %d %s", resp.StatusCode, s3Code(b))
	}
	return nil
}

// File is a listed file.
type File struct {
	Path        string    `json:"path"`
	ContentType string    `json:"contentType"`
	Size        int64     `json:"size"`
	UpdatedAt   time.Time `json:"updatedAt"`
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

// redact drops the URL (and its signature) from transport errors.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
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
