package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/signet-cdk/signet/store"
)

var sum64 = base64.StdEncoding.EncodeToString(func() []byte { s := sha256.Sum256([]byte("x")); return s[:] }())

func intent(path string, size int64) store.FileIntent {
	return store.FileIntent{Path: path, ContentType: "application/pdf", Size: size, ChecksumSHA256: sum64}
}

// issueAt stands in for presigning: it returns the audit entry of an issued upload.
func issueAt(requestID string) func(store.Decision) (store.AuditEntry, error) {
	return func(store.Decision) (store.AuditEntry, error) {
		return store.AuditEntry{ExpiresAt: time.Now().Add(15 * time.Minute), RequestID: requestID}, nil
	}
}

func countRows(t *testing.T, admin *pgx.Conn) (files, audits int) {
	t.Helper()
	ctx := context.Background()
	if err := admin.QueryRow(ctx, "SELECT (SELECT count(*) FROM files), (SELECT count(*) FROM audit_events)").Scan(&files, &audits); err != nil {
		t.Fatal(err)
	}
	return files, audits
}

// Bytes PostgreSQL refuses (NUL, invalid UTF-8: SQLSTATE 22021) and other control
// characters are ErrInvalid before any query, in every string a caller can send.
func TestBadBytesAreInvalidNeverDatabaseErrors(t *testing.T) {
	admin, s := freshDB(t)
	addCustomer(t, admin, "acme", "customers/acme")
	addRule(t, admin, "acme", "", "staff", "read", "write")
	addFile(t, admin, "acme", "a.txt")
	ctx := context.Background()
	good := store.Principal{Subject: "u1", CustomerID: "acme", Roles: []string{"staff"}}
	bad := []string{"a\x00b", "\xff\xfe", "a\x7fb", "tab\there", "\u0085next", string([]byte{0xc3})}
	for _, b := range bad {
		principals := map[string]store.Principal{
			"subject":  {Subject: b, CustomerID: "acme", Roles: []string{"staff"}},
			"customer": {Subject: "u1", CustomerID: b, Roles: []string{"staff"}},
			"role":     {Subject: "u1", CustomerID: "acme", Roles: []string{"staff", b}},
		}
		for name, p := range principals {
			if _, err := s.Authorize(ctx, p, store.Read, "a.txt"); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("%s %q: Authorize: %v", name, b, err)
			}
			if _, _, err := s.ListReadable(ctx, p, "", "", 10); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("%s %q: ListReadable: %v", name, b, err)
			}
		}
		if _, _, err := s.ListReadable(ctx, good, "", b, 10); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("cursor %q: %v", b, err)
		}
		in := intent("new.pdf", 1)
		in.ContentType = "text/" + b
		if _, _, err := s.RecordUpload(ctx, good, in, issueAt("r")); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("content type %q: %v", b, err)
		}
		in = intent("new.pdf", 1)
		in.ChecksumSHA256 = b
		if _, _, err := s.RecordUpload(ctx, good, in, issueAt("r")); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("checksum %q: %v", b, err)
		}
		if _, _, err := s.RecordUpload(ctx, good, intent("new.pdf", 1), issueAt(b)); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("request id %q: %v", b, err)
		}
		if err := s.Audit(ctx, good, store.AuditEntry{Path: "a.txt", Action: store.Read, ExpiresAt: time.Now(), RequestID: b}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("audit request id %q: %v", b, err)
		}
	}
	if files, audits := countRows(t, admin); files != 1 || audits != 0 {
		t.Fatalf("refused requests wrote rows: %d files, %d audits", files, audits)
	}
}

