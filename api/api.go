// Package api is the signer's request handling: API Gateway (REST, Cognito authorizer)
// events in, JSON out. It turns "this caller may do this to this path" into CloudFront
// signed URLs or cookies and S3 presigned uploads, recording every one in the audit.
// It knows nothing of CDK; lambda/signer wires it to real clients.
//
// Routes (all JSON, all behind the Cognito authorizer):
//
//	POST /downloads         {"path", "lifetimeSeconds"?, "startsAt"?, "ipRestriction"?,
//	                         "delivery": "url" | "cookies", "scope": "file" | "folder",
//	                         "via": "cloudfront" | "s3"}
//	POST /uploads           {"path", "contentType", "size", "checksumSha256", "method": "put" | "post"}
//	POST /uploads/complete  {"path"}
//	POST /uploads/multipart           {"path", "size", "contentType", "checksumAlgorithm": "CRC64NVME", "partSize"?}
//	POST /uploads/multipart/parts     {"path", "uploadId", "parts": [{"number", "checksumCrc64nvme"}]}
//	GET  /uploads/multipart/parts     ?path=&uploadId=
//	POST /uploads/multipart/complete  {"path", "uploadId", "checksumCrc64nvme", "parts": [{"number", "etag", "checksumCrc64nvme"}]}
//	POST /uploads/multipart/abort     {"path", "uploadId"}
//	GET  /files             ?folder=&cursor=&limit=
//	DELETE /files           ?path=
//
// Every input is validated before any dependency is called (see decodeBody for the
// parsing rules); a restriction the caller asks for is applied exactly or refused,
// never weakened. Errors are {"error": {"code", "message"}}: 400, 401, 403, 404, 405,
// 409, 413, 415 for the caller's mistakes, 503 with Retry-After when a dependency
// (Aurora, SSM, S3) fails or the request's time budget runs out, 500 only for a bug.
// Messages are written for the client; internal detail goes to the log only.
//
// With Config.MalwareScanning a file is signed only once GuardDuty has tagged its
// object clean (see scan.go). Handler.Metrics receives the application metrics
// (metrics.go): URLs issued, uploads completed, database failures, infected files.
package api

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signet-cdk/signet/keysource"
	"github.com/signet-cdk/signet/presign"
	"github.com/signet-cdk/signet/store"
)

// Store is the metadata store (package store).
type Store interface {
	IssueDownload(ctx context.Context, p store.Principal, path string, e store.AuditEntry) (store.Decision, store.File, error)
	// AuthorizeDownload and Audit are IssueDownload in two statements, for malware
	// scanning: the decision yields the object key, whose scan tag is checked before
	// the audit row is written.
	AuthorizeDownload(ctx context.Context, p store.Principal, path string) (store.Decision, store.File, error)
	Audit(ctx context.Context, p store.Principal, e store.AuditEntry) error
	IssueFolder(ctx context.Context, p store.Principal, folder string, e store.AuditEntry) (store.Decision, error)
	RecordUpload(ctx context.Context, p store.Principal, in store.FileIntent, issue func(store.Decision) (store.AuditEntry, error)) (store.File, store.Decision, error)
	PendingUpload(ctx context.Context, p store.Principal, path string) (store.Decision, store.File, error)
	MarkAvailable(ctx context.Context, p store.Principal, path string) error
	ListReadable(ctx context.Context, p store.Principal, folder, cursor string, limit int) ([]store.File, string, error)
	RecordMultipart(ctx context.Context, p store.Principal, in store.MultipartIntent, issue func(store.Decision) (store.MultipartStart, error)) (store.Multipart, error)
	MultipartUpload(ctx context.Context, p store.Principal, path, uploadID string) (store.Decision, store.File, error)
	CompleteMultipart(ctx context.Context, p store.Principal, path, uploadID, checksumCRC64NVME string, e store.AuditEntry) (store.File, error)
	AbortMultipart(ctx context.Context, p store.Principal, path, uploadID string, e store.AuditEntry) (store.Decision, bool, error)
	DeleteFile(ctx context.Context, p store.Principal, path string, e store.AuditEntry) (store.Deletion, error)
}

