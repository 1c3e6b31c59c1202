package api_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signet-cdk/signet/api"
	"github.com/signet-cdk/signet/checksum"
	"github.com/signet-cdk/signet/presign"
	"github.com/signet-cdk/signet/store"
)

const (
	mib     = 1 << 20
	bigSize = 150*mib + 1 // three parts of 64 MiB: 64, 64 and 22 MiB + 1
	crc1    = "rosUhgp5mIg="
	crc2    = "AAAAAAAAAAA="
)

var (
	other  = map[string]any{"sub": "user-2", "custom:customer_id": "acme", "cognito:groups": "[staff]"}
	globex = map[string]any{"sub": "user-1", "custom:customer_id": "globex", "cognito:groups": "[staff finance]"}
)

// withUpload adds the member's pending multipart upload "up-1" at big.bin, and the
// rights of the multipart and delete tables.
func withUpload(s *fakeStore) {
	s.stored["big.bin"] = store.File{Path: "big.bin", Status: "pending", Size: bigSize, PartSize: 64 * mib, UploadID: "up-1", CreatedBy: "user-1",
		ContentType: "application/octet-stream", HoldUntil: now.Add(24 * time.Hour)}
	for _, r := range []string{"write big.bin", "write new.bin", "write q1.pdf", "write many.bin", "delete q1.pdf", "delete big.bin", "delete never.pdf", "delete q2.pdf"} {
		s.allow[r] = true
	}
}

func setupUpload(fn func(*fakeStore, *fakeUploads)) func(*fakeStore, *fakeKeys, *fakeUploads) {
	return func(s *fakeStore, _ *fakeKeys, u *fakeUploads) {
		withUpload(s)
		if fn != nil {
			fn(s, u)
		}
	}
}

// mp is a case with the member's pending upload in place.
func mp(name, method, resource, body string, status int, code string, check func(*testing.T, map[string]any, *fakeStore)) apiCase {
	return mpAs(name, method, resource, body, member, status, code, nil, check)
}

func mpAs(name, method, resource, body string, claims map[string]any, status int, code string, fn func(*fakeStore, *fakeUploads), check func(*testing.T, map[string]any, *fakeStore)) apiCase {
	c := apiCase{name: name, req: event(method, resource, body, claims), status: status, code: code, setup: setupUpload(fn)}
	if check != nil {
		c.check = func(t *testing.T, b map[string]any, _ events.APIGatewayProxyResponse, fs *fakeStore) { check(t, b, fs) }
	}
	return c
}

// s3Was checks the S3 calls the handler made, in order.
func s3Was(want ...string) func(*testing.T, map[string]any, *fakeStore) {
	return func(t *testing.T, _ map[string]any, fs *fakeStore) {
		t.Helper()
		if strings.Join(fs.s3, "|") != strings.Join(want, "|") {
			t.Errorf("S3 calls %q, want %q", fs.s3, want)
		}
	}
}

// unchanged: no S3 call, no audit row, big.bin still pending as it was.
func unchanged(t *testing.T, _ map[string]any, fs *fakeStore) {
	t.Helper()
	if len(fs.s3) != 0 || len(fs.audits) != 0 || fs.stored["big.bin"].Status != "pending" || fs.stored["big.bin"].UploadID != "up-1" {
		t.Errorf("a refused request changed something: S3 %q, audits %+v, big.bin %+v", fs.s3, fs.audits, fs.stored["big.bin"])
	}
}

func both(checks ...func(*testing.T, map[string]any, *fakeStore)) func(*testing.T, map[string]any, *fakeStore) {
	return func(t *testing.T, b map[string]any, fs *fakeStore) {
		t.Helper()
		for _, c := range checks {
			c(t, b, fs)
		}
	}
}

func audited(event string, action store.Action) func(*testing.T, map[string]any, *fakeStore) {
	return func(t *testing.T, _ map[string]any, fs *fakeStore) {
		t.Helper()
		if len(fs.audits) != 1 || fs.audits[0].Event != event || fs.audits[0].Action != action || fs.audits[0].RequestID != "req-1" {
			t.Errorf("audit %+v, want one %s %q row", fs.audits, action, event)
		}
	}
}

func createBody(path string, size, partSize int64, extra string) string {
	return fmt.Sprintf(`{"path":%q,"size":%d,"contentType":"application/octet-stream","checksumAlgorithm":"CRC64NVME","partSize":%d%s}`, path, size, partSize, extra)
}

func partsBody(id string, parts ...string) string {
	return fmt.Sprintf(`{"path":"big.bin","uploadId":%q,"parts":[%s]}`, id, strings.Join(parts, ","))
}

func part(n int, crc string) string {
	return fmt.Sprintf(`{"number":%d,"checksumCrc64nvme":%q}`, n, crc)
}

func donePart(n int, etag, crc string) string {
	return fmt.Sprintf(`{"number":%d,"etag":%q,"checksumCrc64nvme":%q}`, n, etag, crc)
}

func completeBody(id, whole string, parts ...string) string {
	return fmt.Sprintf(`{"path":"big.bin","uploadId":%q,"checksumCrc64nvme":%q,"parts":[%s]}`, id, whole, strings.Join(parts, ","))
}

var allParts = []string{donePart(1, `"e1"`, crc1), donePart(2, `"e2"`, crc1), donePart(3, `"e3"`, crc2)}

