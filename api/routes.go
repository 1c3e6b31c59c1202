package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signet-cdk/signet/presign"
	"github.com/signet-cdk/signet/signing"
	"github.com/signet-cdk/signet/store"
)

// DownloadRequest asks for a signed URL or signed cookies.
type DownloadRequest struct {
	Path            string `json:"path"`
	LifetimeSeconds int64  `json:"lifetimeSeconds,omitempty"`
	// StartsAt (RFC 3339), optional: not valid before.
	StartsAt string `json:"startsAt,omitempty"`
	// IPRestriction: "sourceIp" for the caller's own address, or an IPv4 address/CIDR.
	IPRestriction string `json:"ipRestriction,omitempty"`
	// Delivery: "url" (default) or "cookies".
	Delivery string `json:"delivery,omitempty"`
	// Scope: "file" (default) or "folder" (a wildcard over Path as a folder).
	Scope string `json:"scope,omitempty"`
}

// DownloadResponse is a signed URL, or cookies (also sent as Set-Cookie).
type DownloadResponse struct {
	URL       string            `json:"url,omitempty"`
	Cookies   map[string]string `json:"cookies,omitempty"`
	Resource  string            `json:"resource"`
	ExpiresAt time.Time         `json:"expiresAt"`
	KeyPairID string            `json:"keyPairId"`

	setCookies []string
}

func (h *Handler) cfg() Config {
	c := h.Config
	if c.DefaultDownloadLifetime == 0 {
		c.DefaultDownloadLifetime = 5 * time.Minute
	}
	if c.MaxDownloadLifetime == 0 {
		c.MaxDownloadLifetime = time.Hour
	}
	if c.UploadLifetime == 0 {
		c.UploadLifetime = 15 * time.Minute
	}
	if c.ExpiryWindow == 0 {
		c.ExpiryWindow = time.Minute
	}
	if c.MaxUploadSize == 0 {
		c.MaxUploadSize = presign.MaxPutSize
	}
	return c
}

func (h *Handler) download(ctx context.Context, p store.Principal, req events.APIGatewayProxyRequest, in *DownloadRequest) (any, error) {
	cfg := h.cfg()
	life := cfg.DefaultDownloadLifetime
	if in.LifetimeSeconds != 0 {
		life = time.Duration(in.LifetimeSeconds) * time.Second
		if life < 10*time.Second || life > cfg.MaxDownloadLifetime {
			return nil, badRequest("lifetimeSeconds must be from 10 to %d", int64(cfg.MaxDownloadLifetime/time.Second))
		}
	}
	now := h.now()
	expires := signing.RoundUp(now.Add(life), cfg.ExpiryWindow)
	var start time.Time
	if in.StartsAt != "" {
		t, err := time.Parse(time.RFC3339, in.StartsAt)
		if err != nil || !t.Before(expires) {
			return nil, badRequest("startsAt must be an RFC 3339 time before the expiry")
		}
		start = t
	}
	ip := in.IPRestriction
	if ip == "sourceIp" {
		ip = req.RequestContext.Identity.SourceIP
	}
	if ip != "" {
		if _, err := signing.ParseSourceIP(ip); err != nil {
			return nil, badRequest("ipRestriction must be \"sourceIp\" or an IPv4 address or CIDR")
		}
	}
	folder := false
	switch in.Scope {
	case "", "file":
	case "folder":
		folder = true
	default:
		return nil, badRequest("scope must be \"file\" or \"folder\"")
	}
	cookies := false
	switch in.Delivery {
	case "", "url":
	case "cookies":
		cookies = true
	default:
		return nil, badRequest("delivery must be \"url\" or \"cookies\"")
	}
	if folder && !cookies {
		return nil, badRequest("a folder scope is delivered as cookies")
	}

	var d store.Decision
	var err error
	if folder {
		d, err = h.Store.AuthorizeFolder(ctx, p, store.Read, in.Path)
	} else {
		d, err = h.Store.Authorize(ctx, p, store.Read, in.Path)
	}
	if err != nil {
		return nil, err
	}
	m, err := h.Keys.Get(ctx)
	if err != nil {
		return nil, err
	}
	out := &DownloadResponse{ExpiresAt: expires, KeyPairID: m.Signer.KeyPairID()}
	if folder {
		out.Resource, err = signing.WildcardResource(m.Domain, d.Key)
	} else {
		out.Resource, err = signing.EncodeURL("https://" + m.Domain + "/" + d.Key)
	}
	if err != nil {
		return nil, err
	}
	policy := signing.Policy{Resource: out.Resource, Expires: expires, Start: start}
	if ip != "" {
		policy.SourceIP, _ = signing.ParseSourceIP(ip)
	}
	if cookies {
		domain := cfg.CookieDomain
		if domain == "" {
			domain = m.Domain
		}
		path := "/" + d.Key
		if !folder {
			path = "/" + d.Key[:strings.LastIndex(d.Key, "/")+1]
		} else {
			path += "/"
		}
		cs, err := m.Signer.SignedCookies(policy, signing.CookieOptions{Domain: domain, Path: path})
		if err != nil {
			return nil, err
		}
		out.Cookies = map[string]string{}
		for _, c := range cs {
			out.Cookies[c.Name] = c.Value
			out.setCookies = append(out.setCookies, c.String())
		}
	} else {
		out.URL, err = m.Signer.SignURL("https://"+m.Domain+"/"+d.Key, signing.URLOptions{Expires: expires, Start: start, SourceIP: ip})
		if err != nil {
			return nil, err
		}
	}
	if err := h.Store.Audit(ctx, p, store.AuditEntry{Path: strings.TrimSuffix(in.Path, "/"), Action: store.Read, ExpiresAt: expires,
		IPRestriction: ipCIDR(ip), RequestID: req.RequestContext.RequestID}); err != nil {
		return nil, err
	}
	return out, nil
}

