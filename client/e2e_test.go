package client_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"

	"github.com/signet-cdk/signet/api"
	"github.com/signet-cdk/signet/client"
	"github.com/signet-cdk/signet/internal/pgtest"
	"github.com/signet-cdk/signet/internal/s3test"
	"github.com/signet-cdk/signet/keysource"
	"github.com/signet-cdk/signet/presign"
	"github.com/signet-cdk/signet/signing"
	"github.com/signet-cdk/signet/store"
)

const bucket = "signet-files"

var (
	cluster *pgtest.Cluster
	s3srv   *s3test.Server
)

// TestMain starts a real PostgreSQL and a real SigV4-verifying S3 (versitygw): the
// client, the API handler, the store, the signer and the presigner run for real; only
// API Gateway's Cognito authorizer and CloudFront are stood in for, by small local
// servers that do what they do (claims from a token; signature, expiry, resource and
// IP checks against the public key).
func TestMain(m *testing.M) {
	os.Exit(func() int {
		var err error
		if s3srv, err = s3test.Start(bucket); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer s3srv.Stop()
		return pgtest.Main(m, &cluster)
	}())
}

type world struct {
	api   *httptest.Server
	cdn   *httptest.Server
	admin *pgx.Conn
	http  *http.Client
}

type keys struct{ m *keysource.Material }

func (k keys) Get(context.Context) (*keysource.Material, error) { return k.m, nil }

// tokens are what the stand-in authorizer knows: token -> Cognito claims.
var tokens = map[string]map[string]any{
	"alice-token":   {"sub": "alice", "custom:customer_id": "acme", "cognito:groups": "staff"},
	"mallory-token": {"sub": "mallory", "custom:customer_id": "globex", "cognito:groups": "staff"},
	// Administrators, for the admin API (admin_e2e_test.go).
	"root-token":       {"sub": "root", "cognito:groups": "[platform-admins]"},
	"acme-admin-token": {"sub": "acme-admin", "custom:customer_id": "acme", "cognito:groups": "[customer-admins]"},
}

var tokensMu sync.Mutex

// tokenClaims is what the stand-in authorizer finds for a token.
func tokenClaims(token string) (map[string]any, bool) {
	tokensMu.Lock()
	defer tokensMu.Unlock()
	c, ok := tokens[token]
	return c, ok
}

// issueToken registers claims under a new token, as Cognito issuing an ID token.
func issueToken(token string, claims map[string]any) {
	tokensMu.Lock()
	defer tokensMu.Unlock()
	tokens[token] = claims
}

// backend is the real store over a fresh migrated database with two customers (Acme:
// staff may read, write and delete; Globex: staff may read) and the real presigner
// over the S3 server; admin is the database owner's connection.
func backend(t *testing.T) (st *store.Store, up *presign.Presigner, admin *pgx.Conn) {
	t.Helper()
	db, admin := cluster.MigratedDatabase(t,
		"INSERT INTO customers (id, display_name, s3_prefix) VALUES ('acme', 'Acme', 'customers/acme'), ('globex', 'Globex', 'customers/globex')",
		"INSERT INTO access_rules (customer_id, path_prefix, role, actions) VALUES ('acme', '', 'staff', '{read,write,delete}'), ('globex', '', 'staff', '{read}')",
	)
	st, err := store.Open(store.Config{Host: "127.0.0.1", Port: cluster.Port, Database: db, User: "signet_app", RetryBudget: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	up, err = presign.New(s3srv.Client(nil), presign.Config{Bucket: bucket})
	if err != nil {
		t.Fatal(err)
	}
	return st, up, admin
}

func newWorld(t *testing.T) *world {
	t.Helper()
	st, up, admin := backend(t)
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	signer, err := signing.NewSigner("K2JCJMDEHXQW5F", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rk)}))
	if err != nil {
		t.Fatal(err)
	}
	w := &world{admin: admin}
	w.cdn = httptest.NewTLSServer(cloudFront(t, &rk.PublicKey))
	t.Cleanup(w.cdn.Close)
	h := &api.Handler{Store: st, Uploads: up, Keys: keys{&keysource.Material{Signer: signer, Domain: w.cdn.Listener.Addr().String(), KeyName: "k1"}},
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	w.api = httptest.NewServer(apiGateway(h))
	t.Cleanup(w.api.Close)
	w.http = w.cdn.Client()
	return w
}

func (w *world) client(token string) *client.Client {
	return &client.Client{BaseURL: w.api.URL, Tokens: client.StaticToken(token), HTTP: w.http}
}

