package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/signet-cdk/signet/client"
)

const partSize = 5 << 20 // S3's smallest part

func stateFiles(t *testing.T, dir string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "upload-*.json"))
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// putParts is the distinct part numbers the storage accepted, sorted. Distinct: on a
// loaded machine (the race detector in CI) a PUT whose answer was slow may be retried,
// and sending a part twice is harmless (the later copy replaces the earlier).
func putParts(log []proxied) []int {
	var parts []int
	for _, r := range log {
		if r.Method == http.MethodPut && r.PartNumber != "" && r.Status == http.StatusOK {
			n, _ := strconv.Atoi(r.PartNumber)
			parts = append(parts, n)
		}
	}
	slices.Sort(parts)
	return slices.Compact(parts)
}

// A multipart upload cancelled after 3 parts keeps its state (0600) and its parts; the
// next UploadFile lists the parts, sends only the missing ones (and one whose listed
// checksum differs from the local part's), retries a part the storage answers 503,
// and completes: the object's bytes and full-object CRC64NVME are the file's.
func TestMultipartUploadResumesAfterCancel(t *testing.T) {
	a := newContractAPI(t)
	c := a.client()
	data := randomBytes(7*partSize+123457, 1) // 8 parts
	local := writeTemp(t, "big.bin", data)
	state := filepath.Join(t.TempDir(), "state")
	opts := client.UploadOptions{Threshold: 1 << 20, PartSize: partSize, Concurrency: 2, StateDir: state}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var sent atomic.Int32
	a.storage.set(func(p *storageProxy) {
		p.after = func(r *http.Request, status int) {
			if r.Method == http.MethodPut && status == http.StatusOK && sent.Add(1) == 3 {
				cancel()
			}
		}
	})
	start := time.Now()
	if err := c.UploadFile(ctx, local, "big/file.bin", opts); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled upload: %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("cancellation took %v", d)
	}
	names := stateFiles(t, state)
	if len(names) != 1 {
		t.Fatalf("state files %v", names)
	}
	if fi, err := os.Stat(names[0]); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("state file mode: %v %v", fi.Mode(), err)
	}
	if n := a.count("POST /uploads/multipart/abort"); n != 0 {
		t.Fatalf("a cancelled upload was aborted (%d)", n)
	}
	var st struct {
		UploadID string `json:"uploadId"`
	}
	b, _ := os.ReadFile(names[0])
	_ = json.Unmarshal(b, &st)
	held, err := s3srv.Client(nil).ListParts(context.Background(), &s3.ListPartsInput{Bucket: aws.String(bucket), Key: aws.String(acmePrefix + "big/file.bin"), UploadId: aws.String(st.UploadID)})
	if err != nil || len(held.Parts) < 3 || len(held.Parts) >= 8 {
		t.Fatalf("S3 holds %d parts (%v)", len(held.Parts), err)
	}
	tampered := int(aws.ToInt32(held.Parts[0].PartNumber))
	var listed []int // what the resumed run is told S3 holds (a part cut by the
	// cancellation may still have arrived since)

	// Resume. The API's listing misreports one part's checksum: that part must be
	// sent again. The storage answers the first PUT of the resumed run 503.
	a.storage.set(func(p *storageProxy) {
		p.after = nil
		p.log = nil
		var refused atomic.Bool
		p.hook = func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method == http.MethodPut && refused.CompareAndSwap(false, true) {
				w.Header().Set("Retry-After", "0")
				http.Error(w, "<Error><Code>SlowDown</Code></Error>", http.StatusServiceUnavailable)
				return true
			}
			return false
		}
	})
	a.set(func(a *contractAPI) {
		a.hook = func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method != http.MethodGet || r.URL.Path != "/api/uploads/multipart/parts" {
				return false
			}
			out, err := a.handle(r.Context(), "GET /uploads/multipart/parts", r)
			if err != nil {
				t.Errorf("list parts: %v", err)
				return false
			}
			for _, p := range out.(map[string]any)["parts"].([]map[string]any) {
				listed = append(listed, p["number"].(int))
				if p["number"] == tampered {
					p["checksumCrc64nvme"] = crcNVME([]byte("another part"))
				}
			}
			_ = json.NewEncoder(w).Encode(out)
			return true
		}
	})
	var last [2]int64
	opts.Progress = func(done, total int64) { last = [2]int64{done, total} }
	if err := c.UploadFile(context.Background(), local, "big/file.bin", opts); err != nil {
		t.Fatalf("resumed upload: %v", err)
	}
	var want []int
	for n := 1; n <= 8; n++ {
		if n == tampered || !slices.Contains(listed, n) {
			want = append(want, n)
		}
	}
	if got := putParts(a.storage.requests()); !slices.Equal(got, want) {
		t.Errorf("resumed run sent parts %v, want %v (listed %v)", got, want, listed)
	}
	if n := a.count("POST /uploads/multipart"); n != 1 {
		t.Errorf("%d uploads created, want 1", n)
	}
	got, crc, typ := object(t, "big/file.bin")
	if !bytes.Equal(got, data) || crc != crcNVME(data) || typ != s3types.ChecksumTypeFullObject {
		t.Fatalf("object: %d bytes (equal %v), CRC64NVME %s (%s), want %s", len(got), bytes.Equal(got, data), crc, typ, crcNVME(data))
	}
	if last != [2]int64{int64(len(data)), int64(len(data))} {
		t.Errorf("last progress %v", last)
	}
	if names := stateFiles(t, state); len(names) != 0 {
		t.Errorf("state left after completion: %v", names)
	}
}

