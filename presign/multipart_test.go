package presign_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/signet-cdk/signet/checksum"
	"github.com/signet-cdk/signet/presign"
)

func crc(b []byte) string { return checksum.CRC64NVMEBase64(checksum.CRC64NVME(b)) }

// sendPart PUTs body to a part URL with hdr and returns the status, the ETag and
// the answer's body.
func sendPart(t *testing.T, r *presign.Request, hdr http.Header, body []byte) (int, string, string) {
	t.Helper()
	status, resp, h := doFull(t, r, hdr, body)
	return status, h.Get("ETag"), resp
}

// doFull is do with the answer's headers.
func doFull(t *testing.T, r *presign.Request, hdr http.Header, body []byte) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(r.Method, r.URL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if cl := hdr.Get("Content-Length"); cl != "" {
		req.ContentLength, _ = strconv.ParseInt(cl, 10, 64)
		req.Header.Del("Content-Length")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String(), resp.Header
}

func TestPartSizes(t *testing.T) {
	const mib = 1 << 20
	for size, want := range map[int64]int64{1: 64 * mib, 6 << 30: 64 * mib, 625 << 30: 64 * mib, 626 << 30: 65 * mib, presign.MaxObjectSize: 525 * mib} {
		got := presign.DefaultPartSize(size)
		if got != want {
			t.Errorf("DefaultPartSize(%d) = %d, want %d", size, got, want)
		}
		if n, err := presign.PartCount(size, got); err != nil || n > presign.MaxParts {
			t.Errorf("size %d: %d parts, %v", size, n, err)
		}
	}
	for _, c := range []struct {
		size, part int64
		number     int
		want       int64
	}{{10, 5 * mib, 1, 10}, {11 * mib, 5 * mib, 1, 5 * mib}, {11 * mib, 5 * mib, 3, mib}, {11 * mib, 5 * mib, 4, 0}, {11 * mib, 5 * mib, 0, 0}, {10 * mib, 5 * mib, 2, 5 * mib}} {
		if got := presign.PartLength(c.size, c.part, c.number); got != c.want {
			t.Errorf("PartLength(%d, %d, %d) = %d, want %d", c.size, c.part, c.number, got, c.want)
		}
	}
	for _, c := range [][2]int64{{1, presign.MinPartSize - 1}, {1, presign.MaxPartSize + 1}, {0, presign.MinPartSize}, {presign.MaxObjectSize + 1, presign.MaxPartSize}, {presign.MaxObjectSize, presign.MinPartSize}} {
		if _, err := presign.PartCount(c[0], c[1]); !errors.Is(err, presign.ErrBadRequest) {
			t.Errorf("PartCount(%d, %d) accepted", c[0], c[1])
		}
	}
}

// A part URL signs its Content-Length and x-amz-checksum-crc64nvme, and carries
// both in the headers to send.
func TestPartURLSignsLengthAndChecksum(t *testing.T) {
	p := newPresigner(t, presign.Config{KMSKeyID: kmsKey})
	r, err := p.PresignPart(context.Background(), presign.PartRequest{Key: "acme/big.bin", UploadID: "abc-123", Number: 7, ContentLength: 5 << 20, ChecksumCRC64NVME: "rosUhgp5mIg="})
	if err != nil {
		t.Fatal(err)
	}
	signed := signedHeaderList(t, r.URL)
	for h, v := range map[string]string{"content-length": fmt.Sprint(5 << 20), "x-amz-checksum-crc64nvme": "rosUhgp5mIg="} {
		if !slices.Contains(signed, h) || r.Header.Get(h) != v {
			t.Errorf("%s not signed as %q: signed %v, header %v", h, v, signed, r.Header)
		}
	}
	if r.Method != http.MethodPut || !strings.Contains(r.URL, "partNumber=7") || !strings.Contains(r.URL, "uploadId=abc-123") {
		t.Errorf("%s %s", r.Method, r.URL)
	}
	for name, bad := range map[string]presign.PartRequest{
		"part 0":         {Key: "acme/b", UploadID: "u", Number: 0, ContentLength: 1, ChecksumCRC64NVME: "rosUhgp5mIg="},
		"part 10001":     {Key: "acme/b", UploadID: "u", Number: 10001, ContentLength: 1, ChecksumCRC64NVME: "rosUhgp5mIg="},
		"empty part":     {Key: "acme/b", UploadID: "u", Number: 1, ContentLength: 0, ChecksumCRC64NVME: "rosUhgp5mIg="},
		"huge part":      {Key: "acme/b", UploadID: "u", Number: 1, ContentLength: presign.MaxPartSize + 1, ChecksumCRC64NVME: "rosUhgp5mIg="},
		"no checksum":    {Key: "acme/b", UploadID: "u", Number: 1, ContentLength: 1},
		"sha checksum":   {Key: "acme/b", UploadID: "u", Number: 1, ContentLength: 1, ChecksumCRC64NVME: sha(nil)},
		"no upload id":   {Key: "acme/b", Number: 1, ContentLength: 1, ChecksumCRC64NVME: "rosUhgp5mIg="},
		"spaced id":      {Key: "acme/b", UploadID: "a b", Number: 1, ContentLength: 1, ChecksumCRC64NVME: "rosUhgp5mIg="},
		"key dot-dot":    {Key: "acme/../b", UploadID: "u", Number: 1, ContentLength: 1, ChecksumCRC64NVME: "rosUhgp5mIg="},
		"long upload id": {Key: "acme/b", UploadID: strings.Repeat("u", 1025), Number: 1, ContentLength: 1, ChecksumCRC64NVME: "rosUhgp5mIg="},
	} {
		if _, err := p.PresignPart(context.Background(), bad); !errors.Is(err, presign.ErrBadRequest) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Against versitygw, end to end: a CRC64NVME FULL_OBJECT upload of three parts (5,
// 5 and 1 MiB and a few bytes), each through its presigned URL with its checksum;
// every tampered part refused; ListParts over several pages; a completion with a
// wrong whole-object checksum or size refused by the server with nothing stored;
// the right one stores the object, whose HEAD reports size and CRC64NVME.
func TestMultipartCRC64NVMEFullObject(t *testing.T) {
	p := newPresigner(t, presign.Config{})
	ctx := context.Background()
	key := unique() + "/big.bin"
	data := make([]byte, 11<<20+12345)
	for i := range data {
		data[i] = byte(i*7 + i/1000)
	}
	const part = presign.MinPartSize
	n, _ := presign.PartCount(int64(len(data)), part)
	id, err := p.CreateMultipart(ctx, key, "application/octet-stream")
	if err != nil {
		t.Fatal(err)
	}
	piece := func(i int) []byte { return data[(i-1)*part : min(len(data), i*part)] }
	presignPart := func(i int, body []byte) *presign.Request {
		r, err := p.PresignPart(ctx, presign.PartRequest{Key: key, UploadID: id, Number: i, ContentLength: int64(len(body)), ChecksumCRC64NVME: crc(body), Lifetime: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	var done []presign.CompletedPart
	for i := 1; i <= n; i++ {
		body := piece(i)
		r := presignPart(i, body)
		status, etag, resp := sendPart(t, r, r.Header, body)
		if status != http.StatusOK || etag == "" {
			t.Fatalf("part %d: %d %s", i, status, resp)
		}
		done = append(done, presign.CompletedPart{Number: i, ETag: etag, ChecksumCRC64NVME: crc(body)})
	}
	defer presign.SetListPartsPageSize(2)()
	listed, err := p.ListParts(ctx, key, id)
	if err != nil || len(listed) != n {
		t.Fatalf("list parts (pages of 2): %+v %v", listed, err)
	}
	for i, lp := range listed {
		if lp.Number != i+1 || lp.Size != int64(len(piece(i+1))) || lp.ETag != done[i].ETag || lp.ChecksumCRC64NVME != crc(piece(i+1)) {
			t.Errorf("listed %+v, want part %d of %d bytes, %s, %s", lp, i+1, len(piece(i+1)), done[i].ETag, crc(piece(i+1)))
		}
	}
	whole := crc(data)
	var folded uint64
	for i := 1; i <= n; i++ {
		folded = checksum.Combine(folded, checksum.CRC64NVME(piece(i)), int64(len(piece(i))))
	}
	if checksum.CRC64NVMEBase64(folded) != whole {
		t.Fatal("the CRC combined from the parts is not the whole file's")
	}
	complete := presign.CompleteRequest{Key: key, UploadID: id, Size: int64(len(data)), ChecksumCRC64NVME: whole, Parts: done}
	wrongSum, wrongSize := complete, complete
	wrongSum.ChecksumCRC64NVME = crc(data[1:])
	wrongSize.Size++
	for name, r := range map[string]presign.CompleteRequest{"wrong checksum": wrongSum, "wrong size": wrongSize} {
		_, err := p.CompleteMultipart(ctx, r)
		if !errors.Is(err, presign.ErrRejected) {
			t.Fatalf("%s: %v, want ErrRejected", name, err)
		}
		checkMessage(t, err)
		t.Logf("%s: %v", name, err)
		if ok, err := p.Exists(ctx, key); err != nil || ok {
			t.Fatalf("%s: the object was stored (%v %v)", name, ok, err)
		}
	}
	got, err := p.CompleteMultipart(ctx, complete)
	if err != nil || got != whole {
		t.Fatalf("complete: %q %v", got, err)
	}
	info, err := p.Head(ctx, key)
	if err != nil || info.Size != int64(len(data)) || info.ContentType != "application/octet-stream" || info.ChecksumCRC64NVME != whole {
		t.Fatalf("head: %+v %v", info, err)
	}
	get, _ := p.Get(ctx, key, time.Minute)
	if status, body := do(t, get, get.Header, nil); status != 200 || body != string(data) {
		t.Fatalf("GET after complete: %d, %d bytes", status, len(body))
	}
	if _, err := p.ListParts(ctx, key, id); !errors.Is(err, presign.ErrNoSuchUpload) {
		t.Errorf("list parts of a completed upload: %v", err)
	}
	if err := p.AbortMultipart(ctx, key, id); !errors.Is(err, presign.ErrNoSuchUpload) {
		t.Errorf("abort of a completed upload: %v", err)
	}
}

// A part URL takes only its bytes, as that part: every change is refused by the
// server, the signature for the length, the checksum header and the part number,
// the checksum for other bytes of the same length. (Small parts: versitygw refuses
// before reading the body and resets the connection under a large one, which would
// hide its answer; S3 only checks the 5 MiB minimum at completion.)
func TestPartURLTakesOnlyItsBytes(t *testing.T) {
	p := newPresigner(t, presign.Config{})
	ctx := context.Background()
	key := unique() + "/parts.bin"
	id, err := p.CreateMultipart(ctx, key, "application/octet-stream")
	if err != nil {
		t.Fatal(err)
	}
	defer p.AbortMultipart(ctx, key, id)
	for i, n := range []int{1, 100, 4096} {
		number := i + 1
		body := bytes.Repeat([]byte{byte('a' + i)}, n)
		r, err := p.PresignPart(ctx, presign.PartRequest{Key: key, UploadID: id, Number: number, ContentLength: int64(n), ChecksumCRC64NVME: crc(body)})
		if err != nil {
			t.Fatal(err)
		}
		other := bytes.Clone(body)
		other[n/2] ^= 1
		more := append(bytes.Clone(body), 'x')
		for _, c := range []struct {
			name string
			hdr  func(http.Header)
			body []byte
			want string
		}{
			{"a byte more", func(h http.Header) { h.Set("Content-Length", fmt.Sprint(n+1)) }, more, "SignatureDoesNotMatch"},
			{"a byte more with its checksum", func(h http.Header) {
				h.Set("Content-Length", fmt.Sprint(n+1))
				h.Set("X-Amz-Checksum-Crc64nvme", crc(more))
			}, more, "SignatureDoesNotMatch"},
			{"a byte less", func(h http.Header) { h.Set("Content-Length", fmt.Sprint(n-1)) }, body[1:], "SignatureDoesNotMatch"},
			{"no checksum header", func(h http.Header) { h.Del("X-Amz-Checksum-Crc64nvme") }, body, "SignatureDoesNotMatch"},
			{"another checksum header", func(h http.Header) { h.Set("X-Amz-Checksum-Crc64nvme", crc(other)) }, other, "SignatureDoesNotMatch"},
			{"other bytes, same length", func(http.Header) {}, other, "BadDigest"},
		} {
			h := r.Header.Clone()
			c.hdr(h)
			if status, _, resp := sendPart(t, r, h, c.body); status < 400 || !strings.Contains(resp, c.want) {
				t.Errorf("%d bytes, %s: %d %s; want %s", n, c.name, status, resp, c.want)
			}
		}
		moved := *r
		moved.URL = strings.Replace(r.URL, fmt.Sprintf("partNumber=%d", number), fmt.Sprintf("partNumber=%d", number+10), 1)
		if status, _, resp := sendPart(t, &moved, r.Header, body); status != http.StatusForbidden {
			t.Errorf("%d bytes, moved to another part number: %d %s", n, status, resp)
		}
		if status, etag, resp := sendPart(t, r, r.Header, body); status != http.StatusOK || etag == "" {
			t.Fatalf("%d bytes: %d %s", n, status, resp)
		}
	}
	parts, err := p.ListParts(ctx, key, id)
	if err != nil || len(parts) != 3 || parts[0].Size != 1 || parts[1].Size != 100 || parts[2].Size != 4096 {
		t.Fatalf("only the valid parts arrived: %+v %v", parts, err)
	}
}

// Aborting frees the upload: its part URLs and its parts are gone.
func TestAbortMultipart(t *testing.T) {
	p := newPresigner(t, presign.Config{})
	ctx := context.Background()
	key := unique() + "/aborted.bin"
	id, err := p.CreateMultipart(ctx, key, "text/plain")
	if err != nil {
		t.Fatal(err)
	}
	body := []byte("first part")
	r, _ := p.PresignPart(ctx, presign.PartRequest{Key: key, UploadID: id, Number: 1, ContentLength: int64(len(body)), ChecksumCRC64NVME: crc(body)})
	if status, _, resp := sendPart(t, r, r.Header, body); status != 200 {
		t.Fatalf("part: %d %s", status, resp)
	}
	if err := p.AbortMultipart(ctx, key, id); err != nil {
		t.Fatal(err)
	}
	if _, err := p.ListParts(ctx, key, id); !errors.Is(err, presign.ErrNoSuchUpload) {
		t.Errorf("list parts after abort: %v", err)
	}
	if status, _, resp := sendPart(t, r, r.Header, body); status < 400 || !strings.Contains(resp, "NoSuchUpload") {
		t.Errorf("part after abort: %d %s", status, resp)
	}
	if err := p.AbortMultipart(ctx, key, id); !errors.Is(err, presign.ErrNoSuchUpload) {
		t.Errorf("second abort: %v", err)
	}
	// S3 answers NoSuchUpload; versitygw 1.8.0 answers InvalidPart (its parts are gone).
	if _, err := p.CompleteMultipart(ctx, presign.CompleteRequest{Key: key, UploadID: id, Size: int64(len(body)), ChecksumCRC64NVME: crc(body),
		Parts: []presign.CompletedPart{{Number: 1, ETag: `"x"`, ChecksumCRC64NVME: crc(body)}}}); !errors.Is(err, presign.ErrNoSuchUpload) && !errors.Is(err, presign.ErrRejected) {
		t.Errorf("complete after abort: %v", err)
	}
}

// The upload is created as CRC64NVME FULL_OBJECT: S3 reports both for it.
func TestCreateMultipartChecksumType(t *testing.T) {
	p := newPresigner(t, presign.Config{})
	ctx := context.Background()
	key := unique() + "/typed.bin"
	id, err := p.CreateMultipart(ctx, key, "application/octet-stream")
	if err != nil {
		t.Fatal(err)
	}
	defer p.AbortMultipart(ctx, key, id)
	out, err := server.Client(nil).ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if out.ChecksumAlgorithm != "CRC64NVME" || out.ChecksumType != "FULL_OBJECT" {
		t.Fatalf("upload created with %q %q", out.ChecksumAlgorithm, out.ChecksumType)
	}
}

func TestDeleteObject(t *testing.T) {
	p := newPresigner(t, presign.Config{})
	ctx := context.Background()
	key := unique() + "/gone.txt"
	body := []byte("bye")
	put, _ := p.Put(ctx, presign.PutRequest{Key: key, ContentType: "text/plain", ContentLength: 3, ChecksumSHA256: sha(body)})
	if status, resp := do(t, put, put.Header, body); status != 200 {
		t.Fatalf("%d %s", status, resp)
	}
	for i := range 2 { // the second deletes nothing, and succeeds
		if err := p.Delete(ctx, key); err != nil {
			t.Fatalf("delete %d: %v", i+1, err)
		}
		if ok, err := p.Exists(ctx, key); err != nil || ok {
			t.Fatalf("after delete %d: %v %v", i+1, ok, err)
		}
	}
	if err := p.Delete(ctx, "acme/../x"); !errors.Is(err, presign.ErrBadRequest) {
		t.Errorf("bad key: %v", err)
	}
}