func ipCIDR(ip string) string {
	if ip == "" {
		return ""
	}
	p, _ := signing.ParseSourceIP(ip)
	return p.String()
}

// UploadRequest asks for a presigned upload.
type UploadRequest struct {
	Path           string `json:"path"`
	ContentType    string `json:"contentType"`
	Size           int64  `json:"size"`
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

func (h *Handler) upload(ctx context.Context, p store.Principal, req events.APIGatewayProxyRequest, in *UploadRequest) (any, error) {
	cfg := h.cfg()
	if in.Size < 0 || in.Size > cfg.MaxUploadSize {
		return nil, badRequest("size must be from 0 to %d bytes", cfg.MaxUploadSize)
	}
	method := strings.ToLower(in.Method)
	if method != "" && method != "put" && method != "post" {
		return nil, badRequest("method must be \"put\" or \"post\"")
	}
	_, d, err := h.Store.RecordUpload(ctx, p, store.FileIntent{Path: in.Path, ContentType: in.ContentType, Size: in.Size, ChecksumSHA256: in.ChecksumSHA256})
	if err != nil {
		return nil, err
	}
	var out *UploadResponse
	if method == "post" {
		f, err := h.Uploads.Post(ctx, presign.PostRequest{Key: d.Key, ContentType: in.ContentType, MinSize: in.Size, MaxSize: max(in.Size, 1), Lifetime: cfg.UploadLifetime})
		if err != nil {
			return nil, err
		}
		out = &UploadResponse{Method: http.MethodPost, URL: f.URL, Fields: f.Fields, ExpiresAt: f.Expires}
	} else {
		r, err := h.Uploads.Put(ctx, presign.PutRequest{Key: d.Key, ContentType: in.ContentType, ContentLength: in.Size, ChecksumSHA256: in.ChecksumSHA256, Lifetime: cfg.UploadLifetime})
		if err != nil {
			return nil, err
		}
		hdr := map[string]string{}
		for k, v := range r.Header {
			hdr[k] = strings.Join(v, ",")
		}
		out = &UploadResponse{Method: r.Method, URL: r.URL, Headers: hdr, ExpiresAt: r.Expires}
	}
	if err := h.Store.Audit(ctx, p, store.AuditEntry{Path: in.Path, Action: store.Write, ExpiresAt: out.ExpiresAt, RequestID: req.RequestContext.RequestID}); err != nil {
		return nil, err
	}
	return out, nil
}

// CompleteRequest reports a finished upload.
type CompleteRequest struct {
	Path string `json:"path"`
}

func (h *Handler) complete(ctx context.Context, p store.Principal, in *CompleteRequest) (any, error) {
	d, err := h.Store.Authorize(ctx, p, store.Write, in.Path)
	if err != nil {
		return nil, err
	}
	ok, err := h.Uploads.Exists(ctx, d.Key)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &apiError{http.StatusConflict, "not_uploaded", "the object has not arrived in storage yet"}
	}
	if err := h.Store.MarkAvailable(ctx, p, in.Path); err != nil {
		return nil, err
	}
	return map[string]string{"path": in.Path, "status": "available"}, nil
}

// FileList is a page of files.
type FileList struct {
	Files      []FileInfo `json:"files"`
	NextCursor string     `json:"nextCursor,omitempty"`
}

// FileInfo is one listed file.
type FileInfo struct {
	Path        string    `json:"path"`
	ContentType string    `json:"contentType"`
	Size        int64     `json:"size"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

func (h *Handler) list(ctx context.Context, p store.Principal, req events.APIGatewayProxyRequest) (any, error) {
	q := req.QueryStringParameters
	limit := 100
	if s := q["limit"]; s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			return nil, badRequest("limit must be from 1 to 1000")
		}
		limit = n
	}
	files, next, err := h.Store.ListReadable(ctx, p, q["folder"], q["cursor"], limit)
	if err != nil {
		return nil, err
	}
	out := &FileList{Files: []FileInfo{}, NextCursor: next}
	for _, f := range files {
		out.Files = append(out.Files, FileInfo{Path: f.Path, ContentType: f.ContentType, Size: f.Size, UpdatedAt: f.UpdatedAt})
	}
	return out, nil
}
