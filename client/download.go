package client

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/signet-cdk/signet/checksum"
)

// Defaults of DownloadOptions.
const (
	DefaultDownloadThreshold = 64 << 20
	DefaultDownloadChunk     = 16 << 20
	DefaultConcurrency       = 4
)

// DownloadOptions shape DownloadFile. Zero fields take the defaults.
type DownloadOptions struct {
	// Concurrency is how many ranged GETs of a large file run at once. Default 4; 1
	// fetches every file in one sequential GET.
	Concurrency int
	// Threshold: a file of at least this many bytes is fetched as parallel ranged GETs
	// of ChunkSize bytes. Default 64 MiB.
	Threshold int64
	// ChunkSize of the ranged GETs. Default 16 MiB.
	ChunkSize int64
	// Progress, when set, is called (never concurrently) as bytes land, with the bytes
	// held so far (those of a resumed download included) and the file's size (-1 when
	// the API did not give it).
	Progress func(done, total int64)
	// NoResume discards a partial download left by an earlier attempt instead of
	// resuming it. Resuming is the default.
	NoResume bool
	// Via: "cloudfront" (default) or "s3" (where the deployment allows it).
	Via string

	// Lifetime, StartsAt and IPRestriction shape the URL of the deprecated
	// DownloadURL; DownloadFile ignores them.
	Lifetime      time.Duration
	StartsAt      time.Time
	IPRestriction string
}

func (o DownloadOptions) withDefaults() DownloadOptions {
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Threshold <= 0 {
		o.Threshold = DefaultDownloadThreshold
	}
	if o.ChunkSize <= 0 {
		o.ChunkSize = DefaultDownloadChunk
	}
	return o
}

// PartialSuffix is appended to DownloadFile's localPath for the file being written;
// PartialSuffix+".json" names the small record that lets a later call resume it.
const PartialSuffix = ".signet-partial"

// errChanged: the object's ETag changed between two requests of one download.
var errChanged = errors.New("signet: the file changed during the download")

// errNoRanges: the server answered a ranged GET with the whole file.
var errNoRanges = errors.New("signet: the server does not serve byte ranges")

// DownloadFile downloads the file at path to localPath, and returns its size.
//
// The bytes go to localPath+PartialSuffix (mode 0600), which is renamed to localPath
// (replacing any file there) only once its size and checksum match what the API
// stored: the CRC64NVME of a multipart upload, else the SHA-256 of a single upload.
// On a mismatch the partial file is removed and the error matches
// ErrChecksumMismatch; a refused download (the API's or the storage's 4xx) leaves no
// file behind. Nothing is ever written at localPath itself but by that rename.
//
// A file of at least Threshold bytes is fetched as parallel ranged GETs. A cut
// request is retried from where it stopped (Range). An interrupted download
// (cancellation, network failure, 5xx once the retries are spent) keeps the partial
// file and its record (the object's ETag, size, checksum and, for ranged GETs, the
// chunks done); the next DownloadFile of the same path to the same localPath resumes
// it if the API still describes the same file and the storage's ETag is unchanged,
// and starts over otherwise.
func (c *Client) DownloadFile(ctx context.Context, path, localPath string, o DownloadOptions) (int64, error) {
	o = o.withDefaults()
	part, record := localPath+PartialSuffix, localPath+PartialSuffix+".json"
	for round := 1; ; round++ {
		n, err := c.downloadFile(ctx, path, part, record, o)
		var se *StorageError
		if round == 1 && (errors.Is(err, errChanged) || errors.As(err, &se) && se.Status == http.StatusRequestedRangeNotSatisfiable) {
			// What was kept belongs to another version of the file: start over once.
			removePartial(part, record)
			continue
		}
		if err != nil {
			return 0, err
		}
		if err := os.Rename(part, localPath); err != nil {
			return 0, err
		}
		_ = os.Remove(record)
		return n, nil
	}
}

func removePartial(part, record string) {
	_ = os.Remove(part)
	_ = os.Remove(record)
}