func TestMultipartCreate(t *testing.T) {
	answer := func(partSize float64, count float64) func(*testing.T, map[string]any, *fakeStore) {
		return func(t *testing.T, b map[string]any, fs *fakeStore) {
			t.Helper()
			if b["uploadId"] != "up-new" || b["partSize"] != partSize || b["partCount"] != count || b["expiresAt"] != now.Add(24*time.Hour).UTC().Format(time.RFC3339) {
				t.Errorf("answer %v", b)
			}
		}
	}
	cases := []apiCase{
		mp("server chooses 64 MiB parts", "POST", "/uploads/multipart", createBody("new.bin", 6<<30, 0, ""), 200, "",
			both(answer(64*mib, 96), s3Was("create customers/acme/new.bin"), audited("multipart.create", store.Write))),
		mp("partSize omitted", "POST", "/uploads/multipart", `{"path":"new.bin","size":1,"contentType":"text/plain","checksumAlgorithm":"CRC64NVME"}`, 200, "",
			answer(64*mib, 1)),
		mp("5 TiB: 525 MiB parts", "POST", "/uploads/multipart", createBody("new.bin", presign.MaxObjectSize, 0, ""), 200, "", answer(525*mib, 9987)),
		mp("given 5 MiB parts", "POST", "/uploads/multipart", createBody("new.bin", 11*mib, 5*mib, ""), 200, "", answer(5*mib, 3)),
		mp("given 5 GiB parts", "POST", "/uploads/multipart", createBody("new.bin", 11<<30, 5<<30, ""), 200, "", answer(5<<30, 3)),
		mp("replaces the caller's own pending upload, aborting it", "POST", "/uploads/multipart", createBody("big.bin", 10, 0, ""), 200, "",
			s3Was("create customers/acme/big.bin", "abort customers/acme/big.bin up-1")),
		mp("size 0", "POST", "/uploads/multipart", createBody("new.bin", 0, 0, ""), 400, "invalid_request", unchanged),
		mp("size over 5 TiB", "POST", "/uploads/multipart", createBody("new.bin", presign.MaxObjectSize+1, 0, ""), 400, "invalid_request", unchanged),
		mp("negative size", "POST", "/uploads/multipart", createBody("new.bin", -1, 0, ""), 400, "invalid_request", unchanged),
		mp("size over int64", "POST", "/uploads/multipart", `{"path":"new.bin","size":9223372036854775808,"contentType":"a/b","checksumAlgorithm":"CRC64NVME"}`, 400, "invalid_request", unchanged),
		mp("size as a string", "POST", "/uploads/multipart", `{"path":"new.bin","size":"10","contentType":"a/b","checksumAlgorithm":"CRC64NVME"}`, 400, "invalid_request", unchanged),
		mp("size as a fraction", "POST", "/uploads/multipart", `{"path":"new.bin","size":10.5,"contentType":"a/b","checksumAlgorithm":"CRC64NVME"}`, 400, "invalid_request", unchanged),
		mp("parts under 5 MiB", "POST", "/uploads/multipart", createBody("new.bin", 11*mib, 5*mib-1, ""), 400, "invalid_request", unchanged),
		mp("parts over 5 GiB", "POST", "/uploads/multipart", createBody("new.bin", 11<<30, 5<<30+1, ""), 400, "invalid_request", unchanged),
		mp("negative part size", "POST", "/uploads/multipart", createBody("new.bin", 11*mib, -1, ""), 400, "invalid_request", unchanged),
		mp("10,001 parts", "POST", "/uploads/multipart", createBody("new.bin", 10001*5*mib, 5*mib, ""), 400, "invalid_request", unchanged),
		mp("no checksum algorithm", "POST", "/uploads/multipart", `{"path":"new.bin","size":10,"contentType":"a/b"}`, 400, "invalid_request", unchanged),
		mp("SHA256", "POST", "/uploads/multipart", `{"path":"new.bin","size":10,"contentType":"a/b","checksumAlgorithm":"SHA256"}`, 400, "invalid_request", unchanged),
		mp("crc64nvme in lowercase", "POST", "/uploads/multipart", `{"path":"new.bin","size":10,"contentType":"a/b","checksumAlgorithm":"crc64nvme"}`, 400, "invalid_request", unchanged),
		mp("bad content type", "POST", "/uploads/multipart", `{"path":"new.bin","size":10,"contentType":"pdf","checksumAlgorithm":"CRC64NVME"}`, 400, "invalid_request", unchanged),
		mp("unknown field", "POST", "/uploads/multipart", createBody("new.bin", 10, 0, `,"checksumType":"COMPOSITE"`), 400, "invalid_request", unchanged),
		mp("duplicate field", "POST", "/uploads/multipart", createBody("new.bin", 10, 0, `,"size":11`), 400, "invalid_request", unchanged),
		mp("another customer's path", "POST", "/uploads/multipart", createBody("../globex/new.bin", 10, 0, ""), 400, "invalid_request", unchanged),
		mp("folder path", "POST", "/uploads/multipart", createBody("new/", 10, 0, ""), 400, "invalid_request", unchanged),
		mp("no write role", "POST", "/uploads/multipart", createBody("secret.bin", 10, 0, ""), 403, "forbidden", unchanged),
		mp("over an available file", "POST", "/uploads/multipart", createBody("q1.pdf", 10, 0, ""), 409, "conflict", unchanged),
		mpAs("another user's pending upload", "POST", "/uploads/multipart", createBody("big.bin", 10, 0, ""), other, 409, "conflict", nil, unchanged),
		mpAs("S3 cannot create it", "POST", "/uploads/multipart", createBody("new.bin", 10, 0, ""), member, 503, "unavailable",
			func(_ *fakeStore, u *fakeUploads) { u.createErr = fmt.Errorf("%w: timeout", presign.ErrUnavailable) }, unchanged),
		mpAs("path taken after S3 created it: aborted", "POST", "/uploads/multipart", createBody("new.bin", 10, 0, ""), member, 409, "conflict",
			func(s *fakeStore, _ *fakeUploads) { s.recordErr = fmt.Errorf("%w: taken", store.ErrConflict) },
			both(s3Was("create customers/acme/new.bin", "abort customers/acme/new.bin up-new"), func(t *testing.T, _ map[string]any, fs *fakeStore) {
				if len(fs.audits) != 0 {
					t.Errorf("audited %+v", fs.audits)
				}
			})),
	}
	c := mp("over the configured maximum", "POST", "/uploads/multipart", createBody("new.bin", 2<<30, 0, ""), 400, "invalid_request", unchanged)
	c.cfg = api.Config{MaxUploadBytes: 1 << 30}
	cases = append(cases, c)
	c = mp("under the configured maximum", "POST", "/uploads/multipart", createBody("new.bin", 1<<30, 0, ""), 200, "", nil)
	c.cfg = api.Config{MaxUploadBytes: 1 << 30}
	cases = append(cases, c)
	c = mp("single upload over the configured maximum", "POST", "/uploads", `{"path":"q2.pdf","contentType":"a/b","size":1025,"checksumSha256":"`+sumEmpty+`"}`, 400, "invalid_request", nil)
	c.cfg = api.Config{MaxUploadBytes: 1024}
	cases = append(cases, c)
	runCases(t, newSigner(t), cases)
}

