// Package api is the signer's request handling: API Gateway (REST, Cognito authorizer)
// events in, JSON out. It turns "this caller may do this to this path" into CloudFront
// signed URLs or cookies and S3 presigned uploads, recording every one in the audit.
// It knows nothing of CDK; lambda/signer wires it to real clients.
//
// Routes (all JSON, all behind the Cognito authorizer):
//
//	POST /downloads         {"path", "lifetimeSeconds"?, "startsAt"?, "ipRestriction"?,
//	                         "delivery": "url" | "cookies", "scope": "file" | "folder"}
//	POST /uploads           {"path", "contentType", "size", "checksumSha256", "method": "put" | "post"}
//	POST /uploads/complete  {"path"}
//	GET  /files             ?folder=&cursor=&limit=
//
// Errors are {"error": {"code", "message"}} with 400, 401, 403, 404, 405, 409, 413,
// 415, 503 or 500; internal errors are logged, never echoed.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signet-cdk/signet/keysource"
	"github.com/signet-cdk/signet/presign"
	"github.com/signet-cdk/signet/signing"
	"github.com/signet-cdk/signet/store"
)

// Store is the metadata store (package store).
type Store interface {
	Authorize(ctx context.Context, p store.Principal, a store.Action, path string) (store.Decision, error)
	AuthorizeFolder(ctx context.Context, p store.Principal, a store.Action, folder string) (store.Decision, error)
	RecordUpload(ctx context.Context, p store.Principal, in store.FileIntent) (store.File, store.Decision, error)
	MarkAvailable(ctx context.Context, p store.Principal, path string) error
	ListReadable(ctx context.Context, p store.Principal, folder, cursor string, limit int) ([]store.File, string, error)
	Audit(ctx context.Context, p store.Principal, e store.AuditEntry) error
}

// Keys yields the current signing material (package keysource).
type Keys interface {
	Get(ctx context.Context) (*keysource.Material, error)
}

// Uploads presigns uploads and checks that they arrived (package presign).
type Uploads interface {
	Put(ctx context.Context, r presign.PutRequest) (*presign.Request, error)
	Post(ctx context.Context, r presign.PostRequest) (*presign.PostForm, error)
	Exists(ctx context.Context, key string) (bool, error)
}

// Config bounds what the handler hands out.
type Config struct {
	// DefaultDownloadLifetime when the request names none. Default: 5 minutes.
	DefaultDownloadLifetime time.Duration
	// MaxDownloadLifetime caps requests. Default: 1 hour.
	MaxDownloadLifetime time.Duration
	// UploadLifetime of presigned uploads. Default: 15 minutes.
	UploadLifetime time.Duration
	// ExpiryWindow rounds expiries up to a grid so repeated requests share cached
	// signatures. Default: 1 minute.
	ExpiryWindow time.Duration
	// MaxUploadSize in bytes. Default: 5 GiB (one PUT).
	MaxUploadSize int64
	// CookieDomain for signed cookies. Default: the distribution domain.
	CookieDomain string
	// AllowedOrigins are the browser origins (https://app.example.com) whose scripts may
	// read the answers; API Gateway answers the preflight. Default: none.
	AllowedOrigins []string
}

// Handler serves API Gateway proxy events.
type Handler struct {
	Store   Store
	Keys    Keys
	Uploads Uploads
	Config  Config
	Logger  *slog.Logger
	Now     func() time.Time
}

// apiError is an error with its HTTP status and public code; Message is safe to show.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func badRequest(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, "invalid_request", fmt.Sprintf(format, args...)}
}

// toAPIError maps sentinel errors to HTTP with errors.Is; anything else is a 500
// whose details stay in the log.
func toAPIError(err error) *apiError {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.Is(err, store.ErrInvalid), errors.Is(err, signing.ErrBadPath), errors.Is(err, signing.ErrBadPolicy), errors.Is(err, presign.ErrBadRequest):
		return &apiError{http.StatusBadRequest, "invalid_request", publicReason(err)}
	case errors.Is(err, store.ErrForbidden):
		return &apiError{http.StatusForbidden, "forbidden", "not allowed"}
	case errors.Is(err, store.ErrNotFound):
		return &apiError{http.StatusNotFound, "not_found", "no such file"}
	case errors.Is(err, store.ErrConflict):
		return &apiError{http.StatusConflict, "conflict", "the file already exists"}
	case errors.Is(err, store.ErrUnavailable), errors.Is(err, keysource.ErrUnavailable), errors.Is(err, presign.ErrCredentials):
		return &apiError{http.StatusServiceUnavailable, "unavailable", "try again shortly"}
	}
	return &apiError{http.StatusInternalServerError, "internal", "internal error"}
}

// publicReason is the validation message without the package prefix.
func publicReason(err error) string {
	msg := err.Error()
	for _, p := range []string{"store: invalid input: ", "signing: bad object path: ", "signing: bad policy: ", "presign: bad request: "} {
		if i := strings.LastIndex(msg, p); i >= 0 {
			return msg[i+len(p):]
		}
	}
	return "invalid request"
}