// A part the storage refuses (403) is not retried: the upload is aborted and its state
// removed.
func TestMultipartUploadAbortsOnRefusal(t *testing.T) {
	a := newContractAPI(t)
	c := a.client()
	local := writeTemp(t, "f.bin", randomBytes(2*partSize+10, 2))
	state := t.TempDir()
	a.storage.set(func(p *storageProxy) {
		p.hook = func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method == http.MethodPut && r.URL.Query().Get("partNumber") == "2" {
				http.Error(w, "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>", http.StatusForbidden)
				return true
			}
			return false
		}
	})
	err := c.UploadFile(context.Background(), local, "f.bin", client.UploadOptions{Threshold: 1, PartSize: partSize, StateDir: state})
	if !errors.Is(err, client.ErrForbidden) || strings.Contains(err.Error(), "X-Amz") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("refused part: %v", err)
	}
	tries := 0
	for _, r := range a.storage.requests() {
		if r.PartNumber == "2" {
			tries++
		}
	}
	if tries != 1 {
		t.Errorf("refused part sent %d times", tries)
	}
	if n := a.count("POST /uploads/multipart/abort"); n != 1 {
		t.Errorf("aborted %d times, want 1", n)
	}
	if names := stateFiles(t, state); len(names) != 0 {
		t.Errorf("state left: %v", names)
	}
}