func TestMultipartParts(t *testing.T) {
	urls := func(t *testing.T, b map[string]any, fs *fakeStore) {
		t.Helper()
		parts, _ := b["parts"].([]any)
		if len(parts) != 2 {
			t.Fatalf("parts %v", b["parts"])
		}
		for i, want := range []struct {
			n      float64
			length string
			crc    string
		}{{1, fmt.Sprint(64 * mib), crc1}, {3, fmt.Sprint(bigSize - 128*mib), crc2}} {
			p := parts[i].(map[string]any)
			h := p["headers"].(map[string]any)
			if p["number"] != want.n || h["Content-Length"] != want.length || h["x-amz-checksum-crc64nvme"] != want.crc || len(h) != 2 ||
				!strings.Contains(p["url"].(string), "customers/acme/big.bin") || !strings.Contains(p["url"].(string), "uploadId=up-1") ||
				p["expiresAt"] != now.Add(time.Hour).UTC().Format(time.RFC3339) {
				t.Errorf("part %d: %v", i, p)
			}
		}
		if len(fs.audits) != 0 || len(fs.s3) != 0 {
			t.Errorf("presigning parts audited %v or called S3 %v", fs.audits, fs.s3)
		}
	}
	hundredAndOne := make([]string, 101)
	for i := range hundredAndOne {
		hundredAndOne[i] = part(i+1, crc1)
	}
	cases := []apiCase{
		mp("two parts", "POST", "/uploads/multipart/parts", partsBody("up-1", part(1, crc1), part(3, crc2)), 200, "", urls),
		mp("no parts", "POST", "/uploads/multipart/parts", partsBody("up-1"), 400, "invalid_request", unchanged),
		mp("parts null", "POST", "/uploads/multipart/parts", `{"path":"big.bin","uploadId":"up-1","parts":null}`, 400, "invalid_request", unchanged),
		mp("101 parts", "POST", "/uploads/multipart/parts", partsBody("up-1", hundredAndOne...), 400, "invalid_request", unchanged),
		mp("part 0", "POST", "/uploads/multipart/parts", partsBody("up-1", part(0, crc1)), 400, "invalid_request", unchanged),
		mp("part 10001", "POST", "/uploads/multipart/parts", partsBody("up-1", part(10001, crc1)), 400, "invalid_request", unchanged),
		mp("part beyond the upload", "POST", "/uploads/multipart/parts", partsBody("up-1", part(4, crc1)), 400, "invalid_request", unchanged),
		mp("part twice", "POST", "/uploads/multipart/parts", partsBody("up-1", part(2, crc1), part(2, crc1)), 400, "invalid_request", unchanged),
		mp("part number as a fraction", "POST", "/uploads/multipart/parts", partsBody("up-1", `{"number":1.5,"checksumCrc64nvme":"`+crc1+`"}`), 400, "invalid_request", unchanged),
		mp("no checksum", "POST", "/uploads/multipart/parts", partsBody("up-1", `{"number":1}`), 400, "invalid_request", unchanged),
		mp("SHA-256 as the checksum", "POST", "/uploads/multipart/parts", partsBody("up-1", part(1, sumEmpty)), 400, "invalid_request", unchanged),
		mp("checksum without padding", "POST", "/uploads/multipart/parts", partsBody("up-1", part(1, "rosUhgp5mIg")), 400, "invalid_request", unchanged),
		mp("checksum of 9 bytes", "POST", "/uploads/multipart/parts", partsBody("up-1", part(1, "rosUhgp5mIgA")), 400, "invalid_request", unchanged),
		mp("checksum in URL-safe base64", "POST", "/uploads/multipart/parts", partsBody("up-1", part(1, "-osUhgp5mIg=")), 400, "invalid_request", unchanged),
		mp("checksum with a NUL", "POST", "/uploads/multipart/parts", partsBody("up-1", `{"number":1,"checksumCrc64nvme":"rosUhgp5mI\u0000="}`), 400, "invalid_request", unchanged),
		mp("unknown field in a part", "POST", "/uploads/multipart/parts", partsBody("up-1", `{"number":1,"checksumCrc64nvme":"`+crc1+`","etag":"x"}`), 400, "invalid_request", unchanged),
		mp("key twice in a part", "POST", "/uploads/multipart/parts", partsBody("up-1", `{"number":1,"number":2,"checksumCrc64nvme":"`+crc1+`"}`), 400, "invalid_request", unchanged),
		mp("key in another case in a part", "POST", "/uploads/multipart/parts", partsBody("up-1", `{"Number":1,"checksumCrc64nvme":"`+crc1+`"}`), 400, "invalid_request", unchanged),
		mp("upload id with a space", "POST", "/uploads/multipart/parts", partsBody("up 1", part(1, crc1)), 400, "invalid_request", unchanged),
		mp("upload id over 1 KiB", "POST", "/uploads/multipart/parts", partsBody(strings.Repeat("u", 1025), part(1, crc1)), 400, "invalid_request", unchanged),
		mp("no upload id", "POST", "/uploads/multipart/parts", `{"path":"big.bin","parts":[`+part(1, crc1)+`]}`, 400, "invalid_request", unchanged),
		mp("unknown upload id", "POST", "/uploads/multipart/parts", partsBody("up-9", part(1, crc1)), 409, "conflict", unchanged),
		mp("no upload at the path", "POST", "/uploads/multipart/parts", `{"path":"new.bin","uploadId":"up-1","parts":[`+part(1, crc1)+`]}`, 404, "not_found", unchanged),
		mp("a single upload at the path", "POST", "/uploads/multipart/parts", `{"path":"q1.pdf","uploadId":"up-1","parts":[`+part(1, crc1)+`]}`, 404, "not_found", unchanged),
		mpAs("another user's upload", "POST", "/uploads/multipart/parts", partsBody("up-1", part(1, crc1)), other, 409, "conflict", nil, unchanged),
		mpAs("another customer's path", "POST", "/uploads/multipart/parts", partsBody("up-1", part(1, crc1)), globex, 404, "not_found", nil, unchanged),
		mp("no write role", "POST", "/uploads/multipart/parts", `{"path":"secret.bin","uploadId":"up-1","parts":[`+part(1, crc1)+`]}`, 403, "forbidden", unchanged),
		mpAs("a completed upload", "POST", "/uploads/multipart/parts", partsBody("up-1", part(1, crc1)), member, 409, "conflict",
			func(s *fakeStore, _ *fakeUploads) { complete(s, crc1) }, nil),
		mpAs("an aborted upload", "POST", "/uploads/multipart/parts", partsBody("up-1", part(1, crc1)), member, 404, "not_found",
			func(s *fakeStore, _ *fakeUploads) { setStatus(s, "deleted") }, nil),
	}
	runCases(t, newSigner(t), cases)
}

