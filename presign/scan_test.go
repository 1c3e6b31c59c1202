package presign_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/signet-cdk/signet/presign"
)

// ScanStatus reads GuardDuty's tag back from a real S3 server: "" before any tag
// (and with unrelated tags only), the value once tagged, ErrNotFound for a missing
// key, ErrBadRequest for a key that is not canonical.
func TestScanStatusReadsGuardDutysTag(t *testing.T) {
	p := newPresigner(t, presign.Config{})
	client := server.Client(nil)
	ctx := context.Background()
	key := unique() + "/scanned.pdf"
	if _, err := p.ScanStatus(ctx, key); !errors.Is(err, presign.ErrNotFound) {
		t.Fatalf("missing key: %v", err)
	}
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader("%PDF-1.7")}); err != nil {
		t.Fatal(err)
	}
	if got, err := p.ScanStatus(ctx, key); err != nil || got != "" {
		t.Fatalf("untagged: %q %v", got, err)
	}
	tag := func(tags ...s3types.Tag) {
		t.Helper()
		if _, err := client.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String(bucket), Key: aws.String(key),
			Tagging: &s3types.Tagging{TagSet: tags}}); err != nil {
			t.Fatal(err)
		}
	}
	tag(s3types.Tag{Key: aws.String("project"), Value: aws.String("q1")})
	if got, err := p.ScanStatus(ctx, key); err != nil || got != "" {
		t.Fatalf("other tags only: %q %v", got, err)
	}
	for _, status := range []string{presign.ScanThreatsFound, presign.ScanUnsupported, presign.ScanAccessDenied, presign.ScanFailed, presign.ScanClean} {
		tag(s3types.Tag{Key: aws.String("project"), Value: aws.String("q1")}, s3types.Tag{Key: aws.String(presign.ScanStatusTag), Value: aws.String(status)})
		if got, err := p.ScanStatus(ctx, key); err != nil || got != status {
			t.Fatalf("tagged %s: %q %v", status, got, err)
		}
	}
	if _, err := p.ScanStatus(ctx, "acme/../x"); !errors.Is(err, presign.ErrBadRequest) {
		t.Fatalf("bad key: %v", err)
	}
}

// A bucket that does not exist is a misconfiguration, not a missing file.
func TestScanStatusOfAMissingBucketIsNotNotFound(t *testing.T) {
	p, err := presign.New(server.Client(nil), presign.Config{Bucket: "no-such-bucket"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.ScanStatus(context.Background(), "acme/x.txt")
	if err == nil || errors.Is(err, presign.ErrNotFound) || errors.Is(err, presign.ErrUnavailable) {
		t.Fatalf("%v", err)
	}
}