// Keys yields the current signing material (package keysource).
type Keys interface {
	Get(ctx context.Context) (*keysource.Material, error)
}

// Uploads presigns uploads and S3 downloads, runs multipart uploads, checks what
// arrived, reads malware scan results and deletes objects (package presign).
type Uploads interface {
	Put(ctx context.Context, r presign.PutRequest) (*presign.Request, error)
	Post(ctx context.Context, r presign.PostRequest) (*presign.PostForm, error)
	Head(ctx context.Context, key string) (presign.ObjectInfo, error)
	Lifetime(ctx context.Context, want time.Duration) (time.Duration, error)
	Get(ctx context.Context, key string, lifetime time.Duration) (*presign.Request, error)
	CreateMultipart(ctx context.Context, key, contentType string) (string, error)
	PresignPart(ctx context.Context, r presign.PartRequest) (*presign.Request, error)
	ListParts(ctx context.Context, key, uploadID string) ([]presign.Part, error)
	CompleteMultipart(ctx context.Context, r presign.CompleteRequest) (string, error)
	AbortMultipart(ctx context.Context, key, uploadID string) error
	Delete(ctx context.Context, key string) error
	// ScanStatus is the object's GuardDuty scan tag ("" before the scan).
	ScanStatus(ctx context.Context, key string) (string, error)
}

// Config bounds what the handler hands out and how long it waits.
type Config struct {
	// DefaultDownloadLifetime when the request names none. Default: 5 minutes.
	DefaultDownloadLifetime time.Duration
	// MaxDownloadLifetime caps requests. Default: 1 hour.
	MaxDownloadLifetime time.Duration
	// UploadLifetime of presigned uploads; also how long a pending upload holds its
	// path against other users. Default: 15 minutes.
	UploadLifetime time.Duration
	// ExpiryWindow rounds expiries up to a grid so repeated requests share cached
	// signatures. Default: 1 minute.
	ExpiryWindow time.Duration
	// MaxUploadSize in bytes of a single upload (POST /uploads). Default: 5 GiB (one
	// PUT); never more than MaxUploadBytes.
	MaxUploadSize int64
	// MaxUploadBytes caps one file, multipart uploads included. Default and maximum:
	// 5 TiB, S3's object limit.
	MaxUploadBytes int64
	// MultipartLifetime is how long a multipart upload holds its path against other
	// users (the answer's expiresAt); its author may go on after it, as long as no
	// one else took the path. Keep it under the bucket's rule that aborts incomplete
	// uploads. Default: 24 hours.
	MultipartLifetime time.Duration
	// PartLifetime of presigned part URLs (S3 checks the expiry when a part starts,
	// so a long part may finish later). Default: 1 hour.
	PartLifetime time.Duration
	// AllowS3Downloads lets POST /downloads answer "via":"s3" with an S3 presigned
	// GET. Default: false (400).
	AllowS3Downloads bool
	// MalwareScanning says GuardDuty Malware Protection for S3 tags every upload with
	// its scan result: a file is then signed (URL, cookies, S3 URL) only when its
	// object is tagged NO_THREATS_FOUND (409 "scanning" with Retry-After before the
	// scan, "infected", "not_scanned" otherwise), and folder cookies are refused (409
	// "scanning_folders"): a wildcard grants files nobody checked. Costs a second
	// statement and an S3 call per file download. Default: false.
	MalwareScanning bool
	// CookieDomain widens the signed cookies to a parent domain (".example.com").
	// Default: none, host-only cookies for the host that served the API answer, which
	// is the distribution's (the API is served under /api/ on the files' domain).
	CookieDomain string
	// BehindEdge says the API is reached through the CloudFront distribution, whose
	// address API Gateway reports as the source IP: the viewer's address is then read
	// from X-Forwarded-For (see viewerIP). Default: false (the source IP is the viewer).
	BehindEdge bool
	// AllowedOrigins are the browser origins (https://app.example.com) whose scripts may
	// read the answers; API Gateway answers the preflight. Default: none.
	AllowedOrigins []string
	// RequestTimeout is the time budget of one request for every dependency call
	// together; when it runs out the answer is 503 with Retry-After. It must end before
	// API Gateway's 29 s integration timeout, or the client gets the gateway's 504
	// instead. Default: 20 seconds.
	RequestTimeout time.Duration
	// DeadlineMargin is kept back from the Lambda's own deadline (ctx) to write the
	// answer. Default: 1 second.
	DeadlineMargin time.Duration
}

