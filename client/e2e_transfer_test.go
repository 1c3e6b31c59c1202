package client_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/signet-cdk/signet/client"
)

// The real API handler (store over PostgreSQL, presigner over versitygw) with the
// client's transfers: a multipart upload checksummed with CRC64NVME, listed with its
// checksum; a download verified against it (through the CloudFront stand-in, which
// serves no byte ranges, so the client falls back from ranged GETs to one GET); a
// delete, refused to a role without "delete", idempotent for the owner.
func TestMultipartUploadDownloadDeleteEndToEnd(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	alice := w.client("alice-token")
	data := randomBytes(2*partSize+4321, 7)
	local := writeTemp(t, "big.bin", data)
	state := t.TempDir()
	if err := alice.UploadFile(ctx, local, "big/data.bin", client.UploadOptions{Threshold: 1 << 20, PartSize: partSize, StateDir: state}); err != nil {
		t.Fatal(err)
	}
	if names := stateFiles(t, state); len(names) != 0 {
		t.Errorf("state left: %v", names)
	}
	files, err := alice.List(ctx, "big")
	if err != nil || len(files) != 1 || files[0].Size != int64(len(data)) || files[0].ChecksumCRC64NVME != crcNVME(data) {
		t.Fatalf("list: %+v %v", files, err)
	}
	if _, crc, _ := object(t, "big/data.bin"); crc != crcNVME(data) {
		t.Fatalf("S3 holds CRC64NVME %s", crc)
	}
	out := filepath.Join(t.TempDir(), "out.bin")
	if n, err := alice.DownloadFile(ctx, "big/data.bin", out, client.DownloadOptions{Threshold: 1 << 20, ChunkSize: 4 << 20}); err != nil || n != int64(len(data)) {
		t.Fatalf("download: %d %v", n, err)
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, data) {
		t.Fatal("downloaded bytes differ")
	}

	if _, err := w.client("mallory-token").Delete(ctx, "big/data.bin"); !errors.Is(err, client.ErrForbidden) {
		t.Errorf("read-only role deleted: %v", err)
	}
	if deleted, err := alice.Delete(ctx, "big/data.bin"); err != nil || !deleted {
		t.Fatalf("delete: %v %v", deleted, err)
	}
	if deleted, err := alice.Delete(ctx, "big/data.bin"); err != nil || deleted {
		t.Fatalf("delete again: %v %v", deleted, err)
	}
	gone := filepath.Join(t.TempDir(), "gone.bin")
	if _, err := alice.DownloadFile(ctx, "big/data.bin", gone, client.DownloadOptions{}); !errors.Is(err, client.ErrNotFound) {
		t.Fatalf("download of a deleted file: %v", err)
	}
	noFile(t, gone, gone+client.PartialSuffix)
}