// A refused upload changes nothing: bad fields, a refused issue (presigning failed),
// a forbidden path.
func TestRefusedUploadWritesNothing(t *testing.T) {
	admin, s := freshDB(t)
	addCustomer(t, admin, "acme", "customers/acme")
	addRule(t, admin, "acme", "in/", "staff", "write")
	ctx := context.Background()
	p := store.Principal{Subject: "u1", CustomerID: "acme", Roles: []string{"staff"}}
	presignFailed := errors.New("presign failed")
	cases := []struct {
		name  string
		in    store.FileIntent
		issue func(store.Decision) (store.AuditEntry, error)
		want  error
	}{
		{"no content type", store.FileIntent{Path: "in/a", Size: 1, ChecksumSHA256: sum64}, issueAt("r"), store.ErrInvalid},
		{"negative size", store.FileIntent{Path: "in/a", ContentType: "a/b", Size: -1, ChecksumSHA256: sum64}, issueAt("r"), store.ErrInvalid},
		{"short checksum", store.FileIntent{Path: "in/a", ContentType: "a/b", Size: 1, ChecksumSHA256: "abc="}, issueAt("r"), store.ErrInvalid},
		{"unpadded checksum", store.FileIntent{Path: "in/a", ContentType: "a/b", Size: 1, ChecksumSHA256: sum64[:43]}, issueAt("r"), store.ErrInvalid},
		{"bad path", intent("in/../x", 1), issueAt("r"), store.ErrInvalid},
		{"forbidden path", intent("out/a", 1), issueAt("r"), store.ErrForbidden},
		{"issue failed", intent("in/a", 1), func(store.Decision) (store.AuditEntry, error) { return store.AuditEntry{}, presignFailed }, presignFailed},
		{"issue without request id", intent("in/a", 1), issueAt(""), store.ErrInvalid},
	}
	for _, c := range cases {
		if _, _, err := s.RecordUpload(ctx, p, c.in, c.issue); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
	if files, audits := countRows(t, admin); files != 0 || audits != 0 {
		t.Fatalf("refused uploads wrote %d files, %d audits", files, audits)
	}
}

// The path rule for pending uploads: its author may ask again; another user waits
// until the hold ends; a deleted file is replaced.
func TestPendingUploadHoldsItsPath(t *testing.T) {
	admin, s := freshDB(t)
	addCustomer(t, admin, "acme", "customers/acme")
	addRule(t, admin, "acme", "", "staff", "read", "write", "delete")
	ctx := context.Background()
	alice := store.Principal{Subject: "alice", CustomerID: "acme", Roles: []string{"staff"}}
	bob := store.Principal{Subject: "bob", CustomerID: "acme", Roles: []string{"staff"}}
	if _, _, err := s.RecordUpload(ctx, alice, intent("a.pdf", 1), issueAt("r1")); err != nil {
		t.Fatal(err)
	}
	if f, _, err := s.RecordUpload(ctx, alice, intent("a.pdf", 2), issueAt("r2")); err != nil || f.Size != 2 {
		t.Fatalf("author's retry: %+v %v", f, err)
	}
	if _, _, err := s.RecordUpload(ctx, bob, intent("a.pdf", 3), issueAt("r3")); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("another user's request during the hold: %v", err)
	}
	var size int64
	_ = admin.QueryRow(ctx, "SELECT size_bytes FROM files WHERE path = 'a.pdf'").Scan(&size)
	if size != 2 {
		t.Fatalf("the held upload was clobbered: size %d", size)
	}
	var held time.Time
	_ = admin.QueryRow(ctx, "SELECT hold_until - now() + clock_timestamp() FROM files WHERE path = 'a.pdf'").Scan(&held)
	if d := time.Until(held); d < 14*time.Minute || d > 16*time.Minute {
		t.Fatalf("held for %s, want the 15-minute default", d)
	}
	// 16 minutes later (the hold recorded on the row has ended):
	exec(t, admin, "UPDATE files SET updated_at = now() - interval '16 minutes', hold_until = now() - interval '1 minute'")
	if f, _, err := s.RecordUpload(ctx, bob, intent("a.pdf", 4), issueAt("r4")); err != nil || f.CreatedBy != "bob" {
		t.Fatalf("after the hold: %+v %v", f, err)
	}
	var audits int
	_ = admin.QueryRow(ctx, "SELECT count(*) FROM audit_events WHERE request_id = 'r3'").Scan(&audits)
	if audits != 0 {
		t.Fatal("the refused request was audited")
	}
	// A pending row from before hold_until was recorded holds for 15 minutes from
	// its last change.
	exec(t, admin, "UPDATE files SET hold_until = NULL, updated_at = now() - interval '10 minutes'")
	if _, _, err := s.RecordUpload(ctx, alice, intent("a.pdf", 5), issueAt("r5")); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("legacy row within 15 minutes: %v", err)
	}
	exec(t, admin, "UPDATE files SET hold_until = NULL, updated_at = now() - interval '16 minutes'")
	if f, _, err := s.RecordUpload(ctx, alice, intent("a.pdf", 5), issueAt("r5")); err != nil || f.CreatedBy != "alice" {
		t.Fatalf("legacy row after 15 minutes: %+v %v", f, err)
	}
}

