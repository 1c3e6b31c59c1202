package edge_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/signet-cdk/signet/internal/s3test"
	"github.com/signet-cdk/signet/local/edge"
	"github.com/signet-cdk/signet/signing"
)

const (
	bucket = "signet-files"
	rsaID  = "K2JCJMDEHXQW5F"
	ecID   = "K3ECDSAP256KEY"
)

var (
	s3srv *s3test.Server
	// now is the edge's clock in the tests; policies expire an hour later.
	now     = time.Unix(1_900_000_000, 0)
	expires = now.Add(time.Hour)
	// objects are put in the bucket once, by TestMain.
	objects = map[string][]byte{
		"customers/acme/shared/a.txt":           []byte("content of a.txt"),
		"customers/acme/shared/b.bin":           randomBytes(100_000),
		"customers/acme/sharedX/a":              []byte("not in the shared folder"),
		"customers/acme/private/a":              []byte("private"),
		"customers/acme/annual report 2025.pdf": []byte("%PDF-1.7 report"),
		"customers/acme/résumé.txt":             []byte("CV"),
	}
)

// TestMain starts a real SigV4-verifying S3 (versitygw) and fills the bucket: the
// edge fetches every file through the AWS SDK, as Origin Access Control does.
func TestMain(m *testing.M) {
	os.Exit(func() int {
		var err error
		if s3srv, err = s3test.Start(bucket); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer s3srv.Stop()
		for key, data := range objects {
			_, err := s3srv.Client(nil).PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket),
				Key: aws.String(key), Body: bytes.NewReader(data), ContentType: aws.String(contentType(key))})
			if err != nil {
				fmt.Fprintln(os.Stderr, "put", key, err)
				return 1
			}
		}
		return m.Run()
	}())
}

func contentType(key string) string {
	switch {
	case strings.HasSuffix(key, ".txt"):
		return "text/plain"
	case strings.HasSuffix(key, ".pdf"):
		return "application/pdf"
	}
	return "application/octet-stream"
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// Keys are generated once per run and never written to disk.
var (
	keysOnce sync.Once
	rsaKey   *rsa.PrivateKey
	ecKey    *ecdsa.PrivateKey
)

func keys() (*rsa.PrivateKey, *ecdsa.PrivateKey) {
	keysOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if ecKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
	})
	return rsaKey, ecKey
}

// signers are Signet's signers for the two trusted keys.
func signers(t testing.TB) (rsaSigner, ecSigner *signing.Signer) {
	rk, ek := keys()
	var err error
	if rsaSigner, err = signing.NewSignerFromKey(rsaID, rk); err != nil {
		t.Fatal(err)
	}
	if ecSigner, err = signing.NewSignerFromKey(ecID, ek); err != nil {
		t.Fatal(err)
	}
	return rsaSigner, ecSigner
}

func trusted() map[string]crypto.PublicKey {
	rk, ek := keys()
	return map[string]crypto.PublicKey{rsaID: &rk.PublicKey, ecID: &ek.PublicKey}
}

// cdn is an edge behind a real TLS listener whose address is the signed domain.
type cdn struct {
	*edge.Edge
	srv    *httptest.Server
	domain string
}

var securityHeaders = map[string]string{"Strict-Transport-Security": "max-age=63072000; includeSubDomains", "X-Content-Type-Options": "nosniff"}

// newCDN starts an edge on 127.0.0.1 with the tests' clock and keys; change lets a
// test adjust the config first.
func newCDN(t testing.TB, change func(*edge.Config)) *cdn {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	c := &cdn{srv: srv, domain: srv.Listener.Addr().String()}
	cfg := edge.Config{Domain: c.domain, TrustedKeys: trusted(), S3: s3srv.Client(nil), Bucket: bucket,
		ResponseHeaders: securityHeaders, Now: func() time.Time { return now }}
	if change != nil {
		change(&cfg)
	}
	e, err := edge.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.Edge = e
	srv.Config.Handler = e
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return c
}

