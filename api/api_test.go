package api_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signet-cdk/signet/api"
	"github.com/signet-cdk/signet/keysource"
	"github.com/signet-cdk/signet/presign"
	"github.com/signet-cdk/signet/signing"
	"github.com/signet-cdk/signet/store"
)

// fakeStore allows what rules says ("action path"), and records audits.
type fakeStore struct {
	allow   map[string]bool
	err     error // returned by every call when set
	panics  bool
	audits  []store.AuditEntry
	files   []store.File
	marked  []string
	folders map[string]bool
}

func (f *fakeStore) decide(p store.Principal, a store.Action, path string) (store.Decision, error) {
	if f.panics {
		panic("store exploded")
	}
	if f.err != nil {
		return store.Decision{}, f.err
	}
	if err := signing.CanonicalPath(path); err != nil {
		return store.Decision{}, fmt.Errorf("%w: %v", store.ErrInvalid, err)
	}
	if !f.allow[string(a)+" "+path] {
		return store.Decision{}, store.ErrForbidden
	}
	return store.Decision{Key: "customers/" + p.CustomerID + "/" + path}, nil
}

func (f *fakeStore) Authorize(_ context.Context, p store.Principal, a store.Action, path string) (store.Decision, error) {
	return f.decide(p, a, path)
}
func (f *fakeStore) AuthorizeFolder(_ context.Context, p store.Principal, a store.Action, folder string) (store.Decision, error) {
	if !f.folders[folder] {
		return store.Decision{}, store.ErrForbidden
	}
	return store.Decision{Key: "customers/" + p.CustomerID + "/" + folder}, nil
}
func (f *fakeStore) RecordUpload(_ context.Context, p store.Principal, in store.FileIntent) (store.File, store.Decision, error) {
	d, err := f.decide(p, store.Write, in.Path)
	return store.File{Path: in.Path}, d, err
}
func (f *fakeStore) MarkAvailable(_ context.Context, p store.Principal, path string) error {
	f.marked = append(f.marked, path)
	return nil
}
func (f *fakeStore) ListReadable(_ context.Context, p store.Principal, folder, cursor string, limit int) ([]store.File, string, error) {
	return f.files, "", f.err
}
func (f *fakeStore) Audit(_ context.Context, p store.Principal, e store.AuditEntry) error {
	f.audits = append(f.audits, e)
	return nil
}

type fakeKeys struct {
	m   *keysource.Material
	err error
}

func (k fakeKeys) Get(context.Context) (*keysource.Material, error) { return k.m, k.err }

type fakeUploads struct{ exists bool }

func (fakeUploads) Put(_ context.Context, r presign.PutRequest) (*presign.Request, error) {
	return &presign.Request{Method: "PUT", URL: "https://s3.example/" + r.Key + "?X-Amz-Signature=abc",
		Header: http.Header{"Content-Type": {r.ContentType}}, Expires: time.Unix(1900000900, 0)}, nil
}
func (fakeUploads) Post(_ context.Context, r presign.PostRequest) (*presign.PostForm, error) {
	return &presign.PostForm{URL: "https://s3.example/bucket", Fields: map[string]string{"key": r.Key}, Expires: time.Unix(1900000900, 0)}, nil
}
func (u fakeUploads) Exists(context.Context, string) (bool, error) { return u.exists, nil }