// Handler serves API Gateway proxy events.
type Handler struct {
	Store   Store
	Keys    Keys
	Uploads Uploads
	Config  Config
	Logger  *slog.Logger
	Now     func() time.Time
	// Metrics receives the application metrics (package emf). Default: none.
	Metrics Metrics
}

func (h *Handler) cfg() Config { return h.Config.withDefaults() }

// withDefaults is c with every unset field at its documented default.
func (c Config) withDefaults() Config {
	c.DefaultDownloadLifetime = cmp.Or(c.DefaultDownloadLifetime, 5*time.Minute)
	c.MaxDownloadLifetime = cmp.Or(c.MaxDownloadLifetime, time.Hour)
	c.UploadLifetime = cmp.Or(c.UploadLifetime, 15*time.Minute)
	c.ExpiryWindow = cmp.Or(c.ExpiryWindow, time.Minute)
	c.MaxUploadBytes = min(cmp.Or(c.MaxUploadBytes, presign.MaxObjectSize), presign.MaxObjectSize)
	c.MaxUploadSize = min(cmp.Or(c.MaxUploadSize, presign.MaxPutSize), c.MaxUploadBytes)
	c.MultipartLifetime = cmp.Or(c.MultipartLifetime, 24*time.Hour)
	c.PartLifetime = cmp.Or(c.PartLifetime, time.Hour)
	c.RequestTimeout = cmp.Or(c.RequestTimeout, 20*time.Second)
	c.DeadlineMargin = cmp.Or(c.DeadlineMargin, time.Second)
	return c
}

// budget bounds every dependency call of one request (signer or admin): RequestTimeout
// from now, and never past the Lambda's deadline less DeadlineMargin.
func (c Config) budget(ctx context.Context) (context.Context, context.CancelFunc) {
	cfg := c.withDefaults()
	deadline := time.Now().Add(cfg.RequestTimeout)
	if d, ok := ctx.Deadline(); ok && d.Add(-cfg.DeadlineMargin).Before(deadline) {
		deadline = d.Add(-cfg.DeadlineMargin)
	}
	return context.WithDeadline(ctx, deadline)
}

// Handle never returns an error: every outcome is an HTTP response.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayProxyRequest) (resp events.APIGatewayProxyResponse, _ error) {
	start := h.now()
	log := h.logger().With("apiRequestId", req.RequestContext.RequestID, "route", req.HTTPMethod+" "+req.Resource)
	defer func() {
		// A bug must not become a hung or failed invocation: answer 500 and log it.
		if r := recover(); r != nil {
			log.ErrorContext(ctx, "panic in handler", "panic", fmt.Sprint(r))
			resp = errorResponse(errInternal)
		}
		log.InfoContext(ctx, "request", "status", resp.StatusCode, "ms", h.now().Sub(start).Milliseconds())
	}()
	ctx, cancel := h.Config.budget(ctx)
	defer cancel()
	p, err := principal(req)
	var body any
	if err == nil {
		log = log.With("subject", p.Subject, "customer", p.CustomerID)
		body, err = h.route(ctx, p, req)
	}
	if err != nil {
		h.countFailure(ctx, err)
		ae := toAPIError(err)
		if ae.Status >= 500 {
			log.ErrorContext(ctx, "request failed", "status", ae.Status, "error", err.Error())
		} else if ae != err {
			log.InfoContext(ctx, "request refused", "status", ae.Status, "reason", err.Error())
		}
		return h.cors(req, errorResponse(ae)), nil
	}
	return h.cors(req, jsonResponse(http.StatusOK, body)), nil
}