// url is the unsigned https URL of key on this edge, encoded as Signet signs it.
func (c *cdn) url(t testing.TB, key string) string {
	t.Helper()
	u, err := signing.EncodeURL("https://" + c.domain + "/" + key)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends method to rawURL with cookies and extra headers through a real client.
func (c *cdn) do(t testing.TB, method, rawURL string, cookies []*http.Cookie, header map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, ck := range cookies {
		req.AddCookie(ck)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, body}
}

// wantFile checks a 200 with the object's exact bytes and the copied headers.
func wantFile(t *testing.T, r response, key string) {
	t.Helper()
	if r.status != http.StatusOK || !bytes.Equal(r.body, objects[key]) {
		t.Fatalf("%s: status %d, body %q", key, r.status, truncate(r.body))
	}
	if got := r.header.Get("Content-Type"); got != contentType(key) {
		t.Errorf("%s: Content-Type %q", key, got)
	}
	if got := r.header.Get("Content-Length"); got != strconv.Itoa(len(objects[key])) {
		t.Errorf("%s: Content-Length %q", key, got)
	}
	if r.header.Get("ETag") == "" || r.header.Get("Last-Modified") == "" {
		t.Errorf("%s: ETag %q, Last-Modified %q", key, r.header.Get("ETag"), r.header.Get("Last-Modified"))
	}
	for k, v := range securityHeaders {
		if r.header.Get(k) != v {
			t.Errorf("%s: %s = %q", key, k, r.header.Get(k))
		}
	}
}

func truncate(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}

// Signet's own signer: canned and custom, RSA and ECDSA, URLs and cookies, a folder
// wildcard, encoded paths. Every accepted request returns the object's exact bytes.
func TestServesWhatSignetSigned(t *testing.T) {
	c := newCDN(t, func(cfg *edge.Config) {
		cfg.ViewerIP = func(*http.Request) netip.Addr { return netip.MustParseAddr("203.0.113.9") }
	})
	rs, es := signers(t)
	folder, err := signing.WildcardResource(c.domain, "customers/acme/shared")
	if err != nil {
		t.Fatal(err)
	}
	urls := []struct {
		name, key string
		s         *signing.Signer
		opts      signing.URLOptions
	}{
		{"rsa canned", "customers/acme/shared/a.txt", rs, signing.URLOptions{Expires: expires}},
		{"ecdsa canned", "customers/acme/shared/a.txt", es, signing.URLOptions{Expires: expires}},
		{"rsa custom start and ip", "customers/acme/private/a", rs, signing.URLOptions{Expires: expires, Start: now.Add(-time.Minute), SourceIP: "203.0.113.0/24"}},
		{"ecdsa custom single ip", "customers/acme/private/a", es, signing.URLOptions{Expires: expires, SourceIP: "203.0.113.9"}},
		{"rsa folder wildcard", "customers/acme/shared/b.bin", rs, signing.URLOptions{Expires: expires, Resource: folder}},
		{"ecdsa folder wildcard", "customers/acme/shared/a.txt", es, signing.URLOptions{Expires: expires, Resource: folder}},
		{"space in the path", "customers/acme/annual report 2025.pdf", rs, signing.URLOptions{Expires: expires}},
		{"non-ascii path", "customers/acme/résumé.txt", es, signing.URLOptions{Expires: expires}},
	}
	for _, u := range urls {
		t.Run("url "+u.name, func(t *testing.T) {
			signed, err := u.s.SignURL("https://"+c.domain+"/"+u.key, u.opts)
			if err != nil {
				t.Fatal(err)
			}
			wantFile(t, c.do(t, http.MethodGet, signed, nil, nil), u.key)
		})
	}
	cookies := []struct {
		name string
		s    *signing.Signer
		p    signing.Policy
		keys []string
	}{
		{"rsa canned", rs, signing.Policy{Resource: c.url(t, "customers/acme/shared/a.txt"), Expires: expires}, []string{"customers/acme/shared/a.txt"}},
		{"ecdsa canned", es, signing.Policy{Resource: c.url(t, "customers/acme/résumé.txt"), Expires: expires}, []string{"customers/acme/résumé.txt"}},
		{"rsa folder", rs, signing.Policy{Resource: folder, Expires: expires}, []string{"customers/acme/shared/a.txt", "customers/acme/shared/b.bin"}},
		{"ecdsa folder with start and ip", es, signing.Policy{Resource: folder, Expires: expires, Start: now, SourceIP: netip.MustParsePrefix("203.0.113.0/24")},
			[]string{"customers/acme/shared/a.txt", "customers/acme/shared/b.bin"}},
	}
	for _, ck := range cookies {
		t.Run("cookies "+ck.name, func(t *testing.T) {
			jar, err := ck.s.SignedCookies(ck.p, signing.CookieOptions{Domain: c.domain})
			if err != nil {
				t.Fatal(err)
			}
			for _, key := range ck.keys {
				wantFile(t, c.do(t, http.MethodGet, c.url(t, key), jar, nil), key)
			}
		})
	}
}

// Range is passed to S3: 206, Content-Range and exactly the slice; HEAD has the
// headers and no body.
func TestRangeAndHead(t *testing.T) {
	c := newCDN(t, nil)
	rs, _ := signers(t)
	const key = "customers/acme/shared/b.bin"
	signed, err := rs.SignURL("https://"+c.domain+"/"+key, signing.URLOptions{Expires: expires})
	if err != nil {
		t.Fatal(err)
	}
	data := objects[key]
	r := c.do(t, http.MethodGet, signed, nil, map[string]string{"Range": "bytes=1000-1999"})
	if r.status != http.StatusPartialContent || !bytes.Equal(r.body, data[1000:2000]) {
		t.Fatalf("range: %d, %d bytes", r.status, len(r.body))
	}
	if got, want := r.header.Get("Content-Range"), fmt.Sprintf("bytes 1000-1999/%d", len(data)); got != want {
		t.Errorf("Content-Range %q, want %q", got, want)
	}
	if r.header.Get("Content-Length") != "1000" {
		t.Errorf("Content-Length %q", r.header.Get("Content-Length"))
	}
	r = c.do(t, http.MethodGet, signed, nil, map[string]string{"Range": "bytes=-10"})
	if r.status != http.StatusPartialContent || !bytes.Equal(r.body, data[len(data)-10:]) {
		t.Fatalf("suffix range: %d, %d bytes", r.status, len(r.body))
	}
	r = c.do(t, http.MethodHead, signed, nil, nil)
	if r.status != http.StatusOK || len(r.body) != 0 || r.header.Get("Content-Length") != strconv.Itoa(len(data)) ||
		r.header.Get("ETag") == "" || r.header.Get("Strict-Transport-Security") == "" {
		t.Fatalf("head: %d %v %q", r.status, r.header, r.body)
	}
}

// A signed URL for an object that does not exist is 403 AccessDenied, as S3 answers
// OAC without s3:ListBucket, and S3's own text never reaches the viewer. A path
// with a dot segment is refused before S3 even where a folder wildcard matches it.
func TestMissingObjectAndDotSegments(t *testing.T) {
	c := newCDN(t, nil)
	rs, _ := signers(t)
	signed, err := rs.SignURL("https://"+c.domain+"/customers/acme/shared/nothing.txt", signing.URLOptions{Expires: expires})
	if err != nil {
		t.Fatal(err)
	}
	r := c.do(t, http.MethodGet, signed, nil, nil)
	wantXMLError(t, r, http.StatusForbidden, "AccessDenied", "Access Denied")
	folder, _ := signing.WildcardResource(c.domain, "customers/acme/shared")
	jar, err := rs.SignedCookies(signing.Policy{Resource: folder, Expires: expires}, signing.CookieOptions{Domain: c.domain})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/customers/acme/shared/../private/a", "/customers/acme/shared/%2E%2E/private/a", "/customers/acme/shared/..%2Fprivate%2Fa"} {
		r := c.do(t, http.MethodGet, "https://"+c.domain+p, jar, nil)
		wantXMLError(t, r, http.StatusForbidden, "AccessDenied", "Access Denied")
	}
	r = c.do(t, http.MethodGet, "https://"+c.domain+"/customers/acme/shared/a.txt", jar, map[string]string{"Range": "bytes=999999-"})
	if r.status != http.StatusRequestedRangeNotSatisfiable || strings.Contains(string(r.body), "RequestId") {
		t.Fatalf("unsatisfiable range: %d %s", r.status, r.body)
	}
}