func newSigner(t *testing.T) *signing.Signer {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	s, err := signing.NewSigner("K2JCJMDEHXQW5F", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var now = time.Unix(1_900_000_000, 0)

func event(method, resource, body string, claims map[string]any) events.APIGatewayProxyRequest {
	return events.APIGatewayProxyRequest{
		HTTPMethod: method, Resource: resource, Body: body,
		Headers: map[string]string{"content-type": "application/json"},
		RequestContext: events.APIGatewayProxyRequestContext{
			RequestID:  "req-1",
			Authorizer: map[string]any{"claims": claims},
			Identity:   events.APIGatewayRequestIdentity{SourceIP: "203.0.113.9"},
		},
	}
}

var member = map[string]any{"sub": "user-1", "custom:customer_id": "acme", "cognito:groups": "[staff finance]"}

type apiCase struct {
	name   string
	req    events.APIGatewayProxyRequest
	setup  func(*fakeStore, *fakeKeys, *fakeUploads)
	status int
	code   string // error code, for errors
	check  func(t *testing.T, body map[string]any, resp events.APIGatewayProxyResponse, fs *fakeStore)
}

func TestHandlerTable(t *testing.T) {
	signer := newSigner(t)
	cases := []apiCase{
		{name: "no claims", req: event("POST", "/downloads", `{"path":"q1.pdf"}`, nil), status: 401, code: "unauthenticated"},
		{name: "no customer", req: event("POST", "/downloads", `{"path":"q1.pdf"}`, map[string]any{"sub": "u"}), status: 403, code: "forbidden"},
		{name: "unknown route", req: event("DELETE", "/files", ``, member), status: 405, code: "method_not_allowed"},
		{name: "not json", req: func() events.APIGatewayProxyRequest {
			e := event("POST", "/downloads", `path=q1.pdf`, member)
			e.Headers = map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
			return e
		}(), status: 415, code: "unsupported_media_type"},
		{name: "body too large", req: event("POST", "/downloads", `{"path":"`+strings.Repeat("a", api.MaxBody)+`"}`, member), status: 413, code: "too_large"},
		{name: "malformed json", req: event("POST", "/downloads", `{"path": secret-value`, member), status: 400, code: "invalid_request",
			check: func(t *testing.T, b map[string]any, _ events.APIGatewayProxyResponse, _ *fakeStore) {
				if strings.Contains(fmt.Sprint(b), "secret-value") {
					t.Error("input echoed")
				}
			}},
		{name: "unknown field", req: event("POST", "/downloads", `{"path":"q1.pdf","admin":true}`, member), status: 400, code: "invalid_request"},
		{name: "bad path", req: event("POST", "/downloads", `{"path":"../globex/q1.pdf"}`, member), status: 400, code: "invalid_request"},
		{name: "forbidden", req: event("POST", "/downloads", `{"path":"secret.pdf"}`, member), status: 403, code: "forbidden"},
		{name: "lifetime too long", req: event("POST", "/downloads", `{"path":"q1.pdf","lifetimeSeconds":86400}`, member), status: 400, code: "invalid_request"},
		{name: "ipv6 restriction", req: event("POST", "/downloads", `{"path":"q1.pdf","ipRestriction":"2001:db8::/32"}`, member), status: 400, code: "invalid_request"},
		{name: "folder as url", req: event("POST", "/downloads", `{"path":"reports","scope":"folder"}`, member), status: 400, code: "invalid_request"},
		{name: "database unavailable", req: event("POST", "/downloads", `{"path":"q1.pdf"}`, member), status: 503, code: "unavailable",
			setup: func(s *fakeStore, _ *fakeKeys, _ *fakeUploads) {
				s.err = fmt.Errorf("%w: dial tcp 10.0.0.5:5432: timeout", store.ErrUnavailable)
			},
			check: func(t *testing.T, b map[string]any, _ events.APIGatewayProxyResponse, _ *fakeStore) {
				if strings.Contains(fmt.Sprint(b), "10.0.0.5") {
					t.Error("internal error echoed")
				}
			}},
		{name: "unexpected error", req: event("POST", "/downloads", `{"path":"q1.pdf"}`, member), status: 500, code: "internal",
			setup: func(s *fakeStore, _ *fakeKeys, _ *fakeUploads) {
				s.err = errors.New("pq: relation secret_table does not exist")
			},
			check: func(t *testing.T, b map[string]any, _ events.APIGatewayProxyResponse, _ *fakeStore) {
				if strings.Contains(fmt.Sprint(b), "secret_table") {
					t.Error("internal error echoed")
				}
			}},
		{name: "panic", req: event("POST", "/downloads", `{"path":"q1.pdf"}`, member), status: 500, code: "internal",
			setup: func(s *fakeStore, _ *fakeKeys, _ *fakeUploads) { s.panics = true }},
		{name: "keys unavailable", req: event("POST", "/downloads", `{"path":"q1.pdf"}`, member), status: 503, code: "unavailable",
			setup: func(_ *fakeStore, k *fakeKeys, _ *fakeUploads) { k.err = keysource.ErrUnavailable }},
		{name: "signed url", req: event("POST", "/downloads", `{"path":"q1.pdf","lifetimeSeconds":120}`, member), status: 200,
			check: func(t *testing.T, b map[string]any, resp events.APIGatewayProxyResponse, fs *fakeStore) {
				u, err := url.Parse(b["url"].(string))
				if err != nil || u.Host != "d111111abcdef8.cloudfront.net" || u.Path != "/customers/acme/q1.pdf" || u.Query().Get("Hash-Algorithm") != "SHA256" {
					t.Fatalf("url %v", b["url"])
				}
				doc := signing.Policy{Resource: "https://d111111abcdef8.cloudfront.net/customers/acme/q1.pdf", Expires: signing.RoundUp(now.Add(2*time.Minute), time.Minute)}.AppendJSON(nil)
				if err := signing.Verify(signer.Public(), doc, u.Query().Get("Signature")); err != nil {
					t.Errorf("signature (expiry rounded up to the minute): %v", err)
				}
				if resp.Headers["Cache-Control"] != "no-store" {
					t.Error("cacheable")
				}
				if len(fs.audits) != 1 || fs.audits[0].Path != "q1.pdf" || fs.audits[0].Action != store.Read || fs.audits[0].RequestID != "req-1" {
					t.Errorf("audit %+v", fs.audits)
				}
			}},
		{name: "signed url for the caller's ip", req: event("POST", "/downloads", `{"path":"q1.pdf","ipRestriction":"sourceIp","startsAt":"2030-03-17T17:40:00Z"}`, member), status: 200,
			check: func(t *testing.T, b map[string]any, _ events.APIGatewayProxyResponse, fs *fakeStore) {
				u, _ := url.Parse(b["url"].(string))
				doc, _ := signing.DecodeURLSafe(u.Query().Get("Policy"))
				if !strings.Contains(string(doc), `"AWS:SourceIp":"203.0.113.9/32"`) || !strings.Contains(string(doc), "DateGreaterThan") {
					t.Errorf("policy %s", doc)
				}
				if fs.audits[0].IPRestriction != "203.0.113.9/32" {
					t.Errorf("audit ip %q", fs.audits[0].IPRestriction)
				}
			}},
		{name: "folder cookies", req: event("POST", "/downloads", `{"path":"reports","scope":"folder","delivery":"cookies"}`, member), status: 200,
			check: func(t *testing.T, b map[string]any, resp events.APIGatewayProxyResponse, _ *fakeStore) {
				if b["resource"] != "https://d111111abcdef8.cloudfront.net/customers/acme/reports/*" {
					t.Errorf("resource %v", b["resource"])
				}
				sc := resp.MultiValueHeaders["Set-Cookie"]
				if len(sc) != 4 || !strings.Contains(sc[0], "Path=/customers/acme/reports/") || !strings.Contains(sc[0], "Secure") || !strings.Contains(sc[0], "HttpOnly") {
					t.Errorf("Set-Cookie %v", sc)
				}
			}},
		{name: "folder not allowed", req: event("POST", "/downloads", `{"path":"hr","scope":"folder","delivery":"cookies"}`, member), status: 403, code: "forbidden"},
		{name: "upload put", req: event("POST", "/uploads", `{"path":"q2.pdf","contentType":"application/pdf","size":42,"checksumSha256":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="}`, member), status: 200,
			check: func(t *testing.T, b map[string]any, _ events.APIGatewayProxyResponse, fs *fakeStore) {
				if b["method"] != "PUT" || !strings.Contains(b["url"].(string), "customers/acme/q2.pdf") || b["headers"] == nil {
					t.Errorf("%v", b)
				}
				if len(fs.audits) != 1 || fs.audits[0].Action != store.Write {
					t.Errorf("audit %+v", fs.audits)
				}
			}},
		{name: "upload post", req: event("POST", "/uploads", `{"path":"q2.pdf","contentType":"application/pdf","size":42,"checksumSha256":"x","method":"post"}`, member), status: 200,
			check: func(t *testing.T, b map[string]any, _ events.APIGatewayProxyResponse, _ *fakeStore) {
				if b["method"] != "POST" || b["fields"] == nil {
					t.Errorf("%v", b)
				}
			}},
		{name: "upload too large", req: event("POST", "/uploads", `{"path":"q2.pdf","contentType":"application/pdf","size":99999999999,"checksumSha256":"x"}`, member), status: 400, code: "invalid_request"},
		{name: "upload bad method", req: event("POST", "/uploads", `{"path":"q2.pdf","contentType":"a/b","size":1,"checksumSha256":"x","method":"get"}`, member), status: 400, code: "invalid_request"},
		{name: "upload conflict", req: event("POST", "/uploads", `{"path":"q2.pdf","contentType":"a/b","size":1,"checksumSha256":"x"}`, member), status: 409, code: "conflict",
			setup: func(s *fakeStore, _ *fakeKeys, _ *fakeUploads) { s.err = fmt.Errorf("%w: exists", store.ErrConflict) }},
		{name: "complete before arrival", req: event("POST", "/uploads/complete", `{"path":"q2.pdf"}`, member), status: 409, code: "not_uploaded"},
		{name: "complete", req: event("POST", "/uploads/complete", `{"path":"q2.pdf"}`, member), status: 200,
			setup: func(_ *fakeStore, _ *fakeKeys, u *fakeUploads) { u.exists = true },
			check: func(t *testing.T, b map[string]any, _ events.APIGatewayProxyResponse, fs *fakeStore) {
				if b["status"] != "available" || len(fs.marked) != 1 {
					t.Errorf("%v %v", b, fs.marked)
				}
			}},
		{name: "list bad limit", req: func() events.APIGatewayProxyRequest {
			e := event("GET", "/files", "", member)
			e.QueryStringParameters = map[string]string{"limit": "5000"}
			return e
		}(), status: 400, code: "invalid_request"},
		{name: "list", req: event("GET", "/files", "", member), status: 200,
			setup: func(s *fakeStore, _ *fakeKeys, _ *fakeUploads) {
				s.files = []store.File{{Path: "q1.pdf", ContentType: "application/pdf", Size: 3}}
			},
			check: func(t *testing.T, b map[string]any, _ events.APIGatewayProxyResponse, _ *fakeStore) {
				if fmt.Sprint(b["files"]) != "[map[contentType:application/pdf path:q1.pdf size:3 updatedAt:0001-01-01T00:00:00Z]]" {
					t.Errorf("%v", b["files"])
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := &fakeStore{allow: map[string]bool{"read q1.pdf": true, "write q2.pdf": true}, folders: map[string]bool{"reports": true}}
			keys := &fakeKeys{m: &keysource.Material{Signer: signer, Domain: "d111111abcdef8.cloudfront.net", KeyName: "k1"}}
			ups := &fakeUploads{}
			if c.setup != nil {
				c.setup(fs, keys, ups)
			}
			var logs bytes.Buffer
			h := &api.Handler{Store: fs, Keys: keys, Uploads: ups, Now: func() time.Time { return now },
				Logger: slog.New(slog.NewJSONHandler(&logs, nil))}
			resp, err := h.Handle(context.Background(), c.req)
			if err != nil {
				t.Fatalf("handler returned an error: %v", err)
			}
			var body map[string]any
			if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
				t.Fatalf("body is not JSON: %q", resp.Body)
			}
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.status, resp.Body)
			}
			if c.code != "" {
				if got := fmt.Sprint(body["error"].(map[string]any)["code"]); got != c.code {
					t.Errorf("code %s, want %s", got, c.code)
				}
			}
			if resp.Headers["Content-Type"] != "application/json" {
				t.Error("not JSON")
			}
			// Logs are JSON, one line a request, and never carry URLs or signatures.
			for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
				if !json.Valid([]byte(line)) {
					t.Errorf("log line %q", line)
				}
			}
			if strings.Contains(logs.String(), "https://") || strings.Contains(logs.String(), "Signature") {
				t.Errorf("logs hold a URL: %s", logs.String())
			}
			if c.check != nil {
				c.check(t, body, resp, fs)
			}
		})
	}
}

func TestCORSAnswersListedOriginsOnly(t *testing.T) {
	h := &api.Handler{Store: &fakeStore{}, Keys: fakeKeys{}, Uploads: fakeUploads{}, Config: api.Config{AllowedOrigins: []string{"https://app.example.com"}},
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	for origin, want := range map[string]string{"https://app.example.com": "https://app.example.com", "https://evil.example": "", "": ""} {
		req := event("GET", "/files", "", member)
		if origin != "" {
			req.Headers["Origin"] = origin
		}
		resp, _ := h.Handle(context.Background(), req)
		if got := resp.Headers["Access-Control-Allow-Origin"]; got != want {
			t.Errorf("origin %q: allow-origin %q, want %q", origin, got, want)
		}
	}
}
