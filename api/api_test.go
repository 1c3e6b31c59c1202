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
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signet-cdk/signet/api"
	"github.com/signet-cdk/signet/keysource"
	"github.com/signet-cdk/signet/presign"
	"github.com/signet-cdk/signet/signing"
	"github.com/signet-cdk/signet/store"
)

// fakeStore allows what allow says ("action path"), holds files by path, and records
// writes and audits. Like PostgreSQL, it refuses NUL and invalid UTF-8 with an
// unclassified error, so a handler that let such bytes through would answer 500.
type fakeStore struct {
	allow   map[string]bool
	err     error // returned by every call when set
	panics  bool
	audits  []store.AuditEntry
	files   []store.File          // listed
	stored  map[string]store.File // by path: status "pending" or "available"
	written []store.FileIntent
	marked  []string
	folders map[string]bool
	// s3 logs the S3 calls the handler made (fakeUploads writes it), as
	// "create key", "abort key id", "complete key id size crc", "delete key".
	s3 []string
	// recordErr fails RecordMultipart after issue ran (a path taken meanwhile).
	recordErr error
	// statements logs the download statements: "issue", "authorize", "audit".
	statements []string
	auditErr   error // fails Audit
}

var errPostgresEncoding = errors.New("ERROR: invalid byte sequence for encoding \"UTF8\": 0x00 (SQLSTATE 22021)")

func pgRefuses(p store.Principal, more ...string) error {
	for _, s := range append(append([]string{p.Subject, p.CustomerID}, p.Roles...), more...) {
		if strings.ContainsRune(s, 0) || !utf8.ValidString(s) {
			return errPostgresEncoding
		}
	}
	return nil
}

func (f *fakeStore) decide(p store.Principal, a store.Action, path string) (store.Decision, error) {
	if f.panics {
		panic("store exploded")
	}
	if f.err != nil {
		return store.Decision{}, f.err
	}
	if err := pgRefuses(p, path); err != nil {
		return store.Decision{}, err
	}
	if err := signing.CanonicalPath(path); err != nil {
		return store.Decision{}, fmt.Errorf("%w: %w", store.ErrInvalid, err)
	}
	if !f.allow[string(a)+" "+path] {
		return store.Decision{}, store.ErrForbidden
	}
	return store.Decision{Key: "customers/" + p.CustomerID + "/" + path}, nil
}

func (f *fakeStore) withStatus(p store.Principal, a store.Action, path, status string) (store.Decision, store.File, error) {
	d, err := f.decide(p, a, path)
	if err != nil {
		return d, store.File{}, err
	}
	file, ok := f.stored[path]
	if !ok || file.Status != status {
		return d, store.File{}, store.ErrNotFound
	}
	return d, file, nil
}

