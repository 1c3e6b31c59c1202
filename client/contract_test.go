package client_test

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc64"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/signet-cdk/signet/client"
	"github.com/signet-cdk/signet/presign"
)

// The transfer tests run the client against the real S3 server (versitygw, started by
// TestMain) through a stand-in of the API that implements the multipart, download and
// delete contract by calling package presign for real (create, presign each part with
// its length and CRC64NVME, list, complete with the full-object checksum, abort,
// presigned GET, head, delete). No database or authorizer: every caller is Acme, and
// the stand-in keeps the file records in memory. Between the client and S3 sits
// storageProxy, which forwards every presigned request as is (the signature covers
// the S3 host, which the proxy sends) and lets a test inject failures.

const acmePrefix = "customers/acme/"

// crcNVME is CRC-64/NVME computed with hash/crc64 alone (not package checksum), as the
// tests' independent reference; base64 of the 8 bytes big-endian, as S3 carries it.
func crcNVME(b []byte) string {
	var out [8]byte
	binary.BigEndian.PutUint64(out[:], crc64.Checksum(b, crc64.MakeTable(0x9a6c9329ac4bc9b5)))
	return base64.StdEncoding.EncodeToString(out[:])
}

// randomBytes is n reproducible pseudo-random bytes.
func randomBytes(n int, seed uint64) []byte {
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)})
	b := make([]byte, n)
	_, _ = r.Read(b)
	return b
}

// storageProxy forwards presigned requests to the S3 server. hook, when set, sees each
// request first and answers it itself by returning true; cut, when it returns n >= 0
// for a GET, makes the proxy drop the connection after n bytes of the body; after is
// called once S3's answer has been relayed.
type storageProxy struct {
	*httptest.Server
	mu    sync.Mutex
	hook  func(w http.ResponseWriter, r *http.Request) bool
	cut   func(r *http.Request) int64
	after func(r *http.Request, status int)
	log   []proxied
}

// proxied is one request the proxy saw.
type proxied struct {
	Method, Range string
	PartNumber    string
	Status        int
}

func newStorageProxy(t *testing.T) *storageProxy {
	p := &storageProxy{}
	p.Server = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.Close)
	return p
}

func (p *storageProxy) set(fn func(p *storageProxy)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fn(p)
}

func (p *storageProxy) requests() []proxied {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]proxied(nil), p.log...)
}

func (p *storageProxy) record(r *http.Request, status int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.log = append(p.log, proxied{Method: r.Method, Range: r.Header.Get("Range"), PartNumber: r.URL.Query().Get("partNumber"), Status: status})
}

func (p *storageProxy) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	hook, cut, after := p.hook, p.cut, p.after
	p.mu.Unlock()
	if hook != nil && hook(w, r) {
		p.record(r, -1)
		return
	}
	req, err := http.NewRequestWithContext(r.Context(), r.Method, s3srv.Endpoint+r.URL.RequestURI(), r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	for k, v := range r.Header {
		req.Header[k] = v
	}
	req.ContentLength = r.ContentLength
	if r.ContentLength == 0 {
		req.Body = http.NoBody
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		http.Error(w, "proxy: "+err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	p.record(r, resp.StatusCode)
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	if cut != nil && r.Method == http.MethodGet {
		if n := cut(r); n >= 0 {
			_, _ = io.CopyN(w, resp.Body, n)
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler) // drop the connection mid-body
		}
	}
	_, _ = io.Copy(w, resp.Body)
	if after != nil {
		after(r, resp.StatusCode)
	}
}

// contractAPI is the stand-in API (see the top of this file).
type contractAPI struct {
	*httptest.Server
	t       *testing.T
	up      *presign.Presigner
	storage *storageProxy

	mu    sync.Mutex
	files map[string]*client.File // available files by path
	// pending single uploads (path -> declared size) and multipart uploads
	// (path#uploadId -> declared size and part size)
	pending map[string]int64
	uploads map[string][2]int64
	calls   map[string]int // "METHOD /route" -> count
	// hook, when set, sees each API request first (after counting) and answers it
	// itself by returning true.
	hook func(w http.ResponseWriter, r *http.Request) bool
	// wrongChecksum makes download answers carry a checksum that is not the object's.
	wrongChecksum bool
	lastVia       string
}

func newContractAPI(t *testing.T) *contractAPI {
	t.Helper()
	up, err := presign.New(s3srv.Client(nil), presign.Config{Bucket: bucket})
	if err != nil {
		t.Fatal(err)
	}
	a := &contractAPI{t: t, up: up, storage: newStorageProxy(t), files: map[string]*client.File{}, pending: map[string]int64{}, uploads: map[string][2]int64{}, calls: map[string]int{}}
	a.Server = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.Close)
	return a
}

