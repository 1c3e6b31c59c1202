package client_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signet-cdk/signet/api"
	"github.com/signet-cdk/signet/client"
	"github.com/signet-cdk/signet/keysource"
	"github.com/signet-cdk/signet/local/edge"
	"github.com/signet-cdk/signet/signing"
)

// The CloudFront address API Gateway sees as the source of every request that came
// through the distribution.
const edgeSourceIP = "130.176.0.9"

// viewerAddr is the address the local edge reports for the browser: a public IPv4
// address, as a viewer on the internet has.
var viewerAddr = netip.MustParseAddr("203.0.113.9")

// oneDomain is Signet as deployed: one TLS host serving the files (signature-checking
// edge over the real S3 server) and the API under /api/ (the signer behind API
// Gateway's stand-in, BehindEdge), with the origin header the regional web ACL
// requires.
type oneDomain struct {
	srv    *httptest.Server
	origin string // https://host:port
}

func newOneDomain(t *testing.T) *oneDomain {
	t.Helper()
	st, up, _ := backend(t)
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	signer, err := signing.NewSignerFromKey("K2JCJMDEHXQW5F", key)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	domain := srv.Listener.Addr().String()
	h := &api.Handler{Store: st, Uploads: up, Config: api.Config{BehindEdge: true},
		Keys:   keys{&keysource.Material{Signer: signer, Domain: domain, KeyName: "k1"}},
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	e, err := edge.New(edge.Config{
		Domain: domain, TrustedKeys: map[string]crypto.PublicKey{signer.KeyPairID(): signer.Public()},
		S3: s3srv.Client(nil), Bucket: bucket,
		API:           regionalAPI(apiGateway(h), "x-signet-origin-verify", "generation-1"),
		OriginHeaders: map[string]string{"x-signet-origin-verify": "generation-1"},
		ViewerIP:      func(*http.Request) netip.Addr { return viewerAddr },
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = e
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return &oneDomain{srv: srv, origin: srv.URL}
}

// regionalAPI is the API's regional side: the web ACL's rule (no origin header, 403)
// and API Gateway, which sees CloudFront's address as the source and appends it to
// X-Forwarded-For.
func regionalAPI(gw http.Handler, header, value string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(header) != value {
			http.Error(w, `{"message":"Forbidden"}`, http.StatusForbidden)
			return
		}
		r.RemoteAddr = edgeSourceIP + ":443"
		xff := r.Header.Get("X-Forwarded-For")
		r.Header.Set("X-Forwarded-For", strings.TrimPrefix(xff+", "+edgeSourceIP, ", "))
		gw.ServeHTTP(w, r)
	})
}

// browser is what a browser brings: a cookie jar that keeps Secure, HttpOnly, Path,
// host-only and Max-Age as RFC 6265 says, and nothing else.
func (d *oneDomain) browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := d.srv.Client()
	c.Jar = jar
	return c
}

