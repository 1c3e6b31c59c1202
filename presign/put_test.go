package presign_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/signet-cdk/signet/presign"
)

const kmsKey = "arn:aws:kms:eu-west-1:123456789012:key/abc"

// signedHeaderList is the URL's X-Amz-SignedHeaders.
func signedHeaderList(t *testing.T, rawURL string) []string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(u.Query().Get("X-Amz-SignedHeaders"), ";")
}

// Put binds Content-Length, Content-Type, the checksum and (with a KMS key) SSE-KMS
// for every size. For an empty body the SDK dropped Content-Type and Content-Length
// from the signature (see emptybody.go); this fails if that comes back.
func TestPutSignsEverythingAtEverySize(t *testing.T) {
	ctx := context.Background()
	for _, kms := range []string{"", kmsKey} {
		p := newPresigner(t, presign.Config{KMSKeyID: kms})
		for _, n := range []int{0, 1, 4096} {
			body := bytes.Repeat([]byte("z"), n)
			r, err := p.Put(ctx, presign.PutRequest{Key: "acme/s.txt", ContentType: "text/plain", ContentLength: int64(n), ChecksumSHA256: sha(body)})
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"content-length": fmt.Sprint(n), "content-type": "text/plain", "x-amz-checksum-sha256": sha(body)}
			if kms != "" {
				want["x-amz-server-side-encryption"] = "aws:kms"
				want["x-amz-server-side-encryption-aws-kms-key-id"] = kms
			}
			if u, _ := url.Parse(r.URL); u.Query().Get("X-Amz-Expires") != "3600" {
				t.Errorf("size %d: X-Amz-Expires %q, want the default hour", n, u.Query().Get("X-Amz-Expires"))
			}
			signed := signedHeaderList(t, r.URL)
			for h, v := range want {
				if !slices.Contains(signed, h) || r.Header.Get(h) != v {
					t.Errorf("kms %q, size %d: %s not signed as %q: signed %v, header %v", kms, n, h, v, signed, r.Header)
				}
			}
		}
	}
}

// putCase is a request made from a presigned PUT, changed or not.
type putCase struct {
	name string
	hdr  func(h http.Header)
	body []byte
	want string // error code S3 answers; "" for success
}

func putCases(n int, body []byte) []putCase {
	other := bytes.Repeat([]byte("q"), n)
	cases := []putCase{
		{"other content type", func(h http.Header) { h.Set("Content-Type", "text/html") }, body, "SignatureDoesNotMatch"},
		{"no content type", func(h http.Header) { h.Del("Content-Type") }, body, "SignatureDoesNotMatch"},
		{"one byte more", func(h http.Header) { h.Set("Content-Length", fmt.Sprint(n+1)) }, append(bytes.Clone(body), 'x'), "SignatureDoesNotMatch"},
		{"one byte more, its checksum", func(h http.Header) {
			h.Set("Content-Length", fmt.Sprint(n+1))
			h.Set("X-Amz-Checksum-Sha256", sha(append(bytes.Clone(body), 'x')))
		}, append(bytes.Clone(body), 'x'), "SignatureDoesNotMatch"},
	}
	if n > 0 {
		cases = append(cases,
			putCase{"one byte less", func(h http.Header) { h.Set("Content-Length", fmt.Sprint(n-1)) }, body[1:], "SignatureDoesNotMatch"},
			putCase{"other bytes, same length", func(http.Header) {}, other, "BadDigest"})
	}
	return cases
}

// Against versitygw: at sizes 0, 1 and 4 KiB the URL with its headers uploads, and
// no other content type or length gets through: the refusal must be the signature
// (a body of the wrong length would otherwise meet only the checksum).
func TestPutOnlyTheDeclaredBodyLandsAtEverySize(t *testing.T) {
	ctx := context.Background()
	for _, kms := range []string{"", kmsKey} { // versitygw takes the SSE headers but does not encrypt
		p := newPresigner(t, presign.Config{KMSKeyID: kms})
		for _, n := range []int{0, 1, 4096} {
			t.Run(fmt.Sprintf("kms=%v/size=%d", kms != "", n), func(t *testing.T) {
				body := bytes.Repeat([]byte("z"), n)
				key := unique() + "/it's(" + fmt.Sprint(n) + ")!.txt"
				r, err := p.Put(ctx, presign.PutRequest{Key: key, ContentType: "text/plain", ContentLength: int64(n), ChecksumSHA256: sha(body)})
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range putCases(n, body) {
					h := r.Header.Clone()
					c.hdr(h)
					if status, resp := do(t, r, h, c.body); status < 400 || !strings.Contains(resp, c.want) {
						t.Errorf("%s: %d %s; want %s", c.name, status, resp, c.want)
					}
				}
				if ok, err := p.Exists(ctx, key); err != nil || ok {
					t.Fatalf("a changed upload landed: %v %v", ok, err)
				}
				if status, resp := do(t, r, r.Header, body); status != 200 {
					t.Fatalf("valid PUT: %d %s", status, resp)
				}
				if info, err := p.Head(ctx, key); err != nil || info.Size != int64(n) || info.ContentType != "text/plain" || info.ChecksumSHA256 != sha(body) {
					t.Fatalf("head: %+v %v", info, err)
				}
			})
		}
	}
}

// With session credentials the empty-body signer puts X-Amz-Security-Token in the
// signed query, as the SDK's signer does. versitygw cannot take it further: it
// answers InvalidToken to any request carrying a session token (observed).
func TestEmptyPutCarriesSessionToken(t *testing.T) {
	p, err := presign.New(newClient(credentials.NewStaticCredentialsProvider(accessKey, secretKey, "session-token")), presign.Config{Bucket: bucket})
	if err != nil {
		t.Fatal(err)
	}
	r, err := p.Put(context.Background(), presign.PutRequest{Key: "acme/t.txt", ContentType: "text/plain", ChecksumSHA256: sha(nil)})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(r.URL)
	if q := u.Query(); q.Get("X-Amz-Security-Token") != "session-token" || q.Get("X-Amz-Signature") == "" {
		t.Fatalf("token or signature missing: %v", q)
	}
}