// Handle never returns an error: every outcome is an HTTP response.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayProxyRequest) (resp events.APIGatewayProxyResponse, _ error) {
	start := h.now()
	log := h.logger().With("requestId", req.RequestContext.RequestID, "route", req.HTTPMethod+" "+req.Resource)
	defer func() {
		// A bug must not become a hung or failed invocation: answer 500 and log it.
		if r := recover(); r != nil {
			log.Error("panic in handler", "panic", fmt.Sprint(r))
			resp = errorResponse(&apiError{http.StatusInternalServerError, "internal", "internal error"})
		}
		log.Info("request", "status", resp.StatusCode, "ms", h.now().Sub(start).Milliseconds())
	}()
	p, err := principal(req)
	if err != nil {
		return h.cors(req, errorResponse(toAPIError(err))), nil
	}
	log = log.With("subject", p.Subject, "customer", p.CustomerID)
	var body any
	switch route := req.HTTPMethod + " " + strings.TrimSuffix(req.Resource, "/"); route {
	case "POST /downloads":
		body, err = withJSON(req, func(in *DownloadRequest) (any, error) { return h.download(ctx, p, req, in) })
	case "POST /uploads":
		body, err = withJSON(req, func(in *UploadRequest) (any, error) { return h.upload(ctx, p, req, in) })
	case "POST /uploads/complete":
		body, err = withJSON(req, func(in *CompleteRequest) (any, error) { return h.complete(ctx, p, in) })
	case "GET /files":
		body, err = h.list(ctx, p, req)
	default:
		err = &apiError{http.StatusMethodNotAllowed, "method_not_allowed", "no such route"}
	}
	if err != nil {
		ae := toAPIError(err)
		if ae.Status >= 500 {
			log.Error("request failed", "error", err.Error())
		}
		return h.cors(req, errorResponse(ae)), nil
	}
	return h.cors(req, jsonResponse(http.StatusOK, body)), nil
}

// cors lets a listed browser origin read the answer; any other origin gets nothing.
func (h *Handler) cors(req events.APIGatewayProxyRequest, resp events.APIGatewayProxyResponse) events.APIGatewayProxyResponse {
	origin := headerValue(req.Headers, "origin")
	if origin == "" {
		return resp
	}
	for _, o := range h.Config.AllowedOrigins {
		if o == origin {
			resp.Headers["Access-Control-Allow-Origin"] = origin
			resp.Headers["Vary"] = "Origin"
			return resp
		}
	}
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
// from custom:customer_id, which users cannot write.
func principal(req events.APIGatewayProxyRequest) (store.Principal, error) {
	claims, _ := req.RequestContext.Authorizer["claims"].(map[string]any)
	str := func(k string) string { s, _ := claims[k].(string); return s }
	p := store.Principal{Subject: str("sub"), CustomerID: str("custom:customer_id")}
	if p.Subject == "" {
		return p, &apiError{http.StatusUnauthorized, "unauthenticated", "sign in first"}
	}
	if p.CustomerID == "" {
		return p, &apiError{http.StatusForbidden, "forbidden", "your account is not linked to a customer"}
	}
	switch g := claims["cognito:groups"].(type) {
	case string:
		// REST API authorizers pass lists as "[a b]" or "a,b".
		g = strings.Trim(g, "[]")
		for _, r := range strings.FieldsFunc(g, func(r rune) bool { return r == ',' || r == ' ' }) {
			p.Roles = append(p.Roles, r)
		}
	case []any:
		for _, r := range g {
			if s, ok := r.(string); ok {
				p.Roles = append(p.Roles, s)
			}
		}
	}
	return p, nil
}

// MaxBody bounds request bodies (the requests are small; API Gateway also limits them).
const MaxBody = 16 << 10

// withJSON decodes the body strictly (JSON object, known fields only) and calls f.
func withJSON[T any](req events.APIGatewayProxyRequest, f func(*T) (any, error)) (any, error) {
	ct := strings.ToLower(headerValue(req.Headers, "content-type"))
	if !strings.HasPrefix(ct, "application/json") {
		return nil, &apiError{http.StatusUnsupportedMediaType, "unsupported_media_type", "send application/json"}
	}
	if req.IsBase64Encoded || len(req.Body) > MaxBody {
		return nil, &apiError{http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("body over %d bytes", MaxBody)}
	}
	dec := json.NewDecoder(strings.NewReader(req.Body))
	dec.DisallowUnknownFields()
	in := new(T)
	if err := dec.Decode(in); err != nil {
		return nil, badRequest("body is not the expected JSON object: %s", jsonReason(err))
	}
	if dec.More() {
		return nil, badRequest("body holds more than one JSON value")
	}
	return f(in)
}

// jsonReason describes a decode error without echoing the input.
func jsonReason(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("syntax error at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %q must be %s", typ.Field, typ.Type)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return strings.TrimPrefix(err.Error(), "json: ")
	}
	return "malformed"
}

func headerValue(h map[string]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// Response headers for every answer: signed URLs must never be cached or sniffed.
var baseHeaders = map[string]string{
	"Content-Type":           "application/json",
	"Cache-Control":          "no-store",
	"X-Content-Type-Options": "nosniff",
}

func jsonResponse(status int, body any) events.APIGatewayProxyResponse {
	b, err := json.Marshal(body)
	if err != nil {
		return errorResponse(&apiError{http.StatusInternalServerError, "internal", "internal error"})
	}
	hdr := map[string]string{}
	for k, v := range baseHeaders {
		hdr[k] = v
	}
	resp := events.APIGatewayProxyResponse{StatusCode: status, Headers: hdr, Body: string(b)}
	if c, ok := body.(*DownloadResponse); ok && len(c.setCookies) > 0 {
		resp.MultiValueHeaders = map[string][]string{"Set-Cookie": c.setCookies}
	}
	return resp
}

func errorResponse(e *apiError) events.APIGatewayProxyResponse {
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": e.Code, "message": e.Message}})
	hdr := map[string]string{}
	for k, v := range baseHeaders {
		hdr[k] = v
	}
	return events.APIGatewayProxyResponse{StatusCode: e.Status, Headers: hdr, Body: string(b)}
}