func (d *oneDomain) get(t *testing.T, c *http.Client, path string, header http.Header) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, d.origin+path, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Done-when of the one-domain work: a browser that talks only to the one domain gets
// folder cookies from /api/downloads and then fetches files under that folder with
// nothing but those cookies; outside the folder, and without the cookies, it cannot.
func TestBrowserGetsCookiesAndFilesFromOneDomain(t *testing.T) {
	d := newOneDomain(t)
	ctx := context.Background()
	// Alice's client uses the one domain's /api/ as its base URL (the stack output).
	alice := &client.Client{BaseURL: d.origin + "/api/", Tokens: client.StaticToken("alice-token"), HTTP: d.srv.Client()}
	dir := t.TempDir()
	for path, content := range map[string]string{"shared/a.txt": "content of a", "shared/deep/b.txt": "content of b", "private/c.txt": "private"} {
		local := filepath.Join(dir, strings.ReplaceAll(path, "/", "_"))
		_ = os.WriteFile(local, []byte(content), 0o600)
		if err := alice.Upload(ctx, local, path, "text/plain"); err != nil {
			t.Fatalf("upload %s through /api/: %v", path, err)
		}
	}
	browser := d.browser(t)
	req, _ := http.NewRequest(http.MethodPost, d.origin+"/api/downloads", bytes.NewReader([]byte(`{"path":"shared","scope":"folder","delivery":"cookies","lifetimeSeconds":300}`)))
	req.Header.Set("Authorization", "alice-token")
	req.Header.Set("Content-Type", "application/json")
	resp, err := browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(resp.Header.Values("Set-Cookie")) == 0 {
		t.Fatalf("cookies: %d %s", resp.StatusCode, body)
	}
	u, _ := url.Parse(d.origin + "/customers/acme/shared/a.txt")
	if n := len(browser.Jar.Cookies(u)); n != 3 {
		t.Fatalf("the browser kept %d cookies for the folder, want 3", n)
	}
	if n := len(browser.Jar.Cookies(&url.URL{Scheme: "https", Host: u.Host, Path: "/api/files"})); n != 0 {
		t.Errorf("the cookies also go to /api/: %d", n)
	}
	for path, want := range map[string]string{"/customers/acme/shared/a.txt": "content of a", "/customers/acme/shared/deep/b.txt": "content of b"} {
		if status, got := d.get(t, browser, path, nil); status != 200 || got != want {
			t.Errorf("%s with the cookies: %d %q", path, status, got)
		}
	}
	// The jar sends nothing outside the folder, and the edge refuses it.
	if status, _ := d.get(t, browser, "/customers/acme/private/c.txt", nil); status != http.StatusForbidden {
		t.Errorf("outside the folder: %d", status)
	}
	// The same cookies sent by hand to a path outside the folder open nothing either.
	outside := http.Header{}
	for _, c := range browser.Jar.Cookies(u) {
		outside.Add("Cookie", c.Name+"="+c.Value)
	}
	if status, _ := d.get(t, d.srv.Client(), "/customers/acme/private/c.txt", outside); status != http.StatusForbidden {
		t.Errorf("cookies replayed outside the folder: %d", status)
	}
	// A fresh browser, without the cookies, gets nothing.
	if status, _ := d.get(t, d.browser(t), "/customers/acme/shared/a.txt", nil); status != http.StatusForbidden {
		t.Errorf("no cookies: %d", status)
	}
}

// Behind the edge the signer restricts a URL to the viewer's address (the edge's
// X-Forwarded-For entry), not to CloudFront's, so the URL opens the file for that
// viewer; a viewer who writes its own X-Forwarded-For changes nothing.
func TestSourceIPRestrictionWorksBehindTheEdge(t *testing.T) {
	d := newOneDomain(t)
	ctx := context.Background()
	alice := &client.Client{BaseURL: d.origin + "/api/", Tokens: client.StaticToken("alice-token"), HTTP: d.srv.Client()}
	local := filepath.Join(t.TempDir(), "r.txt")
	_ = os.WriteFile(local, []byte("restricted"), 0o600)
	if err := alice.Upload(ctx, local, "r.txt", "text/plain"); err != nil {
		t.Fatal(err)
	}
	for name, spoof := range map[string]string{"plain": "", "spoofed": "198.51.100.7, 192.0.2.1"} {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, d.origin+"/api/downloads", strings.NewReader(`{"path":"r.txt","ipRestriction":"sourceIp"}`))
			req.Header.Set("Authorization", "alice-token")
			req.Header.Set("Content-Type", "application/json")
			if spoof != "" {
				req.Header.Set("X-Forwarded-For", spoof)
			}
			resp, err := d.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var out api.DownloadResponse
			_ = json.NewDecoder(resp.Body).Decode(&out)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("%d", resp.StatusCode)
			}
			q, _ := url.Parse(out.URL)
			doc, _ := signing.DecodeURLSafe(q.Query().Get("Policy"))
			if !strings.Contains(string(doc), `"AWS:SourceIp":"203.0.113.9/32"`) {
				t.Fatalf("policy %s", doc)
			}
			if status, got := d.get(t, d.srv.Client(), strings.TrimPrefix(out.URL, d.origin), nil); status != 200 || got != "restricted" {
				t.Errorf("the viewer's own URL: %d %q", status, got)
			}
		})
	}
}

// The execute-api name without the origin header is refused by the regional web
// ACL's rule; through the edge the same call works.
func TestApiOnlyThroughTheEdge(t *testing.T) {
	d := newOneDomain(t)
	gw := httptest.NewServer(regionalAPI(http.NotFoundHandler(), "x-signet-origin-verify", "generation-1"))
	defer gw.Close()
	req, _ := http.NewRequest(http.MethodGet, gw.URL+"/api/files", nil)
	req.Header.Set("Authorization", "alice-token")
	req.Header.Set("x-signet-origin-verify", "guess")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("direct call with a guessed header: %d", resp.StatusCode)
	}
	if status, body := d.get(t, d.srv.Client(), "/api/files", http.Header{"Authorization": {"alice-token"}}); status != 200 {
		t.Errorf("through the edge: %d %s", status, body)
	}
}
