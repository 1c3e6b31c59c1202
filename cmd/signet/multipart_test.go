package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signet-cdk/signet/checksum"
)

// multipart is a stand-in for the API's multipart routes and the storage's
// UploadPart, added to a fileWorld.
type multipart struct {
	w        *fileWorld
	uploads  map[string]*upload
	puts     []int         // the part numbers received whole, in order
	stall    int           // when set, a PUT of this part number waits until cancelled
	stalled  chan struct{} // closed when the stalled PUT arrives
	aborted  int
	complete int
	inflight sync.WaitGroup // the PUTs being handled
}

type upload struct {
	path     string
	size     int64
	partSize int64
	parts    map[int][]byte
}

func (w *fileWorld) multipart(t *testing.T) *multipart {
	m := &multipart{w: w, uploads: map[string]*upload{}}
	mux := w.Config.Handler.(*http.ServeMux)
	mux.HandleFunc("/api/uploads/multipart", m.api)
	mux.HandleFunc("/api/uploads/multipart/", m.api)
	mux.HandleFunc("PUT /part/", m.put)
	return m
}

func (m *multipart) api(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		Path, UploadID string
		Size, PartSize int64
		Parts          []struct{ Number int }
	}
	_ = json.NewDecoder(r.Body).Decode(&in)
	m.w.mu.Lock()
	defer m.w.mu.Unlock()
	if r.Method == http.MethodGet {
		in.UploadID = r.URL.Query().Get("uploadId")
	}
	u := m.uploads[in.UploadID]
	switch route := r.Method + " " + strings.TrimPrefix(r.URL.Path, "/api/uploads/multipart"); {
	case route == "POST ":
		u = &upload{path: in.Path, size: in.Size, partSize: max(in.PartSize, 5<<20), parts: map[int][]byte{}}
		id := fmt.Sprintf("up-%d", len(m.uploads)+1)
		m.uploads[id] = u
		writeJSON(rw, map[string]any{"uploadId": id, "partSize": u.partSize, "partCount": (u.size + u.partSize - 1) / u.partSize})
	case u == nil:
		apiError(rw, 404, "not_found", "no such upload")
	case route == "POST /parts":
		var urls []map[string]any
		for _, p := range in.Parts {
			urls = append(urls, map[string]any{"number": p.Number, "url": fmt.Sprintf("%s/part/%s/%d", m.w.URL, in.UploadID, p.Number),
				"expiresAt": time.Now().Add(time.Hour)})
		}
		writeJSON(rw, map[string]any{"parts": urls})
	case route == "GET /parts":
		var held []map[string]any
		for n, b := range u.parts {
			held = append(held, map[string]any{"number": n, "size": len(b), "etag": etag(n), "checksumCrc64nvme": checksum.CRC64NVMEBase64(checksum.CRC64NVME(b))})
		}
		writeJSON(rw, map[string]any{"parts": held})
	case route == "POST /complete":
		var all []byte
		for n := 1; n <= len(u.parts); n++ {
			all = append(all, u.parts[n]...)
		}
		m.w.files[u.path] = all
		delete(m.uploads, in.UploadID)
		m.complete++
		writeJSON(rw, map[string]any{"path": u.path, "size": len(all), "checksumCrc64nvme": checksum.CRC64NVMEBase64(checksum.CRC64NVME(all)), "status": "available"})
	case route == "POST /abort":
		delete(m.uploads, in.UploadID)
		m.aborted++
		writeJSON(rw, map[string]any{"aborted": true})
	}
}

func etag(n int) string { return fmt.Sprintf(`"etag-%d"`, n) }

func (m *multipart) put(rw http.ResponseWriter, r *http.Request) {
	m.inflight.Add(1)
	defer m.inflight.Done()
	id, num, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/part/"), "/")
	n, _ := strconv.Atoi(num)
	m.w.mu.Lock()
	stall := m.stall == n
	m.w.mu.Unlock()
	if stall {
		close(m.stalled)
		_, _ = io.Copy(io.Discard, r.Body) // then the server notices the client leaving
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
		return
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return // cut: the client gave up on it
	}
	m.w.mu.Lock()
	defer m.w.mu.Unlock()
	m.puts = append(m.puts, n)
	if u := m.uploads[id]; u != nil {
		u.parts[n] = b
	}
	rw.Header().Set("ETag", etag(n))
}

// A large upload goes up in parts; interrupted (Ctrl-C), it exits 130 and keeps its
// state beside the token cache; run again, it sends only the parts missing.
func TestInterruptedUploadResumes(t *testing.T) {
	dir := isolate(t)
	w := newFileWorld(t)
	m := w.multipart(t)
	content := make([]byte, 64<<20+5<<20+17) // past the 64 MiB threshold: 14 parts of 5 MiB
	_, _ = rand.Read(content)
	src := filepath.Join(t.TempDir(), "disk.img")
	if err := os.WriteFile(src, content, 0o600); err != nil {
		t.Fatal(err)
	}
	m.stall, m.stalled = 9, make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan result, 1)
	go func() {
		done <- signetCtx(ctx, []string{"upload", src, "backups/", "-j", "2", "--part-size", "5MiB"}, false)
	}()
	select {
	case <-m.stalled:
	case <-time.After(20 * time.Second):
		t.Fatal("part 9 never came")
	}
	cancel()
	r := <-done
	r.failed(t, ExitInterrupted, "signet: interrupted; run the same command again to resume the upload")
	state, _ := filepath.Glob(filepath.Join(dir, "signet", "uploads", "default", "upload-*.json"))
	if len(state) != 1 || fileMode(t, state[0]) != 0o600 || m.aborted != 0 {
		t.Fatalf("state %v, %d aborted", state, m.aborted)
	}
	m.inflight.Wait() // PUTs the first run gave up on may still land
	var held []int    // the parts the storage kept from the first run
	for _, u := range m.uploads {
		for n := range u.parts {
			held = append(held, n)
		}
	}

	m.stall, m.puts = 0, nil
	signet(t, "upload", src, "backups/", "-j", "2", "--part-size", "5MiB").ok(t)
	if b, _ := w.get("backups/disk.img"); !bytes.Equal(b, content) || m.complete != 1 {
		t.Fatalf("the resumed upload did not assemble the file (%d completions)", m.complete)
	}
	// Parts as a set: a PUT retried on a loaded machine is harmless; resending a part
	// the first run left is not.
	sent := slices.Clone(m.puts)
	slices.Sort(sent)
	sent = slices.Compact(sent)
	all := append(slices.Clone(held), sent...)
	slices.Sort(all)
	if len(held) == 0 || !slices.Contains(sent, 9) || !slices.Equal(all, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}) {
		t.Errorf("the first run left parts %v, the second sent %v", held, m.puts)
	}
	if state, _ := filepath.Glob(filepath.Join(dir, "signet", "uploads", "default", "upload-*.json")); len(state) != 0 {
		t.Errorf("state left: %v", state)
	}
}