// partialRecord is what DownloadFile keeps beside a partial file.
type partialRecord struct {
	Version           int    `json:"version"`
	Path              string `json:"path"`
	Size              *int64 `json:"size"`
	ChecksumSHA256    string `json:"checksumSha256,omitempty"`
	ChecksumCRC64NVME string `json:"checksumCrc64nvme,omitempty"`
	ETag              string `json:"etag"`
	// ChunkSize and Done: for ranged GETs, the chunk size and the chunks written.
	ChunkSize int64 `json:"chunkSize,omitempty"`
	Done      []int `json:"done,omitempty"`
	// ChunkCRCs are the CRC64NVME of the chunks written, by chunk index, so the whole
	// file's checksum is combined from them instead of reading the file again.
	ChunkCRCs map[int]uint64 `json:"chunkCrcs,omitempty"`
}

func loadRecord(name string) *partialRecord {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil
	}
	var r partialRecord
	if json.Unmarshal(b, &r) != nil || r.Version != 1 {
		return nil
	}
	return &r
}

// writeJSONFile replaces name with v's JSON, atomically, mode 0600.
func writeJSONFile(name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}

// resumable says whether an error leaves a download (or upload) worth resuming.
func resumable(ctx context.Context, err error) bool {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrNetwork) {
		return true
	}
	var ae *APIError
	var se *StorageError
	return errors.As(err, &ae) && (ae.Status >= 500 || ae.Status == http.StatusTooManyRequests) ||
		errors.As(err, &se) && (se.Status >= 500 || se.Status == http.StatusTooManyRequests)
}

// downloadFile is one round of DownloadFile: it leaves the checked file at part.
func (c *Client) downloadFile(ctx context.Context, path, part, record string, o DownloadOptions) (n int64, err error) {
	a, err := c.downloadAnswer(ctx, path, ShareOptions{Via: o.Via})
	if err != nil {
		return 0, err
	}
	rec := &partialRecord{Version: 1, Path: path, Size: a.Size, ChecksumSHA256: a.ChecksumSHA256, ChecksumCRC64NVME: a.ChecksumCRC64NVME}
	if old := loadRecord(record); !o.NoResume && old != nil && old.ETag != "" && old.Path == path &&
		(&download{Size: old.Size, ChecksumSHA256: old.ChecksumSHA256, ChecksumCRC64NVME: old.ChecksumCRC64NVME}).sameFile(a) {
		rec = old
	} else {
		removePartial(part, record)
	}
	size := int64(-1)
	if a.Size != nil {
		size = *a.Size
	}
	src := &source{c: c, path: path, via: o.Via, ans: a, etag: rec.ETag}
	p := newProgress(o.Progress, size)
	kept := rec.ETag != ""
	defer func() {
		if err != nil && !(kept && !o.NoResume && resumable(ctx, err)) {
			removePartial(part, record)
		}
	}()
	// Ranged GETs for a big file, or to resume ranged GETs.
	if rec.ChunkSize > 0 || rec.ETag == "" && size >= o.Threshold && size > 0 && o.Concurrency > 1 {
		if rec.ChunkSize == 0 {
			rec.ChunkSize = o.ChunkSize
		}
		n, err = c.getRanges(ctx, src, part, record, rec, o.Concurrency, p, &kept)
		if !errors.Is(err, errNoRanges) {
			return n, err
		}
		removePartial(part, record)
		rec = &partialRecord{Version: 1, Path: path, Size: a.Size, ChecksumSHA256: a.ChecksumSHA256, ChecksumCRC64NVME: a.ChecksumCRC64NVME}
		src.etag, kept = "", false
		p.reset()
	}
	return c.getSequential(ctx, src, part, record, rec, p, &kept)
}