func complete(s *fakeStore, crc string) {
	f := s.stored["big.bin"]
	f.Status, f.ChecksumCRC64NVME = "available", crc
	s.stored["big.bin"] = f
}

func setStatus(s *fakeStore, status string) {
	f := s.stored["big.bin"]
	f.Status = status
	s.stored["big.bin"] = f
}

func listReq(q map[string]string, mq map[string][]string, claims map[string]any) events.APIGatewayProxyRequest {
	e := event("GET", "/uploads/multipart/parts", "", claims)
	e.Headers = map[string]string{}
	e.QueryStringParameters, e.MultiValueQueryStringParameters = q, mq
	return e
}

func TestMultipartListParts(t *testing.T) {
	ok := map[string]string{"path": "big.bin", "uploadId": "up-1"}
	listed := []presign.Part{{Number: 1, Size: 64 * mib, ETag: `"e1"`, ChecksumCRC64NVME: crc1}, {Number: 3, Size: 5, ETag: `"e3"`}}
	list := func(name string, q map[string]string, mq map[string][]string, claims map[string]any, status int, code string, fn func(*fakeStore, *fakeUploads), check func(*testing.T, map[string]any, *fakeStore)) apiCase {
		c := mpAs(name, "GET", "/uploads/multipart/parts", "", claims, status, code, fn, check)
		c.req = listReq(q, mq, claims)
		return c
	}
	cases := []apiCase{
		list("parts S3 holds", ok, nil, member, 200, "", func(_ *fakeStore, u *fakeUploads) { u.parts = listed },
			both(s3Was("list customers/acme/big.bin up-1"), func(t *testing.T, b map[string]any, _ *fakeStore) {
				j, _ := json.Marshal(b["parts"])
				if string(j) != `[{"checksumCrc64nvme":"rosUhgp5mIg=","etag":"\"e1\"","number":1,"size":67108864},{"etag":"\"e3\"","number":3,"size":5}]` {
					t.Errorf("parts %s", j)
				}
			})),
		list("none yet", ok, nil, member, 200, "", nil, func(t *testing.T, b map[string]any, _ *fakeStore) {
			if fmt.Sprint(b["parts"]) != "[]" {
				t.Errorf("parts %v", b["parts"])
			}
		}),
		list("S3 no longer holds it", ok, nil, member, 404, "not_found", func(_ *fakeStore, u *fakeUploads) { u.listErr = presign.ErrNoSuchUpload }, nil),
		list("S3 unavailable", ok, nil, member, 503, "unavailable", func(_ *fakeStore, u *fakeUploads) { u.listErr = presign.ErrUnavailable }, nil),
		list("no upload id", map[string]string{"path": "big.bin"}, nil, member, 400, "invalid_request", nil, unchanged),
		list("no path", map[string]string{"uploadId": "up-1"}, nil, member, 400, "invalid_request", nil, unchanged),
		list("unknown parameter", map[string]string{"path": "big.bin", "uploadId": "up-1", "max": "5"}, nil, member, 400, "invalid_request", nil, unchanged),
		list("upload id twice", map[string]string{"path": "big.bin"}, map[string][]string{"uploadId": {"up-1", "up-2"}}, member, 400, "invalid_request", nil, unchanged),
		list("NUL in the upload id", map[string]string{"path": "big.bin", "uploadId": "up\x001"}, nil, member, 400, "invalid_request", nil, unchanged),
		list("bad path", map[string]string{"path": "big.bin/", "uploadId": "up-1"}, nil, member, 400, "invalid_request", nil, unchanged),
		list("unknown upload id", map[string]string{"path": "big.bin", "uploadId": "up-9"}, nil, member, 409, "conflict", nil, unchanged),
		list("another user's upload", ok, nil, other, 409, "conflict", nil, unchanged),
		list("another customer's path", ok, nil, globex, 404, "not_found", nil, unchanged),
		list("no write role", map[string]string{"path": "secret.bin", "uploadId": "up-1"}, nil, member, 403, "forbidden", nil, unchanged),
		list("a completed upload", ok, nil, member, 409, "conflict", func(s *fakeStore, _ *fakeUploads) { complete(s, crc1) }, s3Was()),
	}
	runCases(t, newSigner(t), cases)
}