func (h *Handler) route(ctx context.Context, p store.Principal, req events.APIGatewayProxyRequest) (any, error) {
	switch req.HTTPMethod + " " + routePath(req.Resource) {
	case "POST /downloads":
		return withBody(req, func(in *DownloadRequest) (any, error) { return h.download(ctx, p, req, in) })
	case "POST /uploads":
		return withBody(req, func(in *UploadRequest) (any, error) { return h.upload(ctx, p, req, in) })
	case "POST /uploads/complete":
		return withBody(req, func(in *CompleteRequest) (any, error) { return h.complete(ctx, p, in) })
	case "GET /files":
		return h.list(ctx, p, req)
	case "DELETE /files":
		return h.deleteFile(ctx, p, req)
	case "POST /uploads/multipart":
		return withBody(req, func(in *MultipartRequest) (any, error) { return h.createMultipart(ctx, p, req, in) })
	case "POST /uploads/multipart/parts":
		return withBody(req, func(in *PartsRequest) (any, error) { return h.presignParts(ctx, p, in) })
	case "GET /uploads/multipart/parts":
		return h.listParts(ctx, p, req)
	case "POST /uploads/multipart/complete":
		in, err := decodeBodyMax[CompleteMultipartRequest](req, MaxCompleteBody)
		if err != nil {
			return nil, err
		}
		return h.completeMultipart(ctx, p, req, in)
	case "POST /uploads/multipart/abort":
		return withBody(req, func(in *AbortRequest) (any, error) { return h.abortMultipart(ctx, p, req, in) })
	}
	return nil, &apiError{http.StatusMethodNotAllowed, codeNoRoute, "no such route"}
}

// routePath is the resource without a trailing "/" and without the "/api" prefix the
// routes have behind the distribution (the /api/* behaviour), so one handler serves
// both the execute-api names and the distribution's.
func routePath(resource string) string {
	resource = strings.TrimSuffix(resource, "/")
	if rest, ok := strings.CutPrefix(resource, "/api/"); ok {
		return "/" + rest
	}
	return resource
}

func withBody[T any](req events.APIGatewayProxyRequest, f func(*T) (any, error)) (any, error) {
	in, err := decodeBody[T](req)
	if err != nil {
		return nil, err
	}
	return f(in)
}

// cors lets a listed browser origin read the answer; any other origin gets nothing.
func (h *Handler) cors(req events.APIGatewayProxyRequest, resp events.APIGatewayProxyResponse) events.APIGatewayProxyResponse {
	origin, err := header(req, "origin")
	if err != nil || origin == "" || !slices.Contains(h.Config.AllowedOrigins, origin) {
		return resp
	}
	resp.Headers["Access-Control-Allow-Origin"] = origin
	resp.Headers["Vary"] = "Origin"
	return resp
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

// principal reads the Cognito claims the authorizer verified. The customer id comes
// from custom:customer_id, which users cannot write. Claims obey the same text rule
// as every other input.
func principal(req events.APIGatewayProxyRequest) (store.Principal, error) {
	claims, _ := req.RequestContext.Authorizer["claims"].(map[string]any)
	str := func(k string) string { s, _ := claims[k].(string); return s }
	p := store.Principal{Subject: str("sub"), CustomerID: str("custom:customer_id")}
	if p.Subject == "" {
		return p, &apiError{http.StatusUnauthorized, codeUnauthorized, "sign in first"}
	}
	if p.CustomerID == "" {
		return p, &apiError{http.StatusForbidden, codeForbidden, "your account is not linked to a customer"}
	}
	p.Roles = roles(claims["cognito:groups"])
	for name, v := range map[string]string{"token subject": p.Subject, "token customer id": p.CustomerID} {
		if err := checkText(name, v); err != nil {
			return p, err
		}
	}
	for _, r := range p.Roles {
		if err := checkText("token group", r); err != nil {
			return p, err
		}
	}
	return p, nil
}

// roles reads cognito:groups: REST API authorizers pass lists as "[a b]" or "a,b".
func roles(v any) []string {
	var out []string
	switch g := v.(type) {
	case string:
		g = strings.Trim(g, "[]")
		out = strings.FieldsFunc(g, func(r rune) bool { return r == ',' || r == ' ' })
	case []any:
		for _, r := range g {
			if s, ok := r.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}
