package presign_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
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

// A multipart upload made without checksums has no whole-object SHA-256: Head
// reports its size and an empty checksum.
func TestHeadAfterMultipart(t *testing.T) {
	p := newPresigner(t, presign.Config{})
	ctx := context.Background()
	key := unique() + "/big.bin"
	m, err := p.StartMultipart(ctx, key, "application/octet-stream", presign.MinPartSize, presign.MinPartSize, 0)
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, presign.MinPartSize)
	status, etag := putPart(t, m.Parts[0], data)
	if status != 200 {
		t.Fatalf("part: %d", status)
	}
	if err := p.CompleteMultipart(ctx, key, m.UploadID, []presign.CompletedPart{{Number: 1, ETag: etag}}); err != nil {
		t.Fatal(err)
	}
	info, err := p.Head(ctx, key)
	if err != nil || info.Size != int64(len(data)) || info.ChecksumSHA256 != "" {
		t.Fatalf("head %+v %v", info, err)
	}
}

// putPart uploads one part through its presigned URL and returns status and ETag.
func putPart(t *testing.T, part *presign.Request, data []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(part.Method, part.URL, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("ETag")
}
