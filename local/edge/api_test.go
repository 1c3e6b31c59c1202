package edge_test

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/signet-cdk/signet/local/edge"
)

// recorder is an API origin that keeps what it received.
type recorder struct {
	mu   sync.Mutex
	got  []*http.Request
	body []string
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	rec.got = append(rec.got, r)
	rec.body = append(rec.body, string(b))
	rec.mu.Unlock()
	w.Header().Set("X-From-Api", "yes")
	w.WriteHeader(http.StatusCreated)
	_, _ = io.WriteString(w, "created")
}

func (rec *recorder) last(t *testing.T) (*http.Request, string) {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.got) == 0 {
		t.Fatal("the API received nothing")
	}
	return rec.got[len(rec.got)-1], rec.body[len(rec.body)-1]
}

func apiCDN(t *testing.T, apiHost string) (*cdn, *recorder) {
	rec := &recorder{}
	c := newCDN(t, func(cfg *edge.Config) {
		cfg.API = rec
		cfg.APIHost = apiHost
		cfg.OriginHeaders = map[string]string{"X-Origin-Verify": "origin-secret"}
	})
	return c, rec
}

// /api/* goes to the API as CloudFront's API behaviour sends it: method, path,
// query, body, Authorization and cookies unchanged; the origin header set over the
// viewer's copy; the viewer's Host dropped; the viewer's IP appended to
// X-Forwarded-For; CloudFront-Viewer-Address written by the edge, never the viewer.
func TestAPIForwarding(t *testing.T) {
	c, rec := apiCDN(t, "")
	req, err := http.NewRequest(http.MethodPatch, c.srv.URL+"/api/files/report.pdf?a=1&b=x%20y", strings.NewReader(`{"name":"q1"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer viewer-token")
	req.Header.Set("X-Forwarded-For", "1.2.3.4")
	req.Header.Set("X-Origin-Verify", "spoofed")
	req.Header.Set("CloudFront-Viewer-Address", "9.9.9.9:1")
	req.Header.Set("CloudFront-Viewer-Country", "XX")
	req.AddCookie(&http.Cookie{Name: "session", Value: "abc"})
	resp, err := c.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || string(body) != "created" || resp.Header.Get("X-From-Api") != "yes" {
		t.Fatalf("API response not passed on: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	if resp.Header.Get("Strict-Transport-Security") != "" {
		t.Error("the files' response headers policy was added to an API response")
	}
	got, gotBody := rec.last(t)
	checks := []struct{ what, got, want string }{
		{"method", got.Method, http.MethodPatch},
		{"path", got.URL.Path, "/api/files/report.pdf"},
		{"query", got.URL.RawQuery, "a=1&b=x%20y"},
		{"body", gotBody, `{"name":"q1"}`},
		{"Authorization", got.Header.Get("Authorization"), "Bearer viewer-token"},
		{"Cookie", got.Header.Get("Cookie"), "session=abc"},
		{"origin header", strings.Join(got.Header.Values("X-Origin-Verify"), ","), "origin-secret"},
		{"X-Forwarded-For", strings.Join(got.Header.Values("X-Forwarded-For"), ","), "1.2.3.4, 127.0.0.1"},
		{"CloudFront-Viewer-Address", strings.Join(got.Header.Values("CloudFront-Viewer-Address"), ","), got.RemoteAddr},
		{"viewer's CloudFront-Viewer-Country", got.Header.Get("CloudFront-Viewer-Country"), ""},
		{"Host", got.Host, ""},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s: got %q, want %q", ch.what, ch.got, ch.want)
		}
	}
	if !strings.HasPrefix(got.RemoteAddr, "127.0.0.1:") {
		t.Errorf("RemoteAddr %q", got.RemoteAddr)
	}
}

// Without a viewer X-Forwarded-For the edge starts one; several viewer lines become
// one list; APIHost is the Host the API sees.
func TestAPIForwardedForAndHost(t *testing.T) {
	c, rec := apiCDN(t, "api.internal")
	r := c.do(t, http.MethodGet, c.srv.URL+"/api", nil, nil)
	got, _ := rec.last(t)
	if r.status != http.StatusCreated || got.URL.Path != "/api" || got.Header.Get("X-Forwarded-For") != "127.0.0.1" || got.Host != "api.internal" {
		t.Fatalf("/api: %d path %q XFF %q host %q", r.status, got.URL.Path, got.Header.Get("X-Forwarded-For"), got.Host)
	}
	req, _ := http.NewRequest(http.MethodDelete, c.srv.URL+"/api/x", nil)
	req.Header.Add("X-Forwarded-For", "1.2.3.4")
	req.Header.Add("X-Forwarded-For", "5.6.7.8, 9.10.11.12")
	resp, err := c.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got, _ = rec.last(t)
	if xff := got.Header.Values("X-Forwarded-For"); len(xff) != 1 || xff[0] != "1.2.3.4, 5.6.7.8, 9.10.11.12, 127.0.0.1" || got.Method != http.MethodDelete {
		t.Fatalf("X-Forwarded-For %q, method %s", xff, got.Method)
	}
}

// Only "/api" and "/api/..." as sent are the API; "/apix" and "/api%2Fx" are files
// and need a signature, and so does /api/* when there is no API.
func TestAPIPathBoundaries(t *testing.T) {
	c, rec := apiCDN(t, "")
	for _, p := range []string{"/apix", "/api%2Fx", "/API/x"} {
		r := c.do(t, http.MethodGet, c.srv.URL+p, nil, nil)
		wantXMLError(t, r, http.StatusForbidden, "AccessDenied", "Missing Key-Pair-Id query parameter or cookie value")
	}
	rec.mu.Lock()
	n := len(rec.got)
	rec.mu.Unlock()
	if n != 0 {
		t.Fatalf("the API received %d requests for file paths", n)
	}
	noAPI := newCDN(t, nil)
	r := noAPI.do(t, http.MethodPost, noAPI.srv.URL+"/api/files", nil, nil)
	wantXMLError(t, r, http.StatusForbidden, "AccessDenied", r.bodyMessage())
	if err := noAPI.Verify(httptestRequest(t, http.MethodGet, noAPI.url(t, "api/files"))); !isRefusal(err, edge.ErrMissingSignature) {
		t.Fatalf("/api/files without an API: %v", err)
	}
}

// bodyMessage is the Message of an XML error body.
func (r response) bodyMessage() string {
	_, m, _ := strings.Cut(string(r.body), "<Message>")
	m, _, _ = strings.Cut(m, "</Message>")
	return m
}
