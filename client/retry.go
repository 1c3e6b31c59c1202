package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Retry shapes how the client retries an HTTP exchange that failed in a way that
// may pass: a network error (connection refused or reset, a timeout, a body cut
// short), 429 Too Many Requests, or a 5xx answer other than 501 and 505. A 4xx
// answer other than 429 is never retried. Waits grow exponentially from Initial,
// each drawn at random up to the current step (full jitter) and capped at Max; a
// Retry-After header (seconds or an HTTP date) is honoured instead, up to 5 minutes.
// A zero field takes its default.
//
// What is retried: every API call that repeating cannot change the outcome of (GET,
// PUT, PATCH, DELETE, and the POSTs that only presign or complete: /downloads,
// /uploads, /uploads/complete and /uploads/multipart/{parts,complete,abort}); every
// storage request (a part or single PUT, each GET or ranged GET of a download, which
// resumes where the cut left it). Other POSTs (creating a multipart upload, creating
// a customer, inviting a user, ...) are retried only when the request surely did not
// reach the server (the connection was refused or could not be opened) or the
// answer was 429. The token endpoint is not retried by the client.
type Retry struct {
	// Attempts is the number of tries of one exchange, the first included. Default 5;
	// 1 disables retries.
	Attempts int
	// Initial is the first wait's upper bound. Default 200 ms.
	Initial time.Duration
	// Max caps one wait. Default 20 s.
	Max time.Duration
}

var defaultRetry = Retry{Attempts: 5, Initial: 200 * time.Millisecond, Max: 20 * time.Second}

// maxRetryAfter bounds how long a Retry-After header can make the client wait.
const maxRetryAfter = 5 * time.Minute

func (r Retry) withDefaults() Retry {
	if r.Attempts <= 0 {
		r.Attempts = defaultRetry.Attempts
	}
	if r.Initial <= 0 {
		r.Initial = defaultRetry.Initial
	}
	if r.Max <= 0 {
		r.Max = defaultRetry.Max
	}
	return r
}

// backoff is the wait before retry number n (1 for the first retry).
func (r Retry) backoff(n int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, maxRetryAfter)
	}
	step := r.Max
	if n < 32 && r.Initial<<(n-1) < r.Max && r.Initial<<(n-1) > 0 {
		step = r.Initial << (n - 1)
	}
	return time.Duration(rand.Int64N(int64(step)) + 1)
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retry runs try until it succeeds, fails in a way that is not retried, or the
// attempts run out. try receives the attempt number (1-based). idempotent says
// whether an exchange that may have reached the server can be repeated.
func (c *Client) retry(ctx context.Context, idempotent bool, try func(attempt int) error) error {
	pol := c.Retry.withDefaults()
	for attempt := 1; ; attempt++ {
		err := try(attempt)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctxError(ctx, err)
		}
		again, after := retryable(err, idempotent)
		if !again || attempt >= pol.Attempts {
			return err
		}
		if err := sleep(ctx, pol.backoff(attempt, after)); err != nil {
			return err
		}
	}
}

// ctxError is the error to return once ctx has ended: ctx's own, so that
// errors.Is(err, context.Canceled) holds, unless err already says so.
func ctxError(ctx context.Context, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return ctx.Err()
}

// retryable says whether err may pass on a retry, and how long the server asked to
// wait.
func retryable(err error, idempotent bool) (bool, time.Duration) {
	var ae *APIError
	if errors.As(err, &ae) {
		return retryableStatus(ae.Status, idempotent), ae.retryAfter
	}
	var se *StorageError
	if errors.As(err, &se) {
		return retryableStatus(se.Status, idempotent), se.retryAfter
	}
	var ne *NetworkError
	if errors.As(err, &ne) {
		return idempotent || notSent(ne.Err), 0
	}
	return false, 0
}

func retryableStatus(status int, idempotent bool) bool {
	switch {
	case status == http.StatusTooManyRequests:
		return true // throttled before it was carried out
	case status >= 500 && status != http.StatusNotImplemented && status != http.StatusHTTPVersionNotSupported:
		return idempotent
	}
	return false
}

// notSent reports a failure to open the connection: the request never left.
func notSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

// retryAfter parses a Retry-After header: delay-seconds or an HTTP date.
func retryAfter(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// NetworkError is a failed exchange that got no HTTP answer: the connection could
// not be opened or broke, or a stage timed out. It matches ErrNetwork with
// errors.Is, and unwraps to the transport's error (a net.Error, io.ErrUnexpectedEOF,
// ...) without the request's URL, so that no signature is ever printed.
type NetworkError struct {
	Op  string // what was being done: "GET /api/files", "upload part 3", ...
	Err error
}

func (e *NetworkError) Error() string { return "signet: " + e.Op + ": " + oneLine(e.Err.Error()) }

// Unwrap returns the transport's error.
func (e *NetworkError) Unwrap() error { return e.Err }

// Is matches ErrNetwork.
func (e *NetworkError) Is(target error) bool { return target == ErrNetwork }

// netError wraps a transport error as a *NetworkError, without its URL.
func netError(op string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &NetworkError{Op: op, Err: err}
}

// StorageError is an error answer from S3 or CloudFront to a presigned request or a
// signed URL. It matches the same sentinels as APIError (403 ErrForbidden, 404
// ErrNotFound, 503 ErrUnavailable, ...).
type StorageError struct {
	Op     string // "upload part 3", "download", ...
	Status int
	Code   string // S3's error code, when the answer carried one

	retryAfter time.Duration
}

func (e *StorageError) Error() string {
	s := fmt.Sprintf("signet: %s: storage answered %d", e.Op, e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	return s
}

// Is maps the status to the sentinel errors.
func (e *StorageError) Is(target error) bool { return statusIs(e.Status, target) }

func statusIs(status int, target error) bool {
	switch status {
	case http.StatusUnauthorized:
		return target == ErrUnauthenticated
	case http.StatusForbidden:
		return target == ErrForbidden
	case http.StatusNotFound:
		return target == ErrNotFound
	case http.StatusConflict, http.StatusPreconditionFailed:
		return target == ErrConflict
	case http.StatusServiceUnavailable, http.StatusTooManyRequests:
		return target == ErrUnavailable
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
		return target == ErrInvalid
	}
	return false
}

// storageError reads an error answer of the storage.
func storageError(op string, resp *http.Response) *StorageError {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return &StorageError{Op: op, Status: resp.StatusCode, Code: s3Code(b), retryAfter: retryAfter(resp.Header)}
}

// oneLine keeps the first line of s.
func oneLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}
