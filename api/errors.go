package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signet-cdk/signet/keysource"
	"github.com/signet-cdk/signet/presign"
	"github.com/signet-cdk/signet/signing"
	"github.com/signet-cdk/signet/store"
)

// apiError is an answer other than 200: its HTTP status, a stable code for programs
// and a message written for the client. Internal wording never goes in Message; it
// goes to the log.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// Error codes, one per way a request can end other than 200 (README lists them per
// route).
const (
	codeInvalid       = "invalid_request"        // 400
	codeUnauthorized  = "unauthenticated"        // 401
	codeForbidden     = "forbidden"              // 403
	codeNotFound      = "not_found"              // 404
	codeNoRoute       = "method_not_allowed"     // 405
	codeConflict      = "conflict"               // 409
	codeNotUploaded   = "not_uploaded"           // 409
	codeTooLarge      = "too_large"              // 413
	codeMediaType     = "unsupported_media_type" // 415
	codeUnavailable   = "unavailable"            // 503
	codeInternal      = "internal"               // 500
	retryAfterSeconds = 5
	// Malware scanning (Config.MalwareScanning), all 409.
	codeScanning          = "scanning"         // no scan result yet; Retry-After
	codeInfected          = "infected"         // THREATS_FOUND
	codeNotScanned        = "not_scanned"      // UNSUPPORTED, ACCESS_DENIED, FAILED
	codeScanningFolders   = "scanning_folders" // folder cookies cannot be checked
	scanRetryAfterSeconds = 30
)

func badRequest(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, codeInvalid, fmt.Sprintf(format, args...)}
}

// badPath is the client's message for a refused path: the reason, without the
// package's own wording.
func badPath(field string, err error) *apiError {
	var pe *signing.PathError
	if errors.As(err, &pe) {
		return badRequest("%s %s", field, pe.Reason)
	}
	return badRequest("%s is not a valid path", field)
}

var errInternal = &apiError{http.StatusInternalServerError, codeInternal, "internal error"}

// toAPIError maps sentinel errors to HTTP with errors.Is. The handler validates every
// field before calling a dependency, so a dependency's own refusal of input is a
// generic 400; a dependency that cannot answer (in time) is a 503; anything else is a
// bug: 500, details in the log only.
func toAPIError(err error) *apiError {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.Is(err, store.ErrInvalid), errors.Is(err, signing.ErrBadPath), errors.Is(err, signing.ErrBadPolicy), errors.Is(err, presign.ErrBadRequest):
		return badRequest("the request was refused as invalid")
	case errors.Is(err, store.ErrForbidden):
		return &apiError{http.StatusForbidden, codeForbidden, "not allowed"}
	case errors.Is(err, store.ErrNotFound):
		return &apiError{http.StatusNotFound, codeNotFound, "no such file"}
	case errors.Is(err, store.ErrConflict):
		return &apiError{http.StatusConflict, codeConflict, "the path holds an available file or another user's upload in progress"}
	case errors.Is(err, presign.ErrRejected):
		return &apiError{http.StatusConflict, codeNotUploaded, "storage refused the upload: the parts, the size or the checksum are not what was declared"}
	case errors.Is(err, presign.ErrNoSuchUpload):
		return &apiError{http.StatusNotFound, codeNotFound, "storage no longer holds this upload (aborted or expired); start a new one"}
	case unavailable(err):
		return &apiError{http.StatusServiceUnavailable, codeUnavailable, "a service Signet depends on did not answer in time; try again shortly"}
	}
	return errInternal
}

// unavailable: a dependency fault (database, SSM, S3, signing credentials, or the
// request's time budget running out), worth retrying.
func unavailable(err error) bool {
	for _, target := range []error{store.ErrUnavailable, keysource.ErrUnavailable, presign.ErrCredentials, presign.ErrUnavailable,
		context.DeadlineExceeded} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// Response headers for every answer: signed URLs must never be cached or sniffed.
func baseHeaders() map[string]string {
	return map[string]string{
		"Content-Type":           "application/json",
		"Cache-Control":          "no-store",
		"X-Content-Type-Options": "nosniff",
	}
}

func jsonResponse(status int, body any) events.APIGatewayProxyResponse {
	b, err := json.Marshal(body)
	if err != nil {
		return errorResponse(errInternal)
	}
	resp := events.APIGatewayProxyResponse{StatusCode: status, Headers: baseHeaders(), Body: string(b)}
	if c, ok := body.(*DownloadResponse); ok && len(c.setCookies) > 0 {
		resp.MultiValueHeaders = map[string][]string{"Set-Cookie": c.setCookies}
	}
	return resp
}

func errorResponse(e *apiError) events.APIGatewayProxyResponse {
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": e.Code, "message": e.Message}})
	resp := events.APIGatewayProxyResponse{StatusCode: e.Status, Headers: baseHeaders(), Body: string(b)}
	switch {
	case e.Status == http.StatusServiceUnavailable:
		resp.Headers["Retry-After"] = strconv.Itoa(retryAfterSeconds)
	case e.Code == codeScanning:
		resp.Headers["Retry-After"] = strconv.Itoa(scanRetryAfterSeconds)
	}
	return resp
}