func TestMultipartComplete(t *testing.T) {
	whole := crc2
	done := func(t *testing.T, b map[string]any, fs *fakeStore) {
		t.Helper()
		if b["path"] != "big.bin" || b["size"] != float64(bigSize) || b["checksumCrc64nvme"] != whole || b["status"] != "available" {
			t.Errorf("answer %v", b)
		}
		if f := fs.stored["big.bin"]; f.Status != "available" || f.ChecksumCRC64NVME != whole {
			t.Errorf("file %+v", f)
		}
	}
	stillPending := func(t *testing.T, _ map[string]any, fs *fakeStore) {
		if f := fs.stored["big.bin"]; f.Status != "pending" || len(fs.audits) != 0 {
			t.Errorf("file %+v, audits %v", f, fs.audits)
		}
	}
	many := make([]string, 200) // a body over 16 KiB
	for i := range many {
		many[i] = donePart(i+1, `"`+strings.Repeat("e", 100)+`"`, crc1)
	}
	manyBody := strings.Replace(completeBody("up-m", whole, many...), `"path":"big.bin"`, `"path":"many.bin"`, 1)
	most := make([]string, presign.MaxParts) // S3's 34-character ETags: about 1 MB
	for i := range most {
		most[i] = donePart(i+1, `"0123456789abcdef0123456789abcdef"`, crc1)
	}
	mostBody := strings.Replace(completeBody("up-m", whole, most...), `"path":"big.bin"`, `"path":"many.bin"`, 1)
	sendS3 := fmt.Sprintf("complete customers/acme/big.bin up-1 %d %s 3", bigSize, whole)
	cases := []apiCase{
		mp("complete", "POST", "/uploads/multipart/complete", completeBody("up-1", whole, allParts...), 200, "",
			both(done, s3Was(sendS3), audited("multipart.complete", store.Write))),
		mp("parts in any order", "POST", "/uploads/multipart/complete", completeBody("up-1", whole, allParts[2], allParts[0], allParts[1]), 200, "", done),
		mpAs("a body over 16 KiB (200 parts)", "POST", "/uploads/multipart/complete", manyBody, member, 200, "", func(s *fakeStore, _ *fakeUploads) {
			s.stored["many.bin"] = store.File{Path: "many.bin", Status: "pending", Size: 200 * 5 * mib, PartSize: 5 * mib, UploadID: "up-m", CreatedBy: "user-1"}
		}, nil),
		mpAs("10,000 parts", "POST", "/uploads/multipart/complete", mostBody, member, 200, "", func(s *fakeStore, _ *fakeUploads) {
			s.stored["many.bin"] = store.File{Path: "many.bin", Status: "pending", Size: presign.MaxParts * 5 * mib, PartSize: 5 * mib, UploadID: "up-m", CreatedBy: "user-1"}
		}, s3Was(fmt.Sprintf("complete customers/acme/many.bin up-m %d %s %d", presign.MaxParts*5*mib, whole, presign.MaxParts))),
		mp("a body over 2 MiB", "POST", "/uploads/multipart/complete", completeBody("up-1", whole, strings.Repeat(donePart(1, strings.Repeat("e", 200), crc1)+",", 10000)+allParts[1]), 413, "too_large", unchanged),
		mpAs("S3 refuses the checksum", "POST", "/uploads/multipart/complete", completeBody("up-1", whole, allParts...), member, 409, "not_uploaded",
			func(_ *fakeStore, u *fakeUploads) { u.completeErr = fmt.Errorf("%w: BadDigest", presign.ErrRejected) }, stillPending),
		mpAs("S3 unavailable", "POST", "/uploads/multipart/complete", completeBody("up-1", whole, allParts...), member, 503, "unavailable",
			func(_ *fakeStore, u *fakeUploads) { u.completeErr = fmt.Errorf("%w: timeout", presign.ErrUnavailable) }, stillPending),
		mpAs("S3 completed it before (the record failed)", "POST", "/uploads/multipart/complete", completeBody("up-1", whole, allParts...), member, 200, "",
			func(_ *fakeStore, u *fakeUploads) {
				u.completeErr = presign.ErrNoSuchUpload
				u.head = presign.ObjectInfo{Size: bigSize, ChecksumCRC64NVME: whole}
			}, done),
		mpAs("S3 no longer holds it", "POST", "/uploads/multipart/complete", completeBody("up-1", whole, allParts...), member, 404, "not_found",
			func(_ *fakeStore, u *fakeUploads) {
				u.completeErr = presign.ErrNoSuchUpload
				u.head = presign.ObjectInfo{Size: bigSize, ChecksumCRC64NVME: crc1}
			}, stillPending),
		mpAs("a retry after it completed", "POST", "/uploads/multipart/complete", completeBody("up-1", whole, allParts...), member, 200, "",
			func(s *fakeStore, _ *fakeUploads) { complete(s, whole) }, both(done, s3Was())),
		mpAs("a retry with another checksum", "POST", "/uploads/multipart/complete", completeBody("up-1", crc1, allParts...), member, 409, "conflict",
			func(s *fakeStore, _ *fakeUploads) { complete(s, whole) }, s3Was()),
		mpAs("an aborted upload", "POST", "/uploads/multipart/complete", completeBody("up-1", whole, allParts...), member, 404, "not_found",
			func(s *fakeStore, _ *fakeUploads) { setStatus(s, "deleted") }, s3Was()),
		mp("a part missing", "POST", "/uploads/multipart/complete", completeBody("up-1", whole, allParts[:2]...), 400, "invalid_request", unchanged),
		mp("a part too many", "POST", "/uploads/multipart/complete", completeBody("up-1", whole, append(allParts, donePart(4, `"e4"`, crc1))...), 400, "invalid_request", unchanged),
		mp("part 4 instead of 3", "POST", "/uploads/multipart/complete", completeBody("up-1", whole, allParts[0], allParts[1], donePart(4, `"e4"`, crc1)), 400, "invalid_request", unchanged),
		mp("a part twice", "POST", "/uploads/multipart/complete", completeBody("up-1", whole, allParts[0], allParts[1], allParts[1]), 400, "invalid_request", unchanged),
		mp("no parts", "POST", "/uploads/multipart/complete", completeBody("up-1", whole), 400, "invalid_request", unchanged),
		mp("no etag", "POST", "/uploads/multipart/complete", completeBody("up-1", whole, `{"number":1,"checksumCrc64nvme":"`+crc1+`"}`, allParts[1], allParts[2]), 400, "invalid_request", unchanged),
		mp("etag with a control character", "POST", "/uploads/multipart/complete", completeBody("up-1", whole, donePart(1, "e\u001b1", crc1), allParts[1], allParts[2]), 400, "invalid_request", unchanged),
		mp("etag over 200 bytes", "POST", "/uploads/multipart/complete", completeBody("up-1", whole, donePart(1, strings.Repeat("e", 201), crc1), allParts[1], allParts[2]), 400, "invalid_request", unchanged),
		mp("etag not ASCII", "POST", "/uploads/multipart/complete", completeBody("up-1", whole, donePart(1, "é", crc1), allParts[1], allParts[2]), 400, "invalid_request", unchanged),
		mp("no part checksum", "POST", "/uploads/multipart/complete", completeBody("up-1", whole, `{"number":1,"etag":"e1"}`, allParts[1], allParts[2]), 400, "invalid_request", unchanged),
		mp("bad part checksum", "POST", "/uploads/multipart/complete", completeBody("up-1", whole, donePart(1, "e1", sumEmpty), allParts[1], allParts[2]), 400, "invalid_request", unchanged),
		mp("no whole checksum", "POST", "/uploads/multipart/complete", `{"path":"big.bin","uploadId":"up-1","parts":[`+strings.Join(allParts, ",")+`]}`, 400, "invalid_request", unchanged),
		mp("SHA-256 as the whole checksum", "POST", "/uploads/multipart/complete", completeBody("up-1", sumEmpty, allParts...), 400, "invalid_request", unchanged),
		mp("whole checksum of 4 bytes", "POST", "/uploads/multipart/complete", completeBody("up-1", "AAAAAA==", allParts...), 400, "invalid_request", unchanged),
		mp("unknown upload id", "POST", "/uploads/multipart/complete", completeBody("up-9", whole, allParts...), 409, "conflict", unchanged),
		mpAs("another user's upload", "POST", "/uploads/multipart/complete", completeBody("up-1", whole, allParts...), other, 409, "conflict", nil, unchanged),
		mpAs("another customer's path", "POST", "/uploads/multipart/complete", completeBody("up-1", whole, allParts...), globex, 404, "not_found", nil, unchanged),
		mp("no write role", "POST", "/uploads/multipart/complete", strings.Replace(completeBody("up-1", whole, allParts...), "big.bin", "secret.bin", 1), 403, "forbidden", unchanged),
		mp("single-upload completion of a multipart upload", "POST", "/uploads/complete", `{"path":"big.bin"}`, 409, "not_uploaded", unchanged),
	}
	runCases(t, newSigner(t), cases)
}