// API calls and storage PUTs are retried on 503 and 429 (honouring Retry-After), never
// on 403; a network failure ends as ErrNetwork with a one-line message without the URL.
func TestRetries(t *testing.T) {
	a := newContractAPI(t)
	c := a.client()
	data := []byte("retried upload")
	local := writeTemp(t, "r.txt", data)
	var apiFails, putFails atomic.Int32
	a.set(func(a *contractAPI) {
		a.hook = func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Path == "/api/uploads" && apiFails.Add(1) <= 2 {
				http.Error(w, `{"error":{"code":"unavailable","message":"try again"}}`, http.StatusServiceUnavailable)
				return true
			}
			return false
		}
	})
	a.storage.set(func(p *storageProxy) {
		p.hook = func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method == http.MethodPut && putFails.Add(1) == 1 {
				http.Error(w, "<Error><Code>InternalError</Code></Error>", http.StatusInternalServerError)
				return true
			}
			return false
		}
	})
	if err := c.UploadFile(context.Background(), local, "r.txt", client.UploadOptions{}); err != nil {
		t.Fatalf("upload through 503s: %v", err)
	}
	if n := a.count("POST /uploads"); n != 3 {
		t.Errorf("POST /uploads sent %d times, want 3", n)
	}
	if n := len(a.storage.requests()); n != 2 {
		t.Errorf("PUT sent %d times, want 2", n)
	}
	if got, _, _ := object(t, "r.txt"); !bytes.Equal(got, data) {
		t.Errorf("object %q", got)
	}

	// 403: one call, no retry.
	a.set(func(a *contractAPI) {
		a.calls = map[string]int{}
		a.hook = func(w http.ResponseWriter, r *http.Request) bool {
			http.Error(w, `{"error":{"code":"forbidden","message":"no write access"}}`, http.StatusForbidden)
			return true
		}
	})
	if err := c.Upload(context.Background(), local, "r.txt", ""); !errors.Is(err, client.ErrForbidden) || a.count("POST /uploads") != 1 {
		t.Fatalf("403: %v after %d calls", err, a.count("POST /uploads"))
	}

	// 429 with Retry-After: 1 waits a second, then passes.
	var throttled atomic.Bool
	a.set(func(a *contractAPI) {
		a.hook = func(w http.ResponseWriter, r *http.Request) bool {
			if throttled.CompareAndSwap(false, true) {
				w.Header().Set("Retry-After", "1")
				http.Error(w, `{"message":"Too Many Requests"}`, http.StatusTooManyRequests)
				return true
			}
			return false
		}
	})
	start := time.Now()
	if _, err := c.List(context.Background(), ""); err != nil || time.Since(start) < 900*time.Millisecond {
		t.Fatalf("429 then list: %v after %v", err, time.Since(start))
	}

	// Nothing listening: ErrNetwork after the attempts, one line, no URL.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	dead := &client.Client{BaseURL: "http://" + addr + "/api/", Retry: client.Retry{Attempts: 3, Initial: time.Millisecond}}
	_, _, err := dead.ShareURL(context.Background(), "secret.pdf", client.ShareOptions{})
	if !errors.Is(err, client.ErrNetwork) || strings.Contains(err.Error(), "http://") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("dead API: %v", err)
	}
}

// uploaded puts data at path through the client and returns the API.
func uploaded(t *testing.T, a *contractAPI, path string, data []byte) {
	t.Helper()
	local := writeTemp(t, "src", data)
	if err := a.client().UploadFile(context.Background(), local, path, client.UploadOptions{Threshold: 8 << 20, PartSize: partSize}); err != nil {
		t.Fatal(err)
	}
	a.storage.set(func(p *storageProxy) { p.log = nil })
}

func gets(log []proxied) []proxied {
	var out []proxied
	for _, r := range log {
		if r.Method == http.MethodGet {
			out = append(out, r)
		}
	}
	return out
}