// A download needs an available file; ErrNotFound only after authorization.
func TestAuthorizeDownloadNeedsAnAvailableFile(t *testing.T) {
	admin, s := freshDB(t)
	addCustomer(t, admin, "acme", "customers/acme")
	addRule(t, admin, "acme", "open/", "staff", "read")
	addFile(t, admin, "acme", "open/here.txt")
	addFile(t, admin, "acme", "secret/here.txt")
	addFile(t, admin, "acme", "open/pending.txt")
	exec(t, admin, "UPDATE files SET status = 'pending' WHERE path = 'open/pending.txt'")
	ctx := context.Background()
	p := store.Principal{Subject: "u", CustomerID: "acme", Roles: []string{"staff"}}
	for path, want := range map[string]error{
		"open/here.txt": nil, "open/missing.txt": store.ErrNotFound, "open/pending.txt": store.ErrNotFound,
		"secret/here.txt": store.ErrForbidden, "secret/missing.txt": store.ErrForbidden,
	} {
		_, f, err := s.AuthorizeDownload(ctx, p, path)
		if !errors.Is(err, want) || (want == nil && f.Path != path) {
			t.Errorf("%s: got %v (%+v), want %v", path, err, f, want)
		}
	}
}

// The retry budget never outlives the caller's deadline: an unreachable database
// answers ErrUnavailable by the deadline even with a long budget.
func TestRetriesStopAtTheCallersDeadline(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	down, _ := store.Open(store.Config{Host: "127.0.0.1", Port: port, Database: "x", User: "x", RetryBudget: time.Minute})
	defer down.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := down.Authorize(ctx, store.Principal{Subject: "u", CustomerID: "acme", Roles: []string{"r"}}, store.Read, "a")
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("got %v", err)
	}
	if el := time.Since(start); el > 600*time.Millisecond {
		t.Fatalf("took %s with a 400ms deadline", el)
	}
}

// IssueDownload and IssueFolder decide and write the audit row in one statement: the
// row exists exactly when the answer is yes, with the expiry, IP restriction and
// request id given.
func TestIssueWritesTheAuditRowOnlyWhenAllowed(t *testing.T) {
	admin, s := freshDB(t)
	addCustomer(t, admin, "acme", "customers/acme")
	addRule(t, admin, "acme", "open/", "staff", "read")
	addRule(t, admin, "acme", "open/closed/", "staff", "write")
	addFile(t, admin, "acme", "open/here.txt")
	addFile(t, admin, "acme", "secret/here.txt")
	ctx := context.Background()
	p := store.Principal{Subject: "u", CustomerID: "acme", Roles: []string{"staff"}}
	exp := time.Now().Add(5 * time.Minute).Truncate(time.Second)
	entry := func(id string) store.AuditEntry {
		return store.AuditEntry{ExpiresAt: exp, IPRestriction: "198.51.100.0/24", RequestID: id}
	}
	if _, _, err := s.IssueDownload(ctx, p, "secret/here.txt", entry("forbidden")); !errors.Is(err, store.ErrForbidden) {
		t.Fatalf("forbidden: %v", err)
	}
	if _, _, err := s.IssueDownload(ctx, p, "open/missing.txt", entry("missing")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
	if _, err := s.IssueFolder(ctx, p, "open", entry("narrowed")); !errors.Is(err, store.ErrForbidden) {
		t.Fatalf("folder narrowed by open/closed/: %v", err)
	}
	d, f, err := s.IssueDownload(ctx, p, "open/here.txt", entry("file"))
	if err != nil || d.Key != "customers/acme/open/here.txt" || f.Path != "open/here.txt" || d.Rule != "open/" {
		t.Fatalf("allowed: %+v %+v %v", d, f, err)
	}
	exec(t, admin, "UPDATE access_rules SET actions = '{read,write}' WHERE path_prefix = 'open/closed/'")
	if d, err := s.IssueFolder(ctx, p, "open/", entry("folder")); err != nil || d.Key != "customers/acme/open" {
		t.Fatalf("folder: %+v %v", d, err)
	}
	rows, err := admin.Query(ctx, "SELECT request_id, file_path, action::text, ip_restriction::text, expires_at FROM audit_events ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var id, path, action, ip string
		var at time.Time
		_ = rows.Scan(&id, &path, &action, &ip, &at)
		if !at.Equal(exp) {
			t.Errorf("%s expires %s, want %s", id, at, exp)
		}
		got = append(got, id+" "+path+" "+action+" "+ip)
	}
	if fmt.Sprint(got) != "[file open/here.txt read 198.51.100.0/24 folder open read 198.51.100.0/24]" {
		t.Fatalf("audit rows %v", got)
	}
}