func TestMultipartAbort(t *testing.T) {
	body := `{"path":"big.bin","uploadId":"up-1"}`
	aborted := func(t *testing.T, b map[string]any, fs *fakeStore) {
		t.Helper()
		if b["aborted"] != true || fs.stored["big.bin"].Status != "deleted" {
			t.Errorf("answer %v, file %+v", b, fs.stored["big.bin"])
		}
	}
	cases := []apiCase{
		mp("abort", "POST", "/uploads/multipart/abort", body, 200, "", both(aborted, s3Was("abort customers/acme/big.bin up-1"), audited("multipart.abort", store.Write))),
		mpAs("abort again: S3 aborts again", "POST", "/uploads/multipart/abort", body, member, 200, "", func(s *fakeStore, _ *fakeUploads) { setStatus(s, "deleted") },
			both(aborted, s3Was("abort customers/acme/big.bin up-1"))),
		mpAs("S3 had forgotten it", "POST", "/uploads/multipart/abort", body, member, 200, "", func(_ *fakeStore, u *fakeUploads) { u.abortErr = presign.ErrNoSuchUpload }, aborted),
		mpAs("S3 unavailable", "POST", "/uploads/multipart/abort", body, member, 503, "unavailable", func(_ *fakeStore, u *fakeUploads) { u.abortErr = presign.ErrUnavailable }, nil),
		mpAs("a completed upload", "POST", "/uploads/multipart/abort", body, member, 409, "conflict", func(s *fakeStore, _ *fakeUploads) { complete(s, crc1) }, s3Was()),
		mp("unknown upload id", "POST", "/uploads/multipart/abort", `{"path":"big.bin","uploadId":"up-9"}`, 409, "conflict", unchanged),
		mp("no upload at the path", "POST", "/uploads/multipart/abort", `{"path":"new.bin","uploadId":"up-1"}`, 404, "not_found", unchanged),
		mpAs("another user's upload", "POST", "/uploads/multipart/abort", body, other, 409, "conflict", nil, unchanged),
		mpAs("another customer's path", "POST", "/uploads/multipart/abort", body, globex, 404, "not_found", nil, unchanged),
		mp("no write role", "POST", "/uploads/multipart/abort", `{"path":"secret.bin","uploadId":"up-1"}`, 403, "forbidden", unchanged),
		mp("no upload id", "POST", "/uploads/multipart/abort", `{"path":"big.bin"}`, 400, "invalid_request", unchanged),
		mp("unknown field", "POST", "/uploads/multipart/abort", `{"path":"big.bin","uploadId":"up-1","force":true}`, 400, "invalid_request", unchanged),
	}
	runCases(t, newSigner(t), cases)
}

func deleteReq(q map[string]string, mq map[string][]string, claims map[string]any) events.APIGatewayProxyRequest {
	e := event("DELETE", "/files", "", claims)
	e.Headers = map[string]string{}
	e.QueryStringParameters, e.MultiValueQueryStringParameters = q, mq
	return e
}

func TestDeleteFile(t *testing.T) {
	del := func(name string, q map[string]string, claims map[string]any, status int, code string, fn func(*fakeStore, *fakeUploads), check func(*testing.T, map[string]any, *fakeStore)) apiCase {
		c := mpAs(name, "DELETE", "/files", "", claims, status, code, fn, check)
		c.req = deleteReq(q, nil, claims)
		return c
	}
	answer := func(path string, deleted bool) func(*testing.T, map[string]any, *fakeStore) {
		return func(t *testing.T, b map[string]any, _ *fakeStore) {
			t.Helper()
			if len(b) != 2 || b["path"] != path || b["deleted"] != deleted {
				t.Errorf("answer %v", b)
			}
		}
	}
	nothing := func(t *testing.T, _ map[string]any, fs *fakeStore) {
		t.Helper()
		if len(fs.s3) != 0 || len(fs.audits) != 0 || fs.stored["q1.pdf"].Status != "available" {
			t.Errorf("a refused delete changed something: %v %v %+v", fs.s3, fs.audits, fs.stored["q1.pdf"])
		}
	}
	q1 := map[string]string{"path": "q1.pdf"}
	cases := []apiCase{
		del("delete", q1, member, 200, "", nil, both(answer("q1.pdf", true), s3Was("delete customers/acme/q1.pdf"), audited("", store.Delete),
			func(t *testing.T, _ map[string]any, fs *fakeStore) {
				if fs.stored["q1.pdf"].Status != "deleted" {
					t.Error("not marked deleted")
				}
			})),
		del("delete again: false, the object deleted again", q1, member, 200, "", func(s *fakeStore, _ *fakeUploads) {
			f := s.stored["q1.pdf"]
			f.Status = "deleted"
			s.stored["q1.pdf"] = f
		}, both(answer("q1.pdf", false), s3Was("delete customers/acme/q1.pdf"))),
		del("nothing there: false", map[string]string{"path": "never.pdf"}, member, 200, "", nil, both(answer("never.pdf", false), s3Was())),
		del("a pending multipart upload: aborted too", map[string]string{"path": "big.bin"}, member, 200, "", nil,
			both(answer("big.bin", true), s3Was("abort customers/acme/big.bin up-1", "delete customers/acme/big.bin"))),
		del("a pending single upload", map[string]string{"path": "q2.pdf"}, member, 200, "", nil, both(answer("q2.pdf", true), s3Was("delete customers/acme/q2.pdf"))),
		del("S3 unavailable", q1, member, 503, "unavailable", func(_ *fakeStore, u *fakeUploads) { u.deleteErr = presign.ErrUnavailable }, nil),
		del("no delete role", map[string]string{"path": "secret.pdf"}, member, 403, "forbidden", nil, nothing),
		del("read but no delete", map[string]string{"path": "q1.pdf"}, other, 403, "forbidden", func(s *fakeStore, _ *fakeUploads) {
			s.allow = map[string]bool{"read q1.pdf": true}
		}, nothing),
		del("no path", nil, member, 400, "invalid_request", nil, nothing),
		del("a folder", map[string]string{"path": "reports/"}, member, 400, "invalid_request", nil, nothing),
		del("another customer's path", map[string]string{"path": "../globex/q1.pdf"}, member, 400, "invalid_request", nil, nothing),
		del("NUL in the path", map[string]string{"path": "q1\x00.pdf"}, member, 400, "invalid_request", nil, nothing),
		del("unknown parameter", map[string]string{"path": "q1.pdf", "force": "true"}, member, 400, "invalid_request", nil, nothing),
	}
	twice := mpAs("path twice", "DELETE", "/files", "", member, 400, "invalid_request", nil, nothing)
	twice.req = deleteReq(nil, map[string][]string{"path": {"q1.pdf", "q2.pdf"}}, member)
	runCases(t, newSigner(t), append(cases, twice))
}