func (f *fakeStore) IssueDownload(_ context.Context, p store.Principal, path string, e store.AuditEntry) (store.Decision, store.File, error) {
	f.statements = append(f.statements, "issue")
	d, file, err := f.withStatus(p, store.Read, path, "available")
	if err == nil {
		err = f.audit(p, path, e)
	}
	return d, file, err
}
func (f *fakeStore) AuthorizeDownload(_ context.Context, p store.Principal, path string) (store.Decision, store.File, error) {
	f.statements = append(f.statements, "authorize")
	return f.withStatus(p, store.Read, path, "available")
}
func (f *fakeStore) Audit(_ context.Context, p store.Principal, e store.AuditEntry) error {
	f.statements = append(f.statements, "audit")
	if f.auditErr != nil {
		return f.auditErr
	}
	if e.Path == "" || e.Action != store.Read {
		return fmt.Errorf("%w: audit entry without path or action", store.ErrInvalid)
	}
	if err := pgRefuses(p, e.Path, e.RequestID); err != nil {
		return err
	}
	f.audits = append(f.audits, e)
	return nil
}
func (f *fakeStore) PendingUpload(_ context.Context, p store.Principal, path string) (store.Decision, store.File, error) {
	return f.withStatus(p, store.Write, path, "pending")
}
func (f *fakeStore) IssueFolder(_ context.Context, p store.Principal, folder string, e store.AuditEntry) (store.Decision, error) {
	if err := pgRefuses(p, folder); err != nil {
		return store.Decision{}, err
	}
	if f.err != nil {
		return store.Decision{}, f.err
	}
	if !f.folders[strings.TrimSuffix(folder, "/")] {
		return store.Decision{}, store.ErrForbidden
	}
	return store.Decision{Key: "customers/" + p.CustomerID + "/" + strings.TrimSuffix(folder, "/")}, f.audit(p, strings.TrimSuffix(folder, "/"), e)
}
func (f *fakeStore) RecordUpload(_ context.Context, p store.Principal, in store.FileIntent, issue func(store.Decision) (store.AuditEntry, error)) (store.File, store.Decision, error) {
	if err := pgRefuses(p, in.ContentType, in.ChecksumSHA256); err != nil {
		return store.File{}, store.Decision{}, err
	}
	d, err := f.decide(p, store.Write, in.Path)
	if err != nil {
		return store.File{}, d, err
	}
	a, err := issue(d)
	if err != nil {
		return store.File{}, d, err
	}
	a.Path, a.Action = in.Path, store.Write
	f.written = append(f.written, in)
	f.audits = append(f.audits, a)
	return store.File{Path: in.Path, Status: "pending"}, d, nil
}
func (f *fakeStore) MarkAvailable(_ context.Context, p store.Principal, path string) error {
	f.marked = append(f.marked, path)
	return nil
}
func (f *fakeStore) ListReadable(_ context.Context, p store.Principal, folder, cursor string, limit int) ([]store.File, string, error) {
	if err := pgRefuses(p, folder, cursor); err != nil {
		return nil, "", err
	}
	return f.files, "", f.err
}
func (f *fakeStore) RecordMultipart(_ context.Context, p store.Principal, in store.MultipartIntent, issue func(store.Decision) (store.MultipartStart, error)) (store.Multipart, error) {
	if err := pgRefuses(p, in.ContentType); err != nil {
		return store.Multipart{}, err
	}
	d, err := f.decide(p, store.Write, in.Path)
	if err != nil {
		return store.Multipart{Decision: d}, err
	}
	old, held := f.stored[in.Path]
	if held && (old.Status == "available" || old.Status == "pending" && old.CreatedBy != p.Subject) {
		return store.Multipart{Decision: d}, fmt.Errorf("%w: held", store.ErrConflict)
	}
	st, err := issue(d)
	if err != nil {
		return store.Multipart{Decision: d}, err
	}
	if f.recordErr != nil {
		return store.Multipart{Decision: d}, f.recordErr
	}
	a := st.Audit
	a.Path, a.Action = in.Path, store.Write
	f.audits = append(f.audits, a)
	file := store.File{Path: in.Path, Status: "pending", Size: in.Size, PartSize: in.PartSize, UploadID: st.UploadID, CreatedBy: p.Subject,
		ContentType: in.ContentType, HoldUntil: now.Add(in.HoldFor)}
	f.stored[in.Path] = file
	m := store.Multipart{File: file, Decision: d}
	if held && old.Status == "pending" {
		m.Replaced = old.UploadID
	}
	return m, nil
}
func (f *fakeStore) MultipartUpload(_ context.Context, p store.Principal, path, uploadID string) (store.Decision, store.File, error) {
	if err := pgRefuses(p, uploadID); err != nil {
		return store.Decision{}, store.File{}, err
	}
	d, err := f.decide(p, store.Write, path)
	if err != nil {
		return d, store.File{}, err
	}
	file, ok := f.stored[path]
	if p.CustomerID != "acme" { // the stored files are acme's; a path names the caller's own
		file, ok = store.File{}, false
	}
	switch {
	case !ok || file.UploadID != uploadID && file.Status != "pending":
		return d, file, store.ErrNotFound
	case file.UploadID != uploadID || file.CreatedBy != p.Subject:
		return d, file, store.ErrConflict
	}
	return d, file, nil
}
func (f *fakeStore) CompleteMultipart(_ context.Context, p store.Principal, path, uploadID, crc string, e store.AuditEntry) (store.File, error) {
	d, file, err := f.MultipartUpload(context.Background(), p, path, uploadID)
	if err == nil && file.Status != "pending" {
		err = store.ErrNotFound
	}
	if err != nil {
		return file, err
	}
	_ = d
	file.Status, file.ChecksumCRC64NVME = "available", crc
	f.stored[path] = file
	e.Path, e.Action = path, store.Write
	f.audits = append(f.audits, e)
	return file, nil
}
func (f *fakeStore) AbortMultipart(_ context.Context, p store.Principal, path, uploadID string, e store.AuditEntry) (store.Decision, bool, error) {
	d, file, err := f.MultipartUpload(context.Background(), p, path, uploadID)
	if err != nil {
		return d, false, err
	}
	switch file.Status {
	case "available":
		return d, false, store.ErrConflict
	case "deleted":
		return d, false, nil
	}
	file.Status = "deleted"
	f.stored[path] = file
	e.Path, e.Action = path, store.Write
	f.audits = append(f.audits, e)
	return d, true, nil
}
func (f *fakeStore) DeleteFile(_ context.Context, p store.Principal, path string, e store.AuditEntry) (store.Deletion, error) {
	if err := pgRefuses(p, e.RequestID); err != nil {
		return store.Deletion{}, err
	}
	d, err := f.decide(p, store.Delete, path)
	if err != nil {
		return store.Deletion{}, err
	}
	out := store.Deletion{Decision: d}
	file, ok := f.stored[path]
	if p.CustomerID != "acme" {
		ok = false
	}
	out.Recorded = ok
	if ok && file.Status != "deleted" {
		out.Deleted = true
		if file.Status == "pending" {
			out.PendingUploadID = file.UploadID
		}
		file.Status = "deleted"
		f.stored[path] = file
		e.Path, e.Action = path, store.Delete
		f.audits = append(f.audits, e)
	}
	return out, nil
}
func (f *fakeStore) audit(p store.Principal, path string, e store.AuditEntry) error {
	e.Path, e.Action = path, store.Read
	if err := pgRefuses(p, e.Path, e.RequestID); err != nil {
		return err
	}
	f.audits = append(f.audits, e)
	return nil
}