// getSequential fetches the file in one GET (resuming from the partial file's length),
// hashing as it writes.
func (c *Client) getSequential(ctx context.Context, src *source, part, record string, rec *partialRecord, p *progress, kept *bool) (int64, error) {
	v := newVerifier(src.ans)
	var f *os.File
	var written int64
	if rec.ETag != "" {
		var err error
		if f, err = os.OpenFile(part, os.O_RDWR, 0); err == nil {
			fi, err := f.Stat()
			if err == nil && (rec.Size == nil || fi.Size() <= *rec.Size) {
				if _, err = io.Copy(v, io.NewSectionReader(f, 0, fi.Size())); err == nil {
					written = fi.Size()
					_, err = f.Seek(written, io.SeekStart)
				}
			}
			if err != nil || written == 0 {
				f.Close()
				f, written = nil, 0
			}
		}
		if f == nil {
			v = newVerifier(src.ans)
			rec.ETag, src.etag = "", ""
		}
	}
	if f == nil {
		var err error
		if f, err = os.OpenFile(part, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600); err != nil {
			return 0, err
		}
	}
	defer f.Close()
	p.add(written)
	src.onETag = func(etag string) error {
		rec.ETag, *kept = etag, true
		return writeJSONFile(record, rec)
	}
	reset := func() error {
		v = newVerifier(src.ans)
		if err := f.Truncate(0); err != nil {
			return err
		}
		_, err := f.Seek(0, io.SeekStart)
		return err
	}
	err := src.stream(ctx, writerFunc(func(b []byte) (int, error) {
		n, err := f.Write(b)
		_, _ = v.Write(b[:n])
		return n, err
	}), &written, reset, p)
	if err != nil {
		return written, err
	}
	if err := v.check(src.path, written); err != nil {
		return 0, err
	}
	return written, f.Sync()
}

type writerFunc func([]byte) (int, error)

func (w writerFunc) Write(b []byte) (int, error) { return w(b) }

// getRanges fetches the chunks not yet written, Concurrency at a time, then checks
// the whole file.
func (c *Client) getRanges(ctx context.Context, src *source, part, record string, rec *partialRecord, conc int, p *progress, kept *bool) (int64, error) {
	size := *src.ans.Size
	chunk := rec.ChunkSize
	count := int((size + chunk - 1) / chunk)
	done := make([]bool, count)
	for _, i := range rec.Done {
		if i >= 0 && i < count {
			done[i] = true
		}
	}
	var f *os.File
	var err error
	if rec.ETag != "" {
		if f, err = os.OpenFile(part, os.O_RDWR, 0); err == nil {
			if fi, err := f.Stat(); err != nil || fi.Size() != size {
				f.Close()
				f = nil
			}
		}
		if f == nil {
			clear(done)
			rec.ETag, rec.Done, src.etag = "", nil, ""
		}
	}
	if f == nil {
		if f, err = os.OpenFile(part, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600); err != nil {
			return 0, err
		}
		if err := f.Truncate(size); err != nil {
			f.Close()
			return 0, err
		}
	}
	defer f.Close()
	var pending []int
	for i := range count {
		if done[i] {
			p.add(min(chunk, size-int64(i)*chunk))
		} else {
			pending = append(pending, i)
		}
	}
	var mu sync.Mutex
	rec.Done = nil
	for i := range count {
		if done[i] {
			rec.Done = append(rec.Done, i)
		}
	}
	src.onETag = func(etag string) error {
		rec.ETag, *kept = etag, true
		return writeJSONFile(record, rec)
	}
	fetch := func(i int) error {
		start := int64(i) * chunk
		end := min(start+chunk, size)
		crc, err := src.fetchRange(ctx, f, start, end-1, p)
		if err != nil {
			return err
		}
		startWriteback(f, start, end-start)
		mu.Lock()
		defer mu.Unlock()
		rec.Done = append(rec.Done, i)
		if rec.ChunkCRCs == nil {
			rec.ChunkCRCs = map[int]uint64{}
		}
		rec.ChunkCRCs[i] = crc
		if rec.ETag == "" {
			return nil // no ETag to resume against: nothing worth recording
		}
		return writeJSONFile(record, rec)
	}
	if len(pending) > 0 && src.etag == "" {
		// The first chunk alone: it tells whether ranges work and what the ETag is.
		if err := fetch(pending[0]); err != nil {
			return 0, err
		}
		pending = pending[1:]
	}
	g, gctx := newGroup(ctx, conc)
	for _, i := range pending {
		if !g.Go(gctx, func() error { return fetch(i) }) {
			break
		}
	}
	if err := g.Wait(); err != nil || ctx.Err() != nil {
		return 0, ctxOr(ctx, err)
	}
	if err := verifyRanges(src, f, rec, count, chunk, size); err != nil {
		return 0, err
	}
	return size, f.Sync()
}

