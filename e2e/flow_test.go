package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The day of a platform admin and a new customer's user, through the real binary:
// onboarding, sign-in, upload, list, download, shared links and folder cookies, and
// every refusal.
func TestEndToEnd(t *testing.T) {
	admin := newUser(t, "admin@signet.example")
	admin.login(admin.seeded().Password)

	// Onboarding: a customer, a rule and a user, with the admin verbs.
	admin.mustRun("admin", "customers", "create", "initech", "Initech", "customers/initech")
	admin.mustRun("admin", "rules", "grant", "initech", "staff", "read,write")
	admin.mustRun("admin", "rules", "grant", "initech", "staff", "read,write,delete", "--path", "reports/") // the longest prefix wins
	admin.mustRun("admin", "users", "invite", "initech", "peter@initech.example", "--roles", "staff")
	invitesMu.Lock()
	password := invites["peter@initech.example"]
	invitesMu.Unlock()
	if password == "" {
		t.Fatal("no invitation reached peter")
	}

	peter := newUser(t, "peter@initech.example")
	peter.login(password)
	dir := t.TempDir()
	content := make([]byte, 3<<20+17) // a few MiB, not a round size
	_, _ = rand.Read(content)
	report := writeFile(t, dir, "q3.bin", content)
	peter.mustRun("upload", report, "reports/q3.bin")
	peter.mustRun("upload", writeFile(t, dir, "notes.txt", []byte("team notes")), "reports/notes.txt")
	if out := peter.mustRun("ls", "reports"); !strings.Contains(out, "reports/q3.bin") || !strings.Contains(out, "reports/notes.txt") {
		t.Fatalf("ls: %s", out)
	}
	got := filepath.Join(dir, "copy.bin")
	peter.mustRun("download", "reports/q3.bin", got)
	if b, _ := os.ReadFile(got); sum(b) != sum(content) {
		t.Fatal("the downloaded bytes differ from the uploaded ones")
	}

	t.Run("folder cookies through the edge", func(t *testing.T) { folderCookies(t, peter) })
	t.Run("large file in parts", func(t *testing.T) { largeFile(t, peter) })
	t.Run("refusals", func(t *testing.T) { refusals(t, peter, content) })
	t.Run("whoami, rm, logout", func(t *testing.T) { accountVerbs(t, peter) })
}

// largeFile: above the multipart threshold the CLI uploads in parallel parts with
// per-part and whole-object CRC64NVME, which S3 verifies; the download is verified
// against the stored checksum.
func largeFile(t *testing.T, peter *user) {
	dir := t.TempDir()
	content := make([]byte, 70<<20+5) // two 64 MiB parts' worth, not a round size
	_, _ = rand.Read(content)
	src := writeFile(t, dir, "big.bin", content)
	peter.mustRun("upload", src, "reports/big.bin", "--jobs", "4", "--quiet")
	var listed []map[string]any
	if err := json.Unmarshal([]byte(peter.mustRun("ls", "reports", "--json")), &listed); err != nil {
		t.Fatalf("ls --json: %v", err)
	}
	found := false
	for _, f := range listed {
		if f["path"] == "reports/big.bin" {
			found = f["checksumCrc64nvme"] != nil && f["checksumCrc64nvme"] != ""
		}
	}
	if !found {
		t.Errorf("the multipart upload is not listed with its CRC64NVME: %v", listed)
	}
	got := filepath.Join(dir, "big.copy")
	peter.mustRun("download", "reports/big.bin", got, "--quiet")
	if b, _ := os.ReadFile(got); sum(b) != sum(content) {
		t.Fatal("the large file came back different")
	}
}

// accountVerbs: whoami reads the token, rm deletes (then the file is gone, exit 4),
// logout signs out (then commands need a sign-in, exit 3).
func accountVerbs(t *testing.T, peter *user) {
	var me map[string]any
	if err := json.Unmarshal([]byte(peter.mustRun("whoami", "--json")), &me); err != nil || !strings.Contains(fmt.Sprint(me), "initech") {
		t.Errorf("whoami: %v %v", me, err)
	}
	// Delete is granted under reports/ only (the longest matching rule decides).
	if _, _, code := peter.run("rm", "q3-elsewhere.txt"); code != 4 {
		t.Errorf("rm outside the delete rule: exit %d, want 4", code)
	}
	peter.mustRun("rm", "reports/notes.txt")
	if _, _, code := peter.run("download", "reports/notes.txt", filepath.Join(t.TempDir(), "n")); code != 4 {
		t.Errorf("download after rm: exit %d, want 4", code)
	}
	peter.mustRun("logout")
	if _, errOut, code := peter.run("ls"); code != 3 {
		t.Errorf("ls after logout: exit %d (%s), want 3", code, errOut)
	}
}