func (a *contractAPI) client() *client.Client {
	return &client.Client{BaseURL: a.URL + "/api/", Tokens: client.StaticToken("acme"),
		Retry: client.Retry{Initial: time.Millisecond, Max: 10 * time.Millisecond}}
}

func (a *contractAPI) count(route string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls[route]
}

func (a *contractAPI) set(fn func(a *contractAPI)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	fn(a)
}

// viaProxy points a presigned S3 URL at the storage proxy.
func (a *contractAPI) viaProxy(u string) string {
	return strings.Replace(u, s3srv.Endpoint, a.storage.URL, 1)
}

func headers(h http.Header) map[string]string {
	m := map[string]string{}
	for k, v := range h {
		m[k] = strings.Join(v, ",")
	}
	return m
}

type apiErr struct {
	status        int
	code, message string
}

func (a *contractAPI) serve(w http.ResponseWriter, r *http.Request) {
	route := r.Method + " " + strings.TrimPrefix(r.URL.Path, "/api")
	a.mu.Lock()
	a.calls[route]++
	hook := a.hook
	a.mu.Unlock()
	if hook != nil && hook(w, r) {
		return
	}
	out, err := a.handle(r.Context(), route, r)
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		var e apiErr
		if !errors.As(err, &e) {
			e = apiErr{http.StatusInternalServerError, "internal", err.Error()}
		}
		w.WriteHeader(e.status)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": e.code, "message": e.message}})
		return
	}
	_ = json.NewEncoder(w).Encode(out)
}

func (e apiErr) Error() string { return e.message }

var errNoUpload = apiErr{http.StatusNotFound, "not_found", "no such upload"}