// apiGateway turns HTTP into the proxy event API Gateway sends after its Cognito
// authorizer has verified the token (here: looked it up).
func apiGateway(h *api.Handler) http.Handler { return gateway(h.Handle) }

// gateway is apiGateway for any Lambda handler; under /admin it fills the {proxy+}
// path parameter as the admin resource does.
func gateway(handle func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		hdr := map[string]string{}
		for k := range r.Header {
			hdr[k] = r.Header.Get(k)
		}
		q := map[string]string{}
		for k := range r.URL.Query() {
			q[k] = r.URL.Query().Get(k)
		}
		ev := events.APIGatewayProxyRequest{HTTPMethod: r.Method, Resource: r.URL.Path, Path: r.URL.Path, Body: string(body),
			Headers: hdr, QueryStringParameters: q,
			RequestContext: events.APIGatewayProxyRequestContext{RequestID: strconv.FormatInt(time.Now().UnixNano(), 36),
				Identity: events.APIGatewayRequestIdentity{SourceIP: remoteIP(r)}}}
		if proxy, ok := strings.CutPrefix(r.URL.Path, "/admin/"); ok {
			ev.Resource, ev.PathParameters = "/admin/{proxy+}", map[string]string{"proxy": proxy}
		}
		if claims, ok := tokenClaims(r.Header.Get("Authorization")); ok {
			ev.RequestContext.Authorizer = map[string]any{"claims": claims}
		}
		resp, _ := handle(r.Context(), ev)
		for k, v := range resp.Headers {
			w.Header().Set(k, v)
		}
		for k, vs := range resp.MultiValueHeaders {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.WriteString(w, resp.Body)
	})
}

// remoteIP is the host of r.RemoteAddr: the caller's address as API Gateway sees it.
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// cloudFront checks a signed URL as CloudFront does (policy rebuilt from the URL for
// canned, decoded for custom; signature with the public key; expiry, start, resource,
// IP) and serves the object from S3.
func cloudFront(t *testing.T, pub *rsa.PublicKey) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		u := "https://" + r.Host + r.URL.EscapedPath()
		if q.Get("Signature") == "" {
			// Signed cookies carry the same values under CloudFront- names.
			for _, name := range []string{"Expires", "Policy", "Signature", "Key-Pair-Id"} {
				if c, err := r.Cookie("CloudFront-" + name); err == nil {
					q.Set(name, c.Value)
				}
			}
		}
		var doc []byte
		if exp := q.Get("Expires"); exp != "" {
			n, _ := strconv.ParseInt(exp, 10, 64)
			doc = signing.Policy{Resource: u, Expires: time.Unix(n, 0)}.AppendJSON(nil)
		} else {
			doc, _ = signing.DecodeURLSafe(q.Get("Policy"))
		}
		if q.Get("Key-Pair-Id") != "K2JCJMDEHXQW5F" || signing.Verify(pub, doc, q.Get("Signature")) != nil {
			http.Error(w, "signature", http.StatusForbidden)
			return
		}
		var p struct {
			Statement []struct {
				Resource  string
				Condition map[string]map[string]any
			}
		}
		if json.Unmarshal(doc, &p) != nil || len(p.Statement) != 1 {
			http.Error(w, "policy", http.StatusForbidden)
			return
		}
		st := p.Statement[0]
		if res := st.Resource; res != u && !(strings.HasSuffix(res, "*") && strings.HasPrefix(u, strings.TrimSuffix(res, "*"))) {
			http.Error(w, "resource", http.StatusForbidden)
			return
		}
		if exp, _ := st.Condition["DateLessThan"]["AWS:EpochTime"].(float64); time.Now().Unix() >= int64(exp) {
			http.Error(w, "expired", http.StatusForbidden)
			return
		}
		key := strings.TrimPrefix(r.URL.Path, "/")
		out, err := s3srv.Client(nil).GetObject(r.Context(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err != nil {
			http.Error(w, "missing", http.StatusNotFound)
			return
		}
		defer out.Body.Close()
		_, _ = io.Copy(w, out.Body)
	})
}