// folderCookies: `signet share --folder` gives cookies that open every file in the
// folder at the edge, and nothing without them.
func folderCookies(t *testing.T, peter *user) {
	var shared struct {
		Resource string            `json:"resource"`
		Cookies  map[string]string `json:"cookies"`
	}
	if err := json.Unmarshal([]byte(peter.mustRun("share", "reports", "--folder", "--json")), &shared); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(shared.Resource, "/customers/initech/reports/*") || len(shared.Cookies) != 3 {
		t.Fatalf("share: %+v", shared)
	}
	if status, body := get(t, local.EdgeURL+"/customers/initech/reports/notes.txt", shared.Cookies); status != 200 || string(body) != "team notes" {
		t.Fatalf("with the cookies: %d %q", status, body)
	}
	partial := map[string]string{}
	for k, v := range shared.Cookies {
		if k != "CloudFront-Signature" {
			partial[k] = v
		}
	}
	if status, _ := get(t, local.EdgeURL+"/customers/initech/reports/notes.txt", partial); status != http.StatusForbidden {
		t.Errorf("a missing cookie: %d", status)
	}
	if status, _ := get(t, local.EdgeURL+"/customers/initech/reports/notes.txt", nil); status != http.StatusForbidden {
		t.Errorf("no cookies: %d", status)
	}
}

// refusals: another customer's files, an expired link, the wrong address, a tampered
// signature, an upload larger than signed.
func refusals(t *testing.T, peter *user, content []byte) {
	alice := newUser(t, "alice@acme.example")
	alice.login(alice.seeded().Password)
	dir := t.TempDir()
	alice.mustRun("upload", writeFile(t, dir, "plan.txt", []byte("acme plan")), "plan.txt")

	// Peter's "plan.txt" is under Initech's prefix: Acme's file does not exist for him.
	if _, errOut, code := peter.run("download", "plan.txt", filepath.Join(dir, "x")); code == 0 || !strings.Contains(errOut, "not") {
		t.Errorf("another customer's file: exit %d %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "x")); err == nil {
		b, _ := os.ReadFile(filepath.Join(dir, "x"))
		if len(b) > 0 {
			t.Errorf("a refused download wrote %q", b)
		}
	}
	// Alice's cookies for her root cannot open Initech's files.
	var shared struct{ Cookies map[string]string }
	_ = json.Unmarshal([]byte(alice.mustRun("share", "plan.txt", "--json")), &struct{}{})
	_ = json.Unmarshal([]byte(peter.mustRun("share", "reports", "--folder", "--json")), &shared)
	if status, _ := get(t, local.EdgeURL+"/customers/acme/plan.txt", shared.Cookies); status != http.StatusForbidden {
		t.Errorf("Initech's cookies on Acme's file: %d", status)
	}

	link := strings.TrimSpace(peter.mustRun("share", "reports/notes.txt"))
	if status, _ := get(t, link, nil); status != 200 {
		t.Fatalf("a fresh link: %d", status)
	}
	clockSkew.Store(int64(2 * time.Hour))
	status, _ := get(t, link, nil)
	clockSkew.Store(0)
	if status != http.StatusForbidden {
		t.Errorf("an expired link: %d", status)
	}
	restricted := strings.TrimSpace(peter.mustRun("share", "reports/notes.txt", "--ip", "203.0.113.0/24"))
	if status, _ := get(t, restricted, nil); status != http.StatusForbidden {
		t.Errorf("a link for another address: %d", status)
	}
	if status, _ := get(t, tamper(link), nil); status != http.StatusForbidden {
		t.Errorf("a tampered signature: %d", status)
	}
	overSize(t, peter)
}

// tamper flips one character of the link's signature.
func tamper(link string) string {
	u, _ := url.Parse(link)
	q := u.Query()
	sig := []byte(q.Get("Signature"))
	if sig[5] == 'A' {
		sig[5] = 'B'
	} else {
		sig[5] = 'A'
	}
	q.Set("Signature", string(sig))
	u.RawQuery = q.Encode()
	return u.String()
}

// overSize: a presigned PUT signed for 5 bytes refuses 6 (the size is signed).
func overSize(t *testing.T, peter *user) {
	var up struct {
		Method, URL string
		Headers     map[string]string
	}
	body := `{"path":"reports/small.txt","contentType":"text/plain","size":5,"checksumSha256":"LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="}` // SHA-256 of "hello"
	ask, _ := http.NewRequest(http.MethodPost, local.APIURL+"uploads", strings.NewReader(body))
	ask.Header.Set("Authorization", peter.idToken())
	ask.Header.Set("Content-Type", "application/json")
	answer, err := local.HTTPClient.Do(ask)
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(answer.Body).Decode(&up)
	answer.Body.Close()
	if answer.StatusCode != 200 || err != nil || up.URL == "" {
		t.Fatalf("presign: %d %v", answer.StatusCode, err)
	}
	put, _ := http.NewRequest(up.Method, up.URL, bytes.NewReader([]byte("hello!")))
	for k, v := range up.Headers {
		if !strings.EqualFold(k, "Content-Length") {
			put.Header.Set(k, v)
		}
	}
	resp, err := local.HTTPClient.Do(put)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == 200 {
		t.Errorf("6 bytes accepted on a PUT signed for 5")
	}
}
