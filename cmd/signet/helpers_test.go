package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signet-cdk/signet/client"
)

func TestMain(m *testing.M) {
	// Quick retries: a stand-in's 503 is retried once, at once.
	retry = client.Retry{Attempts: 2, Initial: time.Millisecond, Max: time.Millisecond}
	os.Exit(m.Run())
}

// result is what one run of the CLI printed and its exit code.
type result struct {
	stdout, stderr string
	code           int
}

// signet runs the CLI as main does, with stderr not a terminal.
func signet(t *testing.T, args ...string) result {
	t.Helper()
	return signetCtx(context.Background(), args, false)
}

func signetCtx(ctx context.Context, args []string, tty bool) result {
	var out, errb bytes.Buffer
	code := execute(ctx, args, streams{out: &out, err: &errb, tty: tty})
	return result{out.String(), errb.String(), code}
}

// failed checks a run that failed with code: one line on stderr, containing want,
// and nothing on stdout.
func (r result) failed(t *testing.T, code int, want string) {
	t.Helper()
	if r.code != code || strings.Count(r.stderr, "\n") != 1 || !strings.HasSuffix(r.stderr, "\n") ||
		!strings.Contains(r.stderr, want) || r.stdout != "" {
		t.Errorf("want exit %d and one line with %q; got exit %d, stderr %q, stdout %q", code, want, r.code, r.stderr, r.stdout)
	}
}

// ok checks a run that succeeded with nothing on stderr.
func (r result) ok(t *testing.T) {
	t.Helper()
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
}

// jwt is an unsigned JWT with the claims (the CLI reads claims, the API checks
// signatures).
func jwt(claims map[string]any) string {
	b, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc(b) + "." + enc([]byte("signature"))
}

// fileWorld is a stand-in for the API's file routes, the storage behind the signed
// URLs, and the issuer's token and revocation endpoints, all on one TLS server.
type fileWorld struct {
	*httptest.Server
	t *testing.T

	mu           sync.Mutex
	files        map[string][]byte
	types        map[string]string // content types of uploads
	tokens       map[string]bool   // ID tokens the API accepts
	calls        []string          // "POST /downloads" for every API request
	bodies       []map[string]any  // their JSON bodies
	status       int               // when set, every API call is answered with it
	revoke       []url.Values      // the revocation requests
	revokeStatus int               // the revocation endpoint's answer (default 200)
	refreshed    []url.Values      // the token endpoint's requests
	newToken     string            // the ID token the token endpoint gives
	wrongSum     bool              // the API states a checksum the bytes do not have
	badDigest    bool              // the storage refuses uploads as not matching their checksum
	stall        chan struct{}     // when set, a GET of a file sends half, then waits for it to close
	halfSent     chan struct{}     // closed once a stalled GET has sent half
	ranges       []string          // the Range header of every GET of a file
}

// newFileWorld starts the stand-in and points the CLI at it through the environment
// (API URL, sign-in domain, client id) with the ID token "tok".
func newFileWorld(t *testing.T) *fileWorld {
	w := &fileWorld{t: t, files: map[string][]byte{}, types: map[string]string{}, tokens: map[string]bool{"tok": true}}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", w.api)
	mux.HandleFunc("GET /obj/", w.object)
	mux.HandleFunc("PUT /put/", w.put)
	mux.HandleFunc("POST /oauth2/revoke", w.revoked)
	mux.HandleFunc("POST /oauth2/token", w.token)
	w.Server = httptest.NewTLSServer(mux)
	t.Cleanup(w.Close)
	httpClient = w.Client()
	t.Cleanup(func() { httpClient = nil })
	t.Setenv("SIGNET_API_URL", w.URL+"/api")
	t.Setenv("SIGNET_AUTH_DOMAIN", w.URL)
	t.Setenv("SIGNET_CLIENT_ID", "cli")
	t.Setenv("SIGNET_ID_TOKEN", "tok")
	return w
}

func apiError(rw http.ResponseWriter, status int, code, msg string) {
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(status)
	fmt.Fprintf(rw, `{"error":{"code":%q,"message":%q}}`, code, msg)
}

func (w *fileWorld) api(rw http.ResponseWriter, r *http.Request) {
	var in map[string]any
	b, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(b, &in)
	route := r.Method + " " + strings.TrimPrefix(r.URL.Path, "/api")
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls = append(w.calls, route)
	w.bodies = append(w.bodies, in)
	switch {
	case w.status != 0:
		apiError(rw, w.status, "stand_in", http.StatusText(w.status))
		return
	case !w.tokens[r.Header.Get("Authorization")]:
		apiError(rw, 401, "unauthenticated", "sign in first")
		return
	}
	path, _ := in["path"].(string)
	switch route {
	case "GET /files":
		w.list(rw, r.URL.Query().Get("folder"))
	case "POST /downloads":
		w.download(rw, path, in)
	case "POST /uploads":
		w.types[path], _ = in["contentType"].(string)
		writeJSON(rw, map[string]any{"method": "PUT", "url": w.URL + "/put/" + path, "headers": map[string]string{"Content-Type": w.types[path]}})
	case "POST /uploads/complete":
		writeJSON(rw, map[string]any{"path": path, "status": "available"})
	case "DELETE /files":
		p := r.URL.Query().Get("path")
		_, had := w.files[p]
		delete(w.files, p)
		writeJSON(rw, map[string]any{"path": p, "deleted": had})
	default:
		apiError(rw, 404, "not_found", "no such route")
	}
}