func TestUploadListDownloadEndToEnd(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	alice := w.client("alice-token")
	data := make([]byte, 1<<20+17)
	_, _ = rand.Read(data)
	local := filepath.Join(t.TempDir(), "report.bin")
	if err := os.WriteFile(local, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := alice.Upload(ctx, local, "reports/2025/report.bin", "application/octet-stream"); err != nil {
		t.Fatal(err)
	}
	// The bytes sit under Acme's prefix in S3, and the record is available.
	if _, err := s3srv.Client(nil).HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("customers/acme/reports/2025/report.bin")}); err != nil {
		t.Fatalf("object not in S3 under the customer's prefix: %v", err)
	}
	files, err := alice.List(ctx, "reports")
	if err != nil || len(files) != 1 || files[0].Path != "reports/2025/report.bin" || files[0].Size != int64(len(data)) {
		t.Fatalf("list: %+v %v", files, err)
	}
	var got bytes.Buffer
	if n, err := alice.Download(ctx, "reports/2025/report.bin", &got); err != nil || n != int64(len(data)) || !bytes.Equal(got.Bytes(), data) {
		t.Fatalf("download: %d %v", n, err)
	}
	var audits int
	_ = w.admin.QueryRow(ctx, "SELECT count(*) FROM audit_events WHERE subject = 'alice' AND customer_id = 'acme'").Scan(&audits)
	if audits != 2 {
		t.Errorf("audit rows %d, want 2 (upload, download)", audits)
	}
}

func TestAnotherCustomerCannotReachTheFile(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	alice, mallory := w.client("alice-token"), w.client("mallory-token")
	local := filepath.Join(t.TempDir(), "secret.txt")
	_ = os.WriteFile(local, []byte("acme only"), 0o600)
	if err := alice.Upload(ctx, local, "secret.txt", "text/plain"); err != nil {
		t.Fatal(err)
	}
	// Mallory's paths resolve under Globex's prefix: the same name is another object.
	var buf bytes.Buffer
	if _, err := mallory.Download(ctx, "secret.txt", &buf); err == nil || buf.Len() != 0 {
		t.Fatalf("mallory downloaded %q (%v)", buf.String(), err)
	}
	if files, err := mallory.List(ctx, ""); err != nil || len(files) != 0 {
		t.Fatalf("mallory lists %+v %v", files, err)
	}
	if err := mallory.Upload(ctx, local, "x.txt", "text/plain"); !errors.Is(err, client.ErrForbidden) {
		t.Fatalf("mallory uploaded (read-only role): %v", err)
	}
	for _, p := range []string{"../acme/secret.txt", "/customers/acme/secret.txt"} {
		if _, _, err := mallory.DownloadURL(ctx, p, client.DownloadOptions{}); !errors.Is(err, client.ErrInvalid) {
			t.Fatalf("%q: %v", p, err)
		}
	}
	// Globex has no secret.txt: no URL is signed for a file that does not exist.
	if _, _, err := mallory.DownloadURL(ctx, "secret.txt", client.DownloadOptions{}); !errors.Is(err, client.ErrNotFound) {
		t.Fatalf("URL for a missing file: %v", err)
	}
	// Mallory's own signed URL for a Globex file, pointed at Acme's object, fails
	// CloudFront's check.
	if _, err := w.admin.Exec(ctx, `INSERT INTO files (customer_id, path, content_type, size_bytes, checksum_sha256, status, created_by)
		VALUES ('globex', 'secret.txt', 'text/plain', 1, '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=', 'available', 'x')`); err != nil {
		t.Fatal(err)
	}
	u, _, err := mallory.DownloadURL(ctx, "secret.txt", client.DownloadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := w.http.Get(strings.Replace(u, "/customers/globex/", "/customers/acme/", 1))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("re-pointed URL answered %d", resp.StatusCode)
	}
	if _, err := w.client("forged-token").List(ctx, ""); !errors.Is(err, client.ErrUnauthenticated) {
		t.Fatalf("unknown token: %v", err)
	}
}

func TestBrowserFormUpload(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	alice := w.client("alice-token")
	data := []byte("a,b\n1,2\n")
	sum := sha256.Sum256(data)
	form, err := alice.UploadForm(ctx, "tables/t.csv", "text/csv", int64(len(data)), base64.StdEncoding.EncodeToString(sum[:]))
	if err != nil {
		t.Fatal(err)
	}
	if err := alice.PostFile(ctx, form, bytes.NewReader(append(data, 'x'))); err == nil {
		t.Fatal("a larger file than declared was accepted")
	}
	if err := alice.PostFile(ctx, form, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	// Listed only once completed: until then the record is pending.
	if files, _ := alice.List(ctx, "tables"); len(files) != 0 {
		t.Fatalf("pending file listed: %+v", files)
	}
	if err := callComplete(ctx, w, "tables/t.csv"); err != nil {
		t.Fatal(err)
	}
	if files, _ := alice.List(ctx, "tables"); len(files) != 1 {
		t.Fatalf("list after form upload: %+v", files)
	}
}

// callComplete reports a form upload as done (the browser's app would).
func callComplete(ctx context.Context, w *world, path string) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, w.api.URL+"/uploads/complete", strings.NewReader(`{"path":"`+path+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "alice-token")
	resp, err := w.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("%d %s", resp.StatusCode, b)
	}
	return nil
}