func TestDownloadViaS3(t *testing.T) {
	on := api.Config{AllowS3Downloads: true}
	dl := func(name, body string, cfg api.Config, status int, code string, fn func(*fakeStore, *fakeKeys, *fakeUploads), check func(*testing.T, map[string]any, *fakeStore)) apiCase {
		c := apiCase{name: name, req: event("POST", "/downloads", body, member), status: status, code: code, cfg: cfg,
			setup: func(s *fakeStore, k *fakeKeys, u *fakeUploads) {
				withUpload(s)
				s.allow["read big.bin"] = true
				complete(s, crc2)
				if fn != nil {
					fn(s, k, u)
				}
			}}
		if check != nil {
			c.check = func(t *testing.T, b map[string]any, _ events.APIGatewayProxyResponse, fs *fakeStore) { check(t, b, fs) }
		}
		return c
	}
	s3URL := func(key string, life time.Duration) func(*testing.T, map[string]any, *fakeStore) {
		return func(t *testing.T, b map[string]any, fs *fakeStore) {
			t.Helper()
			u, err := url.Parse(fmt.Sprint(b["url"]))
			if err != nil || u.Host != "bucket.s3.example" || u.Path != "/"+key || b["resource"] != "https://bucket.s3.example/"+key || b["keyPairId"] != nil ||
				b["expiresAt"] != now.Add(life).UTC().Format(time.RFC3339) || b["cookies"] != nil {
				t.Errorf("answer %v", b)
			}
			if len(fs.audits) != 1 || fs.audits[0].Event != "download.s3" || fs.audits[0].Action != store.Read || !fs.audits[0].ExpiresAt.Equal(now.Add(life)) {
				t.Errorf("audit %+v", fs.audits)
			}
		}
	}
	noAudit := func(t *testing.T, _ map[string]any, fs *fakeStore) {
		if len(fs.audits) != 0 || len(fs.s3) != 0 {
			t.Errorf("audited %+v, S3 %v", fs.audits, fs.s3)
		}
	}
	cases := []apiCase{
		dl("not enabled", `{"path":"q1.pdf","via":"s3"}`, api.Config{}, 400, "invalid_request", nil, func(t *testing.T, b map[string]any, fs *fakeStore) {
			if msg := b["error"].(map[string]any)["message"]; msg != "s3 downloads are not enabled" {
				t.Errorf("message %q", msg)
			}
			noAudit(t, b, fs)
		}),
		dl("a single upload", `{"path":"q1.pdf","via":"s3"}`, on, 200, "", nil, both(s3URL("customers/acme/q1.pdf", 5*time.Minute), s3Was("get customers/acme/q1.pdf 5m0s"),
			func(t *testing.T, b map[string]any, _ *fakeStore) {
				if b["size"] != float64(3) || b["checksumSha256"] != sumEmpty || b["checksumCrc64nvme"] != nil {
					t.Errorf("answer %v", b)
				}
			})),
		dl("a multipart upload, 10 minutes", `{"path":"big.bin","via":"s3","lifetimeSeconds":600}`, on, 200, "", nil,
			both(s3URL("customers/acme/big.bin", 10*time.Minute), func(t *testing.T, b map[string]any, _ *fakeStore) {
				if b["size"] != float64(bigSize) || b["checksumCrc64nvme"] != crc2 || b["checksumSha256"] != nil {
					t.Errorf("answer %v", b)
				}
			})),
		dl("needs no signing key", `{"path":"q1.pdf","via":"s3"}`, on, 200, "", func(_ *fakeStore, k *fakeKeys, _ *fakeUploads) { k.err = fmt.Errorf("ssm down") }, nil),
		dl("shortened to the credentials' expiry", `{"path":"q1.pdf","via":"s3","lifetimeSeconds":3600}`, on, 200, "",
			func(_ *fakeStore, _ *fakeKeys, u *fakeUploads) { u.life = 2 * time.Minute }, s3URL("customers/acme/q1.pdf", 2*time.Minute)),
		dl("credentials unusable: no audit row", `{"path":"q1.pdf","via":"s3"}`, on, 503, "unavailable",
			func(_ *fakeStore, _ *fakeKeys, u *fakeUploads) { u.lifeErr = presign.ErrCredentials }, noAudit),
		dl("cookies", `{"path":"q1.pdf","via":"s3","delivery":"cookies"}`, on, 400, "invalid_request", nil, noAudit),
		dl("folder", `{"path":"reports","via":"s3","scope":"folder","delivery":"cookies"}`, on, 400, "invalid_request", nil, noAudit),
		dl("ip restriction", `{"path":"q1.pdf","via":"s3","ipRestriction":"sourceIp"}`, on, 400, "invalid_request", nil, noAudit),
		dl("start time", `{"path":"q1.pdf","via":"s3","startsAt":"2030-03-17T17:47:00Z"}`, on, 400, "invalid_request", nil, noAudit),
		dl("via in capitals", `{"path":"q1.pdf","via":"S3"}`, on, 400, "invalid_request", nil, noAudit),
		dl("via elsewhere", `{"path":"q1.pdf","via":"ftp"}`, on, 400, "invalid_request", nil, noAudit),
		dl("forbidden", `{"path":"secret.pdf","via":"s3"}`, on, 403, "forbidden", nil, noAudit),
		dl("pending", `{"path":"q2.pdf","via":"s3"}`, on, 404, "not_found", nil, noAudit),
		dl("via cloudfront", `{"path":"big.bin","via":"cloudfront"}`, on, 200, "", nil, func(t *testing.T, b map[string]any, _ *fakeStore) {
			if !strings.Contains(fmt.Sprint(b["url"]), "cloudfront.net") || b["keyPairId"] != "K2JCJMDEHXQW5F" || b["checksumCrc64nvme"] != crc2 {
				t.Errorf("answer %v", b)
			}
		}),
	}
	runCases(t, newSigner(t), cases)
}

