package presign_test

import (
	"context"
	"errors"
	"testing"

	"github.com/signet-cdk/signet/presign"
)

// Head reports size, content type and the SHA-256 S3 stored for an upload through a
// presigned PUT with x-amz-checksum-sha256 (versitygw returns it with ChecksumMode
// ENABLED, type FULL_OBJECT, and not without the mode; observed), and ErrNotFound
// for a missing key.
func TestHeadReportsWhatArrived(t *testing.T) {
	p := newPresigner(t, presign.Config{})
	ctx := context.Background()
	key := unique() + "/report.csv"
	if _, err := p.Head(ctx, key); !errors.Is(err, presign.ErrNotFound) {
		t.Fatalf("missing key: %v", err)
	}
	body := []byte("month,total\njan,3\n")
	put, err := p.Put(ctx, presign.PutRequest{Key: key, ContentType: "text/csv", ContentLength: int64(len(body)), ChecksumSHA256: sha(body)})
	if err != nil {
		t.Fatal(err)
	}
	if status, resp := do(t, put, put.Header, body); status != 200 {
		t.Fatalf("PUT: %d %s", status, resp)
	}
	info, err := p.Head(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if want := (presign.ObjectInfo{Size: int64(len(body)), ContentType: "text/csv", ChecksumSHA256: sha(body)}); info != want {
		t.Fatalf("head %+v, want %+v", info, want)
	}
	if _, err := p.Head(ctx, "acme/../x"); !errors.Is(err, presign.ErrBadRequest) {
		t.Fatalf("bad key: %v", err)
	}
}
