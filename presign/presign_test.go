package presign_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/signet-cdk/signet/internal/s3test"
	"github.com/signet-cdk/signet/presign"
)

const (
	accessKey = s3test.AccessKey
	secretKey = s3test.SecretKey
	bucket    = "signet-files"
)

var server *s3test.Server

// TestMain starts versitygw, a real S3-compatible server that verifies SigV4, on a
// loopback port, and stops it afterwards.
func TestMain(m *testing.M) {
	os.Exit(func() int {
		var err error
		if server, err = s3test.Start(bucket); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer server.Stop()
		return m.Run()
	}())
}

func newClient(creds aws.CredentialsProvider) *s3.Client { return server.Client(creds) }

func newPresigner(t *testing.T, cfg presign.Config) *presign.Presigner {
	t.Helper()
	cfg.Bucket = bucket
	p, err := presign.New(newClient(credentials.NewStaticCredentialsProvider(accessKey, secretKey, "")), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func sha(b []byte) string { s := sha256.Sum256(b); return base64.StdEncoding.EncodeToString(s[:]) }

// do sends a presigned request with body and returns status and response body.
func do(t *testing.T, r *presign.Request, hdr http.Header, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(r.Method, r.URL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if cl := hdr.Get("Content-Length"); cl != "" {
		fmt.Sscan(cl, &req.ContentLength)
		req.Header.Del("Content-Length")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestPresignedPutAndGetAreAcceptedAndTamperingRefused(t *testing.T) {
	p := newPresigner(t, presign.Config{})
	ctx := context.Background()
	body := []byte("quarterly numbers\n")
	dir := unique()
	put, err := p.Put(ctx, presign.PutRequest{Key: dir + "/q1.txt", ContentType: "text/plain", ContentLength: int64(len(body)), ChecksumSHA256: sha(body)})
	if err != nil {
		t.Fatal(err)
	}
	signed := put.URL[strings.Index(put.URL, "X-Amz-SignedHeaders="):]
	for _, h := range []string{"content-length", "content-type", "x-amz-checksum-sha256"} {
		if !strings.Contains(signed, h) {
			t.Errorf("%s not signed: %s", h, signed)
		}
	}
	// Tampered requests first: nothing may land.
	cases := []struct {
		name   string
		mutate func(r presign.Request, h http.Header, b []byte) (presign.Request, http.Header, []byte)
		want   string
	}{
		{"wrong content type", func(r presign.Request, h http.Header, b []byte) (presign.Request, http.Header, []byte) {
			h.Set("Content-Type", "text/html")
			return r, h, b
		}, "SignatureDoesNotMatch"},
		{"larger body", func(r presign.Request, h http.Header, b []byte) (presign.Request, http.Header, []byte) {
			b = append(b, "and more"...)
			h.Set("Content-Length", fmt.Sprint(len(b)))
			return r, h, b
		}, "SignatureDoesNotMatch"},
		{"other bytes, same length", func(r presign.Request, h http.Header, b []byte) (presign.Request, http.Header, []byte) {
			return r, h, bytes.ToUpper(b)
		}, "BadDigest"},
		{"tampered signature", func(r presign.Request, h http.Header, b []byte) (presign.Request, http.Header, []byte) {
			i := strings.Index(r.URL, "X-Amz-Signature=") + len("X-Amz-Signature=")
			c := byte('0')
			if r.URL[i] == '0' {
				c = '1'
			}
			r.URL = r.URL[:i] + string(c) + r.URL[i+1:]
			return r, h, b
		}, "SignatureDoesNotMatch"},
		{"raised expiry", func(r presign.Request, h http.Header, b []byte) (presign.Request, http.Header, []byte) {
			u, _ := url.Parse(r.URL)
			q := u.Query()
			q.Set("X-Amz-Expires", "604800")
			u.RawQuery = q.Encode()
			r.URL = u.String()
			return r, h, b
		}, "SignatureDoesNotMatch"},
		{"another key", func(r presign.Request, h http.Header, b []byte) (presign.Request, http.Header, []byte) {
			r.URL = strings.Replace(r.URL, "/q1.txt", "/q2.txt", 1)
			return r, h, b
		}, "SignatureDoesNotMatch"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, h, b := c.mutate(*put, put.Header.Clone(), append([]byte(nil), body...))
			status, resp := do(t, &r, h, b)
			if status < 400 || !strings.Contains(resp, c.want) {
				t.Errorf("status %d, body %s; want %s", status, resp, c.want)
			}
		})
	}
	if _, err := newClient(credentials.NewStaticCredentialsProvider(accessKey, secretKey, "")).HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(dir + "/q1.txt")}); err == nil {
		t.Fatal("a tampered upload landed")
	}
	if status, resp := do(t, put, put.Header, body); status != 200 {
		t.Fatalf("valid PUT: %d %s", status, resp)
	}
	get, err := p.Get(ctx, dir+"/q1.txt", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if status, resp := do(t, get, get.Header, nil); status != 200 || resp != string(body) {
		t.Fatalf("GET: %d %q", status, resp)
	}
}

func TestExpiredURLIsRefused(t *testing.T) {
	p := newPresigner(t, presign.Config{MaxLifetime: time.Second})
	get, err := p.Get(context.Background(), "acme/none.txt", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// A zero-byte PUT is signed by presign's own signer (emptybody.go): it expires too.
	put, err := p.Put(context.Background(), presign.PutRequest{Key: unique() + "/late.txt", ContentType: "text/plain", ChecksumSHA256: sha(nil)})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2100 * time.Millisecond)
	if status, resp := do(t, get, get.Header, nil); status != 403 || !strings.Contains(resp, "AccessDenied") {
		t.Fatalf("expired GET: %d %s", status, resp)
	}
	if status, resp := do(t, put, put.Header, nil); status != 403 || !strings.Contains(resp, "AccessDenied") {
		t.Fatalf("expired zero-byte PUT: %d %s", status, resp)
	}
}

func postForm(t *testing.T, f *presign.PostForm, override map[string]string, file []byte) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range f.Fields {
		if o, ok := override[k]; ok {
			v = o
		}
		_ = w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile("file", "upload.bin")
	_, _ = fw.Write(file)
	_ = w.Close()
	resp, err := http.Post(f.URL, w.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestPresignedPostEnforcesPolicy(t *testing.T) {
	p := newPresigner(t, presign.Config{})
	dir := unique()
	form, err := p.Post(context.Background(), presign.PostRequest{Key: dir + "/form.csv", ContentType: "text/csv", MinSize: 1, MaxSize: 64})
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		override map[string]string
		file     []byte
	}{
		"too large":          {nil, bytes.Repeat([]byte("x"), 65)},
		"wrong content type": {map[string]string{"Content-Type": "text/html"}, []byte("a,b\n")},
		"other key":          {map[string]string{"key": dir + "/other.csv"}, []byte("a,b\n")},
		"tampered policy":    {map[string]string{"policy": form.Fields["policy"] + "AA"}, []byte("a,b\n")},
	} {
		if status, resp := postForm(t, form, c.override, c.file); status < 400 {
			t.Errorf("%s: accepted (%d %s)", name, status, resp)
		}
	}
	if status, resp := postForm(t, form, nil, []byte("a,b\n1,2\n")); status >= 300 {
		t.Fatalf("valid POST: %d %s", status, resp)
	}
}

// expiringCreds are session credentials that expire at a set time.
type expiringCreds struct{ expires time.Time }

func (c expiringCreds) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: accessKey, SecretAccessKey: secretKey, CanExpire: true, Expires: c.expires}, nil
}

func TestLifetimeIsBounded(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	if _, err := presign.New(newClient(expiringCreds{now.Add(time.Hour)}), presign.Config{Bucket: bucket, MaxLifetime: 8 * 24 * time.Hour}); !errors.Is(err, presign.ErrBadRequest) {
		t.Errorf("8-day max lifetime accepted: %v", err)
	}
	p, _ := presign.New(newClient(expiringCreds{now.Add(10 * time.Minute)}), presign.Config{Bucket: bucket, MaxLifetime: 24 * time.Hour, Now: func() time.Time { return now }})
	r, err := p.Get(ctx, "acme/q1.txt", 12*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if r.Expires.After(now.Add(10 * time.Minute)) {
		t.Errorf("URL outlives its credentials: %s", r.Expires)
	}
	u, _ := url.Parse(r.URL)
	if exp, err := strconv.Atoi(u.Query().Get("X-Amz-Expires")); err != nil || exp > 600 || exp < 500 {
		t.Errorf("X-Amz-Expires %d, want just under the credentials' 600 s", exp)
	}
	gone, _ := presign.New(newClient(expiringCreds{now.Add(-time.Minute)}), presign.Config{Bucket: bucket})
	if _, err := gone.Get(ctx, "acme/q1.txt", time.Minute); !errors.Is(err, presign.ErrCredentials) {
		t.Errorf("expired credentials: %v", err)
	}
}

func TestBadRequestsAreRefused(t *testing.T) {
	p := newPresigner(t, presign.Config{KMSKeyID: "arn:aws:kms:eu-west-1:123456789012:key/abc"})
	ctx := context.Background()
	good := presign.PutRequest{Key: "acme/a.txt", ContentType: "text/plain", ContentLength: 1, ChecksumSHA256: sha([]byte("a"))}
	for name, r := range map[string]presign.PutRequest{
		"dot segment":     {Key: "acme/../b.txt", ContentType: good.ContentType, ContentLength: 1, ChecksumSHA256: good.ChecksumSHA256},
		"no checksum":     {Key: good.Key, ContentType: good.ContentType, ContentLength: 1},
		"too large":       {Key: good.Key, ContentType: good.ContentType, ContentLength: 6 << 30, ChecksumSHA256: good.ChecksumSHA256},
		"bad contenttype": {Key: good.Key, ContentType: "text/plain\r\nX-Evil: 1", ContentLength: 1, ChecksumSHA256: good.ChecksumSHA256},
	} {
		if _, err := p.Put(ctx, r); !errors.Is(err, presign.ErrBadRequest) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// With a KMS key, SSE-KMS and the key are signed into the upload.
	r, err := p.Put(ctx, good)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.URL, "x-amz-server-side-encryption") || r.Header.Get("X-Amz-Server-Side-Encryption") != "aws:kms" {
		t.Errorf("SSE-KMS not signed: %s %v", r.URL, r.Header)
	}
	if _, err := p.Post(ctx, presign.PostRequest{Key: "acme/a", ContentType: "text/plain", MinSize: 1, MaxSize: 0}); !errors.Is(err, presign.ErrBadRequest) {
		t.Errorf("post with min size above max size: %v", err)
	}
	if _, err := presign.PartCount(100<<30*1024, presign.MinPartSize); !errors.Is(err, presign.ErrBadRequest) {
		t.Error("too many parts accepted")
	}
}

func TestExistsAfterUpload(t *testing.T) {
	p := newPresigner(t, presign.Config{})
	ctx := context.Background()
	key := unique() + "/exists.txt"
	if ok, err := p.Exists(ctx, key); err != nil || ok {
		t.Fatalf("before upload: %v %v", ok, err)
	}
	body := []byte("here")
	put, _ := p.Put(ctx, presign.PutRequest{Key: key, ContentType: "text/plain", ContentLength: 4, ChecksumSHA256: sha(body)})
	if status, resp := do(t, put, put.Header, body); status != 200 {
		t.Fatalf("%d %s", status, resp)
	}
	if ok, err := p.Exists(ctx, key); err != nil || !ok {
		t.Fatalf("after upload: %v %v", ok, err)
	}
}

// unique is a fresh folder per call, so repeated runs (-count) against the same server
// never see each other's objects.
func unique() string { return fmt.Sprintf("acme/run%d", time.Now().UnixNano()) }

// With a KMS key, the POST policy demands SSE-KMS with exactly that key, and the form
// carries the matching fields.
func TestPostPolicyCarriesSSEKMS(t *testing.T) {
	const keyArn = "arn:aws:kms:eu-west-1:123456789012:key/abc"
	p := newPresigner(t, presign.Config{KMSKeyID: keyArn})
	form, err := p.Post(context.Background(), presign.PostRequest{Key: "acme/k.csv", ContentType: "text/csv", MinSize: 1, MaxSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	if form.Fields["x-amz-server-side-encryption"] != "aws:kms" || form.Fields["x-amz-server-side-encryption-aws-kms-key-id"] != keyArn || form.Fields["key"] != "acme/k.csv" {
		t.Fatalf("fields %v", form.Fields)
	}
	raw, err := base64.StdEncoding.DecodeString(form.Fields["policy"])
	if err != nil {
		t.Fatal(err)
	}
	var policy struct {
		Conditions []any `json:"conditions"`
	}
	if err := json.Unmarshal(raw, &policy); err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	for _, want := range []string{`["content-length-range",1,10]`, `{"Content-Type":"text/csv"}`, `{"x-amz-server-side-encryption":"aws:kms"}`,
		`{"x-amz-server-side-encryption-aws-kms-key-id":"` + keyArn + `"}`, `{"key":"acme/k.csv"}`} {
		if !strings.Contains(doc, want) {
			t.Errorf("policy lacks %s: %s", want, doc)
		}
	}
}