// verifyRanges checks the written file against the stored checksum. For a CRC64NVME
// whose every chunk's CRC was computed while it was written, the whole file's CRC is
// combined from them (no second read of the file); otherwise the file is read again.
func verifyRanges(src *source, f *os.File, rec *partialRecord, count int, chunk, size int64) error {
	v := newVerifier(src.ans)
	if v.algo == "CRC64NVME" && len(rec.ChunkCRCs) == count {
		var total uint64
		for i := range count {
			crc, ok := rec.ChunkCRCs[i]
			if !ok {
				break
			}
			if i == 0 {
				total = crc
				continue
			}
			total = checksum.Combine(total, crc, min(chunk, size-int64(i)*chunk))
		}
		v.h = fixedSum(total)
		return v.check(src.path, size)
	}
	if _, err := io.Copy(v, io.NewSectionReader(f, 0, size)); err != nil {
		return err
	}
	return v.check(src.path, size)
}

// fixedSum is a hash.Hash64 whose sum is already known.
type fixedSum uint64

func (s fixedSum) Write(b []byte) (int, error) { return len(b), nil }
func (s fixedSum) Sum(b []byte) []byte         { return binary.BigEndian.AppendUint64(b, uint64(s)) }
func (s fixedSum) Reset()                      {}
func (s fixedSum) Size() int                   { return 8 }
func (s fixedSum) BlockSize() int              { return 1 }
func (s fixedSum) Sum64() uint64               { return uint64(s) }

// ctxOr returns ctx's error once ctx has ended, else err.
func ctxOr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctxError(ctx, err)
	}
	return err
}

// source is the signed URL of one download, re-asked for when it is about to expire.
type source struct {
	c    *Client
	path string
	via  string

	mu     sync.Mutex
	ans    *download
	etag   string                  // the object's ETag, once known
	onETag func(etag string) error // called when the ETag is learnt or changes
}

func (s *source) url(ctx context.Context) (string, error) {
	s.mu.Lock()
	a := s.ans
	s.mu.Unlock()
	if !expiring(a.ExpiresAt) {
		return a.URL, nil
	}
	n, err := s.c.downloadAnswer(ctx, s.path, ShareOptions{Via: s.via})
	if err != nil {
		return "", err
	}
	if !n.sameFile(a) {
		return "", errChanged
	}
	s.mu.Lock()
	s.ans = n
	s.mu.Unlock()
	return n.URL, nil
}

// get sends one GET of the file, with the Range header rng unless empty.
func (s *source) get(ctx context.Context, rng string) (*http.Response, error) {
	u, err := s.url(ctx)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("signet: download: bad URL in the API's answer")
	}
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	resp, err := s.c.http().Do(req)
	if err != nil {
		return nil, netError("download", err)
	}
	return resp, nil
}

func etagOf(h http.Header) string { return strings.TrimPrefix(h.Get("ETag"), "W/") }

// checkETag compares an answer's ETag with the one known, learning it the first time.
// With reset set, a changed ETag is adopted (reset having emptied what was written)
// instead of failing.
func (s *source) checkETag(h http.Header, reset func() error) error {
	e := etagOf(h)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case e == "" || e == s.etag:
		return nil
	case s.etag != "" && reset == nil:
		return errChanged
	case s.etag != "":
		if err := reset(); err != nil {
			return err
		}
	}
	s.etag = e
	if s.onETag != nil {
		return s.onETag(e)
	}
	return nil
}

// contentRangeStart parses the first byte of "bytes a-b/size".
func contentRangeStart(v string) (int64, bool) {
	v, ok := strings.CutPrefix(v, "bytes ")
	if !ok {
		return 0, false
	}
	a, _, ok := strings.Cut(v, "-")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(a, 10, 64)
	return n, err == nil
}