func TestListCarriesCRC64NVME(t *testing.T) {
	runCases(t, newSigner(t), []apiCase{{name: "list", req: event("GET", "/files", "", member), status: 200,
		setup: func(s *fakeStore, _ *fakeKeys, _ *fakeUploads) {
			s.files = []store.File{{Path: "big.bin", ContentType: "a/b", Size: bigSize, ChecksumCRC64NVME: crc2}, {Path: "q1.pdf", ContentType: "a/b", Size: 3, ChecksumSHA256: sumEmpty}}
		},
		check: func(t *testing.T, b map[string]any, _ events.APIGatewayProxyResponse, _ *fakeStore) {
			j, _ := json.Marshal(b["files"])
			want := `[{"checksumCrc64nvme":"AAAAAAAAAAA=","checksumSha256":"","contentType":"a/b","path":"big.bin","size":157286401,"updatedAt":"0001-01-01T00:00:00Z"},` +
				`{"checksumSha256":"` + sumEmpty + `","contentType":"a/b","path":"q1.pdf","size":3,"updatedAt":"0001-01-01T00:00:00Z"}]`
			if string(j) != want {
				t.Errorf("files %s", j)
			}
		}}})
}

// The part checksums a client computes with package checksum are what the API
// takes.
func TestChecksumPackageMatchesTheAPI(t *testing.T) {
	if got := checksum.CRC64NVMEBase64(checksum.CRC64NVME([]byte("123456789"))); got != crc1 {
		t.Fatalf("%s", got)
	}
}

// Class 1 for the new routes: NUL, invalid UTF-8, lone surrogates and control
// characters in every string field (nested ones too) and query parameter are 400,
// never the store's 500, and change nothing.
func TestMultipartBadBytesAre400(t *testing.T) {
	junk := map[string]string{"NUL escape": `\u0000`, "raw NUL": "\x00", "invalid UTF-8": "\xff\xfe", "lone surrogate": `\ud800`,
		"control": `\u001b[31m`, "C1 control": `\u0085`, "truncated rune": "\xc3"}
	var cases []apiCase
	for jname, j := range junk {
		in := func(s string) string { return "a" + j + s }
		bodies := map[string][2]string{
			"create path":         {"/uploads/multipart", `{"path":"new` + j + `.bin","size":10,"contentType":"a/b","checksumAlgorithm":"CRC64NVME"}`},
			"create content type": {"/uploads/multipart", `{"path":"new.bin","size":10,"contentType":"` + in("/b") + `","checksumAlgorithm":"CRC64NVME"}`},
			"create algorithm":    {"/uploads/multipart", `{"path":"new.bin","size":10,"contentType":"a/b","checksumAlgorithm":"CRC64NVME` + j + `"}`},
			"parts upload id":     {"/uploads/multipart/parts", `{"path":"big.bin","uploadId":"` + in("up-1") + `","parts":[` + part(1, crc1) + `]}`},
			"parts checksum":      {"/uploads/multipart/parts", partsBody("up-1", `{"number":1,"checksumCrc64nvme":"`+in("=")+`"}`)},
			"complete etag":       {"/uploads/multipart/complete", completeBody("up-1", crc2, `{"number":1,"etag":"`+in("")+`","checksumCrc64nvme":"`+crc1+`"}`, allParts[1], allParts[2])},
			"complete checksum":   {"/uploads/multipart/complete", `{"path":"big.bin","uploadId":"up-1","checksumCrc64nvme":"` + in("") + `","parts":[` + strings.Join(allParts, ",") + `]}`},
			"abort path":          {"/uploads/multipart/abort", `{"path":"big` + j + `.bin","uploadId":"up-1"}`},
			"abort upload id":     {"/uploads/multipart/abort", `{"path":"big.bin","uploadId":"` + in("") + `"}`},
		}
		for name, b := range bodies {
			cases = append(cases, mp(name+" "+jname, "POST", b[0], b[1], 400, "invalid_request", unchanged))
		}
		raw := strings.NewReplacer(`\u0000`, "\x00", `\u001b`, "\x1b", `\u0085`, "\u0085", `\ud800`, "\xed\xa0\x80").Replace(j)
		for _, q := range []map[string]string{{"path": "big" + raw + ".bin", "uploadId": "up-1"}, {"path": "big.bin", "uploadId": "up" + raw}} {
			c := mp("list parts query "+jname, "GET", "/uploads/multipart/parts", "", 400, "invalid_request", unchanged)
			c.req = listReq(q, nil, member)
			cases = append(cases, c)
		}
		c := mp("delete query "+jname, "DELETE", "/files", "", 400, "invalid_request", unchanged)
		c.req = deleteReq(map[string]string{"path": "q1" + raw + ".pdf"}, nil, member)
		cases = append(cases, c)
	}
	runCases(t, newSigner(t), cases)
}

// A pending upload's abort failing does not stop the delete: the lifecycle rule
// cleans it up.
func TestDeleteOfAPendingUploadWhenAbortFails(t *testing.T) {
	c := mpAs("abort fails", "DELETE", "/files", "", member, 200, "", func(_ *fakeStore, u *fakeUploads) { u.abortErr = presign.ErrUnavailable },
		s3Was("abort customers/acme/big.bin up-1", "delete customers/acme/big.bin"))
	c.req = deleteReq(map[string]string{"path": "big.bin"}, nil, member)
	runCases(t, newSigner(t), []apiCase{c})
}