type fakeKeys struct {
	m   *keysource.Material
	err error
}

func (k fakeKeys) Get(context.Context) (*keysource.Material, error) { return k.m, k.err }

type fakeUploads struct {
	head    presign.ObjectInfo
	headErr error
	putErr  error
	// Multipart and delete: the errors to answer, the parts to list, the call log.
	createErr, completeErr, abortErr, deleteErr, listErr, lifeErr error
	parts                                                         []presign.Part
	life                                                          time.Duration // Lifetime's bound; 0: none
	log                                                           *[]string
	// scan is ScanStatus's answer (the GuardDuty tag), scanErr its error.
	scan    string
	scanErr error
}

func (u fakeUploads) logf(format string, args ...any) {
	if u.log != nil {
		*u.log = append(*u.log, fmt.Sprintf(format, args...))
	}
}
func (u fakeUploads) Lifetime(_ context.Context, want time.Duration) (time.Duration, error) {
	if u.lifeErr != nil {
		return 0, u.lifeErr
	}
	if u.life > 0 && want > u.life {
		want = u.life
	}
	return want, nil
}
func (u fakeUploads) Get(_ context.Context, key string, life time.Duration) (*presign.Request, error) {
	u.logf("get %s %s", key, life)
	return &presign.Request{Method: "GET", URL: "https://bucket.s3.example/" + key + "?X-Amz-Signature=abc", Header: http.Header{}, Expires: now.Add(life)}, nil
}
func (u fakeUploads) CreateMultipart(_ context.Context, key, contentType string) (string, error) {
	if u.createErr != nil {
		return "", u.createErr
	}
	u.logf("create %s", key)
	return "up-new", nil
}
func (u fakeUploads) PresignPart(_ context.Context, r presign.PartRequest) (*presign.Request, error) {
	return &presign.Request{Method: "PUT", URL: fmt.Sprintf("https://s3.example/%s?partNumber=%d&uploadId=%s&X-Amz-Signature=abc", r.Key, r.Number, r.UploadID),
		Header: http.Header{"Content-Length": {fmt.Sprint(r.ContentLength)}, "X-Amz-Checksum-Crc64nvme": {r.ChecksumCRC64NVME}}, Expires: now.Add(r.Lifetime)}, nil
}
func (u fakeUploads) ListParts(_ context.Context, key, uploadID string) ([]presign.Part, error) {
	u.logf("list %s %s", key, uploadID)
	return u.parts, u.listErr
}
func (u fakeUploads) CompleteMultipart(_ context.Context, r presign.CompleteRequest) (string, error) {
	u.logf("complete %s %s %d %s %d", r.Key, r.UploadID, r.Size, r.ChecksumCRC64NVME, len(r.Parts))
	if u.completeErr != nil {
		return "", u.completeErr
	}
	return r.ChecksumCRC64NVME, nil
}
func (u fakeUploads) AbortMultipart(_ context.Context, key, uploadID string) error {
	u.logf("abort %s %s", key, uploadID)
	return u.abortErr
}
func (u fakeUploads) ScanStatus(_ context.Context, key string) (string, error) {
	u.logf("scan %s", key)
	return u.scan, u.scanErr
}
func (u fakeUploads) Delete(_ context.Context, key string) error {
	u.logf("delete %s", key)
	return u.deleteErr
}