// stream writes the file from byte *written on into w, resuming a cut with Range,
// and advances *written. reset, when set, empties what was written so that the file
// can start over when it changed; without it a change fails the download. A server
// that ignores Range sends the whole file, whose first *written bytes are skipped.
func (s *source) stream(ctx context.Context, w io.Writer, written *int64, reset func() error, p *progress) error {
	size := int64(-1)
	if s.ans.Size != nil {
		size = *s.ans.Size
	}
	return s.c.retry(ctx, true, func(int) error {
		if size >= 0 && *written == size && (size > 0 || s.etag != "") {
			return nil // all there (a resumed download that had ended)
		}
		rng := ""
		if *written > 0 {
			rng = fmt.Sprintf("bytes=%d-", *written)
		}
		resp, err := s.get(ctx, rng)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		restart := func() error {
			if err := reset(); err != nil {
				return err
			}
			p.add(-*written)
			*written = 0
			return nil
		}
		if reset == nil {
			restart = nil
		}
		switch resp.StatusCode {
		case http.StatusPartialContent:
			if start, ok := contentRangeStart(resp.Header.Get("Content-Range")); !ok || start != *written {
				return &StorageError{Op: "download", Status: resp.StatusCode, Code: "UnexpectedContentRange"}
			}
			if err := s.checkETag(resp.Header, nil); err != nil { // the rest of another file?
				return err
			}
		case http.StatusOK:
			if err := s.checkETag(resp.Header, restart); err != nil {
				return err
			}
			if *written > 0 {
				if _, err := io.CopyN(io.Discard, resp.Body, *written); err != nil {
					return netError("download", err)
				}
			}
		default:
			return storageError("download", resp)
		}
		cw := &countingWriter{w: w, n: written, p: p}
		if _, err := io.Copy(cw, resp.Body); err != nil {
			if cw.err != nil {
				return fmt.Errorf("signet: download %s: write: %w", s.path, cw.err)
			}
			return netError("download", err)
		}
		if size >= 0 && *written < size {
			return netError("download", io.ErrUnexpectedEOF)
		}
		return nil
	})
}

// fetchRange writes bytes start..end (inclusive) of the file into f at their offset,
// resuming a cut from where it stopped.
// fetchRange writes bytes start..end (inclusive) at their offset in f and returns
// their CRC64NVME, computed as they are written.
func (s *source) fetchRange(ctx context.Context, f io.WriterAt, start, end int64, p *progress) (uint64, error) {
	pos := start
	var crc uint64
	err := s.c.retry(ctx, true, func(int) error {
		resp, err := s.get(ctx, fmt.Sprintf("bytes=%d-%d", pos, end))
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusPartialContent:
			if got, ok := contentRangeStart(resp.Header.Get("Content-Range")); !ok || got != pos {
				return &StorageError{Op: "download", Status: resp.StatusCode, Code: "UnexpectedContentRange"}
			}
			if err := s.checkETag(resp.Header, nil); err != nil {
				return err
			}
		case http.StatusOK:
			return errNoRanges
		default:
			return storageError("download", resp)
		}
		want := end + 1 - pos
		// The CRC follows the bytes written: a retry goes on from pos, after them.
		hashed := writerFunc(func(b []byte) (int, error) { crc = checksum.Update(crc, b); return len(b), nil })
		cw := &countingWriter{w: io.MultiWriter(io.NewOffsetWriter(f, pos), hashed), n: &pos, p: p}
		if _, err := io.Copy(cw, io.LimitReader(resp.Body, want)); err != nil {
			if cw.err != nil {
				return fmt.Errorf("signet: download %s: write: %w", s.path, cw.err)
			}
			return netError("download", err)
		}
		if pos <= end {
			return netError("download", io.ErrUnexpectedEOF)
		}
		return nil
	})
	return crc, err
}

// verifier hashes a download with the checksum the API stored.
type verifier struct {
	algo, want string
	size       *int64
	h          hash.Hash
}