func (a *contractAPI) handle(ctx context.Context, route string, r *http.Request) (any, error) {
	var in struct {
		Path              string `json:"path"`
		Size              int64  `json:"size"`
		ContentType       string `json:"contentType"`
		ChecksumSHA256    string `json:"checksumSha256"`
		ChecksumAlgorithm string `json:"checksumAlgorithm"`
		PartSize          int64  `json:"partSize"`
		UploadID          string `json:"uploadId"`
		ChecksumCRC64NVME string `json:"checksumCrc64nvme"`
		Via               string `json:"via"`
		Parts             []struct {
			Number            int    `json:"number"`
			ETag              string `json:"etag"`
			ChecksumCRC64NVME string `json:"checksumCrc64nvme"`
		} `json:"parts"`
	}
	if r.Method == http.MethodPost {
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			return nil, apiErr{400, "invalid_request", "bad JSON"}
		}
	}
	key := acmePrefix + in.Path
	switch route {
	case "POST /uploads":
		req, err := a.up.Put(ctx, presign.PutRequest{Key: key, ContentType: in.ContentType, ContentLength: in.Size, ChecksumSHA256: in.ChecksumSHA256})
		if err != nil {
			return nil, err
		}
		a.set(func(a *contractAPI) { a.pending[in.Path] = in.Size })
		return map[string]any{"method": req.Method, "url": a.viaProxy(req.URL), "headers": headers(req.Header), "expiresAt": req.Expires}, nil
	case "POST /uploads/complete":
		return a.markAvailable(ctx, in.Path, in.ContentType)
	case "POST /uploads/multipart":
		if in.ChecksumAlgorithm != "CRC64NVME" {
			return nil, apiErr{400, "invalid_request", "checksumAlgorithm must be CRC64NVME"}
		}
		partSize := in.PartSize
		if partSize == 0 {
			partSize = presign.DefaultPartSize(in.Size)
		}
		n, err := presign.PartCount(in.Size, partSize)
		if err != nil {
			return nil, apiErr{400, "invalid_request", err.Error()}
		}
		id, err := a.up.CreateMultipart(ctx, key, in.ContentType)
		if err != nil {
			return nil, err
		}
		a.set(func(a *contractAPI) { a.uploads[in.Path+"#"+id] = [2]int64{in.Size, partSize} })
		return map[string]any{"uploadId": id, "partSize": partSize, "partCount": n, "expiresAt": time.Now().Add(time.Hour)}, nil
	case "POST /uploads/multipart/parts":
		size, partSize, ok := a.upload(in.Path, in.UploadID)
		if !ok {
			return nil, errNoUpload
		}
		if len(in.Parts) > 100 {
			return nil, apiErr{400, "invalid_request", "at most 100 parts"}
		}
		var parts []map[string]any
		for _, p := range in.Parts {
			req, err := a.up.PresignPart(ctx, presign.PartRequest{Key: key, UploadID: in.UploadID, Number: p.Number,
				ContentLength: presign.PartLength(size, partSize, p.Number), ChecksumCRC64NVME: p.ChecksumCRC64NVME})
			if err != nil {
				return nil, apiErr{400, "invalid_request", err.Error()}
			}
			parts = append(parts, map[string]any{"number": p.Number, "url": a.viaProxy(req.URL), "headers": headers(req.Header), "expiresAt": req.Expires})
		}
		return map[string]any{"parts": parts}, nil
	case "GET /uploads/multipart/parts":
		path, id := r.URL.Query().Get("path"), r.URL.Query().Get("uploadId")
		if _, _, ok := a.upload(path, id); !ok {
			return nil, errNoUpload
		}
		listed, err := a.up.ListParts(ctx, acmePrefix+path, id)
		if errors.Is(err, presign.ErrNoSuchUpload) {
			return nil, errNoUpload
		}
		if err != nil {
			return nil, err
		}
		var parts []map[string]any
		for _, p := range listed {
			parts = append(parts, map[string]any{"number": p.Number, "size": p.Size, "etag": p.ETag, "checksumCrc64nvme": p.ChecksumCRC64NVME})
		}
		return map[string]any{"parts": parts}, nil
	case "POST /uploads/multipart/complete":
		size, _, ok := a.upload(in.Path, in.UploadID)
		if !ok {
			return nil, errNoUpload
		}
		var done []presign.CompletedPart
		for _, p := range in.Parts {
			done = append(done, presign.CompletedPart{Number: p.Number, ETag: p.ETag, ChecksumCRC64NVME: p.ChecksumCRC64NVME})
		}
		sum, err := a.up.CompleteMultipart(ctx, presign.CompleteRequest{Key: key, UploadID: in.UploadID, Size: size, ChecksumCRC64NVME: in.ChecksumCRC64NVME, Parts: done})
		if errors.Is(err, presign.ErrRejected) {
			return nil, apiErr{409, "conflict", err.Error()}
		}
		if err != nil {
			return nil, err
		}
		a.set(func(a *contractAPI) {
			delete(a.uploads, in.Path+"#"+in.UploadID)
			a.files[in.Path] = &client.File{Path: in.Path, Size: size, ChecksumCRC64NVME: sum, UpdatedAt: time.Now()}
		})
		return map[string]any{"path": in.Path, "size": size, "checksumCrc64nvme": sum, "status": "available"}, nil
	case "POST /uploads/multipart/abort":
		if _, _, ok := a.upload(in.Path, in.UploadID); !ok {
			return nil, errNoUpload
		}
		if err := a.up.AbortMultipart(ctx, key, in.UploadID); err != nil {
			return nil, err
		}
		a.set(func(a *contractAPI) { delete(a.uploads, in.Path+"#"+in.UploadID) })
		return map[string]any{"aborted": true}, nil
	case "POST /downloads":
		a.set(func(a *contractAPI) { a.lastVia = in.Via })
		a.mu.Lock()
		_, ok := a.files[in.Path]
		wrong := a.wrongChecksum
		a.mu.Unlock()
		if !ok {
			return nil, apiErr{404, "not_found", "no such file"}
		}
		info, err := a.up.Head(ctx, key)
		if err != nil {
			return nil, err
		}
		req, err := a.up.Get(ctx, key, time.Hour)
		if err != nil {
			return nil, err
		}
		out := map[string]any{"url": a.viaProxy(req.URL), "expiresAt": req.Expires, "size": info.Size, "resource": "s3"}
		switch {
		case info.ChecksumSHA256 != "":
			out["checksumSha256"] = info.ChecksumSHA256
		case info.ChecksumCRC64NVME != "":
			out["checksumCrc64nvme"] = info.ChecksumCRC64NVME
		}
		if wrong {
			out["checksumCrc64nvme"], out["checksumSha256"] = crcNVME([]byte("not the file")), nil
		}
		return out, nil
	case "DELETE /files":
		path := r.URL.Query().Get("path")
		a.mu.Lock()
		_, ok := a.files[path]
		delete(a.files, path)
		a.mu.Unlock()
		if ok {
			if err := a.up.Delete(ctx, acmePrefix+path); err != nil {
				return nil, err
			}
		}
		return map[string]any{"path": path, "deleted": ok}, nil
	case "GET /files":
		a.mu.Lock()
		defer a.mu.Unlock()
		var files []*client.File
		for p, f := range a.files {
			if strings.HasPrefix(p, r.URL.Query().Get("folder")) {
				files = append(files, f)
			}
		}
		return map[string]any{"files": files}, nil
	}
	return nil, apiErr{404, "not_found", "no route " + route}
}