// The PKCE flow against a stand-in hosted UI that checks the verifier.
func TestLoginWithPKCE(t *testing.T) {
	var challenge, redirect string
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/oauth2/authorize":
			q := r.URL.Query()
			if q.Get("code_challenge_method") != "S256" || q.Get("response_type") != "code" || q.Get("client_id") != "client-1" {
				http.Error(w, "bad request", 400)
				return
			}
			challenge, redirect = q.Get("code_challenge"), q.Get("redirect_uri")
			http.Redirect(w, r, redirect+"?code=code-1&state="+q.Get("state"), http.StatusFound)
		case "/oauth2/token":
			w.Header().Set("Content-Type", "application/json")
			_ = r.ParseForm()
			sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
			switch {
			case r.PostForm.Get("grant_type") == "refresh_token" && r.PostForm.Get("refresh_token") == "refresh-1":
				_, _ = io.WriteString(w, `{"access_token":"at-2","id_token":"id-2","token_type":"Bearer","expires_in":900}`)
			case r.PostForm.Get("code") == "code-1" && base64.RawURLEncoding.EncodeToString(sum[:]) == challenge && r.PostForm.Get("redirect_uri") == redirect:
				_, _ = io.WriteString(w, `{"access_token":"at-1","id_token":"id-1","refresh_token":"refresh-1","token_type":"Bearer","expires_in":900}`)
			default:
				w.WriteHeader(400)
				_, _ = io.WriteString(w, `{"error":"invalid_grant"}`)
			}
		}
	}))
	defer idp.Close()
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	o := &client.OAuth{Domain: idp.URL, ClientID: "client-1", RedirectURL: fmt.Sprintf("http://localhost:%d/callback", port)}
	browser := func(u string) error {
		go func() {
			if resp, err := http.Get(u); err == nil {
				resp.Body.Close()
			}
		}()
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tok, err := o.Login(ctx, browser)
	if err != nil || tok.IDToken != "id-1" || tok.RefreshToken != "refresh-1" {
		t.Fatalf("login: %+v %v", tok, err)
	}
	tok.ExpiresAt = time.Now() // due for refresh
	src := &client.RefreshingTokens{OAuth: o, Tokens: tok}
	if id, err := src.Token(ctx); err != nil || id != "id-2" || src.Current().RefreshToken != "refresh-1" {
		t.Fatalf("refresh: %q %v", id, err)
	}
}

// Folder cookies: one signature for every file under a folder, checked by the
// CloudFront stand-in from the cookies; a file outside the folder is refused.
func TestFolderCookies(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	alice := w.client("alice-token")
	dir := t.TempDir()
	for _, name := range []string{"a.txt", "b.txt"} {
		local := filepath.Join(dir, name)
		_ = os.WriteFile(local, []byte("content of "+name), 0o600)
		if err := alice.Upload(ctx, local, "shared/"+name, "text/plain"); err != nil {
			t.Fatal(err)
		}
	}
	_ = os.WriteFile(filepath.Join(dir, "c.txt"), []byte("elsewhere"), 0o600)
	if err := alice.Upload(ctx, filepath.Join(dir, "c.txt"), "private/c.txt", "text/plain"); err != nil {
		t.Fatal(err)
	}
	cookies, resource, err := alice.FolderCookies(ctx, "shared", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(resource, "/customers/acme/shared/*") || len(cookies) != 3 {
		t.Fatalf("resource %s, %d cookies", resource, len(cookies))
	}
	get := func(key string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, "https://"+w.cdn.Listener.Addr().String()+"/"+key, nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		resp, err := w.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, name := range []string{"a.txt", "b.txt"} {
		if status, body := get("customers/acme/shared/" + name); status != 200 || body != "content of "+name {
			t.Fatalf("%s: %d %q", name, status, body)
		}
	}
	if status, _ := get("customers/acme/private/c.txt"); status != http.StatusForbidden {
		t.Fatalf("outside the folder: %d", status)
	}
	// Mallory's "shared" is Globex's folder: her cookies open nothing of Acme's.
	cookies, _, err = w.client("mallory-token").FolderCookies(ctx, "shared", time.Minute)
	if err != nil {
		t.Fatalf("mallory's own folder: %v", err)
	}
	if status, _ := get("customers/acme/shared/a.txt"); status != http.StatusForbidden {
		t.Fatalf("mallory's cookies opened Acme's file: %d", status)
	}
}