// A download cut mid-body is resumed in the same call with Range from where it
// stopped; one interrupted by cancellation keeps the partial file and resumes in the
// next call with Range from the partial file's length; a changed ETag restarts it.
func TestDownloadResumes(t *testing.T) {
	a := newContractAPI(t)
	c := a.client()
	data := randomBytes(3<<20+5, 3)
	uploaded(t, a, "docs/report.bin", data) // single PUT: the stored checksum is a SHA-256
	dir := t.TempDir()
	local := filepath.Join(dir, "report.bin")
	part, record := local+client.PartialSuffix, local+client.PartialSuffix+".json"
	seq := client.DownloadOptions{Concurrency: 1}

	// Cut after 1 MiB: resumed within the call.
	var cuts atomic.Int32
	a.storage.set(func(p *storageProxy) {
		p.cut = func(*http.Request) int64 {
			if cuts.Add(1) == 1 {
				return 1 << 20
			}
			return -1
		}
	})
	if n, err := c.DownloadFile(context.Background(), "docs/report.bin", local, seq); err != nil || n != int64(len(data)) {
		t.Fatalf("cut download: %d %v", n, err)
	}
	if got, _ := os.ReadFile(local); !bytes.Equal(got, data) {
		t.Fatal("cut download: bytes differ")
	}
	g := gets(a.storage.requests())
	if len(g) != 2 || g[0].Range != "" || g[1].Range != "bytes=1048576-" {
		t.Fatalf("requests %+v", g)
	}
	noFile(t, part, record)
	if fi, _ := os.Stat(local); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode())
	}
	os.Remove(local)

	// Stalled after 2 MiB and cancelled: the partial file is kept.
	const k = 2 << 20
	interrupt := func() {
		t.Helper()
		os.Remove(local)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		stalled := make(chan struct{})
		a.storage.set(func(p *storageProxy) {
			p.log, p.cut = nil, nil
			p.hook = func(w http.ResponseWriter, r *http.Request) bool {
				defer close(stalled)
				resp, err := http.Get(s3srv.Endpoint + r.URL.RequestURI())
				if err != nil {
					t.Error(err)
					return true
				}
				defer resp.Body.Close()
				for k, v := range resp.Header {
					w.Header()[k] = v
				}
				_, _ = w.Write(data[:k])
				w.(http.Flusher).Flush()
				select { // stall until the client gives up
				case <-r.Context().Done():
				case <-time.After(10 * time.Second):
				}
				return true
			}
		})
		o := seq
		o.Progress = func(done, total int64) {
			if done >= k {
				cancel()
			}
		}
		if _, err := c.DownloadFile(ctx, "docs/report.bin", local, o); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled download: %v", err)
		}
		noFile(t, local)
		if fi, err := os.Stat(part); err != nil || fi.Size() != k || fi.Mode().Perm() != 0o600 {
			t.Fatalf("partial file: %v %v", fi, err)
		}
		<-stalled
		for deadline := time.Now().Add(5 * time.Second); len(a.storage.requests()) == 0 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond) // the proxy logs the stalled request once the hook returns
		}
		a.storage.set(func(p *storageProxy) { p.hook, p.log = nil, nil })
	}
	interrupt()
	if _, err := c.DownloadFile(context.Background(), "docs/report.bin", local, seq); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(local); !bytes.Equal(got, data) {
		t.Fatal("resumed download: bytes differ")
	}
	if g := gets(a.storage.requests()); len(g) != 1 || g[0].Range != fmt.Sprintf("bytes=%d-", k) {
		t.Fatalf("resume requests %+v", g)
	}
	noFile(t, part, record)

	// The recorded ETag is not the object's: the download starts over.
	interrupt()
	b, _ := os.ReadFile(record)
	if err := os.WriteFile(record, bytes.Replace(b, []byte(`"etag":"`), []byte(`"etag":"x`), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DownloadFile(context.Background(), "docs/report.bin", local, seq); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(local); !bytes.Equal(got, data) {
		t.Fatal("restarted download: bytes differ")
	}
	if g := gets(a.storage.requests()); len(g) != 2 || g[0].Range == "" || g[1].Range != "" {
		t.Fatalf("restart requests %+v", g)
	}
	noFile(t, part, record)

	// The existing Download to a writer resumes a cut too.
	cuts.Store(0)
	a.storage.set(func(p *storageProxy) {
		p.cut = func(*http.Request) int64 {
			if cuts.Add(1) == 1 {
				return 12345
			}
			return -1
		}
	})
	var buf bytes.Buffer
	if n, err := c.Download(context.Background(), "docs/report.bin", &buf); err != nil || n != int64(len(data)) || !bytes.Equal(buf.Bytes(), data) {
		t.Fatalf("Download: %d %v", n, err)
	}
}

// A big file is fetched as parallel ranged GETs (a cut range resumed from where it
// stopped); cancelled mid-way, the next call fetches only the chunks not done. The
// result is checked against the stored CRC64NVME.
func TestParallelRangedDownload(t *testing.T) {
	a := newContractAPI(t)
	c := a.client()
	data := randomBytes(4*partSize+777, 4) // multipart: CRC64NVME
	uploaded(t, a, "big.bin", data)
	local := filepath.Join(t.TempDir(), "big.bin")
	const chunk = 3 << 20
	chunks := (len(data) + chunk - 1) / chunk // 7
	opts := client.DownloadOptions{Threshold: 1 << 20, ChunkSize: chunk, Concurrency: 3}
	var n atomic.Int32
	a.storage.set(func(p *storageProxy) {
		p.cut = func(*http.Request) int64 {
			if n.Add(1) == 3 {
				return 100 << 10
			}
			return -1
		}
	})
	if got, err := c.DownloadFile(context.Background(), "big.bin", local, opts); err != nil || got != int64(len(data)) {
		t.Fatalf("parallel download: %d %v", got, err)
	}
	if got, _ := os.ReadFile(local); !bytes.Equal(got, data) {
		t.Fatal("parallel download: bytes differ")
	}
	g := gets(a.storage.requests())
	resumedMid := 0
	for _, r := range g {
		var from, to int
		if _, err := fmt.Sscanf(r.Range, "bytes=%d-%d", &from, &to); err != nil {
			t.Fatalf("GET without a range: %+v", r)
		}
		if from%chunk != 0 {
			resumedMid++
		}
	}
	if len(g) != chunks+1 || resumedMid != 1 {
		t.Fatalf("%d GETs (want %d), %d resumed mid-chunk: %+v", len(g), chunks+1, resumedMid, g)
	}
	os.Remove(local)

	// Cancel as the second chunk ends; resume fetches only the chunks not recorded.
	ctx, cancel := context.WithCancel(context.Background())
	var ok atomic.Int32
	a.storage.set(func(p *storageProxy) {
		p.cut, p.log = nil, nil
		p.after = func(r *http.Request, status int) {
			if status == http.StatusPartialContent && ok.Add(1) == 2 {
				cancel()
			}
		}
	})
	o := opts
	o.Concurrency = 2
	if _, err := c.DownloadFile(ctx, "big.bin", local, o); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	var rec struct{ Done []int }
	b, _ := os.ReadFile(local + client.PartialSuffix + ".json")
	// The chunk whose answer ended as the context was cancelled may or may not count.
	if err := json.Unmarshal(b, &rec); err != nil || len(rec.Done) < 1 || len(rec.Done) >= chunks {
		t.Fatalf("record %s %v", b, err)
	}
	a.storage.set(func(p *storageProxy) { p.after, p.log = nil, nil })
	if _, err := c.DownloadFile(context.Background(), "big.bin", local, opts); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(local); !bytes.Equal(got, data) {
		t.Fatal("resumed parallel download: bytes differ")
	}
	// Count chunks, not GETs: on a loaded machine a GET may be retried.
	fetched := map[int]bool{}
	for _, r := range gets(a.storage.requests()) {
		var from, to int
		_, _ = fmt.Sscanf(r.Range, "bytes=%d-%d", &from, &to)
		if slices.Contains(rec.Done, from/chunk) {
			t.Errorf("chunk %d fetched again", from/chunk)
		}
		fetched[from/chunk] = true
	}
	if len(fetched) != chunks-len(rec.Done) {
		t.Errorf("%d chunks fetched on resume, want %d", len(fetched), chunks-len(rec.Done))
	}
}

// A download whose bytes do not match the stored checksum fails with
// ErrChecksumMismatch and leaves no file: not at localPath, not partial.
func TestChecksumMismatchLeavesNoFile(t *testing.T) {
	a := newContractAPI(t)
	c := a.client()
	small, big := randomBytes(1000, 5), randomBytes(2*partSize+1, 6)
	uploaded(t, a, "small.bin", small)
	uploaded(t, a, "big.bin", big)
	a.set(func(a *contractAPI) { a.wrongChecksum = true })
	dir := t.TempDir()
	for _, tc := range []struct {
		path string
		opts client.DownloadOptions
	}{{"small.bin", client.DownloadOptions{}}, {"big.bin", client.DownloadOptions{Threshold: 1 << 20, ChunkSize: 4 << 20}}} {
		local := filepath.Join(dir, tc.path)
		_, err := c.DownloadFile(context.Background(), tc.path, local, tc.opts)
		if !errors.Is(err, client.ErrChecksumMismatch) || strings.Contains(err.Error(), "\n") {
			t.Fatalf("%s: %v", tc.path, err)
		}
		noFile(t, local, local+client.PartialSuffix, local+client.PartialSuffix+".json")
	}
	if _, err := c.Download(context.Background(), "small.bin", &bytes.Buffer{}); !errors.Is(err, client.ErrChecksumMismatch) {
		t.Fatalf("Download: %v", err)
	}
}

// A refused download creates nothing, whether the API or the storage refuses it; the
// storage's 403 is not retried.
func TestRefusedDownloadLeavesNoFile(t *testing.T) {
	a := newContractAPI(t)
	c := a.client()
	uploaded(t, a, "f.bin", []byte("content"))
	local := filepath.Join(t.TempDir(), "f.bin")
	all := []string{local, local + client.PartialSuffix, local + client.PartialSuffix + ".json"}
	if _, err := c.DownloadFile(context.Background(), "missing.bin", local, client.DownloadOptions{}); !errors.Is(err, client.ErrNotFound) {
		t.Fatalf("missing file: %v", err)
	}
	noFile(t, all...)
	a.storage.set(func(p *storageProxy) {
		p.hook = func(w http.ResponseWriter, r *http.Request) bool {
			http.Error(w, "<Error><Code>AccessDenied</Code></Error>", http.StatusForbidden)
			return true
		}
	})
	_, err := c.DownloadFile(context.Background(), "f.bin", local, client.DownloadOptions{})
	if !errors.Is(err, client.ErrForbidden) || strings.Contains(err.Error(), "X-Amz") {
		t.Fatalf("storage refusal: %v", err)
	}
	if n := len(a.storage.requests()); n != 1 {
		t.Errorf("refused GET sent %d times", n)
	}
	noFile(t, all...)
}

// Delete, ShareURL (via s3) and folder cookies carrying the Set-Cookie attributes.
func TestDeleteShareAndCookies(t *testing.T) {
	a := newContractAPI(t)
	c := a.client()
	ctx := context.Background()
	uploaded(t, a, "old/report.pdf", []byte("old"))
	u, exp, err := c.ShareURL(ctx, "old/report.pdf", client.ShareOptions{Via: "s3", Lifetime: time.Hour})
	if err != nil || u == "" || time.Until(exp) < 30*time.Minute {
		t.Fatalf("share: %q %v %v", u, exp, err)
	}
	a.mu.Lock()
	via := a.lastVia
	a.mu.Unlock()
	if via != "s3" {
		t.Errorf("via %q", via)
	}
	if deleted, err := c.Delete(ctx, "old/report.pdf"); err != nil || !deleted {
		t.Fatalf("delete: %v %v", deleted, err)
	}
	if deleted, err := c.Delete(ctx, "old/report.pdf"); err != nil || deleted {
		t.Fatalf("delete again: %v %v", deleted, err)
	}
	if _, err := s3srv.Client(nil).HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(acmePrefix + "old/report.pdf")}); err == nil {
		t.Error("the object is still in S3")
	}

	a.set(func(a *contractAPI) {
		a.hook = func(w http.ResponseWriter, r *http.Request) bool {
			for _, n := range []string{"Policy", "Signature", "Key-Pair-Id"} {
				w.Header().Add("Set-Cookie", "CloudFront-"+n+"=v-"+n+"; Path=/customers/acme/shared/; Max-Age=300; Secure; HttpOnly; SameSite=Lax")
			}
			_, _ = fmt.Fprint(w, `{"cookies":{"CloudFront-Policy":"v-Policy","CloudFront-Signature":"v-Signature","CloudFront-Key-Pair-Id":"v-Key-Pair-Id"},"resource":"https://f/customers/acme/shared/*","expiresAt":"2030-01-01T00:00:00Z"}`)
			return true
		}
	})
	cookies, _, err := c.FolderCookies(ctx, "shared", 5*time.Minute)
	if err != nil || len(cookies) != 3 {
		t.Fatalf("cookies: %v %v", cookies, err)
	}
	for _, ck := range cookies {
		if ck.Path != "/customers/acme/shared/" || ck.SameSite != http.SameSiteLaxMode || !ck.Secure || !ck.HttpOnly || ck.MaxAge != 300 {
			t.Errorf("cookie %s", ck)
		}
	}
}
