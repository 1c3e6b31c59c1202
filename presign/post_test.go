package presign_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/signet-cdk/signet/presign"
)

// With ChecksumSHA256 the form carries the checksum and the policy demands it
// exactly. versitygw verifies a POSTed file against x-amz-checksum-sha256 (BadDigest,
// observed), and refuses a form whose checksum field was changed to fit another file
// (AccessDenied, policy condition failed).
func TestPostEnforcesChecksum(t *testing.T) {
	p := newPresigner(t, presign.Config{})
	ctx := context.Background()
	body, other := []byte("a,b\n"), []byte("x,y\n")
	key := unique() + "/sum.csv"
	form, err := p.Post(ctx, presign.PostRequest{Key: key, ContentType: "text/csv", MinSize: 4, MaxSize: 4, ChecksumSHA256: sha(body)})
	if err != nil {
		t.Fatal(err)
	}
	if form.Fields["x-amz-checksum-algorithm"] != "SHA256" || form.Fields["x-amz-checksum-sha256"] != sha(body) {
		t.Fatalf("fields %v", form.Fields)
	}
	doc := policyDoc(t, form)
	for _, want := range []string{`{"x-amz-checksum-algorithm":"SHA256"}`, `{"x-amz-checksum-sha256":"` + sha(body) + `"}`} {
		if !strings.Contains(doc, want) {
			t.Errorf("policy lacks %s: %s", want, doc)
		}
	}
	for name, c := range map[string]struct {
		override map[string]string
		file     []byte
		want     string
	}{
		"other file":                 {nil, other, "BadDigest"},
		"other file, its checksum":   {map[string]string{"x-amz-checksum-sha256": sha(other)}, other, "AccessDenied"},
		"checksum algorithm changed": {map[string]string{"x-amz-checksum-algorithm": "CRC32"}, body, "AccessDenied"},
	} {
		if status, resp := postForm(t, form, c.override, c.file); status < 400 || !strings.Contains(resp, c.want) {
			t.Errorf("%s: %d %s; want %s", name, status, resp, c.want)
		}
	}
	if ok, err := p.Exists(ctx, key); err != nil || ok {
		t.Fatalf("a wrong file landed: %v %v", ok, err)
	}
	if status, resp := postForm(t, form, nil, body); status >= 300 {
		t.Fatalf("valid POST: %d %s", status, resp)
	}
	if info, err := p.Head(ctx, key); err != nil || info.Size != 4 || info.ChecksumSHA256 != sha(body) {
		t.Fatalf("head: %+v %v", info, err)
	}
}

func TestPostChecksumMustBeBase64SHA256(t *testing.T) {
	p := newPresigner(t, presign.Config{})
	for _, sum := range []string{"abc", base64.StdEncoding.EncodeToString(make([]byte, 31)), "not base64 at all!!", strings.Repeat("A", 1000)} {
		_, err := p.Post(context.Background(), presign.PostRequest{Key: "acme/a.csv", ContentType: "text/csv", MaxSize: 10, ChecksumSHA256: sum})
		if !errors.Is(err, presign.ErrBadRequest) {
			t.Errorf("checksum %.20q: %v", sum, err)
		}
		if err != nil && len(err.Error()) > 200 {
			t.Errorf("error echoes the whole input: %d bytes", len(err.Error()))
		}
	}
}

// The content type is matched exactly (an "eq" condition): neither parameters nor
// a longer type that starts with the declared one get through (versitygw checks
// the policy; observed).
func TestPostContentTypeIsExact(t *testing.T) {
	p := newPresigner(t, presign.Config{})
	key := unique() + "/notes.txt"
	form, err := p.Post(context.Background(), presign.PostRequest{Key: key, ContentType: "text/plain", MinSize: 1, MaxSize: 64})
	if err != nil {
		t.Fatal(err)
	}
	if doc := policyDoc(t, form); !strings.Contains(doc, `{"Content-Type":"text/plain"}`) || strings.Contains(doc, "starts-with") {
		t.Fatalf("not an exact condition: %s", doc)
	}
	for _, ct := range []string{"text/plain; charset=utf-8", "text/plainx", "text/plain ", "TEXT/PLAIN", "text/html"} {
		if status, resp := postForm(t, form, map[string]string{"Content-Type": ct}, []byte("hi")); status < 400 || !strings.Contains(resp, "AccessDenied") {
			t.Errorf("%q: %d %s", ct, status, resp)
		}
	}
	if ok, err := p.Exists(context.Background(), key); err != nil || ok {
		t.Fatalf("another content type landed: %v %v", ok, err)
	}
	if status, resp := postForm(t, form, nil, []byte("hi")); status >= 300 {
		t.Fatalf("valid POST: %d %s", status, resp)
	}
}

// A declared empty file is the range [0, 0]: versitygw answers a 1-byte file with
// EntityTooLarge and takes the empty one (observed).
func TestPostEmptyFileRange(t *testing.T) {
	p := newPresigner(t, presign.Config{})
	ctx := context.Background()
	key := unique() + "/empty.txt"
	form, err := p.Post(ctx, presign.PostRequest{Key: key, ContentType: "text/plain", ChecksumSHA256: sha(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if doc := policyDoc(t, form); !strings.Contains(doc, `["content-length-range",0,0]`) {
		t.Fatalf("range: %s", doc)
	}
	if status, resp := postForm(t, form, map[string]string{"x-amz-checksum-sha256": sha([]byte("x"))}, []byte("x")); status < 400 {
		t.Fatalf("1 byte accepted: %d %s", status, resp)
	}
	form2, _ := p.Post(ctx, presign.PostRequest{Key: key, ContentType: "text/plain"}) // no checksum: only the range stops it
	if status, resp := postForm(t, form2, nil, []byte("x")); status < 400 || !strings.Contains(resp, "EntityTooLarge") {
		t.Fatalf("1 byte: %d %s", status, resp)
	}
	if ok, err := p.Exists(ctx, key); err != nil || ok {
		t.Fatalf("a 1-byte file landed: %v %v", ok, err)
	}
	if status, resp := postForm(t, form, nil, nil); status >= 300 {
		t.Fatalf("empty POST: %d %s", status, resp)
	}
	if info, err := p.Head(ctx, key); err != nil || info.Size != 0 {
		t.Fatalf("head: %+v %v", info, err)
	}
}

func TestPostSizeRange(t *testing.T) {
	p := newPresigner(t, presign.Config{})
	for _, r := range [][2]int64{{0, -1}, {-1, 5}, {6, 5}, {0, presign.MaxPutSize + 1}} {
		if _, err := p.Post(context.Background(), presign.PostRequest{Key: "acme/a", ContentType: "text/plain", MinSize: r[0], MaxSize: r[1]}); !errors.Is(err, presign.ErrBadRequest) {
			t.Errorf("range %v: %v", r, err)
		}
	}
}

// policyDoc is the form's decoded policy document.
func policyDoc(t *testing.T, f *presign.PostForm) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(f.Fields["policy"])
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}