func writeJSON(rw http.ResponseWriter, v any) {
	rw.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(rw).Encode(v)
}

func (w *fileWorld) list(rw http.ResponseWriter, folder string) {
	files := []map[string]any{}
	for p, b := range w.files {
		if strings.HasPrefix(p, folder) {
			files = append(files, map[string]any{"path": p, "contentType": "application/octet-stream", "size": len(b), "updatedAt": "2030-01-01T00:00:00Z"})
		}
	}
	writeJSON(rw, map[string]any{"files": files})
}

func (w *fileWorld) download(rw http.ResponseWriter, path string, in map[string]any) {
	expires := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	if in["scope"] == "folder" {
		writeJSON(rw, map[string]any{"resource": w.URL + "/customers/acme/" + path + "/*", "expiresAt": expires,
			"cookies": map[string]string{"CloudFront-Policy": "p", "CloudFront-Signature": "s", "CloudFront-Key-Pair-Id": "K"}})
		return
	}
	b, ok := w.files[path]
	if !ok {
		apiError(rw, 404, "not_found", "no such file")
		return
	}
	sum := sha256.Sum256(b)
	if w.wrongSum {
		sum = sha256.Sum256(append(b, 'x'))
	}
	writeJSON(rw, map[string]any{"url": w.URL + "/obj/" + path + "?Signature=s", "expiresAt": expires, "size": len(b),
		"checksumSha256": base64.StdEncoding.EncodeToString(sum[:])})
}

// object serves a file as the storage would: ranges, an ETag; or, stalling, half of
// it and then nothing until stall is closed.
func (w *fileWorld) object(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	b, ok := w.files[strings.TrimPrefix(r.URL.Path, "/obj/")]
	stall, half := w.stall, w.halfSent
	w.ranges = append(w.ranges, r.Header.Get("Range"))
	w.mu.Unlock()
	if !ok {
		http.NotFound(rw, r)
		return
	}
	rw.Header().Set("ETag", `"v1"`)
	if stall != nil && r.Header.Get("Range") == "" {
		rw.Header().Set("Content-Length", fmt.Sprint(len(b)))
		_, _ = rw.Write(b[:len(b)/2])
		rw.(http.Flusher).Flush()
		close(half)
		select {
		case <-stall:
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
		return
	}
	http.ServeContent(rw, r, "", time.Time{}, bytes.NewReader(b))
}

func (w *fileWorld) put(rw http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.badDigest {
		rw.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(rw, "<Error><Code>BadDigest</Code><Message>The SHA256 you specified did not match the calculated checksum.</Message></Error>")
		return
	}
	w.files[strings.TrimPrefix(r.URL.Path, "/put/")] = b
}

func (w *fileWorld) revoked(rw http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.revoke = append(w.revoke, r.PostForm)
	if w.revokeStatus != 0 {
		rw.WriteHeader(w.revokeStatus)
	}
}

func (w *fileWorld) token(rw http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.refreshed = append(w.refreshed, r.PostForm)
	if w.newToken == "" {
		rw.Header().Set("Content-Type", "application/json")
		rw.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(rw, `{"error":"invalid_grant"}`)
		return
	}
	w.tokens[w.newToken] = true
	writeJSON(rw, map[string]any{"access_token": "at", "token_type": "Bearer", "id_token": w.newToken, "refresh_token": "refresh-2", "expires_in": 3600})
}

// set stores a file.
func (w *fileWorld) set(path string, b []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.files[path] = b
}

func (w *fileWorld) get(path string) ([]byte, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	b, ok := w.files[path]
	return b, ok
}

// lastBody is the JSON body of the last API request.
func (w *fileWorld) lastBody() map[string]any {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.bodies[len(w.bodies)-1]
}

// fileMode is the permission bits of path, failing the test when it is missing.
func fileMode(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

// noFile fails the test if path exists.
func noFile(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("%s exists (%v)", path, err)
	}
}

// entries lists the files in dir.
func entries(dir string) []string {
	var names []string
	list, _ := os.ReadDir(dir)
	for _, e := range list {
		names = append(names, filepath.Join(dir, e.Name()))
	}
	return names
}
