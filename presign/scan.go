package presign

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// ScanStatusTag is the object tag Amazon GuardDuty Malware Protection for S3 writes on
// every object it scans, with one of the Scan* values (the same strings as package
// constructs/malwarescan, which this package does not import).
const ScanStatusTag = "GuardDutyMalwareScanStatus"

// The values GuardDuty writes in ScanStatusTag.
const (
	// ScanClean: no threat found; the only value that lets a file be served.
	ScanClean = "NO_THREATS_FOUND"
	// ScanThreatsFound: GuardDuty found potential malware.
	ScanThreatsFound = "THREATS_FOUND"
	// ScanUnsupported: not scanned (too large, or an archive beyond GuardDuty's limits).
	ScanUnsupported = "UNSUPPORTED"
	// ScanAccessDenied: GuardDuty's role could not read the object.
	ScanAccessDenied = "ACCESS_DENIED"
	// ScanFailed: the scan failed for another reason.
	ScanFailed = "FAILED"
)

// ScanStatus is the value of the object's ScanStatusTag (GetObjectTagging of the
// current version, with the signer's role), or "" while the object has no such tag
// (not scanned yet). ErrNotFound when no object has the key; ErrUnavailable when S3
// cannot answer, as for the other calls.
func (p *Presigner) ScanStatus(ctx context.Context, key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	out, err := p.client.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(p.cfg.Bucket), Key: aws.String(key)})
	if notFound(err) {
		return "", fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	if err != nil {
		return "", s3Error("get object tagging", err)
	}
	for _, t := range out.TagSet {
		if aws.ToString(t.Key) == ScanStatusTag {
			return aws.ToString(t.Value), nil
		}
	}
	return "", nil
}

// notFound: S3 knows no object at the key. GetObjectTagging has no modelled
// not-found error: S3 answers 404 NoSuchKey. Another 404 code (NoSuchBucket: a
// misconfiguration) is not a missing file.
func notFound(err error) bool {
	if err == nil {
		return false
	}
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorCode() != "" {
		return api.ErrorCode() == "NoSuchKey" || api.ErrorCode() == "NotFound"
	}
	var resp *awshttp.ResponseError
	return errors.As(err, &resp) && resp.HTTPStatusCode() == http.StatusNotFound
}