func newVerifier(a *download) *verifier {
	v := &verifier{size: a.Size}
	switch {
	case a.ChecksumCRC64NVME != "":
		v.algo, v.want, v.h = "CRC64NVME", a.ChecksumCRC64NVME, checksum.NewCRC64NVME()
	case a.ChecksumSHA256 != "":
		v.algo, v.want, v.h = "SHA-256", a.ChecksumSHA256, sha256.New()
	}
	return v
}

func (v *verifier) Write(b []byte) (int, error) {
	if v.h != nil {
		v.h.Write(b)
	}
	return len(b), nil
}

func (v *verifier) sum() string {
	if h64, ok := v.h.(hash.Hash64); ok {
		return checksum.CRC64NVMEBase64(h64.Sum64())
	}
	return base64.StdEncoding.EncodeToString(v.h.Sum(nil))
}

// check compares n bytes hashed with the stored size and checksum.
func (v *verifier) check(path string, n int64) error {
	if v.size != nil && n != *v.size {
		return &mismatchError{fmt.Sprintf("signet: download %s: got %d bytes, the stored file has %d", path, n, *v.size)}
	}
	if v.h != nil && v.sum() != v.want {
		return &mismatchError{fmt.Sprintf("signet: download %s: %s %s of the bytes received differs from the stored %s", path, v.algo, v.sum(), v.want)}
	}
	return nil
}

// mismatchError matches ErrChecksumMismatch.
type mismatchError struct{ msg string }

func (e *mismatchError) Error() string        { return e.msg }
func (e *mismatchError) Is(target error) bool { return target == ErrChecksumMismatch }

// progress reports bytes done to a callback, one call at a time. A nil *progress does
// nothing.
type progress struct {
	mu          sync.Mutex
	fn          func(done, total int64)
	done, total int64
}

func newProgress(fn func(done, total int64), total int64) *progress {
	if fn == nil {
		return nil
	}
	return &progress{fn: fn, total: total}
}

func (p *progress) add(n int64) {
	if p == nil || n == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	p.fn(p.done, p.total)
}

func (p *progress) reset() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done = 0
}

// countingReader counts the bytes read through it into p, until stop: the transport
// may go on reading a request body after the answer came back, and what it reads
// then must not count.
type countingReader struct {
	r       io.Reader
	p       *progress
	mu      sync.Mutex
	n       int64
	stopped bool
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.stopped {
		c.n += int64(n)
		c.p.add(int64(n))
	}
	return n, err
}

// stop ends the counting and returns the bytes counted.
func (c *countingReader) stop() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped = true
	return c.n
}

// countingWriter counts the bytes written through it, and keeps the writer's error.
type countingWriter struct {
	w   io.Writer
	n   *int64
	p   *progress
	err error
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	*c.n += int64(n)
	c.p.add(int64(n))
	if err != nil {
		c.err = err
	}
	return n, err
}

// group runs functions, at most limit at once; the first error cancels the others'
// context and is what Wait returns (the x/sync errgroup, which go.mod does not list
// as a direct dependency).
type group struct {
	wg     sync.WaitGroup
	sem    chan struct{}
	cancel context.CancelFunc
	once   sync.Once
	err    error
}

func newGroup(ctx context.Context, limit int) (*group, context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	return &group{sem: make(chan struct{}, max(limit, 1)), cancel: cancel}, ctx
}

// Go starts f once a slot is free; it returns false (not starting f) when ctx ended.
func (g *group) Go(ctx context.Context, f func() error) bool {
	select {
	case g.sem <- struct{}{}:
	case <-ctx.Done():
		return false
	}
	g.wg.Add(1)
	go func() {
		defer func() { <-g.sem; g.wg.Done() }()
		if err := f(); err != nil {
			g.once.Do(func() { g.err = err; g.cancel() })
		}
	}()
	return true
}

// Wait waits for the functions started and returns the first error.
func (g *group) Wait() error {
	g.wg.Wait()
	g.cancel()
	return g.err
}