func wantXMLError(t *testing.T, r response, status int, code, message string) {
	t.Helper()
	want := `<?xml version="1.0" encoding="UTF-8"?><Error><Code>` + code + `</Code><Message>` + message + `</Message></Error>`
	if r.status != status || string(r.body) != want || r.header.Get("Content-Type") != "text/xml" {
		t.Fatalf("got %d %q %q\nwant %d %q", r.status, r.header.Get("Content-Type"), r.body, status, want)
	}
}

// The edge is refused a config it cannot serve, with the field named.
func TestNewValidates(t *testing.T) {
	rk, _ := keys()
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	good := func() edge.Config {
		return edge.Config{Domain: "files.example.com", TrustedKeys: trusted(), S3: s3srv.Client(nil), Bucket: bucket}
	}
	cases := map[string]func(*edge.Config){
		"Domain":        func(c *edge.Config) { c.Domain = "" },
		"Domain ":       func(c *edge.Config) { c.Domain = "https://files.example.com" },
		"Domain  ":      func(c *edge.Config) { c.Domain = "Files.example.com" },
		"TrustedKeys":   func(c *edge.Config) { c.TrustedKeys = nil },
		"TrustedKeys ":  func(c *edge.Config) { c.TrustedKeys = map[string]crypto.PublicKey{"K1": &small.PublicKey} },
		"TrustedKeys  ": func(c *edge.Config) { c.TrustedKeys = map[string]crypto.PublicKey{"K1": &p384.PublicKey} },
		"TrustedKeys   ": func(c *edge.Config) {
			c.TrustedKeys = map[string]crypto.PublicKey{"K1": rk.PublicKey} // not a pointer
		},
		"S3":            func(c *edge.Config) { c.S3 = nil },
		"Bucket":        func(c *edge.Config) { c.Bucket = "" },
		"OriginHeaders": func(c *edge.Config) { c.OriginHeaders = map[string]string{"Host": "x"} },
	}
	for field, change := range cases {
		cfg := good()
		change(&cfg)
		if _, err := edge.New(cfg); err == nil || !strings.Contains(err.Error(), strings.TrimSpace(field)) {
			t.Errorf("%q: %v", field, err)
		}
	}
	if _, err := edge.New(good()); err != nil {
		t.Fatal(err)
	}
}
