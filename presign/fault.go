package presign

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// s3Error wraps the error of the S3 API call op: with ErrUnavailable when S3 was not
// reached, timed out, failed or throttled (the caller answers 503), and always
// behind a redacted message.
//
// Deadlines: the SDK stops an attempt when ctx ends, and its retry loop sleeps with
// ctx and gives up when ctx ends (aws/retry Attempt), so a call returns by ctx's
// deadline, retries included.
func s3Error(op string, err error) error {
	if unavailable(err) {
		return fmt.Errorf("%w: %s: %w", ErrUnavailable, op, redacted{err})
	}
	return fmt.Errorf("%s: %w", op, redacted{err})
}

// unavailable: no answer (connection refused or reset, timeout, ctx deadline), a
// 5xx or 429 answer, or a throttling error code.
func unavailable(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		if _, ok := retry.DefaultThrottleErrorCodes[api.ErrorCode()]; ok {
			return true
		}
	}
	var resp *awshttp.ResponseError
	if errors.As(err, &resp) && resp.HTTPStatusCode() != 0 {
		status := resp.HTTPStatusCode()
		return status >= 500 || status == http.StatusTooManyRequests
	}
	var send *smithyhttp.RequestSendError
	var netErr net.Error
	return errors.As(err, &send) || errors.As(err, &netErr)
}

// redacted keeps an error's chain (errors.Is, errors.As) but takes out of its
// message any URL query and any SigV4 credential, signature or token parameter:
// nothing presigned or secret gets into a log through an error.
type redacted struct{ err error }

var (
	urlQuery  = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://[^\s"?]*)\?[^\s"]*`)
	sigV4Part = regexp.MustCompile(`(?i)(X-Amz-(?:Credential|Signature|Security-Token)=)[^&\s"]*`)
)

func (r redacted) Error() string {
	msg := urlQuery.ReplaceAllString(r.err.Error(), "$1")
	return sigV4Part.ReplaceAllString(msg, "$1<redacted>")
}

func (r redacted) Unwrap() error { return r.err }
