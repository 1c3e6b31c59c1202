package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/signet-cdk/signet/api"
	"github.com/signet-cdk/signet/emf"
	"github.com/signet-cdk/signet/presign"
)

// Malware scanning through the real store (PostgreSQL) and real S3 (versitygw), with
// GuardDuty's tag written as GuardDuty does (PutObjectTagging): upload and complete a
// file, then a download before the scan (409 scanning), infected (409 infected), and
// clean (200, by CloudFront URL and by S3 URL, which serves the bytes); only the
// issued ones leave audit rows; folder cookies are refused; the metrics tell it all.
func TestEndToEndMalwareScanningOnRealS3(t *testing.T) {
	w, count := newE2E(t)
	var out bytes.Buffer
	w.h.Config.MalwareScanning = true
	w.h.Metrics = &emf.Writer{W: &out, Namespace: api.MetricNamespace}
	data := []byte("%PDF-1.7 quarterly numbers")
	sum := sha256.Sum256(data)
	body := fmt.Sprintf(`{"path":"scan/q1.pdf","contentType":"application/pdf","size":%d,"checksumSha256":%q}`, len(data), base64.StdEncoding.EncodeToString(sum[:]))
	var put api.UploadResponse
	if status, code := w.call(member, "POST", "/uploads", body, nil, &put); status != 200 {
		t.Fatalf("upload: %d %s", status, code)
	}
	if status, _, resp := w.send(put.Method, put.URL, put.Headers, data); status != 200 {
		t.Fatalf("PUT: %d %s", status, resp)
	}
	if status, code := w.call(member, "POST", "/uploads/complete", `{"path":"scan/q1.pdf"}`, nil, nil); status != 200 {
		t.Fatalf("complete: %d %s", status, code)
	}
	reads := func() int64 {
		return count("SELECT count(*) FROM audit_events WHERE file_path = 'scan/q1.pdf' AND action = 'read'")
	}
	tag := func(status string) {
		t.Helper()
		_, err := w.s3.Client(nil).PutObjectTagging(context.Background(), &s3.PutObjectTaggingInput{Bucket: aws.String("signet-files"),
			Key: aws.String("customers/acme/scan/q1.pdf"), Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String(presign.ScanStatusTag), Value: aws.String(status)}}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	download := `{"path":"scan/q1.pdf"}`
	if status, code := w.call(member, "POST", "/downloads", download, nil, nil); status != 409 || code != "scanning" || reads() != 0 {
		t.Fatalf("before the scan: %d %s, %d audit rows", status, code, reads())
	}
	tag(presign.ScanThreatsFound)
	if status, code := w.call(member, "POST", "/downloads", `{"path":"scan/q1.pdf","via":"s3"}`, nil, nil); status != 409 || code != "infected" || reads() != 0 {
		t.Fatalf("infected: %d %s, %d audit rows", status, code, reads())
	}
	tag(presign.ScanUnsupported)
	if status, code := w.call(member, "POST", "/downloads", download, nil, nil); status != 409 || code != "not_scanned" || reads() != 0 {
		t.Fatalf("unsupported: %d %s, %d audit rows", status, code, reads())
	}
	tag(presign.ScanClean)
	var got api.DownloadResponse
	if status, code := w.call(member, "POST", "/downloads", download, nil, &got); status != 200 || got.URL == "" || reads() != 1 {
		t.Fatalf("clean: %d %s %+v, %d audit rows", status, code, got, reads())
	}
	got = api.DownloadResponse{}
	if status, code := w.call(member, "POST", "/downloads", `{"path":"scan/q1.pdf","via":"s3"}`, nil, &got); status != 200 || reads() != 2 {
		t.Fatalf("clean via s3: %d %s, %d audit rows", status, code, reads())
	}
	if status, _, resp := w.send(http.MethodGet, got.URL, nil, nil); status != 200 || resp != string(data) {
		t.Fatalf("GET the S3 URL: %d %q", status, resp)
	}
	if n := count("SELECT count(*) FROM audit_events WHERE file_path = 'scan/q1.pdf' AND action = 'read' AND event = 'download.s3' AND expires_at > now()"); n != 1 {
		t.Fatalf("%d S3 download rows", n)
	}
	if status, code := w.call(member, "POST", "/downloads", `{"path":"scan","scope":"folder","delivery":"cookies"}`, nil, nil); status != 409 || code != "scanning_folders" {
		t.Fatalf("folder cookies: %d %s", status, code)
	}
	if n := count("SELECT count(*) FROM audit_events WHERE file_path = 'scan'"); n != 0 {
		t.Fatalf("folder audited: %d", n)
	}
	want := []string{uploadDone, infectedFile, urlIssued, urlIssued}
	if got := metrics(t, out.String()); !slices.Equal(got, want) {
		t.Fatalf("metrics %q, want %q", got, want)
	}
}