// lastPost is the last POST the handler asked to presign (tests run one at a time).
var lastPost presign.PostRequest

func (u fakeUploads) Put(_ context.Context, r presign.PutRequest) (*presign.Request, error) {
	if u.putErr != nil {
		return nil, u.putErr
	}
	return &presign.Request{Method: "PUT", URL: "https://s3.example/" + r.Key + "?X-Amz-Signature=abc",
		Header: http.Header{"Content-Type": {r.ContentType}}, Expires: time.Unix(1900000900, 0)}, nil
}
func (fakeUploads) Post(_ context.Context, r presign.PostRequest) (*presign.PostForm, error) {
	lastPost = r
	return &presign.PostForm{URL: "https://s3.example/bucket", Fields: map[string]string{"key": r.Key}, Expires: time.Unix(1900000900, 0)}, nil
}
func (u fakeUploads) Head(context.Context, string) (presign.ObjectInfo, error) {
	if u.headErr != nil {
		return presign.ObjectInfo{}, u.headErr
	}
	return u.head, nil
}

const sumEmpty = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="

// newFakeStore: the member may read q1.pdf (available) and write q2.pdf (pending,
// 42 bytes), and read the folder "reports".
func newFakeStore() *fakeStore {
	return &fakeStore{
		allow:   map[string]bool{"read q1.pdf": true, "write q2.pdf": true, "read missing.pdf": true, "read q2.pdf": true},
		folders: map[string]bool{"reports": true},
		stored: map[string]store.File{
			"q1.pdf": {Path: "q1.pdf", Status: "available", Size: 3, ChecksumSHA256: sumEmpty},
			"q2.pdf": {Path: "q2.pdf", Status: "pending", Size: 42, ChecksumSHA256: sumEmpty},
		},
	}
}

func newSigner(t testing.TB) *signing.Signer {
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
	cfg    api.Config
}

