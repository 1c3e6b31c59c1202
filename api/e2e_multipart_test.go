package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/signet-cdk/signet/api"
	"github.com/signet-cdk/signet/checksum"
	"github.com/signet-cdk/signet/internal/s3test"
	"github.com/signet-cdk/signet/keysource"
	"github.com/signet-cdk/signet/presign"
	"github.com/signet-cdk/signet/store"
)

// e2e is the real handler on the real store (PostgreSQL) and the real presigner on
// versitygw, a real S3 server that verifies SigV4 and CRC64NVME checksums.
type e2e struct {
	t    *testing.T
	h    *api.Handler
	up   *presign.Presigner
	seq  int
	http *http.Client
	s3   *s3test.Server
}

func newE2E(t *testing.T) (*e2e, func(string, ...any) int64) {
	t.Helper()
	srv, err := s3test.Start("signet-files")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	db, admin := cluster.MigratedDatabase(t,
		"INSERT INTO customers (id, display_name, s3_prefix) VALUES ('acme', 'Acme', 'customers/acme')",
		"INSERT INTO access_rules (customer_id, path_prefix, role, actions) VALUES ('acme', '', 'staff', '{read,write,delete}'), ('acme', '', 'writers', '{read,write}')",
	)
	ctx := context.Background()
	st, err := store.Open(store.Config{Host: "127.0.0.1", Port: cluster.Port, Database: db, User: "signet_app", RetryBudget: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	up, err := presign.New(srv.Client(nil), presign.Config{Bucket: "signet-files"})
	if err != nil {
		t.Fatal(err)
	}
	h := &api.Handler{Store: st, Uploads: up, Keys: &fakeKeys{m: &keysource.Material{Signer: newSigner(t), Domain: "d111111abcdef8.cloudfront.net", KeyName: "k1"}},
		Config: api.Config{AllowS3Downloads: true}, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	count := func(sql string, args ...any) int64 {
		var n int64
		if err := admin.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	return &e2e{t: t, h: h, up: up, http: &http.Client{Timeout: time.Minute}, s3: srv}, count
}

// call sends one request as claims and decodes the answer into out (when not nil);
// it returns the status and the error code.
func (w *e2e) call(claims map[string]any, method, resource, body string, query map[string]string, out any) (int, string) {
	w.t.Helper()
	w.seq++
	req := event(method, resource, body, claims)
	req.RequestContext.RequestID = fmt.Sprintf("e2e-%d", w.seq)
	req.QueryStringParameters = query
	if body == "" {
		req.Headers = map[string]string{}
	}
	resp, err := w.h.Handle(context.Background(), req)
	if err != nil {
		w.t.Fatal(err)
	}
	checkAnswer(w.t, resp)
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.Unmarshal([]byte(resp.Body), &e)
	if resp.StatusCode == 200 && out != nil {
		if err := json.Unmarshal([]byte(resp.Body), out); err != nil {
			w.t.Fatal(err)
		}
	}
	return resp.StatusCode, e.Error.Code
}

// send makes the HTTP request a presigned URL describes, with body.
func (w *e2e) send(method, url string, hdr map[string]string, body []byte) (int, http.Header, string) {
	w.t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	for k, v := range hdr {
		if strings.EqualFold(k, "Content-Length") {
			req.ContentLength, _ = strconv.ParseInt(v, 10, 64)
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := w.http.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func crcOf(b []byte) string { return checksum.CRC64NVMEBase64(checksum.CRC64NVME(b)) }

// The whole multipart flow through the API against real S3 and PostgreSQL: create,
// presign parts with their CRC64NVME, PUT them, list them, a completion with a
// wrong whole-file checksum refused by S3 (the file stays pending), the right one
// accepted (HEAD shows the size and checksum), a download through S3 carrying the
// checksum, then delete, a download of the deleted file (404) and a second delete
// (200, deleted false). A part PUT with more bytes than signed is refused.
func TestEndToEndMultipartOnRealS3(t *testing.T) {
	w, count := newE2E(t)
	data := make([]byte, 10*mib+100) // parts of 5 MiB, 5 MiB and 100 bytes
	mrand.New(mrand.NewSource(7)).Read(data)
	var created api.MultipartResponse
	if status, code := w.call(member, "POST", "/uploads/multipart", createBody("big/file.bin", int64(len(data)), 5*mib, ""), nil, &created); status != 200 {
		t.Fatalf("create: %d %s", status, code)
	}
	if created.PartSize != 5*mib || created.PartCount != 3 || created.UploadID == "" || time.Until(created.ExpiresAt) < 23*time.Hour {
		t.Fatalf("created %+v", created)
	}
	piece := func(n int) []byte { return data[(n-1)*5*mib : min(len(data), n*5*mib)] }
	var partsIn []string
	for n := 1; n <= 3; n++ {
		partsIn = append(partsIn, part(n, crcOf(piece(n))))
	}
	var urls api.PartsResponse
	body := fmt.Sprintf(`{"path":"big/file.bin","uploadId":%q,"parts":[%s]}`, created.UploadID, strings.Join(partsIn, ","))
	if status, code := w.call(member, "POST", "/uploads/multipart/parts", body, nil, &urls); status != 200 || len(urls.Parts) != 3 {
		t.Fatalf("parts: %d %s %+v", status, code, urls)
	}
	// More bytes than signed (and their own checksum): refused by S3's signature check.
	last := urls.Parts[2]
	more := append(bytes.Clone(piece(3)), 'x')
	hdr := map[string]string{"Content-Length": fmt.Sprint(len(more)), "X-Amz-Checksum-Crc64nvme": crcOf(more)}
	if status, _, resp := w.send(http.MethodPut, last.URL, hdr, more); status != http.StatusForbidden || !strings.Contains(resp, "SignatureDoesNotMatch") {
		t.Fatalf("a part with a byte more: %d %s", status, resp)
	}
	// Other bytes of the signed length: refused by S3's checksum check.
	if status, _, resp := w.send(http.MethodPut, last.URL, last.Headers, piece(1)[:100]); status != http.StatusBadRequest || !strings.Contains(resp, "BadDigest") {
		t.Fatalf("other bytes of the same length: %d %s", status, resp)
	}
	etags := map[int64]string{}
	for _, p := range urls.Parts {
		status, h, resp := w.send(http.MethodPut, p.URL, p.Headers, piece(int(p.Number)))
		if status != 200 || h.Get("ETag") == "" {
			t.Fatalf("part %d: %d %s", p.Number, status, resp)
		}
		etags[p.Number] = h.Get("ETag")
	}
	var listed api.UploadedParts
	if status, code := w.call(member, "GET", "/uploads/multipart/parts", "", map[string]string{"path": "big/file.bin", "uploadId": created.UploadID}, &listed); status != 200 || len(listed.Parts) != 3 {
		t.Fatalf("list: %d %s %+v", status, code, listed)
	}
	for i, p := range listed.Parts {
		if p.Number != i+1 || p.Size != int64(len(piece(i+1))) || p.ETag != etags[int64(i+1)] || p.ChecksumCRC64NVME != crcOf(piece(i+1)) {
			t.Errorf("listed part %+v", p)
		}
	}
	// The whole-file CRC, combined from the parts as a client would, is the file's.
	var whole uint64
	for n := 1; n <= 3; n++ {
		whole = checksum.Combine(whole, checksum.CRC64NVME(piece(n)), int64(len(piece(n))))
	}
	if checksum.CRC64NVMEBase64(whole) != crcOf(data) {
		t.Fatal("combined CRC differs from the file's")
	}
	var done []string
	for n := 1; n <= 3; n++ {
		done = append(done, donePart(n, etags[int64(n)], crcOf(piece(n))))
	}
	complete := func(sum string, out any) (int, string) {
		return w.call(member, "POST", "/uploads/multipart/complete",
			fmt.Sprintf(`{"path":"big/file.bin","uploadId":%q,"checksumCrc64nvme":%q,"parts":[%s]}`, created.UploadID, sum, strings.Join(done, ",")), nil, out)
	}
	if status, code := complete(crcOf(data[1:]), nil); status != 409 || code != "not_uploaded" {
		t.Fatalf("a wrong whole-file checksum: %d %s", status, code)
	}
	if n := count("SELECT count(*) FROM files WHERE path = 'big/file.bin' AND status = 'pending' AND checksum_crc64nvme IS NULL"); n != 1 {
		t.Fatal("the refused completion changed the file")
	}
	if _, err := w.up.Head(context.Background(), "customers/acme/big/file.bin"); !errors.Is(err, presign.ErrNotFound) {
		t.Fatalf("an object exists after the refused completion: %v", err)
	}
	var completed api.CompleteMultipartResponse
	if status, code := complete(crcOf(data), &completed); status != 200 {
		t.Fatalf("complete: %d %s", status, code)
	}
	if completed != (api.CompleteMultipartResponse{Path: "big/file.bin", Size: int64(len(data)), ChecksumCRC64NVME: crcOf(data), Status: "available"}) {
		t.Fatalf("completed %+v", completed)
	}
	info, err := w.up.Head(context.Background(), "customers/acme/big/file.bin")
	if err != nil || info.Size != int64(len(data)) || info.ChecksumCRC64NVME != crcOf(data) || info.ContentType != "application/octet-stream" {
		t.Fatalf("HEAD: %+v %v", info, err)
	}
	if status, _ := complete(crcOf(data), &completed); status != 200 {
		t.Fatalf("a repeated completion: %d", status)
	}
	if n := count("SELECT count(*) FROM files WHERE path = 'big/file.bin' AND status = 'available' AND checksum_crc64nvme = $1 AND size_bytes = $2", crcOf(data), len(data)); n != 1 {
		t.Fatal("the file is not recorded available with its size and checksum")
	}
	if n := count("SELECT count(*) FROM audit_events WHERE file_path = 'big/file.bin' AND action = 'write' AND event IN ('multipart.create', 'multipart.complete')"); n != 2 {
		t.Fatalf("%d audit rows for create and complete", n)
	}
	// Download through S3: the bytes, with the size and checksum to verify them.
	var dl api.DownloadResponse
	if status, code := w.call(member, "POST", "/downloads", `{"path":"big/file.bin","via":"s3"}`, nil, &dl); status != 200 {
		t.Fatalf("download: %d %s", status, code)
	}
	if dl.Size == nil || *dl.Size != int64(len(data)) || dl.ChecksumCRC64NVME != crcOf(data) || dl.ChecksumSHA256 != "" {
		t.Fatalf("download answer %+v", dl)
	}
	if status, _, got := w.send(http.MethodGet, dl.URL, nil, nil); status != 200 || got != string(data) || crcOf([]byte(got)) != dl.ChecksumCRC64NVME {
		t.Fatalf("GET: %d, %d bytes", status, len(got))
	}
	var list api.FileList
	if status, _ := w.call(member, "GET", "/files", "", map[string]string{"folder": "big"}, &list); status != 200 || len(list.Files) != 1 || list.Files[0].ChecksumCRC64NVME != crcOf(data) {
		t.Fatalf("list: %+v", list)
	}
	// Delete: a role without "delete" is refused; then deleted, gone, 404, idempotent.
	writer := map[string]any{"sub": "user-3", "custom:customer_id": "acme", "cognito:groups": "[writers]"}
	q := map[string]string{"path": "big/file.bin"}
	if status, code := w.call(writer, "DELETE", "/files", "", q, nil); status != 403 || code != "forbidden" {
		t.Fatalf("delete without the role: %d %s", status, code)
	}
	var del api.DeleteResponse
	if status, code := w.call(member, "DELETE", "/files", "", q, &del); status != 200 || del != (api.DeleteResponse{Path: "big/file.bin", Deleted: true}) {
		t.Fatalf("delete: %d %s %+v", status, code, del)
	}
	if _, err := w.up.Head(context.Background(), "customers/acme/big/file.bin"); !errors.Is(err, presign.ErrNotFound) {
		t.Fatalf("object after delete: %v", err)
	}
	for _, via := range []string{"s3", "cloudfront"} {
		if status, code := w.call(member, "POST", "/downloads", `{"path":"big/file.bin","via":"`+via+`"}`, nil, nil); status != 404 || code != "not_found" {
			t.Fatalf("download (%s) after delete: %d %s", via, status, code)
		}
	}
	if status, _ := w.call(member, "DELETE", "/files", "", q, &del); status != 200 || del.Deleted {
		t.Fatalf("second delete: %d %+v", status, del)
	}
	if n := count("SELECT count(*) FROM audit_events WHERE file_path = 'big/file.bin' AND action = 'delete'"); n != 1 {
		t.Fatalf("%d delete audit rows", n)
	}
}

// Abort through the API: the S3 upload and its parts are gone, the path is free,
// and the upload id is refused afterwards.
func TestEndToEndMultipartAbortOnRealS3(t *testing.T) {
	w, count := newE2E(t)
	var created api.MultipartResponse
	if status, code := w.call(member, "POST", "/uploads/multipart", createBody("a.bin", 6*mib, 0, ""), nil, &created); status != 200 || created.PartCount != 1 {
		t.Fatalf("create: %d %s %+v", status, code, created)
	}
	body := bytes.Repeat([]byte("z"), 100)
	var urls api.PartsResponse
	if status, _ := w.call(member, "POST", "/uploads/multipart/parts", partsBodyAt("a.bin", created.UploadID, part(1, crcOf(body))), nil, &urls); status != 200 {
		t.Fatalf("parts: %d", status)
	}
	// The part URL is for the whole 6 MiB part: 100 bytes under it are refused.
	if status, _, _ := w.send(http.MethodPut, urls.Parts[0].URL, map[string]string{"X-Amz-Checksum-Crc64nvme": crcOf(body), "Content-Length": "100"}, body); status != http.StatusForbidden {
		t.Fatalf("a short part: %d", status)
	}
	// Another user cannot take the path while it is held.
	if status, code := w.call(other, "POST", "/uploads/multipart", createBody("a.bin", 10, 0, ""), nil, nil); status != 409 || code != "conflict" {
		t.Fatalf("another user during the hold: %d %s", status, code)
	}
	var aborted map[string]bool
	abort := fmt.Sprintf(`{"path":"a.bin","uploadId":%q}`, created.UploadID)
	if status, code := w.call(member, "POST", "/uploads/multipart/abort", abort, nil, &aborted); status != 200 || !aborted["aborted"] {
		t.Fatalf("abort: %d %s", status, code)
	}
	if _, err := w.up.ListParts(context.Background(), "customers/acme/a.bin", created.UploadID); !errors.Is(err, presign.ErrNoSuchUpload) {
		t.Fatalf("S3 still holds the upload: %v", err)
	}
	if status, _ := w.call(member, "POST", "/uploads/multipart/abort", abort, nil, &aborted); status != 200 {
		t.Fatalf("second abort: %d", status)
	}
	if status, code := w.call(member, "POST", "/uploads/multipart/parts", partsBodyAt("a.bin", created.UploadID, part(1, crcOf(body))), nil, nil); status != 404 || code != "not_found" {
		t.Fatalf("parts after abort: %d %s", status, code)
	}
	if status, code := w.call(other, "POST", "/uploads/multipart", createBody("a.bin", 10, 0, ""), nil, nil); status != 200 {
		t.Fatalf("another user after the abort: %d %s", status, code)
	}
	if n := count("SELECT count(*) FROM audit_events WHERE file_path = 'a.bin' AND event = 'multipart.abort'"); n != 1 {
		t.Fatalf("%d abort audit rows", n)
	}
}

func partsBodyAt(path, id string, parts ...string) string {
	return fmt.Sprintf(`{"path":%q,"uploadId":%q,"parts":[%s]}`, path, id, strings.Join(parts, ","))
}