// upload is a pending multipart upload's declared size and part size.
func (a *contractAPI) upload(path, id string) (size, partSize int64, ok bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	u, ok := a.uploads[path+"#"+id]
	return u[0], u[1], ok
}

func (a *contractAPI) markAvailable(ctx context.Context, path, contentType string) (any, error) {
	a.mu.Lock()
	size, ok := a.pending[path]
	a.mu.Unlock()
	if !ok {
		return nil, apiErr{404, "not_found", "no upload is pending at this path"}
	}
	info, err := a.up.Head(ctx, acmePrefix+path)
	if err != nil || info.Size != size {
		return nil, apiErr{409, "not_uploaded", "the object has not arrived"}
	}
	a.set(func(a *contractAPI) {
		delete(a.pending, path)
		a.files[path] = &client.File{Path: path, Size: size, ContentType: contentType, UpdatedAt: time.Now()}
	})
	return map[string]string{"path": path, "status": "available"}, nil
}

// object reads an object back from S3 with its full-object CRC64NVME, if any.
func object(t *testing.T, path string) ([]byte, string, s3types.ChecksumType) {
	t.Helper()
	ctx := context.Background()
	out, err := s3srv.Client(nil).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(acmePrefix + path), ChecksumMode: s3types.ChecksumModeEnabled})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b, aws.ToString(out.ChecksumCRC64NVME), out.ChecksumType
}

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// noFile fails unless nothing exists at each path.
func noFile(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s exists (%v)", p, err)
		}
	}
}