func TestHandlerTable(t *testing.T) {
	signer := newSigner(t)
	cases := []apiCase{
		{name: "no claims", req: event("POST", "/downloads", `{"path":"q1.pdf"}`, nil), status: 401, code: "unauthenticated"},
		{name: "no customer", req: event("POST", "/downloads", `{"path":"q1.pdf"}`, map[string]any{"sub": "u"}), status: 403, code: "forbidden"},
		{name: "unknown route", req: event("PUT", "/files", ``, member), status: 405, code: "method_not_allowed"},
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
		{name: "signed url for the caller's ip", req: event("POST", "/downloads", `{"path":"q1.pdf","ipRestriction":"sourceIp","startsAt":"2030-03-17T17:47:00Z"}`, member), status: 200,
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
		{name: "upload post", req: event("POST", "/uploads", `{"path":"q2.pdf","contentType":"application/pdf","size":42,"checksumSha256":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=","method":"post"}`, member), status: 200,
			check: func(t *testing.T, b map[string]any, _ events.APIGatewayProxyResponse, _ *fakeStore) {
				if b["method"] != "POST" || b["fields"] == nil {
					t.Errorf("%v", b)
				}
			}},
		{name: "upload too large", req: event("POST", "/uploads", `{"path":"q2.pdf","contentType":"application/pdf","size":99999999999,"checksumSha256":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="}`, member), status: 400, code: "invalid_request"},
		{name: "upload bad method", req: event("POST", "/uploads", `{"path":"q2.pdf","contentType":"a/b","size":1,"checksumSha256":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=","method":"get"}`, member), status: 400, code: "invalid_request"},
		{name: "upload conflict", req: event("POST", "/uploads", `{"path":"q2.pdf","contentType":"a/b","size":1,"checksumSha256":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="}`, member), status: 409, code: "conflict",
			setup: func(s *fakeStore, _ *fakeKeys, _ *fakeUploads) { s.err = fmt.Errorf("%w: exists", store.ErrConflict) }},
		{name: "complete before arrival", req: event("POST", "/uploads/complete", `{"path":"q2.pdf"}`, member), status: 409, code: "not_uploaded",
			setup: func(_ *fakeStore, _ *fakeKeys, u *fakeUploads) { u.headErr = presign.ErrNotFound }},
		{name: "complete with another size", req: event("POST", "/uploads/complete", `{"path":"q2.pdf"}`, member), status: 409, code: "not_uploaded",
			setup: func(_ *fakeStore, _ *fakeKeys, u *fakeUploads) { u.head = presign.ObjectInfo{Size: 41} }},
		{name: "complete nothing pending", req: event("POST", "/uploads/complete", `{"path":"q1.pdf"}`, member), status: 403, code: "forbidden"},
		{name: "complete", req: event("POST", "/uploads/complete", `{"path":"q2.pdf"}`, member), status: 200,
			setup: func(_ *fakeStore, _ *fakeKeys, u *fakeUploads) {
				u.head = presign.ObjectInfo{Size: 42, ChecksumSHA256: sumEmpty}
			},
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
				if fmt.Sprint(b["files"]) != "[map[checksumSha256: contentType:application/pdf path:q1.pdf size:3 updatedAt:0001-01-01T00:00:00Z]]" {
					t.Errorf("%v", b["files"])
				}
			}},
	}
	runCases(t, signer, cases)
}

func runCases(t *testing.T, signer *signing.Signer, cases []apiCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { runCase(t, signer, c) })
	}
}

// internalWords must never reach a client: package prefixes and database wording.
var internalWords = []string{"signing:", "store:", "presign:", "keysource:", "SQLSTATE", "pgx", "pq:", "dial tcp", "ERROR:"}

func runCase(t *testing.T, signer *signing.Signer, c apiCase) {
	t.Helper()
	fs := newFakeStore()
	keys := &fakeKeys{m: &keysource.Material{Signer: signer, Domain: "d111111abcdef8.cloudfront.net", KeyName: "k1"}}
	ups := &fakeUploads{log: &fs.s3}
	if c.setup != nil {
		c.setup(fs, keys, ups)
	}
	var logs bytes.Buffer
	h := &api.Handler{Store: fs, Keys: keys, Uploads: ups, Now: func() time.Time { return now }, Config: c.cfg,
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
	checkAnswer(t, resp)
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
}

// checkAnswer holds for every answer: JSON, never cached, an error body with a code
// and a message free of internal wording, Retry-After on a 503.
func checkAnswer(t *testing.T, resp events.APIGatewayProxyResponse) {
	t.Helper()
	if resp.Headers["Content-Type"] != "application/json" || resp.Headers["Cache-Control"] != "no-store" {
		t.Errorf("headers %v", resp.Headers)
	}
	if resp.StatusCode < 400 {
		return
	}
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Errorf("error body %q", resp.Body)
	}
	for _, w := range internalWords {
		if strings.Contains(e.Error.Message, w) {
			t.Errorf("message %q carries internal wording %q", e.Error.Message, w)
		}
	}
	if resp.StatusCode == http.StatusServiceUnavailable && resp.Headers["Retry-After"] == "" {
		t.Error("503 without Retry-After")
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
